"""Pages that list units stay bounded at a province's size: paged, folded, findable."""

import re
from datetime import date

import pytest
import time_machine

from dashboard.screen import RANKING_TIE
from reporting.demo_scale import scale_write
from units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_towns(plan, admin_user):
    towns, _ = scale_write(
        scale=2, user=admin_user, first=date(2023, 1, 1), last=date(2023, 12, 1)
    )
    assert towns == 60
    return Unit.objects.get(name="各镇街")


def rows(page: str, marker: str = 'data-unit="') -> int:
    return page.count(marker)


def test_the_ranking_shows_fifty_a_page_and_finds_by_name(official_client, many_towns):
    page = official_client.get("/ranking/?year=2023").content.decode()
    assert rows(page) == 50 and "第 1 / 2 页" in page
    second = official_client.get("/ranking/?year=2023&page=2").content.decode()
    assert rows(second) > 0 and "上一页" in second
    found = official_client.get("/ranking/?year=2023&q=演示镇街00007").content.decode()
    assert rows(found) == 1 and "演示镇街00007" in found
    odd = official_client.get("/ranking/?year=2023&page=abc")
    assert odd.status_code == 200  # a bad page number shows the first page


def test_a_big_group_is_folded_and_its_members_paged(official_client, many_towns):
    index = official_client.get("/units/?year=2023").content.decode()
    assert "演示镇街00007" not in index
    assert f"group={many_towns.pk}" in index and "查看60个成员单位" in index
    page = official_client.get(f"/units/?year=2023&group={many_towns.pk}")
    html = page.content.decode()
    assert rows(html) == 50 and "（合计，60个）" in html
    found = official_client.get(f"/units/?year=2023&group={many_towns.pk}&q=00042")
    assert rows(found.content.decode()) == 1
    assert official_client.get("/units/?group=999999").status_code == 404


def test_the_indicator_breakdown_adds_up_each_group(official_client, many_towns):
    html = official_client.get("/indicators/4/?year=2023").content.decode()
    assert "各镇街（" in html and "个单位合计）" in html


def test_the_notice_prints_both_ends_of_a_long_ranking(official_client, many_towns):
    html = official_client.get("/notices/2023-12/").content.decode()
    # 60 towns share first place: one line, never 20 of them named and 40 not.
    assert "并列第1名的60个单位，名单见排名页" in html
    assert len(html.encode()) < 200_000


def test_a_past_notice_is_dated_as_of_its_month_and_names_every_tie(
    official_client, many_towns
):
    html = official_client.get("/notices/2023-06/").content.decode()
    assert "2023年6月30日</p>" in html  # signed as of its month, not today
    # 60 towns with the same record share first place: too many to praise, and
    # the notice says so rather than naming three of them at random.
    assert "个单位并列" in html and "超过表扬上限3个，本期不单列" in html


def test_the_latest_notice_is_one_click_from_every_page(official_client, plan):
    home = official_client.get("/").content.decode()
    assert 'href="/notices/"' in home and "跳到正文" in home
    response = official_client.get("/notices/")
    assert response.status_code == 302 and response["Location"].startswith("/notices/")


def test_the_screen_says_a_big_tie_in_one_line(official_client, many_towns):
    # 60 towns with the same record share a place: the 驾驶舱 says so in a line
    # (ranking_ends' rule, as the notice does) rather than listing all of them.
    with time_machine.travel("2023-12-20 10:00 +0800", tick=False):
        html = official_client.get("/screen/").content.decode()
    ranking = html.split('id="ranking-title"')[1].split("</section>")[0]
    assert re.search(r"并列第\d+名的\d{2}个单位，名单见排名页", ranking)
    assert ranking.count("演示镇街") <= 2 * RANKING_TIE
    assert len(html.encode()) < 200_000
