"""Who reports each indicator (the README's table says the same).

An indicator is reported whole by the lead unit of the key task that carries it,
except the counts that the 镇街 and 平台公司 deliver (aggregation "sum":
老旧小区, 未来社区, 加装电梯): there each member unit of the groups named on
that key task reports its share, and the district figure is their sum. Until an
admin adds members to those groups, the lead unit reports the whole figure.
"""

from collections import defaultdict

from indicators.models import Indicator
from tasks.models import ChecklistItem, Responsibility
from units.models import Unit


def reporters_by_indicator() -> dict[int, list[Unit]]:
    """Return {indicator id: units that report it} in 3 queries."""
    indicators = list(Indicator.objects.only("id", "aggregation", "key_task_id"))
    responsibilities = Responsibility.objects.select_related("unit").order_by(
        "key_task_id", "position"
    )
    units_by_task: dict[int, list[Unit]] = defaultdict(list)
    for responsibility in responsibilities:
        units_by_task[responsibility.key_task_id].append(responsibility.unit)
    members: dict[int, list[Unit]] = defaultdict(list)
    for member in Unit.objects.filter(parent__isnull=False, is_active=True):
        members[member.parent_id].append(member)

    reporters = {}
    for indicator in indicators:
        task_units = units_by_task.get(indicator.key_task_id, [])
        lead = task_units[:1]
        if indicator.aggregation == Indicator.Aggregation.SUM:
            shares = [m for u in task_units if u.is_group for m in members[u.pk]]
            reporters[indicator.pk] = shares or lead
        else:
            reporters[indicator.pk] = lead
    return reporters


def items_carried_by(*, unit: Unit, year: int) -> list[ChecklistItem]:
    """Return the year's checklist items whose key task names the unit or its group."""
    named = [unit.pk] + ([unit.parent_id] if unit.parent_id else [])
    return list(
        ChecklistItem.objects.filter(
            entry__work_list__year=year,
            entry__key_task__responsibilities__unit_id__in=named,
        )
        .select_related("entry__work_list", "entry__key_task")
        .distinct()
        .order_by("entry__seq", "position")
    )


def units_owing_returns(*, year: int) -> list[Unit]:
    """Return the units that owe a monthly return in `year` (4 queries): those that
    report an indicator and those named, directly or through their group, on a key
    task that carries a checklist item that year."""
    from indicators.models import Indicator
    from tasks.models import ChecklistItem, Responsibility

    responsibilities = list(Responsibility.objects.select_related("unit"))
    indicator_tasks = list(Indicator.objects.values_list("key_task_id", "aggregation"))
    tasks_with_items = set(
        ChecklistItem.objects.filter(entry__work_list__year=year).values_list(
            "entry__key_task_id", flat=True
        )
    )
    members: dict[int, list[Unit]] = {}
    for member in Unit.objects.filter(parent__isnull=False, is_active=True):
        members.setdefault(member.parent_id, []).append(member)
    named: dict[int, list[Unit]] = {}
    for r in sorted(responsibilities, key=lambda r: r.position):
        named.setdefault(r.key_task_id, []).append(r.unit)

    def carriers(task_id: int) -> list[Unit]:
        units = []
        for unit in named.get(task_id, []):
            units += members.get(unit.pk, []) if unit.is_group else [unit]
        return units

    owing: dict[int, Unit] = {}
    for task_id, aggregation in indicator_tasks:
        task_units = named.get(task_id, [])
        shares = [m for u in task_units if u.is_group for m in members.get(u.pk, [])]
        reporters = shares if aggregation == "sum" and shares else task_units[:1]
        owing |= {u.pk: u for u in reporters}
    for task_id in tasks_with_items:
        owing |= {u.pk: u for u in carriers(task_id)}
    return sorted(owing.values(), key=lambda u: (u.parent_id or 0, u.position))
