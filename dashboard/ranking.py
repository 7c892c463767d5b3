"""The 晾晒 ranking and the monthly 通报 notice, computed from one read of the year.

A unit's score (0–100) as of a date is the weighted mean of the parts that apply
to it, each a share between 0 and 1:

- items:      of the checklist items it carries that fell due by then, the share
              done on or before the deadline (its own progress);
- returns:    of its monthly returns due by then, the share submitted on time;
- indicators: of the indicators it reports, the mean of 1 (已达标 or 正常), 0.5 (预警)
              and 0 (滞后 or 未填报).

Weights are set by the admin (系统参数); a part that does not apply (nothing due,
no indicator) drops out and the others are re-weighted. A unit with no part at
all is listed apart, not ranked last. Rank change compares with the ranking as of
the end of the previous month.
"""

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone

from dashboard.selectors import IndicatorRow, indicator_progress
from indicators.models import Indicator, PlanSettings
from indicators.status import BEHIND, MET, NO_DATA, ON_TRACK, WARNING, judge
from reporting.models import ItemProgress, MonthlyReport
from reporting.return_state import entry_deadline, submitted_late
from tasks.item_deadlines import DONE, OVERDUE, item_state
from tasks.models import ChecklistItem, Responsibility
from units.models import Unit
from yuecheng_housing.lib.periods import add_months, months_of_year

COUNTED = (MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.APPROVED)


STATUS_POINTS = {MET: 1.0, ON_TRACK: 1.0, WARNING: 0.5, BEHIND: 0.0, NO_DATA: 0.0}


def month_end(period: date) -> date:
    return period.replace(day=calendar.monthrange(period.year, period.month)[1])


@dataclass
class UnitScore:
    unit: Unit
    parts: dict[str, float | None]  # work / returns / indicators → share or None
    detail: dict[str, str]  # the fractions behind each part, for the page
    score: float | None
    rank: int | None = None
    change: int | None = None  # places gained since last month (+2) or lost (-1)


@dataclass
class YearData:
    """Everything a ranking or a notice needs for a year, read once (7 queries)."""

    year: int
    settings: PlanSettings
    units: list[Unit]
    tasks_of: dict[int, dict[int, int]]  # unit → {key task: position}
    items_by_task: dict[int, list[ChecklistItem]]
    progress: dict[tuple[int, int], list[ItemProgress]]  # (item, unit) → oldest first
    reports: dict[int, dict[date, MonthlyReport]]
    indicator_rows: list[IndicatorRow]
    leads: dict[int, int] = field(default_factory=dict)  # key task → lead unit


def load_year(year: int) -> YearData:
    settings_row = PlanSettings.load()
    units = list(
        Unit.objects.filter(is_active=True)
        .exclude(kind=Unit.Kind.GROUP)
        .order_by("position", "id")
    )
    tasks_of: dict[int, dict[int, int]] = defaultdict(dict)
    leads = {}
    for r in Responsibility.objects.all():
        tasks_of[r.unit_id][r.key_task_id] = r.position
        if r.position == 1:
            leads[r.key_task_id] = r.unit_id
    items_by_task = defaultdict(list)
    for item in ChecklistItem.objects.filter(
        entry__work_list__year=year
    ).select_related("entry"):
        items_by_task[item.entry.key_task_id].append(item)
    progress = defaultdict(list)
    for row in (
        ItemProgress.objects.filter(
            item__entry__work_list__year=year, report__status__in=COUNTED
        )
        .select_related("report")
        .order_by("report__period")
    ):
        progress[row.item_id, row.report.unit_id].append(row)
    reports = defaultdict(dict)
    for report in MonthlyReport.objects.filter(period__year=year):
        reports[report.unit_id][report.period] = report
    return YearData(
        year=year,
        settings=settings_row,
        units=units,
        tasks_of=tasks_of,
        items_by_task=items_by_task,
        progress=progress,
        reports=reports,
        indicator_rows=indicator_progress(year=year, settings_row=settings_row),
        leads=leads,
    )


def _named_tasks(data: YearData, unit: Unit) -> dict[int, int]:
    named = dict(data.tasks_of.get(unit.parent_id, {})) if unit.parent_id else {}
    return named | data.tasks_of.get(unit.pk, {})


def _progress_as_of(rows: list[ItemProgress], as_of: date) -> ItemProgress | None:
    found = None
    for row in rows:
        if row.report.period <= as_of:
            found = row
    return found


def item_states(data: YearData, unit: Unit, as_of: date) -> list[tuple]:
    """Return (item, state, days overdue) of every item the unit carries, as of."""
    states = []
    for task_id in _named_tasks(data, unit):
        for item in data.items_by_task.get(task_id, []):
            own = _progress_as_of(data.progress.get((item.pk, unit.pk), []), as_of)
            done = own is not None and own.status == ItemProgress.Status.DONE
            completed = own.completed_on if done and own.completed_on <= as_of else None
            state, days = item_state(
                deadline=item.deadline, completed_on=completed, today=as_of
            )
            states.append((item, state, days))
    return states


def indicators_reported(data: YearData, unit: Unit) -> list[IndicatorRow]:
    named = _named_tasks(data, unit)
    return [
        row
        for row in data.indicator_rows
        if data.leads.get(row.indicator.key_task_id) == unit.pk
        or (
            row.indicator.aggregation == Indicator.Aggregation.SUM
            and unit.parent_id is not None
            and row.indicator.key_task_id in named
        )
    ]


def status_as_of(row: IndicatorRow, as_of: date, threshold: Decimal) -> str:
    """Re-judge an indicator on the values reported up to `as_of`."""
    if row.target is None:
        return NO_DATA
    points = [(p, v) for p, v in row.series if p <= as_of]
    period, value = points[-1] if points else (None, None)
    return judge(
        period=period,
        value=value,
        comparator=row.target.comparator,
        target=row.target.value,
        start=row.start,
        threshold=threshold,
        higher_is_better=row.indicator.direction == Indicator.Direction.HIGHER,
    ).status


def owes_returns(data: YearData, unit: Unit) -> bool:
    """A unit owes monthly returns in a year when it reports an indicator or carries
    a checklist item that year."""
    if indicators_reported(data, unit):
        return True
    return any(data.items_by_task.get(task_id) for task_id in _named_tasks(data, unit))


def returns_due(
    data: YearData, unit: Unit, as_of: date, *extra: date
) -> list[tuple[date, str]]:
    """Return (month, on_time / late / missing) for each return due by `as_of`."""
    day = data.settings.entry_deadline_day
    result = []
    for period in [*extra, *months_of_year(data.year)]:
        due = entry_deadline(period, day)
        report = data.reports.get(unit.pk, {}).get(period)
        submitted = (
            report is not None and report.status in COUNTED and report.submitted_at
        )
        # Not due yet, or due today and still open: not counted either way.
        if due > as_of or (due == as_of and not submitted):
            continue
        if submitted:
            late = submitted_late(report.submitted_at, period, day)
            result.append((period, "late" if late else "on_time"))
        else:
            result.append((period, "missing"))
    return result


def score_unit(data: YearData, unit: Unit, as_of: date) -> UnitScore:
    settings_row = data.settings
    items = [s for s in item_states(data, unit, as_of) if s[0].deadline <= as_of]
    indicators = indicators_reported(data, unit)
    returns = returns_due(data, unit, as_of) if owes_returns(data, unit) else []
    parts: dict[str, float | None] = {
        "work": None,
        "returns": None,
        "indicators": None,
    }
    detail = {}
    if items:
        on_time = sum(1 for _, state, _ in items if state == DONE)
        parts["work"] = on_time / len(items)
        detail["work"] = f"{on_time}/{len(items)}"
    if returns:
        on_time = sum(1 for _, state in returns if state == "on_time")
        parts["returns"] = on_time / len(returns)
        detail["returns"] = f"{on_time}/{len(returns)}"
    if indicators:
        threshold = settings_row.warning_threshold
        points = [
            STATUS_POINTS[status_as_of(row, as_of, threshold)] for row in indicators
        ]
        parts["indicators"] = sum(points) / len(points)
        detail["indicators"] = f"{sum(points):g}/{len(points)}"
    weights = {
        "work": float(settings_row.ranking_weight_items),
        "returns": float(settings_row.ranking_weight_returns),
        "indicators": float(settings_row.ranking_weight_indicators),
    }
    applying = {k: w for k, w in weights.items() if parts[k] is not None and w > 0}
    score = None
    if applying:
        total = sum(applying.values())
        score = round(100 * sum(parts[k] * w for k, w in applying.items()) / total, 1)
    return UnitScore(unit=unit, parts=parts, detail=detail, score=score)


def _rank(scores: list[UnitScore]) -> None:
    ranked = sorted(
        (s for s in scores if s.score is not None),
        key=lambda s: (-s.score, s.unit.position, s.unit.pk),
    )
    previous_score, rank = None, 0
    for index, s in enumerate(ranked, 1):
        if s.score != previous_score:
            rank, previous_score = index, s.score
        s.rank = rank


@dataclass
class Ranking:
    year: int
    as_of: date
    previous_as_of: date
    ranked: list[UnitScore]
    apart: list[UnitScore]
    weights: dict[str, Decimal]


def ranking_as_of(data: YearData, as_of: date) -> Ranking:
    """Rank every unit as of a date, with its change since the previous month end."""
    previous_as_of = month_end(add_months(as_of.replace(day=1), -1))
    scores = [score_unit(data, unit, as_of) for unit in data.units]
    before = [score_unit(data, unit, previous_as_of) for unit in data.units]
    _rank(scores)
    _rank(before)
    before_rank = {s.unit.pk: s.rank for s in before}
    for s in scores:
        old = before_rank.get(s.unit.pk)
        if s.rank is not None and old is not None:
            s.change = old - s.rank
    ranked = sorted(
        (s for s in scores if s.rank), key=lambda s: (s.rank, s.unit.position)
    )
    s = data.settings
    return Ranking(
        year=data.year,
        as_of=as_of,
        previous_as_of=previous_as_of,
        ranked=ranked,
        apart=[s for s in scores if s.rank is None],
        weights={
            "work": s.ranking_weight_items,
            "returns": s.ranking_weight_returns,
            "indicators": s.ranking_weight_indicators,
        },
    )


def unit_ranking(*, year: int, today: date) -> Ranking:
    """The ranking for a year: as of today, or as of 31 December for a past year."""
    return ranking_as_of(load_year(year), min(today, date(year, 12, 31)))


@dataclass
class Notice:
    period: date
    as_of: date
    overdue: list[dict]
    returns_period: date
    returns_deadline: date
    late: list[Unit]
    missing: list[Unit]
    behind: list[tuple[IndicatorRow, str]]
    best: list[UnitScore]
    ranking: Ranking


def monthly_notice(*, period: date) -> Notice:
    """Draft the 通报 for a month, as of its last day."""
    data = load_year(period.year)
    # The current month's notice is as of today, not of a day still to come.
    as_of = min(month_end(period), timezone.localdate())
    overdue = []
    for task_id, items in data.items_by_task.items():
        lead = next((u for u in data.units if u.pk == data.leads.get(task_id)), None)
        if lead is None:
            continue
        states = {i.pk: (s, d) for i, s, d in item_states(data, lead, as_of)}
        for item in items:
            state, days = states.get(item.pk, (None, 0))
            if state == OVERDUE:
                overdue.append({"unit": lead, "item": item, "days": days})
    overdue.sort(key=lambda o: (-o["days"], o["unit"].position))
    returns_period = add_months(period, -1)
    late, missing = [], []
    if returns_period.year != period.year:
        # January's notice speaks of December: read that month's returns too.
        for report in MonthlyReport.objects.filter(period=returns_period):
            data.reports[report.unit_id][returns_period] = report
    for unit in data.units:
        if not owes_returns(data, unit):
            continue
        states = dict(returns_due(data, unit, as_of, returns_period))
        if states.get(returns_period) == "late":
            late.append(unit)
        elif states.get(returns_period) == "missing":
            missing.append(unit)
    threshold = data.settings.warning_threshold
    behind = [
        (row, status)
        for row in data.indicator_rows
        if (status := status_as_of(row, as_of, threshold)) in (BEHIND, WARNING)
    ]
    ranking = ranking_as_of(data, as_of)
    return Notice(
        period=period,
        as_of=as_of,
        overdue=overdue,
        returns_period=returns_period,
        returns_deadline=entry_deadline(
            returns_period, data.settings.entry_deadline_day
        ),
        late=late,
        missing=missing,
        behind=behind,
        best=[s for s in ranking.ranked[:3] if s.score],
        ranking=ranking,
    )
