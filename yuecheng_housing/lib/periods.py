"""Months as the product handles them: a `date` on the first day of the month."""

import re
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

_PERIOD = re.compile(r"^([0-9]{4})-([0-9]{1,2})$")


def parse_period(text: str) -> date:
    """Return the month "2023-06" stands for; ValueError (in Chinese) if not."""
    match = _PERIOD.match(text.strip())
    if not match:
        raise ValueError(f"月份“{text}”格式不正确，应为“2023-06”这样的年-月。")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1900 <= year <= 2100:
        raise ValueError(f"月份“{text}”超出可处理的年份范围。")
    if not 1 <= month <= 12:
        raise ValueError(f"月份“{text}”不存在。")
    return date(year, month, 1)


def format_period(period: date) -> str:
    return f"{period.year}-{period.month:02d}"


def period_label(period: date) -> str:
    """Return a month as sentences and titles write it: 2026年11月 (never 2026-11)."""
    return f"{period.year}年{period.month}月"


def day_label(day: date) -> str:
    """Return a day as pages and exports write it: 2026年12月7日 (never 12月07日),
    as the templates' DATE_FORMAT "Y年n月j日"."""
    return f"{day.year}年{day.month}月{day.day}日"


def month_of(moment: datetime) -> date:
    """Return the month (its first day) that `moment` falls in, in Asia/Shanghai."""
    return timezone.localdate(moment).replace(day=1)


def current_month() -> date:
    return month_of(timezone.now())


def add_months(period: date, months: int) -> date:
    index = period.year * 12 + period.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_end(period: date) -> date:
    """Return the last day of the month `period` falls in."""
    return add_months(period.replace(day=1), 1) - timedelta(days=1)


def months_of_year(year: int) -> list[date]:
    return [date(year, month, 1) for month in range(1, 13)]


PLAN_FIRST_YEAR = 2023


PLAN_LAST_YEAR = 2027


PLAN_YEARS = range(PLAN_FIRST_YEAR, PLAN_LAST_YEAR + 1)


PLAN_FIRST_MONTH = date(PLAN_FIRST_YEAR, 1, 1)


PLAN_LAST_MONTH = date(PLAN_LAST_YEAR, 12, 1)


def within_plan(period: date) -> date:
    """Return the plan month nearest to `period` (itself when inside the plan)."""
    return min(max(period, PLAN_FIRST_MONTH), PLAN_LAST_MONTH)


def reporting_month() -> date:
    """The month whose returns are being collected now: last month, within the
    plan. In January 2023 that is January itself (nothing was owed before the
    plan began); from January 2028 on, December 2027, still entered, reviewed and
    imported after the plan's last day."""
    return within_plan(add_months(current_month(), -1))


def plan_has_ended(today: date | None = None) -> bool:
    """Whether the plan period (2023–2027) is over, in Asia/Shanghai."""
    return (today or timezone.localdate()).year > PLAN_LAST_YEAR


@cache
def _local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_date(moment: datetime) -> date:
    """The day `moment` fell on in Asia/Shanghai (settings.TIME_ZONE).

    The same as timezone.localdate(moment) when no request activates another
    zone (this product never does); that one looks the zone up on every call,
    which was a third of a province's ranking time.
    """
    return moment.astimezone(_local_zone()).date()
