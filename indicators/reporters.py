"""Who reports each indicator (the README's table says the same).

An indicator is reported whole by the lead unit of the key task that carries it,
except the counts that the 镇街 and 平台公司 deliver (aggregation "sum":
老旧小区, 未来社区, 加装电梯): there each member unit of the groups named on
that key task reports its share, and the district figure is their sum. Until an
admin adds members to those groups, the lead unit reports the whole figure.
"""

from collections import defaultdict

from indicators.models import Indicator
from tasks.models import Responsibility
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
