from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from indicators.models import Indicator
from projects.models import LedgerYear, Project, ProjectStage
from projects.services import (
    ledger_year_set,
    project_as_data,
    project_save,
    project_stage_advance,
)
from yuecheng_housing.lib.errors import NeedsConfirmation

pytestmark = pytest.mark.django_db


def codes(error: ValidationError) -> set[str]:
    return {e.code for errors in error.error_dict.values() for e in errors}


def test_it_derives_the_stage_and_the_counting_day(add_project):
    project = add_project(
        reached={
            "planned": date(2026, 1, 5),
            "approved": date(2026, 2, 1),
            "started": date(2026, 3, 1),
            "completed": date(2026, 9, 30),
        },
        planned={"accepted": date(2026, 12, 31)},
        households=320,
        buildings=12,
    )
    assert project.stage == "completed"
    assert project.stage_label == "完工"
    assert project.counted_on == date(2026, 9, 30)
    assert ProjectStage.objects.filter(project=project).count() == 5
    assert project.history.count() == 1


def test_it_refuses_a_stage_date_before_the_previous_stage(add_project):
    with pytest.raises(ValidationError) as refused:
        add_project(
            reached={
                "planned": date(2026, 3, 1),
                "approved": date(2026, 2, 1),
            }
        )
    assert "stage_before_previous" in codes(refused.value)
    assert "立项日期2026-02-01早于上一阶段“谋划”" in str(refused.value)
    assert not Project.objects.exists()


def test_it_refuses_a_stage_reached_before_an_earlier_one(add_project):
    with pytest.raises(ValidationError) as refused:
        add_project(reached={"completed": date(2026, 3, 1)})
    assert "stage_skipped" in codes(refused.value)


@pytest.mark.parametrize(
    ("kind", "values", "code"),
    [
        ("elevator", {"quantity": -1}, "too_small"),
        ("elevator", {"quantity": Decimal("1.5")}, "not_whole"),
        ("renovation", {"households": Decimal("12.5")}, "not_whole"),
        ("renovation", {"quantity": 2}, "one_each"),
        ("rental", {"raising": ""}, "required"),
        ("elevator", {"households": 20}, "not_of_kind"),
    ],
)
def test_it_refuses_counts_that_cannot_be(add_project, kind, values, code):
    with pytest.raises(ValidationError) as refused:
        add_project(kind=kind, name="某地址", **values)
    assert code in codes(refused.value)
    assert not Project.objects.exists()


def test_spending_above_the_plan_needs_a_confirmation(add_project):
    values = {"planned_investment": Decimal(100), "spent_investment": Decimal(120)}
    with pytest.raises(NeedsConfirmation) as asked:
        add_project(confirmed=False, **values)
    assert "已完成投资120万元超过计划投资100万元" in asked.value.message
    assert not Project.objects.exists()
    assert add_project(confirmed=True, **values).spent_investment == 120


def test_it_refuses_a_unit_the_user_does_not_belong_to(add_project, fushan_user):
    with pytest.raises(PermissionDenied, match="北海街道"):
        add_project(town="北海街道", user=fushan_user)
    assert add_project(user=fushan_user).town.name == "府山街道"


def test_it_refuses_another_units_project(add_project, beihai_user):
    project = add_project()
    data = project_as_data(project)
    with pytest.raises(PermissionDenied):
        project_save(user=beihai_user, data=data, project_id=project.pk)


def test_it_refuses_the_same_name_twice_in_a_year(add_project):
    add_project(name="仓桥小区")
    with pytest.raises(ValidationError) as refused:
        # Full-width letters and spaces are the same name (as the register).
        add_project(name=" 仓桥 小区", town="北海街道")
    assert "duplicate" in codes(refused.value)
    assert "2026年已登记同名小区" in str(refused.value)
    assert add_project(name="仓桥小区", year=2025).year == 2025


def test_advancing_a_stage_checks_the_order_and_keeps_history(add_project):
    project = add_project(reached={"consulted": date(2026, 3, 1)}, kind="elevator",
                          name="塔山路5号", quantity=2)  # fmt: skip
    with pytest.raises(ValidationError):
        project_stage_advance(
            user=project.updated_by,
            project_id=project.pk,
            stage="approved",
            reached_on=date(2026, 2, 1),
        )
    advanced = project_stage_advance(
        user=project.updated_by,
        project_id=project.pk,
        stage="approved",
        reached_on=date(2026, 4, 1),
        expected_version=1,
    )
    assert advanced.stage == "approved"
    assert advanced.version == 2
    assert advanced.history.first().history_change_reason == "审批完成"


def test_only_an_admin_sets_a_ledger_to_drive_its_indicator(admin_user, fushan_user):
    indicator = Indicator.objects.get(code=4)
    with pytest.raises(PermissionDenied):
        ledger_year_set(user=fushan_user, indicator=indicator, year=2026, drives=True)
    with pytest.raises(ValidationError):
        ledger_year_set(
            user=admin_user, indicator=Indicator.objects.get(code=1), year=2026,
            drives=True,
        )  # fmt: skip
    ledger_year_set(user=admin_user, indicator=indicator, year=2026, drives=True)
    assert LedgerYear.objects.get(indicator=indicator, year=2026).drives
