"""Indicators 11–13 and the 2023 entry 城镇危房实质性解危, computed from the register.

The plan's three safety rates (100 % every year) are reported each month as bare
numbers; the register says what they should be, so that a 100 % typed over an
overdue case shows. The rule, for a month (written on the indicator and review
pages as `RULE`):

- 应整治 (due): cases of the indicator's kind, except those appraised A or B (not
  dangerous), whose step fell due by the month's last day and was not done before
  this year began, plus those done this year by the month's end ahead of time;
- 已整治 (done): those of them whose step was done by the month's last day;
- rate = done ÷ due × 100, none when nothing was due.

11 城镇危房整治率: towns' buildings, the remedy. 12 农村危房整治率: rural houses, the
remedy. 13 农村困难家庭危房改造救助率: rural 困难家庭 houses, the relief. The due days
are hazards.clocks'. The register as it stands now is read (a case appraised B
later leaves past months too).
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, QuerySet

from hazards.clocks import Periods, periods_for, relief_due, remedy_due
from hazards.models import HazardCase
from indicators.models import PlanSettings
from tasks.models import WorkListEntry
from yuecheng_housing.lib.periods import month_end

RATE_CODES = (11, 12, 13)
RULE = (
    "台账计算口径：应整治（救助）数 = 期限在本月末之前、且未在本年以前完成的危房，"
    "加上本年提前完成的；已整治（救助）数 = 其中在本月末之前完成的；"
    "比率 = 已完成 ÷ 应完成 × 100%。鉴定为A、B级的不计。"
    "11号指标取城镇危房的整治，12号取农村危房的整治，13号取农村困难家庭危房的救助。"
)
# A reported rate further than this from the register's is flagged to the reviewer.
GAP_POINTS = Decimal("0.1")


@dataclass(frozen=True)
class RegisterRate:
    code: int
    period: date
    done: int
    due: int

    @property
    def rate(self) -> Decimal | None:
        if not self.due:
            return None
        value = Decimal(self.done * 100) / Decimal(self.due)
        return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def gap(self, reported: Decimal | None) -> Decimal | None:
        """Return how far `reported` is from the register's rate, if that is at
        least GAP_POINTS; None when they agree or nothing was due."""
        if reported is None or self.rate is None:
            return None
        difference = (reported - self.rate).copy_abs()
        return difference if difference >= GAP_POINTS else None

    def text(self) -> str:
        if self.rate is None:
            return "台账：本月无应完成的危房"
        return f"台账：{self.rate.normalize():f}%（{self.done}/{self.due}）"


def _applies(code: int, case: HazardCase) -> bool:
    if case.grade in (HazardCase.Grade.A, HazardCase.Grade.B):
        return False
    if code == 11:
        return case.kind == HazardCase.Kind.URBAN
    if code == 12:
        return case.kind == HazardCase.Kind.RURAL
    return case.kind == HazardCase.Kind.RURAL and case.hardship


def _step(code: int, case: HazardCase, periods: Periods) -> tuple[date, date | None]:
    if code == 13:
        return relief_due(found_on=case.found_on, periods=periods), (
            case.relief_granted_on
        )
    return remedy_due(found_on=case.found_on, periods=periods), case.remedied_on


def register_rates(
    *, periods: set[date], settings_row: PlanSettings | None = None
) -> dict[tuple[int, date], RegisterRate]:
    """Return the register's rate of indicators 11–13 for each month (2 queries;
    1 with `settings_row`)."""
    if not periods:
        return {}
    settings_row = settings_row or PlanSettings.load()
    cases = list(
        HazardCase.objects.filter(found_on__lte=month_end(max(periods))).only(
            "kind", "hardship", "grade", "found_on", "remedied_on", "relief_granted_on"
        )
    )
    rates = {}
    for period in periods:
        end, year_start = month_end(period), period.replace(month=1, day=1)
        for code in RATE_CODES:
            done = due = 0
            for case in cases:
                if case.found_on > end or not _applies(code, case):
                    continue
                step_periods = periods_for(
                    kind=case.kind, hardship=case.hardship, settings_row=settings_row
                )
                due_on, done_on = _step(code, case, step_periods)
                if done_on is not None and done_on < year_start:
                    continue  # done in an earlier year: not this year's work
                done_by_end = done_on is not None and done_on <= end
                if due_on <= end or done_by_end:
                    due += 1
                    done += done_by_end
            rates[code, period] = RegisterRate(code, period, done, due)
    return rates


def _urban_resolved() -> QuerySet[HazardCase]:
    return HazardCase.objects.filter(
        kind=HazardCase.Kind.URBAN,
        grade__in=[HazardCase.Grade.C, HazardCase.Grade.D],
        remedied_on__isnull=False,
    )


# The work-list entry that the register counts; it has no twin among the indicators.
RESOLVED_ENTRY = "城镇危房实质性解危"


@dataclass(frozen=True)
class EntryCount:
    entry: WorkListEntry
    resolved: int

    @property
    def met(self) -> bool:
        return self.resolved >= self.entry.target


def resolved_entries() -> list[EntryCount]:
    """Return each year's 城镇危房实质性解危 entry beside the register's count of
    towns' dangerous buildings (C/D) remedied that year (2 queries)."""
    entries = list(
        WorkListEntry.objects.filter(name=RESOLVED_ENTRY)
        .select_related("work_list")
        .order_by("work_list__year")
    )
    by_year = dict(
        _urban_resolved()
        .values_list("remedied_on__year")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [EntryCount(e, by_year.get(e.work_list.year, 0)) for e in entries]


@dataclass(frozen=True)
class RateComparison:
    """A month's reported value of indicator 11–13 beside the register's rate."""

    period: date
    reported: Decimal | None
    register: RegisterRate

    @property
    def gap(self) -> Decimal | None:
        return self.register.gap(self.reported)


def register_comparison(
    *, code: int, year: int, reported: dict[date, Decimal], today: date
) -> list[RateComparison]:
    """Return, for each month of `year` up to this one, the reported value beside
    the register's rate (2 queries)."""
    last = min(date(year, 12, 1), today.replace(day=1))
    months = [date(year, m, 1) for m in range(1, 13) if date(year, m, 1) <= last]
    rates = register_rates(periods=set(months))
    return [
        RateComparison(month, reported.get(month), rates[code, month])
        for month in months
    ]


# Indicator 11 (towns' buildings) and 12 (rural houses): a D-grade building still
# occupied fails the indicator whatever its rate ("一经发现D级立即撤离").
EVACUATION_KIND = {11: HazardCase.Kind.URBAN, 12: HazardCase.Kind.RURAL}


@dataclass(frozen=True)
class RedLines:
    """What the 危房台账 says of indicators 11–13 in a year: the register's rate
    by month, and the D-grade buildings that had to be evacuated."""

    rates: dict[tuple[int, date], RegisterRate]
    d_grade: list[HazardCase]

    def judged(
        self, code: int, series: list[tuple[date, Decimal]]
    ) -> tuple[list[tuple[date, Decimal]], dict[date, Decimal]]:
        """Return the series with the register's rate in place of the typed
        figure wherever the register has cases due, and the typed figures."""
        judged, reported = [], {}
        for period, value in series:
            rate = self.rates.get((code, period))
            if rate is not None and rate.rate is not None:
                reported[period] = value
                value = rate.rate
            judged.append((period, value))
        return judged, reported

    def not_evacuated(self, code: int, as_of: date) -> int:
        kind = EVACUATION_KIND.get(code)
        if kind is None:
            return 0
        return sum(
            1
            for case in self.d_grade
            if case.kind == kind
            and case.appraised_on is not None
            and case.appraised_on <= as_of
            and (case.evacuated_on is None or case.evacuated_on > as_of)
            and (case.remedied_on is None or case.remedied_on > as_of)
        )

    def breach(self, code: int, as_of: date) -> str:
        count = self.not_evacuated(code, as_of)
        return f"危房台账中有{count}栋D级危房尚未撤离（红线）" if count else ""


def red_lines(
    *, year: int, as_of: date, settings_row: PlanSettings | None = None
) -> RedLines:
    """The register's side of indicators 11–13 for `year`, months up to `as_of`
    (2 queries with `settings_row`)."""
    months = {
        date(year, m, 1)
        for m in range(1, 13)
        if date(year, m, 1) <= max(as_of, date(year, 1, 1))
    }
    d_grade = list(
        HazardCase.objects.filter(
            grade=HazardCase.Grade.D, appraised_on__lte=month_end(date(year, 12, 1))
        ).only("kind", "appraised_on", "evacuated_on", "remedied_on")
    )
    return RedLines(register_rates(periods=months, settings_row=settings_row), d_grade)
