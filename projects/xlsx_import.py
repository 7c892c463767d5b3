"""Import a ledger (one kind) from a spreadsheet in the layout its export
writes, so that export → edit → import round-trips, through the service.

The returns' reader (lib.xlsx_read.read_workbook: .xlsx, .xls, .et, .ods, .xlsb;
merged cells filled, macros never run) and the 危房台账's tolerance
(hazards.xlsx_import): the header anywhere in the first 10 rows, columns in any
order and named as offices name them, 全角 digits, dates as Excel dates, as
Excel serial numbers (a date pasted into a General cell) or as "2026-06-01",
"2026/6/1", "2026年6月1日". Every row goes through
projects.services.projects_save in one batch, so the rules, the unit scoping and
the history are the page's, in a fixed number of queries however long the
file. All or nothing: one transaction, rolled back on any refused row, and
always for a preview. Each refusal names its row and, where one cell is at
fault, its column.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from openpyxl.utils import get_column_letter

# The register's result: its counts (新增/修改/未变, refused, to confirm) read
# any line with an outcome, errors and warnings, as these are.
from hazards.xlsx_import import ImportResult, cell_check, cell_text, town_lookup
from projects.access import writable_projects
from projects.kinds import Kind
from projects.models import Project
from projects.services import (
    KIND_FIELDS,
    ProjectData,
    ProjectLine,
    StageDates,
    projects_save,
)
from yuecheng_housing.lib.cells import (
    header_match,
    is_blank,
    is_total_row,
    normal_text,
    read_date,
)
from yuecheng_housing.lib.errors import Conflict, NeedsConfirmation
from yuecheng_housing.lib.numbers import read_number
from yuecheng_housing.lib.xlsx_read import read_workbook
from yuecheng_housing.lib.xlsx_safety import ReturnFileError

MAX_ROWS = 5000
MAX_COLUMNS = 60
HEADER_ROWS = 10
# Excel counts days from 1899-12-30 (its 1900 leap-year slip included); a date
# pasted into a General cell arrives as that count. Only counts between 2000 and
# 2100 are read as days: a 户数 of 45 in a date column is a mistake, not 1900.
EXCEL_EPOCH = date(1899, 12, 30)
SERIALS = range(36526, 73051)
CHOICE_FIELDS = {
    "raising": Project.Raising,
    "setting": Project.Setting,
    "award_level": Project.AwardLevel,
}
NUMBER_FIELDS = ("quantity", "households", "buildings")
MONEY_FIELDS = ("planned_investment", "spent_investment")


def _key(header: str) -> str:
    """A header as header_match compares it (width, spaces, brackets folded)."""
    return re.sub(r"[()\[\]【】<>《》]", "", normal_text(header))


def synonyms(kind: Kind) -> dict[str, str]:
    """The headers of a kind's columns: the export's first, then other names."""
    names: dict[str, str] = {
        "编号": "id", "项目编号": "id",
        "版本": "version", "版本号": "version",
        kind.name_label: "name", f"{kind.name_label}名称": "name",
        "名称": "name", "项目名称": "name",
        "镇街/平台": "town", "镇街": "town", "所属镇街": "town", "镇(街道)": "town",
        "平台": "town", "镇街名称": "town", "单位": "town",
        "年度计划": "year", "年度": "year", "计划年度": "year",
        "计划投资（万元）": "planned_investment", "计划投资": "planned_investment",
        "总投资（万元）": "planned_investment",
        "已完成投资（万元）": "spent_investment", "已完成投资": "spent_investment",
        "完成投资（万元）": "spent_investment", "完成投资": "spent_investment",
        "资金来源": "funding_source",
        "备注": "note", "说明": "note",
    }  # fmt: skip
    if not kind.one_each:
        names[kind.quantity_label] = "quantity"
        names["数量"] = "quantity"
    for name in kind.fields:
        label = str(Project._meta.get_field(name).verbose_name)
        names[label] = name
    if "buildings" in kind.fields:
        names["幢数"] = "buildings"
    for stage in kind.stages:
        names[f"{stage.label}计划日期"] = f"{stage.key}_planned"
        names[f"计划{stage.label}日期"] = f"{stage.key}_planned"
        names[f"{stage.label}完成日期"] = f"{stage.key}_reached"
        names[f"{stage.label}日期"] = f"{stage.key}_reached"
        names[f"{stage.label}时间"] = f"{stage.key}_reached"
    return {_key(header): name for header, name in names.items()}


def export_headers(kind: Kind) -> list[tuple[str, str]]:
    """The export's columns in order, each with the field it holds ("" for the
    columns only shown: 当前阶段, 滞后), which the import reads back."""
    columns = [
        ("编号", "id"),
        ("版本", "version"),
        (kind.name_label, "name"),
        ("镇街/平台", "town"),
        ("年度计划", "year"),
    ]
    if not kind.one_each:
        columns.append((kind.quantity_label, "quantity"))
    columns += [
        (str(Project._meta.get_field(name).verbose_name), name)
        for name in KIND_FIELDS
        if name in kind.fields
    ]
    columns.append(("当前阶段", ""))
    for stage in kind.stages:
        columns.append((f"{stage.label}计划日期", f"{stage.key}_planned"))
        columns.append((f"{stage.label}完成日期", f"{stage.key}_reached"))
    columns += [
        ("计划投资（万元）", "planned_investment"),
        ("已完成投资（万元）", "spent_investment"),
        ("资金来源", "funding_source"),
        ("滞后", ""),
        ("备注", "note"),
    ]
    return columns


REQUIRED = ("name", "town", "year")


@dataclass
class ImportLine:
    row: int
    name: str = ""
    outcome: str = ""  # 新增 / 修改 / 未变 (when it could be written)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _header(rows: list[tuple], kind: Kind) -> tuple[int, dict[str, int]]:
    """Return the header row's index and the column of each field it names."""
    names = synonyms(kind)
    for index, values in enumerate(rows[:HEADER_ROWS]):
        columns: dict[str, tuple[int, int]] = {}
        for column, value in enumerate(values):
            match = header_match(value, names)
            if match and (match[0] not in columns or match[1] < columns[match[0]][1]):
                columns[match[0]] = (column, match[1])
        if set(REQUIRED) <= set(columns):
            return index, {name: column for name, (column, _) in columns.items()}
    wanted = f"{kind.name_label}、镇街/平台、年度计划"
    raise ReturnFileError(f"前{HEADER_ROWS}行中没有找到表头（须含{wanted}）。")


class CellError(ValueError):
    """A cell that cannot be read, named by its field (the column is added)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def read_day(value) -> date | None:
    """A date as offices type it, or an Excel serial number of one."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value == int(value) and int(value) in SERIALS:
            return EXCEL_EPOCH + timedelta(days=int(value))
        raise ValueError(f"“{cell_text(value)}”不是日期（应为2026-06-20这样的写法）")
    return read_date(value)


def _number(value) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return read_number(value)


def _choice(value, options) -> str:
    text = normal_text(value or "")
    if not text:
        return ""
    for key, label in options.choices:
        if text in (key, normal_text(label)):
            return key
    raise ValueError(f"“{cell_text(value)}”应为{'、'.join(options.labels)}")


def _year(value) -> int:
    text = normal_text(cell_text(value)).removesuffix("年")
    if not text.isdigit():
        raise ValueError(f"“{cell_text(value)}”不是年份（应为2026这样的写法）")
    return int(text)


def _read_row(
    values: dict[str, object], kind: Kind, town_of
) -> tuple[ProjectData, int | None, int | None]:
    """Turn one row's cells into the service's input; CellError says which
    cell is wrong and why."""

    def read(name: str, reader):
        try:
            return reader(values.get(name))
        except ValidationError as e:
            raise CellError(name, "；".join(e.messages)) from None
        except ValueError as e:
            raise CellError(name, str(e)) from None

    town_name = cell_text(values.get("town"))
    if not town_name:
        raise CellError("town", "请填写镇街/平台")
    town = read("town", lambda v: town_of(town_name))
    data = ProjectData(
        kind=kind.key,
        name=cell_text(values.get("name")),
        town=town,
        year=read("year", _year),
        funding_source=cell_text(values.get("funding_source")),
        note=cell_text(values.get("note")),
    )
    if not kind.one_each:
        quantity = read("quantity", _number)
        if quantity is None:
            raise CellError("quantity", f"请填写{kind.quantity_label}")
        data.quantity = quantity
    for name in ("households", "buildings"):
        if name in kind.fields:
            setattr(data, name, read(name, _number))
    for name, options in CHOICE_FIELDS.items():
        if name in kind.fields:
            setattr(data, name, read(name, lambda v, o=options: _choice(v, o)))
    for name in MONEY_FIELDS:
        setattr(data, name, read(name, _number))
    for stage in kind.stages:
        dates = StageDates(
            planned_on=read(f"{stage.key}_planned", read_day),
            reached_on=read(f"{stage.key}_reached", read_day),
        )
        if dates.planned_on or dates.reached_on:
            data.stages[stage.key] = dates
    raw_id = cell_text(values.get("id"))
    if raw_id and not raw_id.isdigit():
        raise CellError("id", f"编号“{raw_id}”应为台账中的编号（整数）")
    raw_version = cell_text(values.get("version"))
    if raw_id and not raw_version:
        # Without the version the row was read at, an older list would silently
        # undo a later edit: a change to a stored project needs it.
        raise CellError(
            "version",
            f"编号{raw_id}的行缺少“版本”：修改已登记的项目请使用最新导出的台账"
            "（含“版本”列）",
        )
    if raw_version and not raw_version.isdigit():
        raise CellError("version", f"版本“{raw_version}”应为导出时的版本号（整数）")
    return (
        data,
        int(raw_id) if raw_id else None,
        int(raw_version) if raw_version else None,
    )


def _where(name: str, columns: dict[str, int], headers: dict[str, str]) -> str:
    """ "F列（户数）" for a field read from the file; "" for one it does not hold."""
    if name in columns:
        return f"{get_column_letter(columns[name] + 1)}列（{headers[name]}）："
    return ""


def ledger_import(
    *,
    user: AbstractBaseUser,
    kind: Kind,
    content: bytes,
    dry_run: bool,
    confirmed: bool = False,
    reason: str = "Excel导入",
    now: datetime | None = None,
) -> ImportResult:
    """Read a ledger of `kind` and write it through the service; all or nothing."""
    now = now or timezone.now()
    try:
        workbook = read_workbook(
            content, max_rows=MAX_ROWS + HEADER_ROWS, max_columns=MAX_COLUMNS
        )
        sheets = workbook.sheets
        rows = (
            [tuple(cell[0] for cell in row) for row in sheets[0][1]] if sheets else []
        )
        start, columns = _header(rows, kind)
    except ReturnFileError as e:
        return ImportResult([], False, str(e))
    except (OSError, ValueError, KeyError) as e:
        return ImportResult(
            [],
            False,
            f"无法读取该文件（{type(e).__name__}），"
            "请在 Excel 或 WPS 中打开后另存再上传。",
        )
    if len(rows) > MAX_ROWS + start + 1:
        return ImportResult([], False, f"超过{MAX_ROWS}行，请分文件导入。")
    headers = {name: cell_text(rows[start][c]) for name, c in columns.items()}
    lines: list[ImportLine] = []
    batch: list[tuple[ImportLine, ProjectLine]] = []
    town_of = town_lookup()
    for number, values in enumerate(rows[start + 1 :], start + 2):
        if is_blank(values) or is_total_row(values):
            continue
        cells = {
            name: values[c] if c < len(values) else None for name, c in columns.items()
        }
        line = ImportLine(number, cell_text(cells.get("name")))
        lines.append(line)
        try:
            cell_check(cells, columns)
            data, project_id, version = _read_row(cells, kind, town_of)
        except CellError as e:
            line.errors = [f"{_where(e.name, columns, headers)}{e}"]
        except ValueError as e:
            line.errors = [str(e)]
        else:
            batch.append((line, ProjectLine(data, project_id, version)))
    with transaction.atomic():
        versions = dict(
            writable_projects(user).filter(kind=kind.key).values_list("pk", "version")
        )
        outcomes = projects_save(
            user=user, lines=[p for _, p in batch], confirmed=confirmed,
            reason=reason, now=now,
        )  # fmt: skip
        for (line, project_line), outcome in zip(batch, outcomes, strict=True):
            _record(line, project_line, outcome, versions, columns, headers)
        written = not dry_run and not any(
            line.errors or line.warnings for line in lines
        )
        if not written:
            transaction.set_rollback(True)
    return ImportResult(lines, written, notes=workbook.notes)


def _record(
    line: ImportLine,
    project_line: ProjectLine,
    outcome,
    versions: dict[int, int],
    columns: dict[str, int],
    headers: dict[str, str],
) -> None:
    if isinstance(outcome, NeedsConfirmation):
        line.warnings = outcome.warnings
    elif isinstance(outcome, ValidationError):
        if hasattr(outcome, "error_dict"):
            line.errors = [
                f"{_where(name, columns, headers)}{message}"
                for name, errors in outcome.error_dict.items()
                for e in errors
                for message in e.messages
            ]
        else:
            line.errors = outcome.messages
    elif isinstance(outcome, Conflict) and project_line.project_id is not None:
        line.errors = [
            f"编号{project_line.project_id}{outcome}（该行读自较早的台账：请重新导出，"
            "在新表上修改后再导入）"
        ]
    elif isinstance(outcome, PermissionDenied):
        # Refused for the unit named, or for the project the 编号 names.
        name = "town" if str(outcome).startswith("您无权登记") else "id"
        line.errors = [f"{_where(name, columns, headers)}{outcome}"]
    elif isinstance(outcome, Conflict):
        line.errors = [str(outcome)]
    elif project_line.project_id is None:
        line.outcome = "新增"
    else:
        line.outcome = "未变" if versions.get(outcome.pk) == outcome.version else "修改"
