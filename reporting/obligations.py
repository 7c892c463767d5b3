"""Who owes what: the one answer to "which indicators does this unit report, which
checklist items does it carry, does it owe a monthly return".

Every page, API, import, export, notice, ranking and reminder asks here. The rules
(the README's "Who reports what" says the same):

- An indicator is reported whole by the lead unit (牵头单位, position 1) of the key
  task that carries it, except the counts that towns and platform companies deliver
  (aggregation "sum": 老旧小区, 未来社区, 加装电梯). There each active member of the
  groups named on that key task reports its own share and the district figure is
  their sum; until an admin adds members, the lead unit reports the whole figure.
- A unit carries the year's checklist items of every key task that names it, or its
  group (各镇街 names 府山街道 too). It is 牵头 on a task that names it first, and
  配合 otherwise.
- A unit owes a monthly return in a year when it reports an indicator or carries an
  item that year. Groups never report: their members do. Inactive units owe nothing.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from indicators.models import Indicator
from tasks.models import ChecklistItem, KeyTask, Responsibility
from units.models import Unit

LEAD = "牵头"
CO = "配合"


@dataclass
class Obligations:
    """What every unit owes in one plan year, read in four queries."""

    year: int
    units: dict[int, Unit]
    # key task → the units it names, in the plan's order (position 1 leads)
    named: dict[int, list[Unit]]
    # key task id → the key task, in the plan's order
    key_tasks: dict[int, KeyTask]
    # indicator id → the units that report it
    reporters: dict[int, list[Unit]]
    # key task → the year's checklist items
    items_by_task: dict[int, list[ChecklistItem]] = field(default_factory=dict)

    def lead_of(self, key_task_id: int | None) -> Unit | None:
        units = self.named.get(key_task_id, [])
        return units[0] if units else None

    def key_tasks_of(self, unit: Unit) -> dict[int, str]:
        """Return {key task id: 牵头 or 配合} for each task naming it or its group."""
        if not unit.is_active or unit.is_group:
            return {}
        roles = {}
        for task_id, units in self.named.items():
            for position, named in enumerate(units, 1):
                if named.pk == unit.pk:
                    roles[task_id] = LEAD if position == 1 else CO
                elif unit.parent_id and named.pk == unit.parent_id:
                    roles.setdefault(task_id, CO)
        return roles

    def indicator_ids_of(self, unit: Unit) -> set[int]:
        return {i for i, units in self.reporters.items() if unit in units}

    def reports(self, unit: Unit, indicator_id: int) -> bool:
        return unit in self.reporters.get(indicator_id, [])

    def items_of(self, unit: Unit) -> list[ChecklistItem]:
        """Return the year's items the unit carries, in work-list order."""
        items = [
            item
            for task_id in self.key_tasks_of(unit)
            for item in self.items_by_task.get(task_id, [])
        ]
        return sorted(items, key=lambda i: (i.entry.seq, i.position))

    def owes_returns(self, unit: Unit) -> bool:
        return bool(self.indicator_ids_of(unit) or self.items_of(unit))

    def units_owing_returns(self) -> list[Unit]:
        """Return every unit that owes monthly returns this year, in roster order."""
        return sorted(
            (u for u in self.units.values() if self.owes_returns(u)),
            key=roster_order,
        )


def roster_order(unit: Unit) -> tuple:
    """Departments in 附件1's order, then each group's members under it."""
    return (unit.parent_id or 0, unit.position, unit.pk)


def _reporters(
    indicators, named: dict[int, list[Unit]], members: dict[int, list[Unit]]
) -> dict[int, list[Unit]]:
    reporters = {}
    for indicator in indicators:
        task_units = named.get(indicator.key_task_id, [])
        lead = [u for u in task_units[:1] if u.is_active and not u.is_group]
        if indicator.aggregation == Indicator.Aggregation.SUM:
            shares = [m for u in task_units if u.is_group for m in members[u.pk]]
            reporters[indicator.pk] = shares or lead
        else:
            reporters[indicator.pk] = lead
    return reporters


def _roster() -> tuple[dict, dict, dict, dict]:
    units = {u.pk: u for u in Unit.objects.order_by("position", "id")}
    members: dict[int, list[Unit]] = defaultdict(list)
    for unit in units.values():
        if unit.parent_id and unit.is_active:
            members[unit.parent_id].append(unit)
    named: dict[int, list[Unit]] = defaultdict(list)
    tasks = {}
    for r in Responsibility.objects.select_related("key_task").order_by(
        "key_task__number", "position"
    ):
        named[r.key_task_id].append(units[r.unit_id])
        tasks[r.key_task_id] = r.key_task
    return units, named, members, tasks


def reporters_by_indicator() -> dict[int, list[Unit]]:
    """Return {indicator id: units that report it} (3 queries), the same every year."""
    units, named, members, _ = _roster()
    indicators = Indicator.objects.only("id", "aggregation", "key_task_id")
    return _reporters(indicators, named, members)


def obligations_for(*, year: int) -> Obligations:
    """Return what every unit owes in `year` (4 queries)."""
    units, named, members, tasks = _roster()
    indicators = Indicator.objects.only("id", "aggregation", "key_task_id")
    items_by_task: dict[int, list[ChecklistItem]] = defaultdict(list)
    for item in (
        ChecklistItem.objects.filter(entry__work_list__year=year)
        .select_related("entry__work_list", "entry__key_task")
        .order_by("entry__seq", "position")
    ):
        items_by_task[item.entry.key_task_id].append(item)
    return Obligations(
        year=year,
        units=units,
        named=named,
        key_tasks=tasks,
        reporters=_reporters(indicators, named, members),
        items_by_task=items_by_task,
    )


def items_carried_by(*, unit: Unit, year: int) -> list[ChecklistItem]:
    """Return the year's checklist items the unit carries (4 queries)."""
    return obligations_for(year=year).items_of(unit)
