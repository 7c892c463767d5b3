from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch, Q, Value
from django.db.models.functions import ExtractYear
from django.utils import timezone

from hazards.rates import RATE_CODES, register_rates
from indicators.models import Indicator, Target, TargetSplit
from projects.claims import ledger_figures
from reporting.fingerprint import cached_for_data
from reporting.models import DistrictValue, IndicatorValue, ItemProgress, MonthlyReport
from reporting.obligations import carried_items, obligations_for
from reporting.plausibility import cumulative_decrease
from reporting.return_state import (
    LABELS,
    LATE,
    MISSING,
    ORDER,
    SENT_BACK,
    ReportDates,
    ReturnState,
    return_state,
    submitted_late,
)
from tasks.models import WorkList
from units.models import Unit
from yuecheng_housing.lib.numbers import format_decimal
from yuecheng_housing.lib.periods import PLAN_YEARS, add_months
from yuecheng_housing.lib.query import current_plan_year


def plan_years_content() -> tuple[set[int], set[int]]:
    """Return (the plan years that have a work list or any reported district
    figure, those that have a work list): one query on two small tables, a row
    per year and a row per indicator and month."""
    lists = (
        WorkList.objects.order_by()
        .annotate(has_list=Value(1))
        .values_list("year", "has_list")
    )
    figures = (
        DistrictValue.objects.order_by()
        .annotate(year=ExtractYear("period"), has_list=Value(0))
        .values_list("year", "has_list")
    )
    # PostgreSQL's EXTRACT gives a numeric, so the union comes back as Decimals.
    rows = [(int(year), has_list) for year, has_list in lists.union(figures)]
    plan = set(PLAN_YEARS)
    return {y for y, _ in rows} & plan, {y for y, has in rows if has} & plan


def plan_years_with_content() -> set[int]:
    return plan_years_content()[0]


def work_list_missing(year: int, with_list: set[int], today: date) -> bool:
    """Whether `year` has begun without its work list: an alarm, never "无逾期"."""
    return year in PLAN_YEARS and year <= today.year and year not in with_list


def default_plan_year() -> int:
    """Return the year pages open on: the latest plan year, up to this one, with a
    work list or data; this year only when none has. A new year without a work list
    would otherwise open on empty tables."""
    this = current_plan_year()
    return max((y for y in plan_years_with_content() if y <= this), default=this)


@dataclass
class ReviewItem:
    report: MonthlyReport
    late: bool
    lines: list[dict]
    items_changed: list[str] = field(default_factory=list)

    @property
    def changed(self) -> list[dict]:
        """The lines changed since the month was last sent back (or reopened)."""
        return [line for line in self.lines if line["before_review"] is not None]

    @property
    def changed_count(self) -> int:
        return len(self.changed) + len(self.items_changed)


def _values_at_review(reports: list[MonthlyReport]) -> dict[tuple[int, int], str]:
    """Return, for months reviewed before, each value as it stood at that review
    ("（无）" if it did not exist yet), keyed by (report, indicator); one query."""
    reviewed = {r.pk: r.reviewed_at for r in reports if r.reviewed_at}
    at_review: dict[tuple[int, int], str] = {}
    for h in IndicatorValue.history.filter(report_id__in=reviewed).order_by(
        "history_date"
    ):
        if h.history_date <= reviewed[h.report_id]:
            at_review[h.report_id, h.indicator_id] = format_decimal(h.value)
    return at_review


def review_queue(*, deadline_day: int) -> list[ReviewItem]:
    """Return submitted months awaiting review, each value beside last month's,
    the year's target and, for a month reviewed before, its value at that review
    when it has changed since, and the 危房台账's rate or the ledger's count beside
    the figures they judge (5 queries; up to 8 with rates and ledgers)."""
    reports = list(
        MonthlyReport.objects.filter(status=MonthlyReport.Status.SUBMITTED)
        .select_related("unit", "submitted_by")
        .prefetch_related(
            Prefetch(
                "values",
                queryset=IndicatorValue.objects.select_related("indicator").order_by(
                    "indicator__code"
                ),
            )
        )
        .order_by("submitted_at")
    )
    previous_keys = Q(pk__in=[])
    for r in reports:
        previous_keys |= Q(
            report__unit_id=r.unit_id, report__period=add_months(r.period, -1)
        )
    previous = {
        (v.report.unit_id, v.indicator_id): v.value
        for v in IndicatorValue.objects.filter(previous_keys).select_related("report")
    }
    at_review = _values_at_review(reports)
    items_changed = _items_changed_since_review(reports)
    years = {r.period.year for r in reports}
    targets = {
        (t.indicator_id, t.year): t for t in Target.objects.filter(year__in=years)
    }
    # A town's share of a summed count is its own target, not the district's.
    shares = _shares(reports)
    # Indicators 11–13 beside what the 危房台账 says for the same month.
    register = register_rates(
        periods={
            r.period
            for r in reports
            if any(v.indicator.code in RATE_CODES for v in r.values.all())
        }
    )
    # Indicators 2, 4, 6, 7, 8 and 10 beside their ledger's count, where it drives.
    ledgers = ledger_figures(
        {(v.indicator, r.unit, r.period) for r in reports for v in r.values.all()}
    )
    return [
        ReviewItem(
            report=r,
            late=submitted_late(r.submitted_at, r.period, deadline_day),
            items_changed=items_changed.get(r.pk, []),
            lines=[
                {
                    "value": v,
                    "previous": previous.get((r.unit_id, v.indicator_id)),
                    # Said from the figures beside it, by the rule that asked
                    # for a reason: a flag stored for another warning is not a fall.
                    "decrease": cumulative_decrease(
                        indicator=v.indicator,
                        value=v.value,
                        previous=previous.get((r.unit_id, v.indicator_id)),
                    ),
                    "target": _target_text(
                        v.indicator,
                        r.unit,
                        targets.get((v.indicator_id, r.period.year)),
                        shares.get((v.indicator_id, r.unit_id, r.period.year)),
                    ),
                    "before_review": _changed_since(r, v, at_review),
                    "register": register.get((v.indicator.code, r.period)),
                    "register_gap": (
                        register[v.indicator.code, r.period].gap(v.value)
                        if (v.indicator.code, r.period) in register
                        else None
                    ),
                    "ledger": ledgers.get((v.indicator.code, r.unit_id, r.period)),
                    "ledger_gap": (
                        ledgers[v.indicator.code, r.unit_id, r.period].gap(v.value)
                        if (v.indicator.code, r.unit_id, r.period) in ledgers
                        else None
                    ),
                }
                for v in r.values.all()
            ],
        )
        for r in reports
    ]


def _shares(reports: list[MonthlyReport]) -> dict[tuple[int, int, int], TargetSplit]:
    """The splits of the units' shares of summed counts for the reports' years (one
    query, none when no report holds a member unit's share)."""
    keys = {
        (v.indicator_id, r.unit_id, r.period.year)
        for r in reports
        if r.unit.parent_id
        for v in r.values.all()
        if v.indicator.aggregation == Indicator.Aggregation.SUM
    }
    if not keys:
        return {}
    return {
        (s.indicator_id, s.unit_id, s.year): s
        for s in TargetSplit.objects.filter(
            indicator_id__in={k[0] for k in keys},
            unit_id__in={k[1] for k in keys},
            year__in={k[2] for k in keys},
        )
    }


def _target_text(
    indicator: Indicator, unit: Unit, target: Target | None, share: TargetSplit | None
) -> str:
    """The year's target beside a unit's figure: a member unit's own share of a
    summed count where the target is split, else the district's, said as such."""
    if share is not None:
        return f"{share.display}（分解目标）"
    if target is None:
        return "—"
    if indicator.aggregation == Indicator.Aggregation.SUM and unit.parent_id:
        return f"全区{target.display}（未分解）"
    return target.display


def _items_changed_since_review(reports: list[MonthlyReport]) -> dict[int, list[str]]:
    """Return, for months reviewed before, the checklist items whose progress was
    written after that review (one query)."""
    reviewed = {r.pk: r.reviewed_at for r in reports if r.reviewed_at}
    changed: dict[int, list[str]] = defaultdict(list)
    for h in (
        ItemProgress.history.filter(report_id__in=reviewed)
        .select_related("item")
        .order_by("history_date")
    ):
        if h.history_date > reviewed[h.report_id]:
            if h.item.text not in changed[h.report_id]:
                changed[h.report_id].append(h.item.text)
    return changed


def _changed_since(report, value, at_review) -> str | None:
    if report.reviewed_at is None:
        return None
    before = at_review.get((report.pk, value.indicator_id), "（无）")
    return None if before == format_decimal(value.value) else before


@dataclass
class ReportingRecord:
    unit: Unit
    state: ReturnState

    @property
    def label(self) -> str:
        return self.state.label


def reporting_status(
    *, period: date, deadline_day: int, today: date | None = None
) -> list[ReportingRecord]:
    """Return, for every unit that owes a return for `period`, how it stands
    against the deadline (5 queries)."""
    today = today or timezone.localdate()
    expected = obligations_for(year=period.year).units_owing_returns(period)
    # Light rows of the month, not model instances picked by thousands of ids:
    # a province's month is 3 000 returns.
    reports = {
        unit_id: ReportDates(*dates)
        for unit_id, *dates in MonthlyReport.objects.filter(period=period)
        .order_by()
        .values_list("unit_id", "status", "submitted_at", "reviewed_at")
    }
    return [
        ReportingRecord(
            unit,
            return_state(
                report=reports.get(unit.pk),
                period=period,
                deadline_day=deadline_day,
                as_of=today,
            ),
        )
        for unit in expected
    ]


NAMES_SHOWN = 30


def reporting_summary(
    *, period: date, deadline_day: int, today: date | None = None
) -> dict:
    """Return how many units reported `period` on time, late or not at all, and the
    names of those late, missing or sent back (at most 30 each), for the home page.

    The count costs time in proportion to the number of units; it is made once
    for the data it depends on (reporting/fingerprint.py), not on every view.
    """
    today = today or timezone.localdate()
    return cached_for_data(
        "reporting",
        year=period.year,
        today=today,
        key=(period, deadline_day),
        compute=lambda: _summary(period, deadline_day, today),
    )


def _summary(period: date, deadline_day: int, today: date) -> dict:
    records = reporting_status(period=period, deadline_day=deadline_day, today=today)
    counts = Counter(record.state.code for record in records)
    names: dict[str, list[str]] = defaultdict(list)
    for record in records:
        if record.state.code in (LATE, MISSING, SENT_BACK):
            names[record.state.code].append(record.unit.name)
    summary = {
        "counts": [(code, LABELS[code], counts[code]) for code in ORDER],
        "names": [
            (code, LABELS[code], names[code][:NAMES_SHOWN])
            + (max(0, len(names[code]) - NAMES_SHOWN),)
            for code in (LATE, MISSING, SENT_BACK)
            if names[code]
        ],
    }
    return summary


@dataclass
class EntryLine:
    subject: object  # an Indicator or a ChecklistItem
    stored: object | None  # its IndicatorValue or ItemProgress this month
    previous: object | None = None  # last month's IndicatorValue


@dataclass
class MonthlyEntry:
    report: MonthlyReport | None
    indicators: list[EntryLine]
    items: list[EntryLine]


def monthly_entry(*, unit: Unit, period: date) -> MonthlyEntry:
    """Return what a unit reports for a month, with what it has stored so far."""
    obligations = obligations_for(year=period.year)
    indicators = [
        i
        for i in Indicator.objects.order_by("code")
        if obligations.reports(unit, i.pk, period)
    ]
    report = MonthlyReport.objects.filter(unit=unit, period=period).first()
    values = {}
    progress = {}
    if report is not None:
        values = {v.indicator_id: v for v in report.values.select_related("updated_by")}
        progress = {
            p.item_id: p
            for p in report.item_progress.select_related("updated_by").prefetch_related(
                "evidence"
            )
        }
    previous = {
        v.indicator_id: v
        for v in IndicatorValue.objects.filter(
            report__unit=unit, report__period=add_months(period, -1)
        )
    }
    items = []
    if obligations.owes_return(unit, period):
        # Earlier years' items still undone come first: they are overdue.
        items = [
            *carried_items(unit=unit, year=period.year),
            *obligations.items_of(unit),
        ]
    return MonthlyEntry(
        report=report,
        indicators=[
            EntryLine(i, values.get(i.pk), previous.get(i.pk)) for i in indicators
        ],
        items=[EntryLine(item, progress.get(item.pk)) for item in items],
    )
