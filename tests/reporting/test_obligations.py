"""Who owes what, from a handful of rows built here (not the whole plan)."""

from datetime import date
from decimal import Decimal

import pytest

from indicators.models import Domain, Indicator
from reporting.obligations import CO, LEAD, obligations_for, reporters_by_indicator
from tasks.models import (
    ChecklistItem,
    KeyTask,
    Responsibility,
    Section,
    WorkList,
    WorkListEntry,
)
from tasks.services import item_units_set
from units.models import Unit

JUNE = date(2023, 6, 1)


@pytest.fixture
def roster(empty_plan):
    """A lead department, a co-responsible one, a group with two towns; one task
    carrying a summed and a whole indicator, with one 2023 item."""
    lead = Unit.objects.create(name="区建设局", position=1)
    co = Unit.objects.create(name="区发改局", position=2)
    other = Unit.objects.create(name="区房征办", position=3)
    group = Unit.objects.create(name="各镇街", kind=Unit.Kind.GROUP, position=4)
    town = Unit.objects.create(
        name="府山街道", kind=Unit.Kind.TOWN, parent=group, position=1
    )
    retired = Unit.objects.create(
        name="旧街道", kind=Unit.Kind.TOWN, parent=group, position=2, is_active=False
    )
    section = Section.objects.create(number=1, title="住房保障")
    task = KeyTask.objects.create(number=1, section=section, title="任务", text="…")
    for position, unit in enumerate((lead, co, group), 1):
        Responsibility.objects.create(key_task=task, unit=unit, position=position)
    domain = Domain.objects.create(name="住房品质", position=1)
    summed = Indicator.objects.create(
        code=4, name="老旧小区累计改造个数", unit="个", label="老旧小区", domain=domain,
        kind="cumulative", aggregation="sum", key_task=task, decimals=0,
    )  # fmt: skip
    whole = Indicator.objects.create(
        code=5, name="物业服务覆盖率", unit="%", label="物业", domain=domain,
        kind="rate", key_task=task,
    )  # fmt: skip
    work_list = WorkList.objects.create(year=2023, title="2023年工作清单")
    entry = WorkListEntry.objects.create(
        work_list=work_list, seq=1, name="老旧小区", unit_of_measure="个",
        target=Decimal(26), key_task=task,
    )  # fmt: skip
    item = ChecklistItem.objects.create(
        entry=entry, position=1, text="开工26个", deadline=date(2023, 6, 30),
        deadline_label="6月底前",
    )  # fmt: skip
    return locals()


def test_towns_report_the_summed_count_and_the_lead_the_rest(roster):
    reporters = reporters_by_indicator(period=JUNE)
    assert reporters[roster["summed"].pk] == [roster["town"]]  # not the retired one
    assert reporters[roster["whole"].pk] == [roster["lead"]]


def test_without_members_the_lead_reports_the_summed_count(roster):
    Unit.objects.filter(parent__isnull=False).update(is_active=False)
    assert reporters_by_indicator(period=JUNE)[roster["summed"].pk] == [roster["lead"]]


def test_the_roster_changes_by_month(roster):
    town, lead, summed = roster["town"], roster["lead"], roster["summed"].pk
    town.reports_from = date(2023, 7, 1)
    town.save()
    merged = Unit.objects.create(
        name="并入街道", kind=Unit.Kind.TOWN, parent=roster["group"], position=3,
        is_active=False, reports_until=date(2023, 5, 1),
    )  # fmt: skip
    assert reporters_by_indicator(period=date(2023, 5, 1))[summed] == [merged]
    assert reporters_by_indicator(period=JUNE)[summed] == [lead]  # nobody else yet
    assert reporters_by_indicator(period=date(2023, 7, 1))[summed] == [town]
    obligations = obligations_for(year=2023)
    assert not obligations.owes_return(town, JUNE)
    assert obligations.owes_return(town, date(2023, 7, 1))
    assert obligations.owes_return(merged, date(2023, 5, 1))
    assert not obligations.owes_return(merged, JUNE)
    # A group switched off takes its members with it.
    roster["group"].is_active = False
    roster["group"].save()
    assert reporters_by_indicator(period=date(2023, 7, 1))[summed] == [lead]


def test_roles_items_and_who_owes_returns(roster):
    obligations = obligations_for(year=2023)
    lead, co, town = roster["lead"], roster["co"], roster["town"]
    task = roster["task"].pk
    assert obligations.key_tasks_of(lead) == {task: LEAD}
    assert obligations.key_tasks_of(co) == {task: CO}
    assert obligations.key_tasks_of(town) == {task: CO}  # named through its group
    assert obligations.items_of(town) == [roster["item"]]
    assert obligations.units_owing_returns() == [lead, co, town]
    assert obligations.units_owing_returns(JUNE) == [lead, co, town]
    # The group, a unit on no task and a retired town owe nothing.
    for unit in (roster["group"], roster["other"], roster["retired"]):
        assert not obligations.owes_returns(unit)
    # A year without a work list: only the indicators' reporters owe returns.
    assert obligations_for(year=2024).units_owing_returns() == [lead, town]


def test_months_with_one_roster_share_who_reports_what_and_only_they(plan, towns):
    """A roster asked about many months works out who reports what once per
    stretch of months between 起报 and 止报 months (Roster.stretch); each month
    still gets the answer worked out for it alone."""
    first, second, third = towns
    first.reports_from = date(2023, 3, 15)  # from April: March's 1st is before it
    first.save()
    second.reports_until = date(2023, 6, 1)  # through June
    second.save()
    third.reports_from, third.reports_until = date(2023, 8, 1), date(2023, 9, 30)
    third.save()
    months = [date(2023, month, 1) for month in range(1, 13)]
    shared = obligations_for(year=2023).roster
    for month in [*months, *reversed(months)]:
        alone = obligations_for(year=2023).roster  # asked about this month only
        assert {
            indicator: [u.pk for u in units]
            for indicator, units in shared.reporters_at(month).items()
        } == {
            indicator: [u.pk for u in units]
            for indicator, units in alone.reporters_at(month).items()
        }, month
        for unit in towns:
            assert shared.indicator_ids_at(unit, month) == alone.indicator_ids_at(
                unit, month
            )
    counts = Indicator.objects.filter(aggregation=Indicator.Aggregation.SUM)
    reports = {
        unit.name: [m.month for m in months if shared.indicator_ids_at(unit, m)]
        for unit in towns
    }
    assert counts.exists()
    on_roster = obligations_for(year=2023)
    assert {
        unit.name: [m.month for m in on_roster.months_on_roster(unit)] for unit in towns
    } == {
        first.name: list(range(4, 13)),
        second.name: list(range(1, 7)),
        third.name: [8, 9],
    }
    assert reports == {
        first.name: list(range(4, 13)),
        second.name: list(range(1, 7)),
        third.name: [8, 9],
    }


def test_a_units_items_are_those_item_role_gives_it(plan, towns, admin_user):
    """items_of's shortcuts (a group's list shared by its members) agree with
    item_role asked of every item, for every unit: a town named on an item
    itself, its fellow members, a town off the roster and the departments."""
    obligations = obligations_for(year=2023)
    group = towns[0].parent
    item = next(i for i in obligations.items if group in obligations.item_units(i))
    item_units_set(
        user=admin_user, item=item, lead=obligations.item_units(item)[0],
        co_units=[towns[0]], reason="测试：点名一个镇街",
    )  # fmt: skip
    towns[2].reports_until = date(2022, 12, 1)
    towns[2].save()
    obligations = obligations_for(year=2023)
    for unit in obligations.units.values():
        expected = [i for i in obligations.items if obligations.item_role(unit, i)]
        assert obligations.items_of(unit) == expected, unit.name
    assert item in obligations.items_of(towns[0])
    assert obligations.items_of(towns[2]) == []
    assert obligations.items_of(towns[1])  # its group's items, shared
