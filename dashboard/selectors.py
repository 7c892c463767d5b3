from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from dashboard.charts import Revision
from indicators.forecast import Forecast, forecast_year_end
from indicators.models import Indicator, PlanSettings, Target
from indicators.plan_goals import GOALS_YEAR
from indicators.selectors import (
    Discrepancy,
    entry_disagrees,
    entry_key,
    goal_key,
    goals_disagreeing,
    indicator_list,
    plan_discrepancies,
)
from indicators.status import (
    ICONS,
    LABELS,
    NO_DATA,
    ORDER,
    Progress,
    expected_value,
    judge,
)
from reporting.models import DistrictValue, IndicatorValue, MonthlyReport
from reporting.visibility import shared_only
from tasks.models import ChecklistItem, KeyTask, Responsibility, WorkList, WorkListEntry
from tasks.selectors import key_task_list, work_lists_with_items
from yuecheng_housing.lib.periods import PLAN_FIRST_YEAR


@dataclass
class IndicatorRow:
    """One line of the dashboard: an indicator's target and progress in a year."""

    indicator: Indicator
    target: Target | None
    progress: Progress
    series: list[tuple[date, Decimal]]  # the year's district values, by month
    pending: bool = False  # the latest value is submitted but not yet approved
    start: Decimal | None = None  # where the year's expected line starts
    sparkline: dict | None = None  # the trend figure, set by the view
    # Approved district values from last December on: what forecasts read.
    approved: list[tuple[date, Decimal]] | None = None
    forecast: Forecast | None = None

    @property
    def sparkline_id(self) -> str:
        return f"spark-{self.indicator.code}"


def year_forecast(
    *,
    indicator: Indicator,
    target: Target | None,
    approved: list[tuple[date, Decimal]],
    year: int,
    as_of: date | None = None,
) -> Forecast | None:
    """Return the year-end forecast from the approved values up to `as_of`.

    `approved` may hold other years: last December's value is where a cumulative
    count's year starts (before the plan, the baseline an admin entered).
    """
    previous = dict(approved).get(date(year - 1, 12, 1))
    if previous is None and year == PLAN_FIRST_YEAR:
        previous = indicator.baseline
    return forecast_year_end(
        year=year,
        kind=indicator.kind,
        points=[(p, v) for p, v in approved if as_of is None or p <= as_of],
        previous=previous,
        target=target.value if target else None,
        comparator=target.comparator if target else "eq",
        higher_is_better=indicator.direction == Indicator.Direction.HIGHER,
        unit=indicator.unit,
        decimals=indicator.decimals,
    )


def indicator_forecast(
    *, code: int, year: int
) -> tuple[Indicator, Forecast | None] | None:
    """Return an indicator and its year-end forecast (3 queries); None if no such
    indicator."""
    indicator = Indicator.objects.filter(code=code).first()
    if indicator is None:
        return None
    target = Target.objects.filter(indicator=indicator, year=year).first()
    approved = list(
        DistrictValue.objects.filter(
            indicator=indicator,
            value__isnull=False,
            period__gte=date(year - 1, 12, 1),
            period__lte=date(year, 12, 1),
        )
        .order_by("period")
        .values_list("period", "value")
    )
    forecast = year_forecast(
        indicator=indicator, target=target, approved=approved, year=year
    )
    return indicator, forecast


def indicator_progress(
    *,
    year: int,
    include_pending: bool = False,
    settings_row: PlanSettings | None = None,
) -> list[IndicatorRow]:
    """Return every indicator's target, latest district value and status in `year`.

    Reads the derived district table (at most 14 × 12 rows a year), so it costs three
    queries however many units and months are stored (two with `settings_row`).
    """
    threshold = (settings_row or PlanSettings.load()).warning_threshold
    # Every indicator has a target for every plan year (load_plan; targets are never
    # deleted), so the year's and last year's targets bring the indicators with them.
    targets_by_indicator: dict[int, dict[int, Target]] = defaultdict(dict)
    indicators = []
    for t in (
        Target.objects.filter(year__in=(year - 1, year))
        .select_related("indicator__domain", "indicator__key_task")
        .order_by("indicator__code", "year")
    ):
        if t.indicator_id not in targets_by_indicator:
            indicators.append(t.indicator)
        targets_by_indicator[t.indicator_id][t.year] = t
    # From last December: where this year's forecast of a count starts.
    values = DistrictValue.objects.filter(
        period__gte=date(year - 1, 12, 1), period__lte=date(year, 12, 1)
    ).order_by("period")
    series: dict[int, list[tuple[date, Decimal, bool]]] = defaultdict(list)
    approved: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for row in values:
        if row.value is not None:
            approved[row.indicator_id].append((row.period, row.value))
        if row.period.year != year:
            continue
        if row.value is not None:
            shown, pending = row.value, False
            if include_pending and row.pending_value != row.value:
                shown, pending = row.pending_value, True
        elif include_pending and row.pending_value is not None:
            shown, pending = row.pending_value, True
        else:
            continue
        series[row.indicator_id].append((row.period, shown, pending))

    rows = []
    for indicator in indicators:
        targets = targets_by_indicator[indicator.pk]
        target = targets.get(year)
        points = series.get(indicator.pk, [])
        period, value, pending = points[-1] if points else (None, None, False)
        start = None
        if target is None:
            progress = Progress(NO_DATA)
        else:
            previous = targets.get(year - 1)
            start = previous.value if previous else indicator.baseline
            progress = judge(
                period=period,
                value=value,
                comparator=target.comparator,
                target=target.value,
                start=start,
                threshold=threshold,
                higher_is_better=indicator.direction == Indicator.Direction.HIGHER,
            )
        rows.append(
            IndicatorRow(
                indicator=indicator,
                target=target,
                progress=progress,
                series=[(p, v) for p, v, _ in points],
                pending=pending,
                start=start,
                approved=approved[indicator.pk],
                forecast=year_forecast(
                    indicator=indicator,
                    target=target,
                    approved=approved[indicator.pk],
                    year=year,
                ),
            )
        )
    return rows


def status_summary(rows: list[IndicatorRow]) -> list[dict]:
    """Return per domain the count of indicators in each status, in status order."""
    summary: dict[str, Counter] = {}
    for row in rows:
        summary.setdefault(row.indicator.domain.name, Counter())[
            row.progress.status
        ] += 1
    return [
        {"domain": name, "counts": [(s, LABELS[s], ICONS[s], counts[s]) for s in ORDER]}
        for name, counts in summary.items()
    ]


@dataclass
class IndicatorDetail:
    indicator: Indicator
    targets: list[Target]
    target: Target | None
    progress: Progress
    series: list[tuple[date, Decimal]]
    expected: list[tuple[date, Decimal]]
    revisions: list[Revision]
    responsibilities: list[Responsibility]
    entry: WorkListEntry | None
    breakdown: list[IndicatorValue]
    values: QuerySet[IndicatorValue]
    forecast: Forecast | None = None
    # Anchors on /plan/ of the disagreements about this indicator (its work-list
    # entry for the year, the text of 主要目标).
    plan_notes: list[str] = field(default_factory=list)


def indicator_detail(*, code: int, year: int) -> IndicatorDetail | None:
    """Return all an indicator page shows, in a fixed number of queries (10)."""
    indicator = (
        Indicator.objects.select_related("domain", "key_task__section")
        .prefetch_related(Prefetch("targets", queryset=Target.objects.order_by("year")))
        .filter(code=code)
        .first()
    )
    if indicator is None:
        return None
    targets = list(indicator.targets.all())
    by_year = {t.year: t for t in targets}
    target = by_year.get(year)

    revisions = [
        Revision(
            when=timezone.localtime(h.history_date).date(),
            year=h.year,
            value=h.value,
            reason=h.history_change_reason or "（未说明原因）",
        )
        for h in Target.history.filter(
            indicator_id=indicator.pk, history_type="~"
        ).order_by("history_date")
    ]
    series = [
        (row.period, row.value)
        for row in DistrictValue.objects.filter(
            indicator=indicator, value__isnull=False
        ).order_by("period")
    ]
    expected = []
    for t in targets:
        previous = by_year.get(t.year - 1)
        start = previous.value if previous else indicator.baseline
        if start is None:
            continue
        expected.append((date(t.year, 1, 1), start))
        expected += [
            (
                date(t.year, month, 1),
                expected_value(start=start, target=t.value, month=month),
            )
            for month in range(1, 13)
        ]

    this_year = [(p, v) for p, v in series if p.year == year]
    progress = Progress(NO_DATA)
    if target is not None:
        previous = by_year.get(year - 1)
        period, value = this_year[-1] if this_year else (None, None)
        progress = judge(
            period=period,
            value=value,
            comparator=target.comparator,
            target=target.value,
            start=previous.value if previous else indicator.baseline,
            threshold=PlanSettings.load().warning_threshold,
            higher_is_better=indicator.direction == Indicator.Direction.HIGHER,
        )

    responsibilities = list(
        Responsibility.objects.filter(key_task_id=indicator.key_task_id)
        .select_related("unit")
        .order_by("position")
    )
    entry = (
        WorkListEntry.objects.filter(work_list__year=year, indicator=indicator)
        .select_related("work_list")
        .prefetch_related(
            Prefetch("items", queryset=ChecklistItem.objects.order_by("position"))
        )
        .first()
    )
    breakdown = []
    if indicator.aggregation == Indicator.Aggregation.SUM and progress.period:
        # From the month's reports to their values (a few thousand rows by index),
        # not from all of the indicator's values to the month.
        month = MonthlyReport.objects.filter(period=progress.period).values("pk")
        breakdown = list(
            shared_only(
                IndicatorValue.objects.filter(indicator=indicator, report__in=month)
            )
            .select_related("report__unit__parent")
            .order_by("report__unit__parent__position", "report__unit__position")
        )
    # The records of the year shown, newest first (paged by the view).
    values = (
        shared_only(
            IndicatorValue.objects.filter(
                indicator=indicator,
                report__in=MonthlyReport.objects.filter(period__year=year).values("pk"),
            )
        )
        .select_related("report__unit", "updated_by")
        .order_by("-report__period", "report__unit__position")
    )
    return IndicatorDetail(
        indicator=indicator,
        targets=targets,
        target=target,
        progress=progress,
        series=series,
        expected=expected,
        revisions=revisions,
        responsibilities=responsibilities,
        entry=entry,
        breakdown=breakdown,
        values=values,
        forecast=year_forecast(
            indicator=indicator, target=target, approved=series, year=year
        ),
        plan_notes=[
            *([entry_key(entry)] if entry and entry_disagrees(entry, target) else []),
            *(
                goal_key(goal)
                for goal in goals_disagreeing(indicator.code, by_year.get(GOALS_YEAR))
            ),
        ],
    )


@dataclass
class PlanAsIssued:
    indicators: list[Indicator]  # with domain and targets by year
    key_tasks: list[KeyTask]  # with section and responsibilities in order
    work_lists: list[WorkList]  # with entries and their items
    discrepancies: list[Discrepancy]


def plan_as_issued() -> PlanAsIssued:
    """Return the plan as /plan/ shows it, in a fixed number of queries (13)."""
    discrepancies = plan_discrepancies()
    work_lists = list(work_lists_with_items())
    # Each entry links to its disagreement's anchor on the page, if it has one.
    anchors = {d.entry.pk: d.key for d in discrepancies if d.entry}
    for work_list in work_lists:
        for entry in work_list.entries.all():
            entry.plan_note = anchors.get(entry.pk)
    return PlanAsIssued(
        indicators=list(indicator_list()),
        key_tasks=list(key_task_list()),
        work_lists=work_lists,
        discrepancies=discrepancies,
    )
