"""When a month's return is due and how it stands: the one set of answers and labels.

A month's return is due by day N of the next month (N set by the admin, 系统参数);
the deadline day itself is still on time. Against that deadline a return is:

on_time    按时报送   submitted (awaiting review or approved) by the deadline
late       迟报       submitted after it
sent_back  退回待改   sent back by the reviewer and not yet resubmitted
missing    未报送     nothing submitted and the deadline has passed (a draft counts
                      as nothing: only a submission reaches the reviewer)
not_due    待报送     nothing submitted yet and the deadline is still to come
not_owed   无需报送   the unit owed no return that month (`reporting.obligations`)

Every board, ranking, notice, home panel and entry page uses `return_state`, so a
month is never 未报 on one page and 退回待改 on another.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Case, CharField, DateTimeField, F, Q, Value, When
from django.utils import timezone

from reporting.models import MonthlyReport
from yuecheng_housing.lib.periods import add_months, local_date, months_of_year

ON_TIME = "on_time"
LATE = "late"
SENT_BACK = "sent_back"
MISSING = "missing"
NOT_DUE = "not_due"
NOT_OWED = "not_owed"
LABELS = {
    ON_TIME: "按时报送",
    LATE: "迟报",
    SENT_BACK: "退回待改",
    MISSING: "未报送",
    NOT_DUE: "待报送",
    NOT_OWED: "无需报送",
}
ORDER = [ON_TIME, LATE, SENT_BACK, MISSING, NOT_DUE]
SUBMITTED = (MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.APPROVED)


def entry_deadline(period: date, day: int) -> date:
    """Return the last day on which `period`'s return is on time."""
    return add_months(period, 1).replace(day=day)


def submitted_late(submitted_at: datetime | None, period: date, day: int) -> bool:
    """Return whether a submission made at `submitted_at` missed the deadline."""
    if submitted_at is None:
        return False
    return timezone.localtime(submitted_at).date() > entry_deadline(period, day)


@dataclass(frozen=True)
class ReturnState:
    code: str
    period: date
    deadline: date
    submitted_on: date | None = None

    @property
    def label(self) -> str:
        return LABELS[self.code]

    @property
    def is_due(self) -> bool:
        """Whether the month counts in a share of returns made on time."""
        return self.code not in (NOT_DUE, NOT_OWED)


class ReportDates(NamedTuple):
    """What return_state reads of a MonthlyReport, for callers that load many."""

    status: str
    submitted_at: datetime | None
    reviewed_at: datetime | None


class ReportDays(NamedTuple):
    """A return's status and the local days it was submitted and reviewed on:
    what the rule (state_on) reads. Callers that judge a province's months read
    these straight from the query, the days converted there, once a return."""

    status: str
    submitted_on: date | None
    reviewed_on: date | None


def report_days(report: MonthlyReport | ReportDates | ReportDays) -> ReportDays:
    """Return the status and local days of a return, however it was read."""
    if isinstance(report, ReportDays):
        return report
    submitted, reviewed = report.submitted_at, report.reviewed_at
    return ReportDays(
        report.status,
        local_date(submitted) if submitted is not None else None,
        local_date(reviewed) if reviewed is not None else None,
    )


def return_state(
    *,
    report: MonthlyReport | ReportDates | ReportDays | None,
    period: date,
    deadline_day: int,
    as_of: date,
    owed: bool = True,
) -> ReturnState:
    """Return how a unit's return for `period` stands on the day `as_of`.

    Only what had happened by `as_of` counts: a month submitted later is still
    missing as of an earlier day (the ranking compares with last month's end).
    """
    deadline = entry_deadline(period, deadline_day)
    if not owed:
        return ReturnState(NOT_OWED, period, deadline)
    days = report_days(report) if report is not None else None
    return state_on(days, period, deadline, as_of)


def state_on(
    report: ReportDays | None, period: date, deadline: date, as_of: date
) -> ReturnState:
    """The rule behind return_state, for a month owed: how the return stands on
    `as_of` against its `deadline`. Positional and without conversions because a
    province's ranking asks it for every unit and month, twice."""
    if report is None:
        return ReturnState(MISSING if as_of > deadline else NOT_DUE, period, deadline)
    status, submitted_on, reviewed_on = report
    # Sent back after the day asked about: on that day it stood submitted.
    stood_submitted = status in SUBMITTED or (
        status == MonthlyReport.Status.SENT_BACK
        and reviewed_on is not None
        and reviewed_on > as_of
    )
    if stood_submitted and submitted_on is not None and submitted_on <= as_of:
        code = LATE if submitted_on > deadline else ON_TIME
        return ReturnState(code, period, deadline, submitted_on)
    if status == MonthlyReport.Status.SENT_BACK:
        return ReturnState(SENT_BACK, period, deadline)
    if as_of > deadline:
        return ReturnState(MISSING, period, deadline)
    return ReturnState(NOT_DUE, period, deadline)


def reported_codes(
    *, year: int, deadline_day: int, as_of: date
) -> dict[int, dict[date, str]]:
    """Return {unit id: {month: code}} for the year's returns that stood
    submitted (on time or late) or sent back on `as_of`, worked out by the
    database (one query): return_state's rule for a report that exists and is
    owed, for a province's tens of thousands of months without a row each in
    Python. A month absent here stands as return_state(report=None) does (a
    draft is nothing submitted). tests/reporting/test_return_codes.py holds the
    two to the same answers on the edge cases."""
    # Days compared as instants (a local day ends at the next local midnight):
    # the database converts no time zone for each of the rows.
    zone = ZoneInfo(settings.TIME_ZONE)

    def day_after(day: date) -> datetime:
        return datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)

    after_deadline = Case(
        *[
            When(period=p, then=Value(day_after(entry_deadline(p, deadline_day))))
            for p in months_of_year(year)
        ],
        output_field=DateTimeField(),
    )
    after_as_of = day_after(as_of)
    # Sent back after the day asked about: on that day it stood submitted.
    stood = Q(status__in=SUBMITTED) | Q(
        status=MonthlyReport.Status.SENT_BACK, reviewed_at__gte=after_as_of
    )
    shown = Q(submitted_at__lt=after_as_of)
    rows = (
        MonthlyReport.objects.filter(period__year=year)
        .annotate(after_deadline=after_deadline)
        .annotate(
            code=Case(
                When(
                    stood & shown & Q(submitted_at__gte=F("after_deadline")),
                    then=Value(LATE),
                ),
                When(stood & shown, then=Value(ON_TIME)),
                When(status=MonthlyReport.Status.SENT_BACK, then=Value(SENT_BACK)),
                default=None,
                output_field=CharField(),
            )
        )
        # No ordering: the model's would join the units to sort 30 000 rows.
        .order_by()
        .values_list("unit_id", "period", "code")
    )
    found: dict[int, dict[date, str]] = {}
    for unit_id, period, code in rows:
        if code is None:  # a draft, or submitted after the day asked about
            continue
        found.setdefault(unit_id, {})[period] = code
    return found


def deadline_text(state: ReturnState, *, today: date) -> str:
    """Return the entry page's line: "6月数据填报截止：7月5日，还剩3天", or how
    the month was submitted ("已于7月3日报送（按时）")."""
    deadline = state.deadline
    head = f"{state.period.month}月数据填报截止：{deadline.month}月{deadline.day}日"
    if state.code in (ON_TIME, LATE):
        when = state.submitted_on
        return f"{head}，已于{when.month}月{when.day}日报送（{state.label}）"
    left = (deadline - today).days
    if left > 0:
        return f"{head}，还剩{left}天"
    if left == 0:
        return f"{head}，今天截止"
    return f"{head}，已逾期{-left}天"
