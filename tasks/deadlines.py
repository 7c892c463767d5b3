"""Deadlines as the plan writes them (完成期限): "6月底前", "4月中旬", "12 月底前".

"底前" is the month's last day; "中旬" (mid-month) is due by the 20th, "上旬" by the
10th, "下旬" by the month's last day; "年底前" is 31 December.
"""

import calendar
import re
from datetime import date

_MONTH_PHRASE = re.compile(r"^(\d{1,2})月(底前|底|中旬|上旬|下旬)$")


def normalise_label(label: str) -> str:
    """Drop the spaces a typeset table leaves in: "12 月底前" → "12月底前"."""
    return re.sub(r"\s+", "", label)


def parse_deadline(label: str, year: int) -> date:
    """Return the date a deadline phrase falls due in `year`; ValueError if not."""
    text = normalise_label(label)
    if text in ("年底前", "年底", "年内"):
        return date(year, 12, 31)
    match = _MONTH_PHRASE.match(text)
    if not match:
        raise ValueError(f"无法识别的完成期限“{label}”")
    month = int(match.group(1))
    if not 1 <= month <= 12:
        raise ValueError(f"完成期限“{label}”中的月份不存在")
    last_day = calendar.monthrange(year, month)[1]
    day = {"中旬": 20, "上旬": 10}.get(match.group(2), last_day)
    return date(year, month, day)
