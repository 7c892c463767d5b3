"""What each responsible unit owes and whether it is late: the unit board and index.

Reads only, in a fixed number of queries whatever the number of units, items and
months. An item's progress for a unit is its latest submitted or approved return
of the year; the item's overall status is the lead unit's.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q

from dashboard.selectors import IndicatorRow, indicator_progress
from indicators.models import Indicator, PlanSettings
from reporting.models import ItemProgress, MonthlyReport
from reporting.return_state import entry_deadline, submitted_late
from tasks.item_deadlines import STATE_LABELS, item_state
from tasks.models import ChecklistItem, KeyTask, Responsibility
from units.models import Unit
from yuecheng_housing.lib.periods import months_of_year

COUNTED = (MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.APPROVED)


@dataclass
class BoardItem:
    item: ChecklistItem
    role: str  # 牵头 / 配合
    own: ItemProgress | None
    lead: ItemProgress | None
    state: str
    days_overdue: int

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass
class MonthRecord:
    period: date
    state: str  # on_time / late / missing / not_due
    label: str


@dataclass
class UnitBoard:
    unit: Unit
    year: int
    tasks: list[tuple[KeyTask, str]]
    items: list[BoardItem]
    indicators: list[IndicatorRow]
    months: list[MonthRecord]
    counts: dict = field(default_factory=dict)


def _month_records(
    reports: dict[date, MonthlyReport], year: int, deadline_day: int, today: date
) -> list[MonthRecord]:
    records = []
    for period in months_of_year(year):
        report = reports.get(period)
        if report is not None and report.status in COUNTED:
            late = submitted_late(report.submitted_at, period, deadline_day)
            records.append(
                MonthRecord(
                    period, *(("late", "迟报") if late else ("on_time", "按时"))
                )
            )
        elif today > entry_deadline(period, deadline_day):
            records.append(MonthRecord(period, "missing", "未报"))
        else:
            records.append(MonthRecord(period, "not_due", "—"))
    return records


def _latest(progress_rows) -> dict[tuple[int, int], ItemProgress]:
    """Return the latest counted progress per (item, unit); rows come oldest first."""
    latest = {}
    for row in progress_rows:
        latest[row.item_id, row.report.unit_id] = row
    return latest


def _board_item(item, role, own, lead, today) -> BoardItem:
    done_on = (
        own.completed_on if own and own.status == ItemProgress.Status.DONE else None
    )
    state, days = item_state(deadline=item.deadline, completed_on=done_on, today=today)
    return BoardItem(item, role, own, lead, state, days)


def unit_board(*, unit: Unit, year: int, today: date) -> UnitBoard:
    """Return a unit's key tasks, items, indicators and reporting record in `year`."""
    settings_row = PlanSettings.load()
    named = [unit.pk] + ([unit.parent_id] if unit.parent_id else [])
    responsibilities = list(
        Responsibility.objects.filter(
            Q(unit_id__in=named) | Q(position=1)
        ).select_related("key_task", "unit")
    )
    leads = {r.key_task_id: r.unit_id for r in responsibilities if r.position == 1}
    roles = {}
    for r in responsibilities:
        if r.unit_id in named:
            roles[r.key_task_id] = (
                "牵头" if r.position == 1 and r.unit_id == unit.pk else "配合"
            )
    tasks = sorted(
        {r.key_task for r in responsibilities if r.key_task_id in roles},
        key=lambda t: t.number,
    )
    items = list(
        ChecklistItem.objects.filter(
            entry__work_list__year=year, entry__key_task_id__in=roles
        )
        .select_related("entry")
        .order_by("deadline", "entry__seq", "position")
    )
    progress = _latest(
        ItemProgress.objects.filter(
            item__in=items,
            report__unit_id__in={unit.pk, *leads.values()},
            report__status__in=COUNTED,
        )
        .select_related("report")
        .prefetch_related("evidence")
        .order_by("report__period")
    )
    board_items = [
        _board_item(
            item,
            roles[item.entry.key_task_id],
            progress.get((item.pk, unit.pk)),
            progress.get((item.pk, leads.get(item.entry.key_task_id))),
            today,
        )
        for item in items
    ]
    rows = indicator_progress(year=year, settings_row=settings_row)
    indicators = [
        row
        for row in rows
        if leads.get(row.indicator.key_task_id) == unit.pk
        or (
            row.indicator.aggregation == row.indicator.Aggregation.SUM
            and unit.parent_id is not None
            and row.indicator.key_task_id in roles
        )
    ]
    reports = {
        r.period: r for r in MonthlyReport.objects.filter(unit=unit, period__year=year)
    }
    # A unit with nothing to report that year owes no monthly returns.
    months = (
        _month_records(reports, year, settings_row.entry_deadline_day, today)
        if indicators or board_items
        else []
    )
    return UnitBoard(
        unit=unit,
        year=year,
        tasks=[(t, roles[t.pk]) for t in tasks],
        items=board_items,
        indicators=indicators,
        months=months,
        counts=_counts(board_items, months),
    )


def _counts(items: list[BoardItem], months: list[MonthRecord]) -> dict:
    states = defaultdict(int)
    for item in items:
        states[item.state] += 1
    reports = defaultdict(int)
    for month in months:
        reports[month.state] += 1
    return {
        "items": len(items),
        "done": states["done"],
        "done_late": states["done_late"],
        "overdue": states["overdue"],
        "due_soon": states["due_soon"],
        "on_time": reports["on_time"],
        "late": reports["late"],
        "missing": reports["missing"],
    }


@dataclass
class IndexRow:
    unit: Unit
    counts: dict
    members: list["IndexRow"] = field(default_factory=list)


def unit_index(*, year: int, today: date) -> list[IndexRow]:
    """Return every unit and group (members under their group) with its counts."""
    settings_row = PlanSettings.load()
    units = list(Unit.objects.filter(is_active=True).order_by("position", "id"))
    responsibilities = list(Responsibility.objects.all())
    items = list(
        ChecklistItem.objects.filter(entry__work_list__year=year).select_related(
            "entry"
        )
    )
    progress = _latest(
        ItemProgress.objects.filter(
            item__entry__work_list__year=year, report__status__in=COUNTED
        )
        .select_related("report")
        .order_by("report__period")
    )
    reports = defaultdict(dict)
    for report in MonthlyReport.objects.filter(period__year=year):
        reports[report.unit_id][report.period] = report

    indicator_tasks = list(Indicator.objects.values_list("key_task_id", "aggregation"))
    tasks_of = defaultdict(dict)
    for r in responsibilities:
        tasks_of[r.unit_id][r.key_task_id] = r.position
    items_by_task = defaultdict(list)
    for item in items:
        items_by_task[item.entry.key_task_id].append(item)

    def counts_for(unit: Unit) -> dict:
        named = dict(tasks_of.get(unit.parent_id, {})) if unit.parent_id else {}
        named |= tasks_of.get(unit.pk, {})
        board_items = [
            _board_item(item, "", progress.get((item.pk, unit.pk)), None, today)
            for task_id in named
            for item in items_by_task[task_id]
        ]
        own = tasks_of.get(unit.pk, {})
        reports_indicators = any(
            own.get(task_id) == 1
            or (aggregation == "sum" and unit.parent_id and task_id in named)
            for task_id, aggregation in indicator_tasks
        )
        months = (
            []
            if unit.is_group or not (board_items or reports_indicators)
            else _month_records(
                reports[unit.pk], year, settings_row.entry_deadline_day, today
            )
        )
        return _counts(board_items, months)

    rows = {u.pk: IndexRow(u, counts_for(u)) for u in units}
    top = []
    for unit in units:
        if unit.parent_id and unit.parent_id in rows:
            rows[unit.parent_id].members.append(rows[unit.pk])
        else:
            top.append(rows[unit.pk])
    return top
