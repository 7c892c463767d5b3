"""Who owes what: the one answer to "which indicators does this unit report, which
checklist items does it carry, does it owe a monthly return".

Every page, API, import, export, notice, ranking and reminder asks here. The rules
(the README's "Who reports what" says the same):

- An indicator is reported whole by the lead unit (牵头单位, position 1) of the key
  task that carries it, except the counts that towns and platform companies deliver
  (aggregation "sum": 老旧小区, 未来社区, 加装电梯). There each member of the groups
  named on that key task reports its own share and the district figure is their
  sum; in a month when no member is on the roster yet, the lead unit reports the
  whole figure.
- The roster changes over time: a member reports from its 起报月份 (or the plan's
  start) to its 止报月份 (or for good); a unit switched off without an end month
  never counts, nor do the members of a group switched off. So a town added in 2025
  leaves 2023's figures to whoever reported them then.
- A unit carries the year's checklist items of every key task that names it, or its
  group (各镇街 names 府山街道 too). It is 牵头 on a task that names it first, and
  配合 otherwise. An item that names its own units (tasks.ItemResponsibility:
  narrowed by an admin or the work-list import) is carried by those alone, the
  first leading it.
- A unit owes a monthly return for a month when it is on the roster that month and
  reports an indicator then or carries an item that year. Groups never report:
  their members do.
"""

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch

from indicators.models import Indicator
from projects.counts import counts_read_once
from reporting.models import ItemProgress, MonthlyReport
from tasks.models import ChecklistItem, ItemResponsibility, KeyTask, Responsibility
from units.models import Unit
from units.selectors import roster_order, unit_list
from yuecheng_housing.lib.periods import PLAN_YEARS, add_months, months_of_year

LEAD = "牵头"
CO = "配合"


def on_roster(unit: Unit, period: date, units: dict[int, Unit]) -> bool:
    """Whether the unit counts in month `period` (its group switched off: no)."""
    if unit.is_group or not unit.reports_in(period):
        return False
    parent = units.get(unit.parent_id)
    return parent is None or parent.reports_in(period)


@dataclass
class Roster:
    """Units, who each key task names, and the indicators' key tasks (3 queries)."""

    units: dict[int, Unit]
    # key task id → the units it names, in the plan's order (position 1 leads)
    named: dict[int, list[Unit]]
    key_tasks: dict[int, KeyTask]
    indicators: list[Indicator]
    members: dict[int, list[Unit]] = field(default_factory=dict)
    # group id → (a member of each kind, [(member, its kind)])
    _members_alike: dict[int, tuple[list[Unit], list[tuple[Unit, int]]]] = field(
        default_factory=dict
    )
    _reporters: dict[date, dict[int, list[Unit]]] = field(default_factory=dict)
    _by_unit: dict[date, dict[int, frozenset[int]]] = field(default_factory=dict)
    _changes: list[date] | None = None
    # The first month asked about in each stretch of months with one roster.
    _stretches: dict[date | None, date] = field(default_factory=dict)

    def stretch(self, period: date) -> date | None:
        """The latest month, by `period`, in which some unit may have started or
        stopped reporting (None: none yet). A unit's place on the roster changes
        only at its 起报月份 or after its 止报月份, so the months between two
        such months have one roster: who reports what is worked out once for
        them, not for each month."""
        if self._changes is None:
            changes = set()
            for unit in self.units.values():
                for day in (unit.reports_from, unit.reports_until):
                    if day is not None:
                        # Either month may be the first that differs (reports_in
                        # compares a month's first day): both are kept.
                        month = day.replace(day=1)
                        changes |= {month, add_months(month, 1)}
            self._changes = sorted(changes)
        index = bisect_right(self._changes, period)
        return self._changes[index - 1] if index else None

    def lead_of(self, key_task_id: int | None) -> Unit | None:
        units = self.named.get(key_task_id, [])
        return units[0] if units else None

    def reporters_at(self, period: date) -> dict[int, list[Unit]]:
        """Return {indicator id: the units that report it in month `period`}."""
        if period not in self._reporters:
            alike_month = self._stretches.setdefault(self.stretch(period), period)
            if alike_month != period:
                self._reporters[period] = self.reporters_at(alike_month)
                self._by_unit[period] = self._by_unit[alike_month]
                return self._reporters[period]
            reporters = {}
            # Counts delivered by the same groups' members share one list, put
            # to those members once (a province's thousands of towns).
            shares_of: dict[tuple[int, ...], list[Unit]] = {}
            alike: dict[int, tuple[list[Unit], list[int]]] = {}
            for indicator in self.indicators:
                task_units = self.named.get(indicator.key_task_id, [])
                lead = [u for u in task_units[:1] if on_roster(u, period, self.units)]
                units = lead
                if indicator.aggregation == Indicator.Aggregation.SUM:
                    groups = tuple(u.id for u in task_units if u.is_group)
                    if groups not in shares_of:
                        shares_of[groups] = [
                            m
                            for group_id in groups
                            for m in self._members_on_roster(
                                self.units[group_id], period
                            )
                        ]
                    units = shares_of[groups] or lead
                alike.setdefault(id(units), (units, []))[1].append(indicator.id)
                reporters[indicator.id] = list(units)
            self._reporters[period] = reporters
            # One frozen set shared by the units that report the same indicators
            # (`.id`, not the `.pk` property): a province's towns by the thousand.
            by_unit: dict[int, frozenset[int]] = {}
            for units, indicator_ids in alike.values():
                ids = frozenset(indicator_ids)
                for unit in units:
                    have = by_unit.get(unit.id)
                    by_unit[unit.id] = ids if have is None else have | ids
            self._by_unit[period] = by_unit
        return self._reporters[period]

    def _members_on_roster(self, group: Unit, period: date) -> list[Unit]:
        """The group's members on the roster in `period` (on_roster's rule, the
        group asked once, not once per member: a province has thousands)."""
        if not group.reports_in(period):
            return []
        # Members alike in what reports_in reads answer alike: asked once per
        # kind of member and month (a province's towns mostly share one).
        if group.id not in self._members_alike:
            kinds: dict[tuple, int] = {}
            samples, members = [], []
            for m in self.members.get(group.id, []):
                if m.is_group:
                    continue
                alike = (m.is_active, m.reports_from, m.reports_until)
                if alike not in kinds:
                    kinds[alike] = len(samples)
                    samples.append(m)
                members.append((m, kinds[alike]))
            self._members_alike[group.id] = (samples, members)
        samples, members = self._members_alike[group.id]
        answers = [m.reports_in(period) for m in samples]
        return [m for m, kind in members if answers[kind]]

    def indicator_ids_at(self, unit: Unit, period: date) -> set[int]:
        """Return the indicators the unit reports in month `period`."""
        return self.indicators_by_unit(period).get(unit.id, set())

    def indicators_by_unit(self, period: date) -> dict[int, set[int]]:
        """Return {unit id: the indicators it reports in month `period`}, for
        every unit that reports one."""
        if period not in self._by_unit:
            self.reporters_at(period)
        return self._by_unit[period]


def roster() -> Roster:
    """Return the roster as it stands, for any month (3 queries)."""
    # Each parent is set from the units read below, not joined to every row: a
    # province's 3 000 towns would each build their own 各镇街.
    units = {u.id: u for u in unit_list().select_related(None)}
    members: dict[int, list[Unit]] = defaultdict(list)
    for unit in units.values():
        if unit.parent_id:
            # One instance of each group for all its members, not a copy each:
            # a province's cached ranking would pickle thousands of 各镇街.
            unit.parent = units[unit.parent_id]
            members[unit.parent_id].append(unit)
    named: dict[int, list[Unit]] = defaultdict(list)
    key_tasks = {}
    for r in Responsibility.objects.select_related("key_task").order_by(
        "key_task__number", "position"
    ):
        named[r.key_task_id].append(units[r.unit_id])
        key_tasks[r.key_task_id] = r.key_task
    indicators = list(Indicator.objects.only("id", "aggregation", "key_task_id"))
    return Roster(units, named, key_tasks, indicators, members)


def reporters_by_indicator(*, period: date) -> dict[int, list[Unit]]:
    """Return {indicator id: units that report it in month `period`} (3 queries)."""
    return roster().reporters_at(period)


@dataclass
class Obligations:
    """What every unit owes in one plan year (4 queries)."""

    year: int
    roster: Roster
    # key task → the year's checklist items
    items_by_task: dict[int, list[ChecklistItem]]
    _items: dict[int, list[ChecklistItem]] = field(default_factory=dict)
    _all_items: list[ChecklistItem] | None = None
    _item_roles: dict[int, dict[int, str]] = field(default_factory=dict)
    _item_units: dict[int, list[Unit]] = field(default_factory=dict)
    # Answers per unit, asked many times by boards and rankings: kept once found.
    _roles: dict[int, dict[int, str]] = field(default_factory=dict)
    _months: dict[int, list[date]] = field(default_factory=dict)
    _year_indicators: dict[int, set[int]] | None = None
    _named_roles: dict[int, dict[int, str]] | None = None
    _owed: dict[int, frozenset[date]] = field(default_factory=dict)
    _named_on: dict[int, list[ChecklistItem]] | None = None
    _stretches: list[tuple[date, date | None]] | None = None

    @property
    def units(self) -> dict[int, Unit]:
        return self.roster.units

    @property
    def key_tasks(self) -> dict[int, KeyTask]:
        return self.roster.key_tasks

    def lead_of(self, key_task_id: int | None) -> Unit | None:
        return self.roster.lead_of(key_task_id)

    def item_units(self, item: ChecklistItem) -> list[Unit]:
        """The units named on the item, its lead first: its own where an admin
        or the import narrowed it, its key task's otherwise."""
        # Asked for every unit and item by a province's ranking: found once.
        if item.id not in self._item_units:
            own = [self.units[r.unit_id] for r in item.responsibilities.all()]
            self._item_units[item.id] = own or self.roster.named.get(
                item.entry.key_task_id, []
            )
        return self._item_units[item.id]

    def item_lead(self, item: ChecklistItem) -> Unit | None:
        """The unit whose completion closes the item."""
        units = self.item_units(item)
        return units[0] if units else None

    def item_role(self, unit: Unit, item: ChecklistItem) -> str | None:
        """牵头, 配合 or None: the unit's part in the item; a group named on it
        makes its members 配合, and the unit's own role wins."""
        if not self.months_on_roster(unit):
            return None
        roles = self._roles_on(item)
        return roles.get(unit.id) or (CO if unit.parent_id in roles else None)

    def _roles_on(self, item: ChecklistItem) -> dict[int, str]:
        """{unit id: 牵头 or 配合} of the units named on the item."""
        if item.id not in self._item_roles:
            self._item_roles[item.id] = {
                named.id: LEAD if position == 1 else CO
                for position, named in enumerate(self.item_units(item), 1)
            }
        return self._item_roles[item.id]

    def months_on_roster(self, unit: Unit) -> list[date]:
        """The months of the year the unit counts in: none outside the plan, so
        nothing is owed for December 2022 (January 2023's notice) or 2028."""
        if unit.id not in self._months:
            if self._stretches is None:
                self._stretches = [
                    (p, self.roster.stretch(p))
                    for p in months_of_year(self.year)
                    if self.year in PLAN_YEARS
                ]
            # on_roster asked once for each stretch of months with one roster
            # (Roster.stretch): a province's roster has thousands of units.
            on: dict[date | None, bool] = {}
            months = []
            for p, stretch in self._stretches:
                if stretch not in on:
                    on[stretch] = on_roster(unit, p, self.units)
                if on[stretch]:
                    months.append(p)
            self._months[unit.id] = months
        return self._months[unit.id]

    def key_tasks_of(self, unit: Unit) -> dict[int, str]:
        """Return {key task id: 牵头 or 配合} for each task naming it or its group,
        if the unit is on the roster in some month of the year."""
        if unit.id in self._roles:
            return self._roles[unit.id]
        if self._named_roles is None:
            # Who each task names, read once: {unit id: {task id: 牵头 or 配合}}.
            self._named_roles = {}
            for task_id, units in self.roster.named.items():
                for position, named in enumerate(units, 1):
                    self._named_roles.setdefault(named.id, {})[task_id] = (
                        LEAD if position == 1 else CO
                    )
        roles = {}
        if self.months_on_roster(unit):
            # A group's tasks reach its members as 配合; the unit's own role wins.
            for task_id in self._named_roles.get(unit.parent_id, {}):
                roles[task_id] = CO
            roles.update(self._named_roles.get(unit.id, {}))
        self._roles[unit.id] = roles
        return roles

    def reports(self, unit: Unit, indicator_id: int, period: date) -> bool:
        return indicator_id in self.roster.indicator_ids_at(unit, period)

    def indicator_ids_of(self, unit: Unit, period: date | None = None) -> set[int]:
        """Return the indicators the unit reports in `period`, or in any month of
        the year when no month is given."""
        if period is not None:
            return self.roster.indicator_ids_at(unit, period)
        if self._year_indicators is None:
            # Every unit's year at once, month by month (months with one roster
            # once): a province's ranking asks for each of its thousands of units.
            year: dict[int, set[int]] = {}
            seen = set()
            for p in months_of_year(self.year):
                by_unit = self.roster.indicators_by_unit(p)
                if id(by_unit) in seen:
                    continue
                seen.add(id(by_unit))
                for unit_id, ids in by_unit.items():
                    year.setdefault(unit_id, set()).update(ids)
            self._year_indicators = year
        return self._year_indicators.get(unit.id, set())

    def items_of(self, unit: Unit) -> list[ChecklistItem]:
        """Return the year's items the unit carries, in work-list order."""
        if unit.id not in self._items:
            if self._named_on is None:
                # Which items name each unit or group, found once: a province's
                # ranking asks for each of its thousands of towns.
                self._named_on = defaultdict(list)
                for item in self.items:
                    for named in self.item_units(item):
                        self._named_on[named.id].append(item)
            if not self.months_on_roster(unit):
                found = []  # item_role: nothing off the roster
            elif unit.id in self._named_on:
                # item_role's answer, asked only of the items that name the unit
                # or its group: it says None of every other.
                named = {
                    item.id
                    for item in self._named_on[unit.id]
                    + self._named_on.get(unit.parent_id, [])
                }
                found = [
                    item
                    for item in self.items
                    if item.id in named and self.item_role(unit, item)
                ]
            else:
                # Named on none itself, on the roster: item_role makes it 配合 on
                # each item naming its group, the same list for all its members
                # (in work-list order, as _named_on was filled).
                found = self._named_on.get(unit.parent_id, [])
            self._items[unit.id] = found
        return self._items[unit.id]

    @property
    def items(self) -> list[ChecklistItem]:
        """Every item of the year, in work-list order."""
        if self._all_items is None:
            self._all_items = sorted(
                (i for items in self.items_by_task.values() for i in items),
                key=lambda i: (i.entry.seq, i.position),
            )
        return self._all_items

    def months_owed(self, unit: Unit) -> frozenset[date]:
        """The months of the year the unit owes a monthly return for: on the
        roster, and reporting an indicator that month or carrying an item."""
        # Asked for every unit and month, twice, by a province's ranking: the
        # unit's year is worked out once.
        if unit.id not in self._owed:
            months = self.months_on_roster(unit)
            if months and not self.items_of(unit):
                months = [
                    p for p in months if unit.id in self.roster.indicators_by_unit(p)
                ]
            self._owed[unit.id] = frozenset(months)
        return self._owed[unit.id]

    def owes_return(self, unit: Unit, period: date) -> bool:
        """Whether the unit owes a monthly return for `period`."""
        return period in self.months_owed(unit)

    def owes_returns(self, unit: Unit) -> bool:
        """Whether the unit owes a return for any month of the year."""
        return bool(self.months_owed(unit))

    def units_owing_returns(self, period: date | None = None) -> list[Unit]:
        """Return the units that owe a return for `period` (or for some month of
        the year), in roster order."""
        owing = (lambda u: self.owes_return(u, period)) if period else self.owes_returns
        return sorted((u for u in self.units.values() if owing(u)), key=roster_order)


# Within read_once(): the roster, once read.
_read: ContextVar[list[Roster] | None] = ContextVar("roster_read", default=None)


@contextmanager
def read_once() -> Iterator[None]:
    """Within the block, every obligations_for shares one roster: for a page
    made of several computations (the 驾驶舱: the unit index, the ranking and
    the returns panel), each of which would read a province's roster again and
    put its towns to each month's indicators again; the ledgers' counts too
    (projects.counts.counts_read_once). Nothing in them writes."""
    if _read.get() is not None:  # within an outer block: share its reading
        yield
        return
    token = _read.set([])
    try:
        with counts_read_once():
            yield
    finally:
        _read.reset(token)


def obligations_for(*, year: int, shared: Roster | None = None) -> Obligations:
    """Return what every unit owes in `year` (5 queries; 2 with the roster
    `shared` by another year's, which it is: the roster is for any month)."""
    read = _read.get()
    if read is None or shared is not None:
        return _obligations_for(year=year, shared=shared)
    if not read:
        read.append(roster())
    return _obligations_for(year=year, shared=read[0])


def _obligations_for(*, year: int, shared: Roster | None) -> Obligations:
    items_by_task: dict[int, list[ChecklistItem]] = defaultdict(list)
    for item in (
        ChecklistItem.objects.filter(entry__work_list__year=year)
        .select_related("entry__work_list", "entry__key_task")
        .prefetch_related(
            Prefetch(
                "responsibilities",
                queryset=ItemResponsibility.objects.order_by("position"),
            )
        )
        .order_by("entry__seq", "position")
    ):
        items_by_task[item.entry.key_task_id].append(item)
    return Obligations(
        year=year, roster=shared or roster(), items_by_task=items_by_task
    )


def items_carried_by(*, unit: Unit, year: int) -> list[ChecklistItem]:
    """Return the year's checklist items the unit carries (4 queries)."""
    return obligations_for(year=year).items_of(unit)


def carried_items(*, unit: Unit, year: int) -> list[ChecklistItem]:
    """Earlier years' items the unit leads and has not reported done: still owed
    (an item stays overdue across years until done), so the unit can still
    report them. A co-unit's items follow the lead's, so only the lead carries
    them (4 queries a year with a work list, and one for what is done)."""
    earlier = (
        ChecklistItem.objects.filter(entry__work_list__year__lt=year)
        .values_list("entry__work_list__year", flat=True)
        .distinct()
    )
    led = []
    for earlier_year in sorted(set(earlier)):
        obligations = obligations_for(year=earlier_year)
        led += [
            item
            for item in obligations.items_of(unit)
            # An item closed by an admin (销号) is no longer owed.
            if obligations.item_lead(item) == unit and item.closed_on is None
        ]
    if not led:
        return []
    done = set(
        ItemProgress.objects.filter(
            item__in=led,
            report__unit=unit,
            status=ItemProgress.Status.DONE,
            report__status__in=(
                MonthlyReport.Status.SUBMITTED,
                MonthlyReport.Status.APPROVED,
            ),
        ).values_list("item_id", flat=True)
    )
    return [item for item in led if item.id not in done]
