"""督办事项 in the loop: the notice (live and frozen), the ranking, the reminders,
the unit board, the home page and the 驾驶舱. The suite's clock reads 2026-11-16."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command

from dashboard.notice_document import figures_changed, notice_content
from dashboard.ranking import monthly_notice, unit_ranking
from indicators.models import PlanSettings
from supervision.models import SupervisionEvent, SupervisionSettings
from supervision.selectors import open_summary, unit_open_items, year_facts
from supervision.services import item_accept, item_apply, item_urge
from tests.supervision.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(assign, admin_user, lead_user, towns, jianshe):
    """A: 区建设局 leads, 府山 shares, closed on time in June. B: 府山 alone, due
    20 October, still open. C: 区建设局, due 18 November (yellow on the 16th)."""
    a = assign(title="事项A加装电梯调处")
    item_apply(user=lead_user, item_id=a.pk, account="已调处完毕。",
               now=at(date(2026, 6, 10)))  # fmt: skip
    item_accept(user=admin_user, item_id=a.pk, now=at(date(2026, 6, 11)))
    b = assign(title="事项B违建整改", units=[towns[0]], deadline=date(2026, 10, 20))
    c = assign(title="事项C物业矛盾化解", units=[jianshe], deadline=date(2026, 11, 18))
    return a, b, c


def test_the_notice_counts_the_items_as_of_its_day_live_and_frozen(
    official_client, items, towns
):
    notice = monthly_notice(period=date(2026, 10, 1))
    section = notice.supervision
    assert section.totals == {"on_time": 1, "late": 0, "open": 1, "overdue": 1}
    counts = {row.unit.name: row.counts for row in section.units}
    assert counts["府山街道"] == {"on_time": 1, "late": 0, "open": 0, "overdue": 1}
    assert counts["区建设局"] == {"on_time": 1, "late": 0, "open": 1, "overdue": 0}
    assert [(r.item.title, r.light.days) for r in section.overdue] == [
        ("事项B违建整改", 11)
    ]
    page = official_client.get("/notices/2026-10/").content.decode()
    assert (
        "八、督办事项办理情况" in page
        and "事项B违建整改（牵头单位府山街道，已逾期11天）" in page
    )
    content = notice_content(notice)
    assert content["figures"]["supervision:overdue"]["value"] == "1"
    assert any(
        b["type"] == "h1" and b["text"].startswith("八、督办事项办理情况")
        for b in content["blocks"]
    )
    # A copy issued before the section existed does not read as changed.
    issued = {"figures": {k: v for k, v in content["figures"].items()
                          if not k.startswith("supervision:")}}  # fmt: skip
    assert figures_changed(issued, content) == []


def test_the_ranking_counts_items_only_when_given_a_weight(items, towns):
    ranking = unit_ranking(year=2026, today=date(2026, 11, 16))
    assert all(s.parts["supervision"] is None for s in ranking.ranked)
    assert ranking.weights["supervision"] == 0

    plan_settings = PlanSettings.load()
    for name in ("items", "returns", "indicators"):
        setattr(plan_settings, f"ranking_weight_{name}", 0)
    plan_settings.save()
    SupervisionSettings.objects.update_or_create(
        pk=1, defaults={"ranking_weight": Decimal("1")}
    )
    ranking = unit_ranking(year=2026, today=date(2026, 11, 16))
    scores = {s.unit.name: (s.score, s.detail["supervision"]) for s in ranking.ranked}
    # 府山: A on time, B overdue; 区建设局: A on time, C not yet due (not judged).
    assert scores == {"区建设局": (100.0, "1/1"), "府山街道": (50.0, "1/2")}


def test_reminders_carry_the_lights_and_the_urges_once_a_day(
    items, towns, jianshe, admin_user, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    a, b, c = items
    for unit, address in ((towns[0], "fushan@example.cn"), (jianshe, "js@example.cn")):
        unit.contact_emails = address
        unit.save()
    item_urge(user=admin_user, item_id=b.pk, text="请本周内整改到位。")
    call_command("send_reminders", stdout=io.StringIO())
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert (
        "督办事项催办：\n  · 事项B违建整改（办结期限2026-10-20，逾期，已逾期27天）："
        "请本周内整改到位。" in bodies["fushan@example.cn"]
    )
    assert "督办事项已逾期：\n  · 事项B违建整改" in bodies["fushan@example.cn"]
    assert (
        "督办事项临期：\n  · 事项C物业矛盾化解（办结期限2026-11-18，还剩2天）"
        in bodies["js@example.cn"]
    )
    urges = SupervisionEvent.objects.filter(item=b, kind="urge").order_by("pk")
    assert [(u.automatic, u.mailed_on) for u in urges] == [
        (False, date(2026, 11, 16)),
        (True, date(2026, 11, 16)),
    ]
    call_command("send_reminders", stdout=io.StringIO())
    assert SupervisionEvent.objects.filter(item=b, kind="urge").count() == 2


def test_board_home_and_screen_show_the_open_items(official_client, items, towns):
    page = official_client.get(f"/units/{towns[0].pk}/").content.decode()
    assert "在办督办事项（1项）" in page and "事项B违建整改" in page
    assert "已逾期27天" in page and "事项A" not in page
    home = official_client.get("/").content.decode()
    assert "在办 <b>2</b> 项" in home
    screen = official_client.get("/screen/").content.decode()
    assert "在办2" in screen and "逾期1" in screen and "临期1" in screen


def test_a_reporter_sees_only_their_own_items_on_another_units_board(
    client, items, other_user, jianshe
):
    client.force_login(other_user)
    page = client.get(f"/units/{jianshe.pk}/").content.decode()
    assert "在办督办事项（0项）" in page and "事项C" not in page


def test_reads_cost_a_fixed_number_of_queries(
    assign, official, towns, django_assert_max_num_queries
):
    for n in range(5):
        assign(title=f"事项{n}", deadline=date(2026, 6, 2 + n))
    settings_row = SupervisionSettings.load()
    with django_assert_max_num_queries(3):  # role, items, units
        rows = unit_open_items(
            user=official, unit=towns[0], today=date(2026, 11, 16),
            settings_row=settings_row,
        )  # fmt: skip
    assert len(rows) == 5
    with django_assert_max_num_queries(2):
        assert (
            open_summary(today=date(2026, 11, 16), settings_row=settings_row).overdue
            == 5
        )
    with django_assert_max_num_queries(3):
        facts = year_facts(
            year=2026, as_of=date(2026, 11, 16), settings_row=settings_row
        )
    assert facts.of(towns[0]).overdue == 5
