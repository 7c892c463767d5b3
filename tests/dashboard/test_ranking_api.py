"""GET /api/v1/ranking/: paged and filtered like the other lists, the places
always those of the whole list."""

from datetime import date

import pytest

from dashboard.ranking import monthly_notice
from indicators.models import PlanSettings
from tests.conftest import during
from units.models import Unit

pytestmark = pytest.mark.django_db
API = "/api/v1/ranking/"


@pytest.fixture
def ranked_towns(plan, record):
    """Four towns of 各镇街 in 2026 as of 31 October: 甲 sent August and September
    on time, 乙 September, 丙 and 丁 nothing (tied third)."""
    group = Unit.objects.get(name="各镇街")
    for position, name in enumerate(["甲街道", "乙街道", "丙街道", "丁街道"], 1):
        Unit.objects.create(
            name=name, kind=Unit.Kind.TOWN, parent=group, position=position
        )
    with during(2026, 9, 3):
        record("甲街道", 4, "2026-08", "10", status="submitted")
    with during(2026, 10, 3):
        record("甲街道", 4, "2026-09", "12", status="submitted")
        record("乙街道", 4, "2026-09", "11", status="submitted")


def places(rows: list[dict]) -> list[tuple[str, int]]:
    return [(r["unit"], r["rank"]) for r in rows]


def test_a_page_has_the_lists_envelope_and_the_whole_lists_places(
    official_client, ranked_towns
):
    everything = official_client.get(f"{API}?month=2026-10").json()
    assert everything["as_of"] == "2026-10-31" and everything["year"] == 2026
    assert set(everything) >= {"count", "next", "previous", "results", "weights"}
    towns = [r for r in everything["results"] if r["list"] == "towns"]
    assert places(towns) == [("甲街道", 1), ("乙街道", 2), ("丙街道", 3), ("丁街道", 3)]
    # Departments first, then towns, each by place: the page's order.
    lists = [r["list"] for r in everything["results"]]
    assert lists == sorted(lists) and everything["next"] is None

    page = official_client.get(f"{API}?month=2026-10&list=towns&limit=2&offset=1")
    body = page.json()
    assert body["count"] == 4 and places(body["results"]) == places(towns)[1:3]
    assert "offset=3" in body["next"] and "list=towns" in body["next"]
    assert body["previous"] is not None
    # A range of places picks units out; it does not rank them again.
    tail = official_client.get(f"{API}?month=2026-10&list=towns&rank_min=2").json()
    assert places(tail["results"]) == places(towns)[1:]
    top = official_client.get(f"{API}?month=2026-10&group=各镇街&rank_max=1").json()
    assert places(top["results"]) == [("甲街道", 1)]
    none = official_client.get(f"{API}?month=2026-10&rank_min=3&rank_max=2").json()
    assert none["count"] == 0 and none["results"] == []


def test_a_months_ranking_is_the_one_its_notice_prints(official_client, ranked_towns):
    notice = monthly_notice(period=date(2026, 10, 1))
    body = official_client.get(f"{API}?year=2026&month=2026-10&limit=5000").json()
    assert [(r["unit_id"], r["rank"], r["score"]) for r in body["results"]] == [
        (s.unit.pk, s.rank, s.score) for s in notice.ranking.ranked
    ]
    departments = official_client.get(f"{API}?year=2026&list=departments").json()
    assert {r["list"] for r in departments["results"]} == {"departments"}
    assert all(name not in departments["apart"] for name in ["甲街道", "乙街道"])


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("list=province", 400, "list"),
        ("group=区建设局", 400, "group"),  # a unit, not a group
        ("rank_min=0", 400, "rank_min"),
        ("limit=0", 400, "limit"),
        ("month=2026-13", 400, "month"),
    ],
)
def test_bad_filters_are_refused_by_name(official_client, plan, query, status, field):
    response = official_client.get(f"{API}?{query}")
    assert response.status_code == status
    assert field in response.json()["errors"]


def test_a_month_to_come_or_outside_the_year_has_no_ranking(official_client, plan):
    later = official_client.get(f"{API}?month=2026-12")
    assert later.status_code == 404 and "尚未到来" in later.json()["detail"]
    other = official_client.get(f"{API}?year=2025&month=2026-01")
    assert other.status_code == 404 and "不在2025年内" in other.json()["detail"]


def test_a_page_costs_the_same_queries_as_the_whole_list(
    official_client, ranked_towns, django_assert_max_num_queries
):
    PlanSettings.load()  # made on first use, which changes the data's fingerprint
    official_client.get(f"{API}?month=2026-10")  # computed once, then cached
    # The session (3), the fingerprint (3) and the group's name (1).
    with django_assert_max_num_queries(7):
        response = official_client.get(f"{API}?month=2026-10&group=各镇街&limit=1")
    assert response.json()["count"] == 4
