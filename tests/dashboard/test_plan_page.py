"""/plan/: the plan as issued, and every place where its text and tables disagree."""

import re
from decimal import Decimal

import pytest

from indicators.models import PlanNote, Target
from indicators.selectors import plan_discrepancies
from indicators.services import plan_note_save, target_revise
from tasks.models import WorkListEntry

pytestmark = pytest.mark.django_db


def _article(html: str, key: str) -> str:
    return re.search(rf'id="{key}">(.*?)</article>', html, re.S).group(1)


def test_all_five_disagreements_are_found_with_both_figures(plan):
    found = {d.key: d for d in plan_discrepancies()}
    assert set(found) == {
        "worklist-2023-1",  # 保障性租赁住房 1.4475 vs 1.44 万套
        "worklist-2023-3",  # 老旧小区 cumulative 150 vs 26 started in 2023
        "worklist-2023-6",  # 加装电梯 cumulative 150 vs 50 this year
        "worklist-2023-9",  # 城镇危房实质性解危: no indicator
        "worklist-2023-12",  # 人均住房建筑面积 35 vs 38
        "goal-8-2027",  # 优质工程 50 in the text vs 12 in the table
    }
    figures = {k: (d.table.figure, d.other.figure) for k, d in found.items()}
    assert figures["worklist-2023-12"] == ("35 平方米", "38 平方米")
    assert figures["worklist-2023-1"] == ("1.4475 万套（间）", "1.44 万套（间）")
    assert figures["worklist-2023-3"] == ("150 个", "26 个")
    assert figures["worklist-2023-6"] == ("150 台", "50 台")
    assert figures["worklist-2023-9"] == ("—", "3 处")
    assert figures["goal-8-2027"] == ("12 个", "≥50 个")
    assert "创县级及以上优质工程50项以上" in found["goal-8-2027"].other.source


def test_figures_are_read_from_the_data_not_typed(plan, admin_user):
    target = Target.objects.get(indicator__code=14, year=2023)
    target_revise(
        target=target, comparator="eq", value=38, user=admin_user, reason="按清单"
    )
    # The table now says 38 like the work list: no longer a disagreement.
    assert "worklist-2023-12" not in {d.key for d in plan_discrepancies()}
    entry = WorkListEntry.objects.get(work_list__year=2023, seq=2)
    entry.target = Decimal("0.16")  # 公租房: the table says 0.15
    entry.save()
    assert "worklist-2023-2" in {d.key for d in plan_discrepancies()}


def test_the_page_shows_each_disagreement_sources_and_what_the_system_uses(
    official_client,
):
    html = official_client.get("/plan/").content.decode()
    assert "方案文本与表格不一致之处（6处）" in html
    area = _article(html, "worklist-2023-12")
    assert "35 平方米" in area and "38 平方米" in area
    assert "表：“住有宜居”工程五年目标 · 第14项" in area
    assert "2023年“住有宜居”主要指标工作清单 · 第12项" in area
    assert "指标状态按五年目标表2023年目标（35）判定" in area
    twinless = _article(html, "worklist-2023-9")
    assert "五年目标表中没有对应的指标" in twinless and "3 处" in twinless
    assert "系统不判定其数值" in twinless
    assert "二、主要目标（正文）（二）" in _article(html, "goal-8-2027")
    # The plan itself: 14 indicators, 11 key tasks with lead and co units, the list.
    assert html.count("/indicators/") >= 14
    assert "<b>区房征办</b>" in html  # the only unit on key task 3
    assert "推进完成14475套保障性租赁住房的筹建" in html
    assert html.count('href="#worklist-2023-') == 5
    assert "保存说明" not in html  # officials read, admins write


def test_the_indicator_page_links_to_its_notes(official_client):
    html = official_client.get("/indicators/14/?year=2023").content.decode()
    assert 'href="/plan/#worklist-2023-12"' in html
    html = official_client.get("/indicators/8/?year=2023").content.decode()
    assert 'href="/plan/#goal-8-2027"' in html
    html = official_client.get("/indicators/5/?year=2023").content.decode()
    assert "/plan/#" not in html  # 85 in both


def test_an_admin_writes_the_note_from_the_page_with_its_history(
    client, admin_user, official
):
    client.force_login(admin_user)
    response = client.post(
        "/plan/notes/worklist-2023-12/",
        {"note": "以五年目标表35为准，清单38系笔误，已函询。", "reason": "专班会议"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/plan/#worklist-2023-12"
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
        client.get("/plan/").content.decode(), "worklist-2023-12"
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
    official_client.get("/plan/")
    with django_assert_max_num_queries(16):
        assert official_client.get("/plan/").status_code == 200
