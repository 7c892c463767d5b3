"""load_plan: idempotent, never overwrites an admin's change, all or nothing."""

import json
import shutil
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from indicators.models import Target
from indicators.plan_loader import FIXTURES_DIR, PlanFixtureError, plan_load
from indicators.services import target_revise
from units.models import Unit

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {
        m._meta.label: m._default_manager.count()
        for app in ("units", "indicators", "tasks")
        for m in apps.get_app_config(app).get_models()
    }


@pytest.fixture
def fixtures_copy(tmp_path):
    target = tmp_path / "fixtures"
    shutil.copytree(FIXTURES_DIR, target)
    return target


def edit(path, change):
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_second_run_changes_and_duplicates_nothing(plan):
    before = row_counts()
    report = plan_load()
    assert row_counts() == before
    assert not report.created
    assert report.differences == []


def test_it_keeps_a_revised_target_and_reports_the_difference(plan, admin_user):
    target = Target.objects.get(indicator__code=2, year=2024)
    target_revise(
        target=target,
        comparator="eq",
        value=Decimal("1.6"),
        user=admin_user,
        reason="政策评估后调整",
    )
    report = plan_load()
    target.refresh_from_db()
    assert target.value == Decimal("1.6")
    assert len(report.differences) == 1
    assert "1.6" in report.differences[0] and "1.5475" in report.differences[0]
    assert "保留数据库中的值" in report.differences[0]


def test_command_prints_what_it_created_then_that_nothing_changed(empty_plan, capsys):
    call_command("load_plan")
    assert "新增指标 14 条" in capsys.readouterr().out
    call_command("load_plan")
    assert "未作改动" in capsys.readouterr().out


def test_unknown_unit_in_a_task_names_file_and_record_and_writes_nothing(
    empty_plan, fixtures_copy
):
    edit(
        fixtures_copy / "key_tasks.json",
        lambda d: d["records"][3]["units"].append("区不存在局"),
    )
    with pytest.raises(PlanFixtureError) as raised:
        plan_load(fixtures_dir=fixtures_copy)
    message = str(raised.value)
    assert "key_tasks.json" in message and "重点任务4" in message
    assert "区不存在局" in message
    assert sum(row_counts().values()) == 0


def test_unreadable_target_names_its_indicator_and_year(empty_plan, fixtures_copy):
    edit(
        fixtures_copy / "indicators.json",
        lambda d: d["records"][6]["targets"].update({"2025": "二百五"}),
    )
    with pytest.raises(PlanFixtureError, match=r"indicators.json（指标7 2025年目标）"):
        plan_load(fixtures_dir=fixtures_copy)
    assert not Unit.objects.exists()


def test_missing_field_and_broken_json_are_named(empty_plan, fixtures_copy):
    edit(fixtures_copy / "units.json", lambda d: d["records"][2].pop("kind"))
    with pytest.raises(PlanFixtureError, match="units.json.*第3条.*缺少字段“kind”"):
        plan_load(fixtures_dir=fixtures_copy)
    (fixtures_copy / "units.json").write_text('{"records": [', encoding="utf-8")
    with pytest.raises(PlanFixtureError, match="units.json.*不是有效的 JSON"):
        plan_load(fixtures_dir=fixtures_copy)


def test_invalid_value_is_refused_by_model_validation(empty_plan, fixtures_copy):
    edit(
        fixtures_copy / "units.json",
        lambda d: d["records"][0].update({"kind": "ministry"}),
    )
    with pytest.raises(PlanFixtureError, match="区委组织部"):
        plan_load(fixtures_dir=fixtures_copy)


def test_command_turns_a_broken_fixture_into_a_clear_error(empty_plan, fixtures_copy):
    edit(fixtures_copy / "work_list_2023.json", lambda d: d["entries"][0].pop("items"))
    with pytest.raises(CommandError, match="未写入任何内容.*work_list_2023.json"):
        call_command("load_plan", fixtures=fixtures_copy)
    assert sum(row_counts().values()) == 0


def test_a_later_years_work_list_is_added_as_data(plan, fixtures_copy):
    source = json.loads(
        (fixtures_copy / "work_list_2023.json").read_text(encoding="utf-8")
    )
    source["year"], source["title"] = 2024, "2024年工作清单（测试）"
    source["entries"] = source["entries"][:1]
    source["entries"][0]["items"] = [
        {"text": "测试事项", "deadline_label": "4月中旬", "deadline": "2024-04-20"}
    ]
    (fixtures_copy / "work_list_2024.json").write_text(
        json.dumps(source, ensure_ascii=False), encoding="utf-8"
    )
    report = plan_load(fixtures_dir=fixtures_copy)
    assert report.created["年度工作清单"] == 1
    assert report.created["工作清单事项"] == 1
