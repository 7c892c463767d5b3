import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from openpyxl.utils import get_column_letter

from indicators.models import Indicator, PlanSettings
from reporting.models import IndicatorValue, ItemProgress, MonthlyReport, ReturnImport
from reporting.obligations import roster
from reporting.plausibility import cumulative_decrease
from reporting.services import (
    ValueLine,
    indicator_values_save,
    item_progress_save,
    previous_values,
)
from reporting.transitions import missing_for_submissions, reports_submit
from tasks.models import ChecklistItem
from units.selectors import unit_by_name
from yuecheng_housing.lib.bulk_rows import statistics_refresh
from yuecheng_housing.lib.cells import (
    error_value,
    header_match,
    is_blank,
    is_percent_format,
    is_total_row,
    normal_text,
    read_date,
    read_month,
)
from yuecheng_housing.lib.errors import Conflict, NeedsConfirmation
from yuecheng_housing.lib.numbers import format_decimal, read_id, read_number
from yuecheng_housing.lib.periods import add_months, period_label
from yuecheng_housing.lib.xlsx_read import read_workbook
from yuecheng_housing.lib.xlsx_safety import ReturnFileError

MAX_ROWS = 50_000


# How often a long import says how far it has got (rows).
PROGRESS_EVERY = 1000


# Told, as an import goes, how far it has got: progress(read=…, total=…) while it
# reads, progress(written=…) while it writes.
Progress = Callable[..., None]


def _no_progress(**counts) -> None:
    pass


MAX_COLUMNS = 60


HEADER_ROWS = 10


INDICATOR_HEADERS = {
    # In order of preference: a sheet with both 序号 (1, 2, 3 …) and 指标编号 reads
    # the indicator from 指标编号.
    **dict.fromkeys(["指标编号", "指标序号", "编号", "序号"], "code"),
    **dict.fromkeys(["指标名称", "指标", "名称"], "name"),
    **dict.fromkeys(["填报单位", "单位", "报送单位", "责任单位"], "unit"),
    **dict.fromkeys(["期间", "月份", "所属期", "报告期", "填报月份"], "period"),
    **dict.fromkeys(
        ["本期数值", "本月数", "数值", "完成值", "本期数", "本月完成", "本月数值"],
        "value",
    ),
    **dict.fromkeys(["说明", "备注"], "note"),
}


ITEM_HEADERS = {
    **dict.fromkeys(["清单编号", "事项编号", "编号"], "item"),
    **dict.fromkeys(["填报单位", "单位", "报送单位", "责任单位"], "unit"),
    **dict.fromkeys(["期间", "月份", "所属期", "报告期", "填报月份"], "period"),
    **dict.fromkeys(["进展状态", "状态", "进展"], "status"),
    **dict.fromkeys(["完成日期", "完成时间"], "completed_on"),
    **dict.fromkeys(["说明", "备注"], "note"),
}


STATUS_WORDS = {
    "未开始": "not_started",
    "推进中": "in_progress",
    "进行中": "in_progress",
    "已完成": "done",
    "完成": "done",
    **{s: s for s in ItemProgress.Status.values},
}


COLUMN_NAMES = {
    "code": "指标编号",
    "name": "指标名称",
    "unit": "填报单位",
    "period": "期间",
    "value": "本期数值",
    "note": "说明",
    "item": "清单编号",
    "status": "进展状态",
    "completed_on": "完成日期",
}


@dataclass
class Issue:
    sheet: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"“{self.sheet}”表第{self.row}行" if self.row else f"“{self.sheet}”表"
        column = f"“{self.column}”列" if self.column else ""
        return f"{where}{column}：{self.message}"


@dataclass
class Line:
    sheet: str
    row: int
    unit: object
    period: date
    indicator: Indicator | None = None
    value: Decimal | None = None
    item: ChecklistItem | None = None
    status: str = ""
    completed_on: date | None = None
    note: str = ""


@dataclass
class Change:
    line: Line
    action: str  # created / changed / unchanged / error
    old: str = ""
    new: str = ""
    message: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class ParsedReturn:
    name: str
    sha256: str
    lines: list[Line] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    skipped: int = 0
    skipped_sheets: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # about the file (macros ignored)


def _header(rows: list[tuple], synonyms: dict[str, str], required: set[str]):
    """Return (header row number, {field: column index}) from the first rows; where
    two columns name one field, the more specific name wins."""
    for number, row in enumerate(rows[:HEADER_ROWS], 1):
        columns, ranks = {}, {}
        for index, value in enumerate(row):
            match = header_match(value, synonyms)
            if match and match[1] < ranks.get(match[0], len(synonyms)):
                columns[match[0]], ranks[match[0]] = index, match[1]
        if required <= columns.keys():
            return number, columns
    return None, {}


def _column_name(columns: dict[str, int], index: int) -> str:
    for key, at in columns.items():
        if at == index:
            return key
    return get_column_letter(index + 1)


def _names_agree(name: str, indicator: Indicator) -> bool:
    """Whether a row's 指标名称 names its 指标编号's indicator: the plan's name or
    wording, whole or shortened ("物业服务覆盖率" for 住宅小区专业物业服务覆盖率)."""
    name = re.sub(r"[()（）].*$", "", name)  # "(个)" or "（%）" after the name
    known = [normal_text(indicator.name), normal_text(indicator.label)]
    return any(name in k or k in name for k in known if k)


class _Reader:
    def __init__(self, name: str, data: bytes, progress: Progress) -> None:
        self.parsed = ParsedReturn(name=name, sha256=hashlib.sha256(data).hexdigest())
        self.progress = progress
        self.rows_read = 0
        self.units: dict[str, object] = {}
        self.indicators = {i.code: i for i in Indicator.objects.all()}
        self.items: dict[int, ChecklistItem] = {}

    def error(self, sheet: str, row: int, column: str, message: str) -> None:
        self.parsed.errors.append(
            Issue(sheet, row, COLUMN_NAMES.get(column, column), message)
        )

    def unit(self, value):
        text = str(value or "").strip()
        if text not in self.units:
            self.units[text] = unit_by_name(text) if text else None
        return self.units[text]

    def data_rows(self, rows, plain, header: int, title: str, columns):
        """Yield (row number, row) of the rows below the header worth reading:
        blank and 合计 rows are skipped, rows holding a formula error refused."""
        for number, row in enumerate(rows[header:], header + 1):
            self.rows_read += 1
            if self.rows_read % PROGRESS_EVERY == 0:
                self.progress(read=self.rows_read)
            values = plain[number - 1]
            if is_blank(values) or is_total_row(values):
                self.parsed.skipped += 1
            elif not self.error_values(title, number, row, columns):
                yield number, row

    def error_values(self, sheet: str, number: int, row, columns) -> bool:
        """Record an error for each cell of the row holding a spreadsheet error
        value ("#NAME?"); return whether there was any."""
        found = False
        for index, (value, _, _) in enumerate(row):
            if shown := error_value(value):
                found = True
                self.error(
                    sheet,
                    number,
                    _column_name(columns, index),
                    f"单元格是公式错误值“{shown}”（以=开头的文字会被当作公式），"
                    "请改为文本或修正公式后重新上传",
                )
        return found

    def cell(self, sheet, number, row, columns, key, reader):
        """Read one cell with `reader`; record an error and return None if it fails."""
        index = columns.get(key)
        value = row[index][0] if index is not None and index < len(row) else None
        formula = row[index][1] if index is not None and index < len(row) else False
        if formula and value is None:
            self.error(
                sheet, number, key, "公式没有计算结果，请在 Excel 中打开、保存后再上传"
            )
            return None
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return reader(value, row[index][2])
        except (ValueError, ValidationError) as e:
            message = e.messages[0] if isinstance(e, ValidationError) else str(e)
            self.error(sheet, number, key, message)
            return None

    def indicator_sheet(self, rows, title: str) -> None:
        plain = [tuple(v for v, _, _ in row) for row in rows]
        header, columns = _header(plain, INDICATOR_HEADERS, {"code", "value"})
        if header is None:
            self.error(title, 0, "", "前10行中找不到含“指标编号”“本期数值”的表头")
            return
        for number, row in self.data_rows(rows, plain, header, title, columns):
            code = self.cell(
                title, number, row, columns, "code", lambda v, f: read_id(v)
            )
            indicator = self.indicators.get(code) if code is not None else None
            if code is not None and indicator is None:
                self.error(title, number, "code", f"没有序号为{code}的指标")
            name = self.cell(
                title, number, row, columns, "name", lambda v, f: normal_text(v)
            )
            if indicator is not None and name and not _names_agree(name, indicator):
                self.error(
                    title,
                    number,
                    "name",
                    f"指标编号{code}是“{indicator.name}”，与指标名称“{name}”不符；"
                    "请核对是否错行或把序号当作指标编号",
                )
                continue
            unit, period = self.unit_and_period(title, number, row, columns)
            if indicator is None:
                continue
            value = self.cell(
                title,
                number,
                row,
                columns,
                "value",
                lambda v, f, u=indicator.unit: read_number(
                    v, percent_cell=is_percent_format(f), unit=u
                ),
            )
            note = self.cell(
                title, number, row, columns, "note", lambda v, f: str(v).strip()
            )
            if value is None:
                self.parsed.skipped += 1  # a row left empty reports nothing
                continue
            if unit is None or period is None:
                if unit is None and "unit" not in columns:
                    self.error(title, number, "unit", "缺少填报单位")
                if period is None and "period" not in columns:
                    self.error(title, number, "period", "缺少期间")
                continue
            self.parsed.lines.append(
                Line(
                    title,
                    number,
                    unit,
                    period,
                    indicator=indicator,
                    value=value,
                    note=note or "",
                )
            )

    def unit_and_period(self, title: str, number: int, row, columns) -> tuple:
        """Read a row's 填报单位 and 期间, the same way on every sheet."""
        unit = self.cell(title, number, row, columns, "unit", lambda v, f: self.unit(v))
        period = self.cell(
            title, number, row, columns, "period", lambda v, f: read_month(v)
        )
        return unit, period

    def item_sheet(self, rows, title: str) -> None:
        plain = [tuple(v for v, _, _ in row) for row in rows]
        header, columns = _header(plain, ITEM_HEADERS, {"item", "status"})
        if header is None:
            return  # a return may carry no items
        ids = set()
        for row in plain[header:]:
            if len(row) > columns["item"] and row[columns["item"]] is not None:
                try:
                    ids.add(read_id(row[columns["item"]]))
                except ValueError:
                    pass  # reported on its row below
        self.items = {
            i.pk: i
            for i in ChecklistItem.objects.filter(pk__in=ids).select_related(
                "entry__work_list"
            )
        }
        for number, row in self.data_rows(rows, plain, header, title, columns):
            status = self.cell(title, number, row, columns, "status", self.status)
            if status is None:
                self.parsed.skipped += 1
                continue
            pk = self.cell(title, number, row, columns, "item", lambda v, f: read_id(v))
            item = self.items.get(pk) if pk is not None else None
            if pk is not None and item is None:
                self.error(title, number, "item", f"没有编号为{pk}的工作清单事项")
            unit, period = self.unit_and_period(title, number, row, columns)
            done = self.cell(
                title, number, row, columns, "completed_on", lambda v, f: read_date(v)
            )
            note = self.cell(
                title, number, row, columns, "note", lambda v, f: str(v).strip()
            )
            if item is None or unit is None or period is None:
                continue
            self.parsed.lines.append(
                Line(
                    title,
                    number,
                    unit,
                    period,
                    item=item,
                    status=status,
                    completed_on=done,
                    note=note or "",
                )
            )

    def duplicates(self) -> None:
        """Refuse lines that say the same thing twice (the same unit, indicator or
        item, and month): one error naming both rows, neither written."""
        first: dict[tuple, Line] = {}
        doubled = set()
        for line in self.parsed.lines:
            subject = (
                ("indicator", line.indicator.pk)
                if line.indicator
                else ("item", line.item.pk)
            )
            key = (line.unit.pk, line.period, *subject)
            if key in first:
                earlier = first[key]
                self.error(
                    line.sheet,
                    line.row,
                    "",
                    f"与“{earlier.sheet}”表第{earlier.row}行重复（同一单位、"
                    f"{'指标' if line.indicator else '事项'}和期间），两行都未导入；"
                    "请删去其中一行",
                )
                doubled |= {id(line), id(earlier)}
            else:
                first[key] = line
        self.parsed.lines = [x for x in self.parsed.lines if id(x) not in doubled]

    def status(self, value, number_format) -> str:
        word = str(value).strip()
        if word not in STATUS_WORDS:
            raise ValueError(f"进展状态“{word}”无法识别，应为未开始、推进中或已完成")
        return STATUS_WORDS[word]


def parse_return(
    data: bytes, name: str, progress: Progress = _no_progress
) -> ParsedReturn:
    """Read a return; raise ReturnFileError if the file itself is unusable."""
    workbook = read_workbook(data, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS)
    reader = _Reader(name, data, progress)
    reader.parsed.notes = workbook.notes
    sheets = workbook.sheets
    total = sum(len(rows) for _, rows in sheets)
    progress(read=0, total=total)
    read_any = False
    for title, rows in sheets:
        plain = [tuple(v for v, _, _ in row) for row in rows]
        # Every sheet whose header matches is read: last month's sheet kept and
        # this month's copied beside it are both returns.
        if _header(plain, INDICATOR_HEADERS, {"code", "value"})[0]:
            reader.indicator_sheet(rows, title)
        elif _header(plain, ITEM_HEADERS, {"item", "status"})[0]:
            reader.item_sheet(rows, title)
        else:
            reader.parsed.skipped_sheets.append(title)
            continue
        read_any = True
    if not read_any:
        reader.error(
            sheets[0][0] if sheets else "",
            0,
            "",
            "找不到含“指标编号”“本期数值”（或“清单编号”“进展状态”）的表头",
        )
    reader.duplicates()
    progress(read=total)  # headers and sheets without one included
    return reader.parsed


# Value lines are written in batches of this many, each a fixed number of queries,
# so that a long import can say how far it has got.
WRITE_BATCH = 2000


VALUE, ITEM = "value", "item"


class Seen:
    """The versions a preview read, and the check an import makes against them.

    Keys are "unit:indicator-or-item:YYYY-MM" under "value" and "item"; a row that
    did not exist at the preview was read at version 0.
    """

    def __init__(self, previewed: dict | None) -> None:
        self.previewed = previewed
        self.read: dict[str, dict[str, int]] = {VALUE: {}, ITEM: {}}

    def changed(self, kind: str, key: tuple[int, int, date], version: int):
        """None if the row is as the preview read it (or there was no preview);
        else a function that words the refusal from the row's current value."""
        name = f"{key[0]}:{key[1]}:{key[2]:%Y-%m}"
        self.read[kind][name] = version
        if self.previewed is None:
            return None
        then = self.previewed.get(kind, {}).get(name)
        if then is None or then == version:
            return None

        def message(now) -> str:
            shown = "已删除" if now is None else f"现为{_shown(now)}"
            return (
                f"预览后该数据已被修改（{shown}），为免覆盖，本次未导入；"
                "请重新上传预览，核对后再导入"
            )

        return message


def _shown(value) -> str:
    return format_decimal(value) if isinstance(value, Decimal) else str(value)


def import_lock() -> None:
    """Let one import write at a time: the second of two overlapping imports then
    reads the first's rows as changed since its preview. SQLite's IMMEDIATE
    transactions serialise writers already; PostgreSQL locks the settings row."""
    PlanSettings.load()
    list(PlanSettings.objects.select_for_update().values_list("pk", flat=True))


def _values_apply(
    lines: list[Line],
    *,
    user: AbstractBaseUser,
    reason: str,
    confirm: bool,
    progress: Progress = _no_progress,
    seen: Seen,
) -> list[Change]:
    """Write the value lines in one batch through the value service."""
    if not lines:
        return []
    units = {line.unit.pk for line in lines}
    periods = {line.period for line in lines}
    stored, versions = {}, {}
    for (
        unit_id,
        indicator_id,
        period,
        value,
        note,
        version,
    ) in IndicatorValue.objects.filter(
        report__unit_id__in=units, report__period__in=periods
    ).values_list(
        "report__unit_id",
        "indicator_id",
        "report__period",
        "value",
        "note",
        "version",
    ):
        stored[unit_id, indicator_id, period] = (value, note)
        versions[unit_id, indicator_id, period] = version
    previous = previous_values(
        [ValueLine(x.unit, x.indicator, x.period, x.value) for x in lines]
    )
    batch, warnings, to_write, changes = [], [], [], []
    for line in lines:
        key = (line.unit.pk, line.indicator.pk, line.period)
        changed = seen.changed(VALUE, key, versions.get(key, 0))
        if changed and stored.get(key) != (line.value, line.note):
            value = stored.get(key, (None, None))[0]
            changes.append(Change(line, "error", message=changed(value)))
            continue
        if stored.get(key) == (line.value, line.note):
            # Already so: nothing to write, even in a month since locked.
            old = format_decimal(line.value)
            changes.append(Change(line, "unchanged", old, old))
            continue
        to_write.append(line)
        decrease = cumulative_decrease(
            indicator=line.indicator, value=line.value, previous=previous.get(key)
        )
        notes = [decrease] if decrease else []
        # The return's 说明 explains the drop.
        decrease_reason = line.note if decrease else ""
        # A later month in the same file compares with this one.
        previous[line.unit.pk, line.indicator.pk, add_months(line.period, 1)] = (
            line.value
        )
        warnings.append(notes)
        batch.append(
            ValueLine(
                line.unit,
                line.indicator,
                line.period,
                line.value,
                note=line.note,
                decrease_reason=decrease_reason,
                confirmed=confirm,
            )
        )
    outcomes, now, current = [], timezone.now(), roster()
    recount_at = WRITE_BATCH
    for start in range(0, len(batch), WRITE_BATCH):
        outcomes += indicator_values_save(
            user=user,
            lines=batch[start : start + WRITE_BATCH],
            reason=reason,
            now=now,
            current=current,
        )
        progress(written=len(changes) + len(outcomes))
        if len(outcomes) >= recount_at:
            # Each doubling of what the file wrote: a few recounts for any size.
            statistics_refresh(
                IndicatorValue, IndicatorValue.history.model, MonthlyReport
            )
            recount_at *= 2
    for line, outcome, notes in zip(to_write, outcomes, warnings, strict=True):
        if isinstance(outcome, NeedsConfirmation):
            message = outcome.message + "（命令行导入请在核对后加 --confirm）"
            changes.append(Change(line, "error", message=message))
            continue
        if isinstance(outcome, Exception):
            message = (
                "；".join(outcome.messages)
                if isinstance(outcome, ValidationError)
                else str(outcome)
            )
            changes.append(Change(line, "error", message=message))
            continue
        # What the plausibility rule found, confirmed by importing after the preview.
        notes = notes + [w for w in outcome.warnings.split("；") if w]
        old_value, old_note = stored.get(
            (line.unit.pk, line.indicator.pk, line.period), (None, None)
        )
        old = format_decimal(old_value) if old_value is not None else ""
        new = format_decimal(outcome.value)
        if old_value is None:
            action = "created"
        elif old_value == outcome.value and old_note == outcome.note:
            action = "unchanged"
        else:
            action = "changed"
        changes.append(Change(line, action, old, new, warnings=notes))
    return changes


def _item_apply(
    line: Line, *, user: AbstractBaseUser, reason: str, confirm: bool, seen: Seen
) -> Change:
    """Write one item line through the item-progress service."""
    stored = ItemProgress.objects.filter(
        item=line.item, report__unit=line.unit, report__period=line.period
    ).first()
    old = stored.get_status_display() if stored else ""
    key = (line.unit.pk, line.item.pk, line.period)
    changed = seen.changed(ITEM, key, stored.version if stored else 0)
    done_on = line.completed_on if line.status == "done" else None
    if stored is not None and (stored.status, stored.completed_on, stored.note) == (
        line.status,
        done_on,
        line.note,
    ):
        return Change(line, "unchanged", old, old)
    if changed:
        return Change(line, "error", message=changed(old or None))
    saved = item_progress_save(
        user=user,
        unit=line.unit,
        item=line.item,
        period=line.period,
        status=line.status,
        completed_on=line.completed_on,
        note=line.note,
        confirmed=confirm,
        reason=reason,
    )
    new = saved.get_status_display() + (
        f"（{saved.completed_on:%Y-%m-%d}）" if saved.completed_on else ""
    )
    if stored is None:
        action = "created"
    elif stored.version == saved.version:
        action = "unchanged"
    else:
        action = "changed"
    warnings = [w for w in saved.warnings.split("；") if w]
    return Change(line, action, old, new, warnings=warnings)


@dataclass
class ImportResult:
    parsed: ParsedReturn
    changes: list[Change]
    duplicate_of: ReturnImport | None = None
    submitted: bool = False  # the months go for review, not stay drafts
    submission_errors: list[str] = field(default_factory=list)
    seen: dict = field(default_factory=dict)  # the version of every row read
    # The file's months already approved ("区建设局2023年6月"): left as they are.
    kept_approved: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return (
            [str(e) for e in self.parsed.errors]
            + [
                f"“{c.line.sheet}”表第{c.line.row}行：{c.message}"
                for c in self.changes
                if c.action == "error"
            ]
            + self.submission_errors
        )

    @property
    def warned(self) -> int:
        return sum(1 for c in self.changes if c.warnings)

    @property
    def shown_changes(self) -> list[Change]:
        """The rows of a preview, what needs a look first: those with warnings,
        then new and changed ones, then unchanged ones; each group in row order."""
        rank = {"created": 1, "changed": 1, "unchanged": 2}
        rows = [c for c in self.changes if c.action != "error"]
        return sorted(
            rows,
            key=lambda c: (
                0 if c.warnings else rank[c.action],
                c.line.sheet,
                c.line.row,
            ),
        )

    @property
    def outcome(self) -> str:
        """What the import does with the months it writes, in words for the page."""
        if self.submitted:
            text = "导入后各月报送审核（已审核锁定的月份不变）。"
        else:
            text = "导入后为草稿：各单位（或管理员）在“月度填报”页报送后才进入审核。"
        if self.kept_approved:
            shown = "、".join(self.kept_approved[:5])
            more = (
                f"等{len(self.kept_approved)}个月"
                if len(self.kept_approved) > 5
                else ""
            )
            text += (
                f"文件中{shown}{more}已审核锁定，其中与系统一致的行记为“未变”、"
                "跳过，不再报送。"
            )
        return text

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)


def return_run(
    *,
    parsed: ParsedReturn,
    user: AbstractBaseUser,
    commit: bool,
    confirm: bool = True,
    submit: bool = False,
    progress: Progress = _no_progress,
    seen: dict | None = None,
) -> ImportResult:
    """Preview (commit=False) or import a parsed return, all or nothing.

    A preview records the version of every row it read (`ImportResult.seen`); an
    import of that preview (`seen`) refuses each row changed since, by anyone —
    a unit's entry or another import — rather than overwrite it. Imports are
    written one at a time (`import_lock`), so of two overlapping imports the
    second sees the first's values as changed since its preview.

    `confirm` accepts the plausibility warnings the preview showed: the web page's
    commit button comes after the preview; the command line asks for --confirm.
    Imported lines are drafts unless `submit`: then each month of the file is
    submitted for review (导入并报送), if none of its indicators is left unfilled.
    """
    duplicate = ReturnImport.objects.filter(
        sha256=parsed.sha256, status=ReturnImport.Status.IMPORTED
    ).first()
    if duplicate is not None:
        return ImportResult(parsed, [], duplicate_of=duplicate)
    reason = f"Excel导入：{parsed.name}"
    changes = []
    reading = Seen(seen)
    with transaction.atomic():
        import_lock()
        value_lines = [line for line in parsed.lines if line.indicator is not None]
        changes += _values_apply(
            value_lines,
            user=user,
            reason=reason,
            confirm=confirm,
            progress=progress,
            seen=reading,
        )
        for line in parsed.lines:
            if line.indicator is not None:
                continue
            if len(changes) % PROGRESS_EVERY == 0:
                progress(written=len(changes))
            try:
                with transaction.atomic():
                    changes.append(
                        _item_apply(
                            line,
                            user=user,
                            reason=reason,
                            confirm=confirm,
                            seen=reading,
                        )
                    )
            except ValidationError as e:
                changes.append(Change(line, "error", message="；".join(e.messages)))
            except (PermissionDenied, Conflict) as e:
                changes.append(Change(line, "error", message=str(e)))
            except NeedsConfirmation as e:
                message = e.message + "（命令行导入请在核对后加 --confirm）"
                changes.append(Change(line, "error", message=message))
        approved = _approved_months(parsed.lines)
        if submit and not any(c.action == "error" for c in changes):
            submission_errors = _submit_months(
                parsed.lines, user=user, approved=approved
            )
        else:
            submission_errors = []
        changes.sort(key=lambda c: (c.line.sheet != "指标", c.line.sheet, c.line.row))
        result = ImportResult(parsed, changes, submitted=submit, seen=reading.read)
        result.submission_errors = submission_errors
        result.kept_approved = sorted(approved.values())
        if not commit or result.errors:
            transaction.set_rollback(True)
    return result


def _approved_months(lines: list[Line]) -> dict[tuple[int, date], str]:
    """{(unit id, month): "单位2023年6月"} of the file's months already approved.

    Their rows that say what is stored are unchanged and skipped; a row that
    would change one is an error (`edit_refusal`, naming who can unlock it)."""
    months = {(line.unit.pk, line.period) for line in lines}
    if not months:
        return {}
    return {
        (report.unit_id, report.period): _where(report)
        for report in MonthlyReport.objects.filter(
            unit_id__in={u for u, _ in months},
            period__in={p for _, p in months},
            status=MonthlyReport.Status.APPROVED,
        ).select_related("unit")
        if (report.unit_id, report.period) in months
    }


def _submit_months(
    lines: list[Line], *, user: AbstractBaseUser, approved: dict
) -> list[str]:
    """Submit each (unit, month) the file wrote, but those already approved (they
    are past review: re-submitting would only fail); return why any could not be."""
    months = {(line.unit.pk, line.period) for line in lines} - approved.keys()
    if not months:
        return []
    reports = [
        report
        for report in MonthlyReport.objects.filter(
            unit_id__in={u for u, _ in months}, period__in={p for _, p in months}
        )
        .select_related("unit")
        .order_by("unit__position", "unit_id", "period")
        if (report.unit_id, report.period) in months
    ]
    errors, ready = [], []
    missing = missing_for_submissions(reports)
    for report in reports:
        if missing[report.pk]:
            names = "、".join(missing[report.pk])
            errors.append(f"{_where(report)}还有指标未填，不能报送：{names}")
        else:
            ready.append(report)
    refused = reports_submit(user=user, reports=ready).refused
    errors += [
        f"{_where(r)}：{_message(refused[r.pk])}" for r in ready if r.pk in refused
    ]
    return errors


def _where(report: MonthlyReport) -> str:
    return f"{report.unit}{report.period.year}年{report.period.month}月"


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "；".join(error.messages)
    return str(error)


def return_import(
    *,
    data: bytes,
    name: str,
    user: AbstractBaseUser,
    commit: bool,
    confirm: bool = True,
    submit: bool = False,
) -> tuple[ImportResult | None, ReturnImport]:
    """Keep the file, read it, and preview or import it at once; log the outcome.
    Raise ReturnFileError if the file cannot be read (the log says so too)."""
    log = ReturnImport(
        content=data,
        file_name=safe_file_name(name),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=user,
        action=ReturnImport.Action.COMMIT if commit else ReturnImport.Action.PREVIEW,
        then_submit=submit,
    )
    result = return_import_run(log, confirm=confirm)
    if result is None:
        raise ReturnFileError(f"{log.file_name}：{log.outcome['errors'][0]}")
    return result, log


def safe_file_name(name: str) -> str:
    """The name of an uploaded file without any folder, as it is kept and shown."""
    return name.replace("\\", "/").rsplit("/", 1)[-1][:255] or "报表.xlsx"


def return_import_run(
    log: ReturnImport, *, confirm: bool = True, progress: Progress = _no_progress
) -> ImportResult | None:
    """Preview or import the file a log keeps, as its `action` says; record the
    outcome on the log (saved) and return it, or None if the file is unreadable."""
    commit = log.action == ReturnImport.Action.COMMIT
    data = bytes(log.content)
    try:
        parsed = parse_return(data, log.file_name, progress)
    except ReturnFileError as e:
        log.status = ReturnImport.Status.FAILED
        log.created = log.changed = log.unchanged = 0
        log.failed = 1
        log.outcome = {"errors": [str(e)], "errors_total": 1}
        log.save()
        return None
    result = return_run(
        parsed=parsed,
        user=log.uploaded_by,
        commit=commit,
        confirm=confirm,
        submit=log.then_submit,
        progress=progress,
        # An import after a preview writes only what the preview showed.
        seen=log.seen if commit and log.seen else None,
    )
    if result.duplicate_of is not None:
        log.status = ReturnImport.Status.DUPLICATE
    elif result.errors:
        log.status = ReturnImport.Status.FAILED
    elif commit:
        log.status = ReturnImport.Status.IMPORTED
        log.imported_at = timezone.now()
    else:
        log.status = ReturnImport.Status.PREVIEW
    log.created = result.count("created")
    log.changed = result.count("changed")
    log.unchanged = result.count("unchanged")
    log.failed = len(result.errors)
    log.rows_written = len(result.changes) if commit and not result.errors else 0
    log.outcome = _outcome(result)
    if not commit:
        log.seen = result.seen
    log.save()
    return result


# What a log keeps of a preview for its page: every count, and the first rows.
SHOWN_ROWS = 500
SHOWN_ERRORS = 200


def _outcome(result: ImportResult) -> dict:
    errors = result.errors
    shown = result.shown_changes
    duplicate = result.duplicate_of
    return {
        "errors": errors[:SHOWN_ERRORS],
        "errors_total": len(errors),
        "skipped": result.parsed.skipped,
        "skipped_sheets": result.parsed.skipped_sheets,
        "notes": result.parsed.notes,
        "warned": result.warned,
        "outcome": result.outcome,
        "duplicate_of": (
            f"{timezone.localtime(duplicate.imported_at):%Y-%m-%d %H:%M}"
            if duplicate is not None and duplicate.imported_at
            else ("" if duplicate is None else "此前")
        ),
        "rows_total": len(shown),
        "rows": [
            {
                "where": f"{c.line.sheet}第{c.line.row}行",
                "unit": str(c.line.unit),
                "period": period_label(c.line.period),
                "subject": (
                    c.line.indicator.name if c.line.indicator else c.line.item.text
                ),
                "action": c.action,
                "old": c.old,
                "new": c.new,
                "warnings": "；".join(c.warnings),
            }
            for c in shown[:SHOWN_ROWS]
        ],
    }
