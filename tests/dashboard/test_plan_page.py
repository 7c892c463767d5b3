"""/plan/inconsistencies/: every place where the plan disagrees with itself."""

import re
from decimal import Decimal

import pytest

from indicators.models import PlanNote, Target
from indicators.selectors import plan_inconsistencies
from indicators.services import plan_note_save, target_revise
from tasks.models import WorkListEntry

pytestmark = pytest.mark.django_db


def _article(html: str, key: str) -> str:
    return re.search(rf'id="{key}">(.*?)</article>', html, re.S).group(1)


def test_every_inconsistency_the_issue_names_is_found_with_both_quotes(plan):
    found = {i.key: i for i in plan_inconsistencies()}
    quotes = {k: (i.first.text, i.second.text) for k, i in found.items()}
    # The six found from the figures since the plan was first loaded.
    assert quotes["worklist-2023-12"] == ("35", "38")
    assert quotes["worklist-2023-1"] == ("1.4475", "1.44")
    assert quotes["worklist-2023-3"] == ("150", "26")
    assert quotes["worklist-2023-6"] == ("150", "50")
    assert quotes["worklist-2023-9"][0] == "3"
    assert quotes["goal-8-2027"] == ("12", "创县级及以上优质工程50项以上")
    # Comparator: "以上"/"至少" (≥) against "大于" (>), same figure.
    assert quotes["comparator-4-2027"] == ("大于220", "完成城镇老旧小区改造220个以上")
    assert quotes["comparator-7-2027"] == ("大于250", "新增住宅加装电梯至少250台")
    assert "comparator-5-2027" not in found  # "95%以上" and 95 are met alike
    # New vs cumulative.
    assert found["scope-goal-7"].kind == "scope"
    # Year: 到2027年 in 主要目标, 到2024年 (and 全省) in task 9.
    year = found["year-goals-3-task-9"]
    assert year.second.text == "到2024年对全省城乡危房实施动态清零。"
    assert "2027" in year.first.text and "全省" in year.finding
    # Units: entry 6 in 台 while its item says 50 套; 50项 against （个）.
    assert quotes["unit-item-2023-6"][1].startswith("有序推进今年 50 套")
    assert found["unit-goal-8"].kind == "unit"
    # Entry 1: the plan writes no unit, and none is added.
    assert (
        found["unit-worklist-2023-1"].second.label == "保障性租赁住房建设筹集套（间）数"
    )
    # 38 in 2023 already above the 2027 goal of 37.
    assert quotes["beyond-worklist-2023-12"] == ("37", "38")
    # The 导则 named two ways.
    name = found["name-task-2-worklist-2023-2-2"]
    assert (name.first.text, name.second.text) == (
        "《公租房保障基本公共服务导则》",
        "《公共租赁住房保障基本公共服务导则》",
    )
    # Indicators 1 and 11 without a 2023 entry; 10 needs none (its target is 0).
    assert {"missing-1-2023", "missing-11-2023"} <= set(found)
    assert "missing-10-2023" not in found
    # The 40 % coverage goal that no indicator measures.
    assert quotes["uncounted-goals-2-1"][0] == "覆盖40%的城镇社区"
    # By hand, each with why no rule finds it.
    for key in ("hand-patrol", "hand-relief-groups"):
        assert found[key].kind == "hand" and found[key].reason
    assert "网络巡查" in found["hand-patrol"].second.text
    assert "低保边缘" in found["hand-relief-groups"].second.text


def test_figures_are_read_from_the_data_not_typed(plan, admin_user):
    target = Target.objects.get(indicator__code=14, year=2023)
    target_revise(
        target=target, comparator="eq", value=38, user=admin_user, reason="按清单"
    )
    # The table now says 38 like the work list: no longer a disagreement.
    keys = {i.key for i in plan_inconsistencies()}
    assert "worklist-2023-12" not in keys
    assert "beyond-worklist-2023-12" in keys  # 38 is still above 2027's 37
    entry = WorkListEntry.objects.get(work_list__year=2023, seq=2)
    entry.target = Decimal("0.16")  # 公租房: the table says 0.15
    entry.save()
    assert "worklist-2023-2" in {i.key for i in plan_inconsistencies()}


def test_the_page_shows_each_with_its_passages_and_what_the_system_uses(
    official_client,
):
    html = official_client.get("/plan/inconsistencies/").content.decode()
    count = len(plan_inconsistencies())
    assert count >= 6 + 10
    assert f"方案中的不一致之处（{count}处）" in html
    area = _article(html, "worklist-2023-12")
    assert '<q class="plan-quote">35</q>' in area
    assert '<q class="plan-quote">38</q>' in area
    assert 'href="/plan/#text-indicator-14"' in area
    assert 'href="/plan/#text-worklist-2023-12"' in area
    assert "指标状态按五年目标表2023年目标（35）判定" in area
    twinless = _article(html, "worklist-2023-9")
    assert "五年目标表14项指标中没有与之对应的指标" in twinless
    assert "系统不判定其数值" in twinless
    comparator = _article(html, "comparator-4-2027")
    assert "须多于（不含本数）220个才算已达标" in comparator
    assert 'href="/plan/#text-goals-2"' in comparator
    assert "人工记录的原因" in _article(html, "hand-patrol")
    assert "保存说明" not in html  # officials read, admins write
    assert "/admin/" not in html  # and only staff see the admin's links


def test_an_admin_sees_where_to_change_the_figure_judged(client, admin_user):
    admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)
    html = client.get("/plan/inconsistencies/").content.decode()
    target = Target.objects.get(indicator__code=4, year=2027)
    area = _article(html, "comparator-4-2027")
    assert f'href="/admin/indicators/target/{target.pk}/change/"' in area
    entry = WorkListEntry.objects.get(work_list__year=2023, seq=6)
    area = _article(html, "unit-item-2023-6")
    assert f'href="/admin/tasks/worklistentry/{entry.pk}/change/"' in area


def test_the_indicator_page_links_to_its_notes(official_client):
    html = official_client.get("/indicators/14/?year=2023").content.decode()
    assert 'href="/plan/inconsistencies/#worklist-2023-12"' in html
    assert 'href="/plan/inconsistencies/#beyond-worklist-2023-12"' in html
    html = official_client.get("/indicators/8/?year=2023").content.decode()
    assert 'href="/plan/inconsistencies/#goal-8-2027"' in html
    html = official_client.get("/indicators/5/?year=2023").content.decode()
    assert "/plan/inconsistencies/#" not in html  # 85 in both, 95 met alike


def test_an_admin_writes_the_note_from_the_page_with_its_history(
    client, admin_user, official
):
    client.force_login(admin_user)
    response = client.post(
        "/plan/notes/worklist-2023-12/",
        {"note": "以五年目标表35为准，清单38系笔误，已函询。", "reason": "专班会议"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/plan/inconsistencies/#worklist-2023-12"
    client.post("/plan/notes/worklist-2023-12/", {"note": "以35为准。", "reason": ""})
    note = PlanNote.objects.get(key="worklist-2023-12")
    assert note.note == "以35为准。"
    history = list(note.history.order_by("history_date"))
    assert [h.note for h in history] == [
        "以五年目标表35为准，清单38系笔误，已函询。",
        "以35为准。",
    ]
    assert history[0].history_change_reason == "专班会议"
    assert history[0].history_user == admin_user
    client.force_login(official)
    assert "以35为准。" in _article(
        client.get("/plan/inconsistencies/").content.decode(), "worklist-2023-12"
    )


def test_only_admins_write_notes_and_only_on_real_disagreements(
    client, official, admin_user
):
    client.force_login(official)
    response = client.post("/plan/notes/worklist-2023-12/", {"note": "x"})
    assert response.status_code == 403
    assert not PlanNote.objects.exists()
    client.force_login(admin_user)
    client.post("/plan/notes/worklist-2023-5/", {"note": "x"})  # 25 in both
    assert not PlanNote.objects.exists()


def test_the_admin_saves_notes_through_the_same_service(client, admin_user):
    plan_note_save(key="goal-8-2027", note="待评估", user=admin_user)
    admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)
    note = PlanNote.objects.get(key="goal-8-2027")
    url = f"/admin/indicators/plannote/{note.pk}/change/"
    client.post(url, {"note": "以表中12个为准", "reason": "政策评估"})
    latest = note.history.first()
    assert latest.note == "以表中12个为准"
    assert latest.history_change_reason == "政策评估"
    assert client.get("/admin/indicators/plannote/add/").status_code == 403


def test_the_plan_page_costs_a_fixed_number_of_queries(
    official_client, admin_user, django_assert_max_num_queries
):
    plan_note_save(key="goal-8-2027", note="待评估", user=admin_user)
    official_client.get("/plan/inconsistencies/")
    with django_assert_max_num_queries(10):
        assert official_client.get("/plan/inconsistencies/").status_code == 200
