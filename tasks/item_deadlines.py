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


DONE = "done"


DONE_LATE = "done_late"


OVERDUE = "overdue"


DUE_SOON = "due_soon"


OPEN = "open"


CLOSED = "closed"


STATE_LABELS = {
    DONE: "已完成",
    DONE_LATE: "逾期完成",
    OVERDUE: "逾期",
    DUE_SOON: "临期",
    OPEN: "未到期",
    CLOSED: "已销号",
}


DUE_SOON_DAYS = 7


def item_state(
    *,
    deadline: date,
    completed_on: date | None,
    today: date,
    closed_on: date | None = None,
) -> tuple[str, int]:
    """Return (state, days overdue) of a checklist item for one unit.

    The rules, in Asia/Shanghai dates: an item done on or before its deadline is
    done; done after it, done late. Not done, it is overdue from the day after its
    deadline (the deadline day itself is still on time), counting the days since;
    due soon within 7 days before the deadline; otherwise open. "中旬" deadlines
    are the 20th (parse_deadline). An item closed by an admin (销号) before it
    was done is closed from that day: neither overdue nor done.
    """
    if completed_on is not None:
        if completed_on > deadline:
            return DONE_LATE, (completed_on - deadline).days
        return DONE, 0
    if closed_on is not None and closed_on <= today:
        return CLOSED, 0
    if today > deadline:
        return OVERDUE, (today - deadline).days
    if (deadline - today).days <= DUE_SOON_DAYS:
        return DUE_SOON, 0
    return OPEN, 0
