"""The unit index reads each month's return state from the database
(`reported_codes`): it must agree with `return_state`, the one rule, on every
edge: the deadline day's last minute, the first minute after, a UTC time that is
already the next day in Beijing, a sent-back return reviewed after the day asked
about, drafts, and returns submitted after that day."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from reporting.models import MonthlyReport
from reporting.return_state import entry_deadline, reported_codes, return_state
from units.models import Unit
from yuecheng_housing.lib.periods import months_of_year

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")
DAY = 5


def local(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BEIJING)


def utc(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo("UTC"))


# (status, submitted_at, reviewed_at) of a month's return, from its deadline.
CASES = [
    lambda d: ("approved", local(d, 23, 59), None),
    lambda d: ("approved", local(d + timedelta(days=1)), None),
    lambda d: ("submitted", utc(d, 16, 30), None),  # 00:30 the next day here
    lambda d: ("submitted", utc(d, 15, 59), None),  # 23:59 on the day here
    lambda d: ("sent_back", local(d - timedelta(days=2)), local(d + timedelta(1))),
    lambda d: ("sent_back", local(d - timedelta(days=2)), local(d, 23, 59)),
    lambda d: ("draft", None, None),
    lambda d: ("sent_back", None, None),
    lambda d: ("approved", local(d + timedelta(30)), local(d + timedelta(31))),
    lambda d: ("submitted", None, None),
]


def test_the_database_and_return_state_give_every_month_the_same_state(plan):
    units = list(Unit.objects.exclude(kind=Unit.Kind.GROUP).order_by("pk"))[
        : len(CASES)
    ]
    reports = []
    for unit, case in zip(units, CASES, strict=True):
        for period in months_of_year(2025):
            status, submitted_at, reviewed_at = case(entry_deadline(period, DAY))
            reports.append(
                MonthlyReport.objects.create(
                    unit=unit,
                    period=period,
                    status=status,
                    submitted_at=submitted_at,
                    reviewed_at=reviewed_at,
                )
            )
    days = sorted(
        {
            entry_deadline(p, DAY) + timedelta(days=shift)
            for p in months_of_year(2025)
            for shift in (-1, 0, 1, 30, 31)
        }
    )
    compared = set()
    for as_of in days:
        codes = reported_codes(year=2025, deadline_day=DAY, as_of=as_of)
        for report in reports:
            expected = return_state(
                report=report, period=report.period, deadline_day=DAY, as_of=as_of
            ).code
            found = (
                codes.get(report.unit_id, {}).get(report.period)
                or return_state(
                    report=None, period=report.period, deadline_day=DAY, as_of=as_of
                ).code
            )
            assert found == expected, (report.status, report.submitted_at, as_of)
            compared.add(expected)
    # Every state a return can stand in was met.
    assert compared == {"on_time", "late", "sent_back", "missing", "not_due"}
