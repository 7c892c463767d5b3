"""When a month's return is due: by day N of the next month (N set by the admin)."""

from datetime import date

from django.utils import timezone

from yuecheng_housing.lib.periods import add_months


def entry_deadline(period: date, day: int) -> date:
    return add_months(period, 1).replace(day=day)


def submitted_late(submitted_at, period: date, day: int) -> bool:
    """Return whether a submission made at `submitted_at` missed the deadline."""
    if submitted_at is None:
        return False
    return timezone.localtime(submitted_at).date() > entry_deadline(period, day)


def deadline_text(period: date, day: int, today: date | None = None) -> str:
    """Return "本月填报截止：7月5日，还剩3天" (or how late it is)."""
    today = today or timezone.localdate()
    deadline = entry_deadline(period, day)
    left = (deadline - today).days
    head = f"{period.month}月数据填报截止：{deadline.month}月{deadline.day}日"
    if left > 0:
        return f"{head}，还剩{left}天"
    if left == 0:
        return f"{head}，今天截止"
    return f"{head}，已逾期{-left}天"
