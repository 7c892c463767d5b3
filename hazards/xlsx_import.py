"""Import a town's list of dangerous buildings from a spreadsheet (.xlsx, .xls,
.et, .ods …; lib.xlsx_read.read_workbook), through the service.

The same tolerant reading and the same safety as the returns (lib.cells,
lib.xlsx_safety): the header anywhere in the first 10 rows, columns in any order,
header variants, dates as Excel dates or "2024-06-01", "2024/6/1", "2024年6月1日";
a file that is not a spreadsheet, is encrypted, damaged or unpacks too large is
refused; an .xlsm's macros are never run (the result says so).
Every row goes through hazards.services.hazard_cases_save, so the rules, the town
scoping and the history are the page's; a row with a 编号 changes that case (the
export's columns, so importing an export changes nothing). All or nothing: one
transaction, rolled back on any error, and always for a preview. The rows are
read first and written as one batch, in a fixed number of queries: a list of
4 900 rows takes as long per row as a list of 10.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from openpyxl.utils import get_column_letter

from hazards.access import writable_cases
from hazards.models import HazardCase
from hazards.services import CaseData, CaseLine, hazard_cases_save
from units.models import Unit
from units.selectors import unit_by_name
from yuecheng_housing.lib.cells import (
    error_value,
    header_match,
    is_blank,
    is_total_row,
    normal_text,
    read_date,
)
from yuecheng_housing.lib.errors import Conflict, NeedsConfirmation
from yuecheng_housing.lib.numbers import non_finite
from yuecheng_housing.lib.xlsx_read import read_workbook
from yuecheng_housing.lib.xlsx_safety import ReturnFileError

MAX_ROWS = 5000
MAX_COLUMNS = 40
HEADER_ROWS = 10
SYNONYMS = {
    "编号": "id", "危房编号": "id",
    "镇街": "town", "镇(街道)": "town", "所属镇街": "town", "镇街名称": "town",
    "地址": "address", "房屋地址": "address", "危房地址": "address",
    "类别": "kind", "城乡类别": "kind", "城镇/农村": "kind",
    "困难家庭": "hardship", "是否困难家庭": "hardship",
    "发现日期": "found_on", "发现时间": "found_on",
    "鉴定日期": "appraised_on", "鉴定时间": "appraised_on",
    "鉴定等级": "grade", "等级": "grade", "危险等级": "grade",
    "撤离日期": "evacuated_on", "撤离时间": "evacuated_on",
    "整治方式": "remedy", "治理方式": "remedy",
    "整治完成日期": "remedied_on", "治理完成日期": "remedied_on",
    "救助到位日期": "relief_granted_on", "救助日期": "relief_granted_on",
    "备注": "note", "说明": "note",
    "版本": "version", "版本号": "version",
}  # fmt: skip
REQUIRED = {"town": "镇街", "address": "地址", "kind": "类别", "found_on": "发现日期"}
DATES = ("found_on", "appraised_on", "evacuated_on", "remedied_on", "relief_granted_on")
KINDS = {"城镇": "urban", "农村": "rural", "urban": "urban", "rural": "rural"}
YES = {"是", "√", "✓", "1", "Y", "YES", "TRUE"}
NO = {"", "否", "×", "0", "N", "NO", "FALSE"}
REMEDIES = {label: value for value, label in HazardCase.Remedy.choices}


@dataclass
class ImportLine:
    row: int
    address: str = ""
    outcome: str = ""  # 新增 / 修改 / 未变 (when it could be written)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    lines: list[ImportLine]
    written: bool
    file_error: str = ""
    notes: list[str] = field(default_factory=list)  # about the file (macros ignored)

    def count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)

    @property
    def created(self) -> int:
        return self.count("新增")

    @property
    def changed(self) -> int:
        return self.count("修改")

    @property
    def unchanged(self) -> int:
        return self.count("未变")

    @property
    def failed(self) -> int:
        return sum(1 for line in self.lines if line.errors)

    @property
    def to_confirm(self) -> int:
        return sum(1 for line in self.lines if line.warnings)


def _header(rows: list[tuple]) -> tuple[int, dict[str, int]]:
    """Return the header row's index and the column of each field it names."""
    for index, values in enumerate(rows[:HEADER_ROWS]):
        columns: dict[str, tuple[int, int]] = {}
        for column, value in enumerate(values):
            match = header_match(value, SYNONYMS)
            if match and (match[0] not in columns or match[1] < columns[match[0]][1]):
                columns[match[0]] = (column, match[1])
        if set(REQUIRED) <= set(columns):
            return index, {name: column for name, (column, _) in columns.items()}
    missing = "、".join(REQUIRED.values())
    raise ReturnFileError(f"前{HEADER_ROWS}行中没有找到表头（须含{missing}）。")


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    # The export writes "=…" as "'=…" so that it stays text; read it back as typed.
    if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@"):
        return text[1:]
    return text


def _day(value, label: str) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return read_date(value)
    except ValueError as e:
        raise ValueError(f"{label}：{e}") from None


def cell_check(values: dict[str, object], columns: dict[str, int]) -> None:
    """Refuse a row holding a formula error or a value that is no number (NaN,
    inf, which a script can write): read as text they would be stored as "nan"."""
    for name, value in values.items():
        where = f"{get_column_letter(columns[name] + 1)}列"
        if error_value(value):
            raise ValueError(
                f"{where}：单元格是公式错误“{error_value(value)}”，请改为实际内容"
            )
        if shown := non_finite(value):
            raise ValueError(f"{where}：数值无效（{shown}）")


def _read_row(
    values: dict[str, object], town_of
) -> tuple[int | None, CaseData, int | None]:
    """Turn one row's cells into the service's input; ValueError says why not."""
    town = town_of(cell_text(values.get("town")))
    if town.kind != Unit.Kind.TOWN:
        raise ValueError(f"“{town}”不是镇街")
    kind = KINDS.get(normal_text(values.get("kind") or ""))
    if kind is None:
        raise ValueError(f"类别“{cell_text(values.get('kind'))}”应为城镇或农村")
    hardship_text = normal_text(values.get("hardship") or "").upper()
    if hardship_text not in YES | NO:
        raise ValueError(f"困难家庭“{cell_text(values.get('hardship'))}”应为是或否")
    grade = normal_text(values.get("grade") or "").upper().removesuffix("级")
    if grade and grade not in HazardCase.Grade.values:
        raise ValueError(f"鉴定等级“{cell_text(values.get('grade'))}”应为A、B、C或D级")
    remedy_text = normal_text(values.get("remedy") or "")
    if remedy_text and remedy_text not in REMEDIES:
        raise ValueError(
            f"整治方式“{remedy_text}”应为加固、拆除重建、拆除或其他"
            "（解危是整治的结果，不是整治方式）"
        )
    labels = {name: HazardCase._meta.get_field(name).verbose_name for name in DATES}
    dates = {name: _day(values.get(name), labels[name]) for name in DATES}
    if dates["found_on"] is None:
        raise ValueError("请填写发现日期")
    raw_id = cell_text(values.get("id"))
    if raw_id and not raw_id.isdigit():
        raise ValueError(f"编号“{raw_id}”应为台账中的编号（整数）")
    data = CaseData(
        town=town,
        address=cell_text(values.get("address")),
        kind=kind,
        hardship=hardship_text in YES,
        grade=grade,
        remedy=REMEDIES.get(remedy_text, ""),
        note=cell_text(values.get("note")),
        **dates,
    )
    raw_version = cell_text(values.get("version"))
    if raw_id and not raw_version:
        # Without the version the row was read at, an older list would silently
        # undo a later edit: a change to a stored case needs it.
        raise ValueError(
            f"编号{raw_id}的行缺少“版本”：修改已登记的危房请使用最新导出的台账"
            "（含“版本”列）"
        )
    if raw_version and not raw_version.isdigit():
        raise ValueError(f"版本“{raw_version}”应为导出时的版本号（整数）")
    return (
        (int(raw_id) if raw_id else None),
        data,
        (int(raw_version) if raw_version else None),
    )


def hazard_list_import(
    *,
    user: AbstractBaseUser,
    content: bytes,
    dry_run: bool,
    confirmed: bool = False,
    reason: str = "Excel导入",
    now: datetime | None = None,
) -> ImportResult:
    """Read a town's list and write it through the service; all or nothing."""
    now = now or timezone.now()
    try:
        # The bounded reader of every upload, any format (sized before anything
        # is laid out).
        workbook = read_workbook(
            content, max_rows=MAX_ROWS + HEADER_ROWS, max_columns=MAX_COLUMNS
        )
        sheets = workbook.sheets
        rows = (
            [tuple(cell[0] for cell in row) for row in sheets[0][1]] if sheets else []
        )
        start, columns = _header(rows)
    except ReturnFileError as e:
        return ImportResult([], False, str(e))
    except (OSError, ValueError, KeyError) as e:
        return ImportResult(
            [],
            False,
            f"无法读取该文件（{type(e).__name__}），"
            "请在 Excel 或 WPS 中打开后另存再上传。",
        )
    if len(rows) > MAX_ROWS + start:
        return ImportResult([], False, f"超过{MAX_ROWS}行，请分文件导入。")
    lines: list[ImportLine] = []
    batch: list[tuple[ImportLine, CaseLine]] = []
    town_of = town_lookup()
    for number, values in enumerate(rows[start + 1 :], start + 2):
        if is_blank(values) or is_total_row(values):
            continue
        cells = {
            name: values[c] if c < len(values) else None for name, c in columns.items()
        }
        line = ImportLine(number, cell_text(cells.get("address")))
        lines.append(line)
        try:
            cell_check(cells, columns)
            case_id, data, version = _read_row(cells, town_of)
        except ValidationError as e:
            line.errors = e.messages
        except ValueError as e:
            line.errors = [str(e)]
        else:
            batch.append((line, CaseLine(data, case_id, version)))
    with transaction.atomic():
        versions = dict(writable_cases(user).values_list("pk", "version"))
        outcomes = hazard_cases_save(
            user=user, lines=[case for _, case in batch], confirmed=confirmed,
            reason=reason, now=now,
        )  # fmt: skip
        for (line, case_line), outcome in zip(batch, outcomes, strict=True):
            _record(line, case_line, outcome, versions)
        written = not dry_run and not any(
            line.errors or line.warnings for line in lines
        )
        if not written:
            transaction.set_rollback(True)
    return ImportResult(lines, written, notes=workbook.notes)


def town_lookup():
    """unit_by_name, asked once per distinct name (a list names one town 4 900
    times), its refusal of an unknown name remembered as well."""
    found: dict[str, Unit | ValidationError] = {}

    def town_of(name: str) -> Unit:
        if name not in found:
            try:
                found[name] = unit_by_name(name)
            except ValidationError as e:
                found[name] = e
        if isinstance(found[name], ValidationError):
            raise found[name]
        return found[name]

    return town_of


def _record(line: ImportLine, case_line: CaseLine, outcome, versions) -> None:
    if isinstance(outcome, NeedsConfirmation):
        line.warnings = outcome.warnings
    elif isinstance(outcome, ValidationError):
        line.errors = outcome.messages
    elif isinstance(outcome, Conflict) and case_line.case_id is not None:
        line.errors = [
            f"编号{case_line.case_id}{outcome}（该行读自较早的台账：请重新导出，"
            "在新表上修改后再导入）"
        ]
    elif isinstance(outcome, PermissionDenied | Conflict):
        line.errors = [str(outcome)]
    elif case_line.case_id is None:
        line.outcome = "新增"
    else:
        line.outcome = "未变" if versions.get(outcome.pk) == outcome.version else "修改"
