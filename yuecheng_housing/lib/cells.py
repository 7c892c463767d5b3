"""Read the cells of a unit's return as people really fill them in.

Forgiving about form ("８５", "85%", "1,234", " 26 ", "1.4475万", a %-formatted 0.85,
"2023年6月", an Excel date), strict about meaning: what cannot be read exactly
raises ValueError with a Chinese message, never a guess.
"""

import re
import unicodedata
from datetime import date, datetime

_MONTH_PATTERNS = [
    re.compile(r"^([0-9]{4})-([0-9]{1,2})$"),
    re.compile(r"^([0-9]{4})/([0-9]{1,2})$"),
    re.compile(r"^([0-9]{4})\.([0-9]{1,2})$"),
    re.compile(r"^([0-9]{4})年([0-9]{1,2})月?$"),
    # A day typed with the month ("2023/7/1") names that month.
    re.compile(r"^([0-9]{4})-([0-9]{1,2})-[0-9]{1,2}$"),
    re.compile(r"^([0-9]{4})/([0-9]{1,2})/[0-9]{1,2}$"),
    re.compile(r"^([0-9]{4})\.([0-9]{1,2})\.[0-9]{1,2}$"),
    re.compile(r"^([0-9]{4})年([0-9]{1,2})月[0-9]{1,2}日?$"),
]
# What a spreadsheet shows in a cell whose formula failed; "=以上数据经局长审核"
# typed as a note becomes "#NAME?".
ERROR_VALUES = {
    "#NAME?", "#DIV/0!", "#VALUE!", "#REF!", "#N/A", "#NUM!", "#NULL!",
    "#SPILL!", "#CALC!", "#GETTING_DATA",
}  # fmt: skip


_DATE_PATTERNS = [
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
]


def normal_text(value) -> str:
    """NFKC-normalised text with the spaces taken out: "（ 万套 ）" → "(万套)"."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))


def read_month(value) -> date:
    """Read a month: "2023-06", "2023/6", "2023年6月", or an Excel date."""
    if isinstance(value, datetime | date):
        if not 1900 <= value.year <= 2100:
            raise ValueError(f"月份“{value}”超出可处理的年份范围")
        return date(value.year, value.month, 1)
    if isinstance(value, float) and not isinstance(value, bool):
        # "2023.10" typed into a General cell is the number 2023.1: October and
        # January are the same number, so neither is guessed.
        year, _, fraction = repr(value).partition(".")
        if fraction == "1":
            raise ValueError(
                f"期间“{value}”是数字，无法区分1月和10月，"
                "请写成“2023-01”或“2023-10”这样的文本"
            )
    text = normal_text(value)
    for pattern in _MONTH_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month = int(match.group(1)), int(match.group(2))
            if not 1900 <= year <= 2100:
                raise ValueError(f"月份“{value}”超出可处理的年份范围")
            if 1 <= month <= 12:
                return date(year, month, 1)
            raise ValueError(f"月份“{value}”不存在")
    raise ValueError(f"“{value}”不是月份（应为2023-06这样的写法）")


def read_date(value) -> date:
    """Read a day: an Excel date, "2023-06-20", "2023/6/20", "2023年6月20日"."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = normal_text(value)
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return date(*(int(g) for g in match.groups()))
            except ValueError:
                break
    raise ValueError(f"“{value}”不是日期（应为2023-06-20这样的写法）")


def header_key(value, synonyms: dict[str, str]) -> str | None:
    """Return the field a header cell names, tolerating brackets, spaces, width."""
    match = header_match(value, synonyms)
    return match[0] if match else None


def header_match(value, synonyms: dict[str, str]) -> tuple[str, int] | None:
    """Return (field, rank) of a header cell: rank 0 is the field's first listed
    name, so "指标编号" beats a bare "序号" when a sheet has both."""
    text = re.sub(r"[()\[\]【】<>《》]", "", normal_text(value or ""))
    field = synonyms.get(text)
    if field is None:
        return None
    names = [name for name, f in synonyms.items() if f == field]
    return field, names.index(text)


def is_percent_format(number_format: str) -> bool:
    """Whether a number format scales by 100 ("0%", "0.0%"); a quoted or escaped
    percent sign ('0"%"', '0\\%') is only shown, so 85 stays 85."""
    unquoted = re.sub(r'"[^"]*"|\\.', "", number_format or "")
    return "%" in unquoted


def error_value(value) -> str | None:
    """Return the spreadsheet error a cell holds ("#NAME?"), or None."""
    if isinstance(value, str) and value.strip().upper() in ERROR_VALUES:
        return value.strip()
    return None


def is_blank(values) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def is_total_row(values) -> bool:
    return any(
        isinstance(v, str) and normal_text(v) in ("合计", "总计", "小计")
        for v in values
    )
