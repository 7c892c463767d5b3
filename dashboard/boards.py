"""What each responsible unit owes and whether it is late: the unit board and index.

Reads only, in a fixed number of queries whatever the number of units, items and
months. Who owes what is `reporting.obligations`; an item's state for a unit is
`reporting.item_states`; a month's return state is `reporting.return_state`. The
item's overall status is its lead unit's.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from dashboard.selectors import IndicatorRow, indicator_progress
from indicators.models import PlanSettings
from reporting.fingerprint import cached_for_data
from reporting.item_states import (
    LeadStates,
    YearItems,
    carried_states,
    counted_progress,
    earlier_years_items,
    item_state_for,
    progress_as_of,
)
from reporting.models import ItemProgress, MonthlyReport
from reporting.obligations import Obligations, obligations_for
from reporting.return_state import LABELS as RETURN_LABELS
from reporting.return_state import (
    NOT_OWED,
    ReportDates,
    ReturnState,
    reported_codes,
    return_state,
)
from supervision.lights import DUE_SOON as LIGHT_DUE_SOON
from supervision.lights import OVERDUE as LIGHT_OVERDUE
from supervision.selectors import ItemRow, UnitOpen, open_summary
from tasks.item_deadlines import STATE_LABELS
from tasks.models import ChecklistItem, KeyTask
from units.models import Unit
from units.selectors import roster_order
from yuecheng_housing.lib.periods import months_of_year


@dataclass
class BoardItem:
    item: ChecklistItem
    role: str  # 牵头 / 配合
    own: ItemProgress | None
    lead: ItemProgress | None
    state: str
    days_overdue: int
    carried: bool = False  # an earlier year's item, still overdue

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass
class BoardSupervision:
    """A unit's open 督办事项 as the reader may see them, worst first, with their
    lights (`supervision.selectors.unit_open_items`); the counts count those lights."""

    unit: Unit
    rows: list[ItemRow]

    @property
    def open(self) -> int:
        return len(self.rows)

    @property
    def due_soon(self) -> int:
        return sum(row.light.code == LIGHT_DUE_SOON for row in self.rows)

    @property
    def overdue(self) -> int:
        return sum(row.light.code == LIGHT_OVERDUE for row in self.rows)


@dataclass
class UnitBoard:
    unit: Unit
    year: int
    tasks: list[tuple[KeyTask, str]]
    items: list[BoardItem]
    indicators: list[IndicatorRow]
    months: list[ReturnState]
    counts: dict = field(default_factory=dict)
    # Depends on the reader (what they may see): filled by the API; the page reads
    # the same selector.
    supervision: BoardSupervision | None = None


def month_states(
    unit: Unit,
    obligations: Obligations,
    reports: dict[date, MonthlyReport] | dict[date, ReportDates],
    deadline_day: int,
    today: date,
) -> list[ReturnState]:
    """Return the state of each month's return of the year (none if nothing owed)."""
    if not obligations.owes_returns(unit):
        return []
    return [
        return_state(
            report=reports.get(period),
            period=period,
            deadline_day=deadline_day,
            as_of=today,
            owed=obligations.owes_return(unit, period),
        )
        for period in months_of_year(obligations.year)
    ]


COUNT_KEYS = [*STATE_LABELS, *RETURN_LABELS, "items"]
# The unit index's 督办事项 columns: open today, of which due soon and overdue.
SUPERVISION_KEYS = ["supervision_open", "supervision_due_soon", "supervision_overdue"]


def _supervision_counts(found: UnitOpen | None) -> dict[str, int]:
    if found is None:
        return dict.fromkeys(SUPERVISION_KEYS, 0)
    figures = (found.open, found.due_soon, found.overdue)
    return dict(zip(SUPERVISION_KEYS, figures, strict=True))


def _counts(item_states: list[str], month_codes: list[str]) -> Counter:
    """Return how many items are in each state and months in each return state;
    every key is present (0 when none), as the API documents."""
    counts = Counter(dict.fromkeys(COUNT_KEYS, 0))
    counts.update(item_states)
    counts.update(month_codes)
    counts["items"] = len(item_states)
    return counts


def unit_board(*, unit: Unit, year: int, today: date) -> UnitBoard:
    """Return a unit's key tasks, items, indicators and reporting record in `year`."""
    settings_row = PlanSettings.load()
    obligations = obligations_for(year=year)
    roles = obligations.key_tasks_of(unit)
    items = sorted(
        obligations.items_of(unit),
        key=lambda i: (i.deadline, i.entry.seq, i.position),
    )
    leads = {item.id: obligations.item_lead(item) for item in items}
    progress = counted_progress(
        year=year, unit_ids={unit.id, *(u.id for u in leads.values() if u)}
    )

    def latest(item: ChecklistItem, who: Unit | None) -> ItemProgress | None:
        if who is None:
            return None
        return progress_as_of(progress.get((item.id, who.pk), []), today)

    board_items = []
    for item in items:
        own = latest(item, unit)
        state, days = item_state_for(
            obligations=obligations, progress=progress, item=item, unit=unit,
            as_of=today,
        )  # fmt: skip
        lead = latest(item, leads[item.id])
        role = obligations.item_role(unit, item)
        board_items.append(BoardItem(item, role, own, lead, state, days))
    board_items = [
        *carried_board_items(
            unit,
            earlier_years_items(year, unit=unit, shared=obligations.roster),
            today,
        ),
        *board_items,
    ]
    reported = obligations.indicator_ids_of(unit)
    indicators = [
        row
        for row in indicator_progress(year=year, settings_row=settings_row)
        if row.indicator.id in reported
    ]
    reports = {
        r.period: r for r in MonthlyReport.objects.filter(unit=unit, period__year=year)
    }
    months = month_states(
        unit, obligations, reports, settings_row.entry_deadline_day, today
    )
    tasks = [t for t in obligations.key_tasks.values() if t.pk in roles]
    return UnitBoard(
        unit=unit,
        year=year,
        tasks=[(t, roles[t.pk]) for t in tasks],
        items=board_items,
        indicators=indicators,
        months=months,
        counts=_counts([i.state for i in board_items], [m.code for m in months]),
    )


def carried_board_items(
    unit: Unit, earlier: list[YearItems], today: date
) -> list[BoardItem]:
    """Earlier years' items the unit carries that are still overdue: they stay on
    its board, first, until done or closed (销号)."""
    items = []
    for year_items, item, state, days in carried_states(earlier, unit, today):
        obligations = year_items.obligations
        lead = obligations.item_lead(item)
        items.append(
            BoardItem(
                item,
                obligations.item_role(unit, item),
                progress_as_of(year_items.progress.get((item.id, unit.id), []), today),
                None
                if lead is None
                else progress_as_of(
                    year_items.progress.get((item.id, lead.pk), []), today
                ),
                state,
                days,
                carried=True,
            )
        )
    return items


@dataclass
class IndexRow:
    unit: Unit
    counts: Counter
    members: list["IndexRow"] = field(default_factory=list)


def unit_index(*, year: int, today: date) -> list[IndexRow]:
    """Return every active unit and group with its counts; a group's members sit
    under it and its counts are theirs added up. Computed once for the data."""
    return cached_for_data(
        "unit-index",
        year=year,
        today=today,
        key=(),
        compute=lambda: _unit_index(year=year, today=today),
    )


def _unit_index(*, year: int, today: date) -> list[IndexRow]:
    settings_row = PlanSettings.load()
    obligations = obligations_for(year=year)
    # A unit's state on an item is its lead's (item_state_for): the leads'
    # progress is all the states read, each item's asked once for all its towns.
    progress = counted_progress(year=year, leads=obligations)
    earlier = earlier_years_items(year, shared=obligations.roster, leads_only=True)
    states = LeadStates()
    # Open 督办事项 today with their lights, counted per unit by supervision itself
    # (督办参数, the items and their units: 3 queries).
    supervision = {found.unit.id: found for found in open_summary(today=today).units}
    # Each month's return state, worked out by the database for the months with
    # a return (return_state's rule, in SQL: a province has tens of thousands);
    # a month without one stands as return_state says of no report.
    deadline_day = settings_row.entry_deadline_day
    reported = reported_codes(year=year, deadline_day=deadline_day, as_of=today)
    months = months_of_year(year)
    unreported = {
        p: return_state(
            report=None, period=p, deadline_day=deadline_day, as_of=today
        ).code
        for p in months
    }

    def month_codes(unit: Unit) -> list[str]:
        owed = obligations.months_owed(unit)
        if not owed:
            return []
        found = reported.get(unit.id, {})
        return [
            (found.get(p) or unreported[p]) if p in owed else NOT_OWED for p in months
        ]

    def counts_for(unit: Unit) -> Counter:
        item_states = [
            state
            for _, state, _ in states.of_items(
                obligations=obligations, progress=progress, unit=unit, as_of=today
            )
        ]
        item_states += [
            state for _, _, state, _ in carried_states(earlier, unit, today, states)
        ]
        counts = _counts(item_states, month_codes(unit))
        counts.update(_supervision_counts(supervision.get(unit.id)))
        return counts

    def group_counts() -> Counter:
        counts = _counts([], [])
        counts.update(_supervision_counts(None))
        return counts

    units = sorted(
        (
            u
            for u in obligations.units.values()
            if (u.is_group and u.is_active) or obligations.months_on_roster(u)
        ),
        key=roster_order,
    )
    rows = {
        u.id: IndexRow(u, group_counts() if u.is_group else counts_for(u))
        for u in units
    }
    top = []
    for unit in units:
        parent = rows.get(unit.parent_id)
        if parent is not None:
            parent.members.append(rows[unit.id])
            parent.counts.update(rows[unit.id].counts)
        else:
            top.append(rows[unit.id])
    return sorted(top, key=lambda r: (r.unit.position, r.unit.id))
