"""/screen/: the 驾驶舱 reads the same answers as the pages behind it."""

import re
from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.ranking import UnitScore, ranking_ends
from dashboard.screen import screen_board
from units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def june_2025():
    with time_machine.travel("2025-07-10 10:00 +0800", tick=False):
        yield


def test_the_screen_shows_domains_lagging_overdue_reporting_and_ranking(
    official_client, record, june_2025
):
    # 保障性租赁住房 far below its line in May → 滞后; 人均住房建筑面积 35.5 in June
    # against an expected 35.75, short by less than 10% → 预警.
    record("区建设局", 2, "2025-05", "1.2")
    record("区建设局", 14, "2025-06", "35.5")
    html = official_client.get("/screen/").content.decode()
    assert "越城区“住有宜居”驾驶舱 · 2025年" in html
    assert html.count('data-domain-tab="') == 4
    assert html.count('data-domain-panel="') == 4
    for domain in ("住房保障", "住房品质", "住房安全", "住房市场"):
        assert domain in html
    lagging = html.split('id="lagging-title"')[1].split("</section>")[0]
    assert "保障性租赁住房累计建设筹集套数" in lagging
    assert "城镇人均住房建筑面积" in lagging
    assert lagging.index("滞后") < lagging.index("预警")  # behind first
    assert "2025年工作清单尚未下达" in html  # 2025 has no work list yet
    assert "6月数据报送" in html
    ranking = html.split('id="ranking-title"')[1].split("</section>")[0]
    assert "区建设局" in ranking and "分" in ranking
    # Every figure carries its unit of measure: 人均住房建筑面积's 35.5 平方米.
    row = html.split("14. 城镇人均住房建筑面积")[1].split("</tr>")[0]
    assert '35.5</span><span class="unit">平方米</span>' in row


def test_the_screen_counts_overdue_items_by_unit(official_client):
    with time_machine.travel("2023-07-10 10:00 +0800", tick=False):
        html = official_client.get("/screen/").content.decode()
    overdue = html.split('id="overdue-title"')[1].split("</section>")[0]
    # Nothing reported: the items due by 30 June are overdue, carried by 区建设局 (it
    # leads every key task with an item) and by its co-responsible units.
    shown = re.findall(
        r'<b class="count status-behind">(\d+)</b>'
        r'<span class="unit">项</span> (\S+?)</li>',
        overdue,
    )
    counts = {name: int(count) for count, name in shown}
    # 6月底前 (保障性租赁住房, 物业), 4月底前 and 4月中旬 (优质工程): all on its tasks.
    assert counts["区建设局"] == 4
    assert counts["区委组织部"] == 1  # named on task 7 only
    assert [int(c) for c, _ in shown] == sorted(
        (int(c) for c, _ in shown), reverse=True
    )
    assert "另有11个单位" in overdue  # six shown, the unit pages list the rest


def test_the_screen_loads_nothing_from_outside_and_no_inline_script(
    official_client, june_2025
):
    html = official_client.get("/screen/").content.decode()
    assert "http://" not in html and "https://" not in html
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
    assert 'data-rotate="20000"' in html and 'data-refresh="300000"' in html


def test_the_screen_needs_a_login(client):
    response = client.get("/screen/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get("/screen/").status_code == 200
    return len(context)


def test_the_screen_costs_the_same_queries_for_a_month_as_for_a_year(
    official_client, record, towns, june_2025
):
    official_client.get("/")  # session warm
    record("区建设局", 14, "2024-12", "35.1")
    small = _queries(official_client)
    for month in range(1, 7):
        for town in towns:
            record(town.name, 4, f"2025-{month:02d}", str(30 + month))
        record("区建设局", 2, f"2025-{month:02d}", "1.6")
    large = _queries(official_client)
    # 4 for the 危房台账, 1 for the years with a work list, 1 for the towns'
    # shares, 7 for the earlier years' items still overdue (2023's list), 3 for
    # the open 督办事项 (督办参数 for the ranking and the panel, the items), 3 for
    # the ledgers' switches (projects.counts: the verdicts, the towns' and the
    # ranking's), and 1 for the ledgers that drive the year (none here; 6 when
    # one does).
    assert large == small <= 60
    # The same data again: the board is not recomputed.
    assert _queries(official_client) <= 8


def _score(name: str, rank: int) -> UnitScore:
    return UnitScore(unit=Unit(name=name), parts={}, detail={}, score=0, rank=rank)


def test_the_ends_of_a_ranking_never_split_a_tie():
    # Six towns, four tied first: the top is the four, the bottom the other two,
    # and nobody placed first is among the "bottom three".
    towns = [_score(n, r) for n, r in zip("ABCDEF", (1, 1, 1, 1, 5, 5), strict=True)]
    ends = ranking_ends("镇街", towns, 3)
    assert [s.unit.name for s in ends.top] == ["A", "B", "C", "D"]
    assert [s.unit.name for s in ends.bottom] == ["E", "F"]
    assert ends.tied == {1, 5} and not ends.gap
    # Ten units, 2nd place shared across the top's edge, 7th shared across the
    # bottom's: both ties are kept whole, the middle left out.
    ranks = (1, 2, 2, 2, 5, 6, 7, 7, 9, 10)
    many = [_score(str(i), r) for i, r in enumerate(ranks)]
    ends = ranking_ends("区级部门", many, 3)
    assert [s.rank for s in ends.top] == [1, 2, 2, 2]
    assert [s.rank for s in ends.bottom] == [7, 7, 9, 10]
    assert ends.gap and ends.tied == {2, 7}
    # Fewer than the top's three: all in the top, none at the bottom.
    assert ranking_ends("镇街", many[:2], 3).bottom == []
    assert ranking_ends("镇街", [], 3).top == []


def test_the_screen_ranks_departments_and_towns_apart_and_marks_ties(
    official_client, record, towns, june_2025
):
    record("区建设局", 14, "2025-06", "35.5")
    html = official_client.get("/screen/").content.decode()
    ranking = html.split('id="ranking-title"')[1].split("</section>")[0]
    lists = re.findall(r"<h3>(\S+) <small>", ranking)
    assert lists == ["区级部门", "镇街及平台公司"]
    towns_part = ranking.split("镇街及平台公司")[1]
    assert "区建设局" not in towns_part
    board = screen_board(year=2025, today=date(2025, 7, 10))
    for ends in board.ranking:
        top_places = {s.rank for s in ends.top}
        assert not top_places & {s.rank for s in ends.bottom}
        for s in ends.top + ends.bottom:
            tied = sum(1 for t in ends.top + ends.bottom if t.rank == s.rank) > 1
            if tied:
                assert s.rank in ends.tied
    if any(ends.tied for ends in board.ranking):
        assert '<span class="tie">并列</span>' in ranking
