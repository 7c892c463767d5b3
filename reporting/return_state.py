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

from django.db.models import (
    Case,
    DateTimeField,
    F,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from reporting.models import MonthlyReport
from yuecheng_housing.lib.periods import add_months, local_date

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


class StateMasks(NamedTuple):
    """The months of one unit's year (bit m-1 for month m) whose return stood,
    on one day, submitted on time, late, or sent back: state_on's answers for a
    province's returns, counted in the database (state_masks)."""

    on_time: int = 0
    late: int = 0
    sent_back: int = 0


def month_bit(period: date) -> int:
    return 1 << (period.month - 1)


def state_masks(
    *, year: int, deadline_day: int, days: list[date]
) -> dict[date, dict[int, StateMasks]]:
    """Return {day: {unit id: StateMasks}} of the year's returns as of each day
    (one query): state_on's rule in SQL, so a province's ranking reads a row
    a unit, not a row a month. A month owed in none of the masks stood as
    without a return: missing once its deadline had passed, not yet due until
    then. tests/reporting/test_return_state.py holds the two to the same
    answers."""
    months = [date(year, month, 1) for month in range(1, 13)]
    zone = timezone.get_default_timezone()

    def after(day: date) -> datetime:
        """The first moment after a local day: a moment is on or before the day
        (local_date(moment) <= day) when it is earlier than this. Compared as
        stored, no moment is converted: a province has tens of thousands."""
        return datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)

    status = MonthlyReport.Status
    rows = MonthlyReport.objects.filter(period__year=year).annotate(
        after_deadline=Case(
            *[
                When(period=p, then=Value(after(entry_deadline(p, deadline_day))))
                for p in months
            ],
            output_field=DateTimeField(),
        ),
        bit=Case(
            *[When(period=p, then=Value(month_bit(p))) for p in months],
            output_field=IntegerField(),
        ),
    )
    sums = {}
    for index, day in enumerate(days):
        end = after(day)
        # state_on: it stood submitted on the day (submitted, or sent back only
        # after the day) and had been submitted by then ...
        counted = (
            Q(status__in=SUBMITTED) | Q(status=status.SENT_BACK, reviewed_at__gte=end)
        ) & Q(submitted_at__lt=end)
        # ... else, sent back, it stands sent back (written without a negation:
        # SQL's NOT of an unknown moment is not true).
        sent_back = Q(status=status.SENT_BACK) & (
            Q(reviewed_at__isnull=True)
            | Q(reviewed_at__lt=end)
            | Q(submitted_at__isnull=True)
            | Q(submitted_at__gte=end)
        )
        for name, condition in (
            ("on_time", counted & Q(submitted_at__lt=F("after_deadline"))),
            ("late", counted & Q(submitted_at__gte=F("after_deadline"))),
            ("sent_back", sent_back),
        ):
            sums[f"{name}_{index}"] = Sum(
                Case(When(condition, then=F("bit")), default=Value(0))
            )
    found: dict[date, dict[int, StateMasks]] = {day: {} for day in days}
    for row in rows.order_by().values("unit_id").annotate(**sums):
        for index, day in enumerate(days):
            found[day][row["unit_id"]] = StateMasks(
                row[f"on_time_{index}"] or 0,
                row[f"late_{index}"] or 0,
                row[f"sent_back_{index}"] or 0,
            )
    return found


def reported_codes(
    *, year: int, deadline_day: int, as_of: date
) -> dict[int, dict[date, str]]:
    """Return {unit id: {month: code}} for the year's months whose return stood
    submitted (on time or late) or sent back on `as_of`: state_masks' answer a
    month at a time, for pages that list months (the unit index). A month absent
    here stands as return_state(report=None) says (a draft is nothing submitted).
    tests/reporting/test_return_codes.py holds it to return_state's answers."""
    masks = state_masks(year=year, deadline_day=deadline_day, days=[as_of])[as_of]
    found: dict[int, dict[date, str]] = {}
    for unit_id, mask in masks.items():
        codes = {}
        for period in (date(year, month, 1) for month in range(1, 13)):
            bit = month_bit(period)
            if mask.late & bit:
                codes[period] = LATE
            elif mask.on_time & bit:
                codes[period] = ON_TIME
            elif mask.sent_back & bit:
                codes[period] = SENT_BACK
        if codes:
            found[unit_id] = codes
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
