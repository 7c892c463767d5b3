import pytest
from django.urls import reverse

from units.models import Unit

pytestmark = pytest.mark.django_db


def test_indicators_have_the_documented_shape(official_client):
    response = official_client.get("/api/v1/indicators/")
    assert response.status_code == 200
    data = response.json()
    assert len(data) == 14
    assert data[0] == {
        "code": 1,
        "name": "城镇住房保障受益覆盖率",
        "unit": "%",
        "domain": "住房保障",
        "kind": "rate",
        "targets": [
            {"year": year, "comparator": "eq", "value": 30}
            for year in range(2023, 2028)
        ],
    }
    assert all(len(i["targets"]) == 5 for i in data)
    second = data[1]["targets"]
    assert second[0]["value"] == 1.4475 and isinstance(second[0]["value"], float)
    assert data[3]["targets"][3] == {"year": 2026, "comparator": "gt", "value": 220}


def test_units_list_groups_with_their_kind(official_client):
    data = official_client.get("/api/v1/units/").json()
    assert len(data) == 25
    assert data[7] == {
        "id": Unit.objects.get(name="区建设局").pk,
        "name": "区建设局",
        "kind": "department",
        "parent": None,
    }
    assert [u["name"] for u in data if u["kind"] == "group"] == ["各镇街", "各平台公司"]


def test_key_tasks_give_lead_and_ordered_units(official_client):
    data = official_client.get("/api/v1/key-tasks/").json()
    assert len(data) == 11
    first = data[0]
    assert first["number"] == 1
    assert first["section"] == "加快完善住房保障体系"
    assert first["title"] == "扩大保障性租赁住房供给"
    assert first["lead_unit"] == "区建设局"
    assert first["units"][:3] == ["区建设局", "区发改局", "区经信局"]
    assert data[2]["units"] == ["区房征办"] and data[2]["lead_unit"] == "区房征办"


def test_work_list_has_entries_and_dated_items(official_client):
    data = official_client.get("/api/v1/work-lists/2023/").json()
    assert data["year"] == 2023
    assert len(data["entries"]) == 12
    first = data["entries"][0]
    assert {k: first[k] for k in ("seq", "name", "unit", "target", "indicator")} == {
        "seq": 1,
        "name": "保障性租赁住房建设筹集套（间）数",
        "unit": "",  # the plan writes "1.44" with no unit
        "target": 1.44,
        "indicator": 2,
    }
    assert first["key_task"] == 1
    assert first["items"][0] == {
        "id": first["items"][0]["id"],
        "text": "做好今年保障性租赁住房筹建项目认定",
        "deadline": "2023-06-30",
        "deadline_label": "6月底前",
    }
    assert data["entries"][8]["indicator"] is None
    assert sum(len(e["items"]) for e in data["entries"]) == 25


def test_unknown_year_is_a_json_404(official_client):
    response = official_client.get("/api/v1/work-lists/2031/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "没有2031年的工作清单。"}


@pytest.mark.parametrize(
    "url", ["/api/v1/indicators/", "/api/v1/units/", "/api/v1/work-lists/2023/"]
)
def test_anonymous_requests_get_no_data(client, plan, url):
    response = client.get(url)
    assert response.status_code == 401
    assert "区建设局" not in response.content.decode()


def test_openapi_schema_describes_the_endpoints(official_client):
    response = official_client.get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/work-lists/{year}/" in paths
    assert "/api/v1/indicators/" in paths


@pytest.mark.parametrize(
    "url, budget",
    [
        ("/api/v1/indicators/", 3),
        ("/api/v1/key-tasks/", 2),
        ("/api/v1/work-lists/2023/", 3),
        ("/api/v1/units/", 1),
    ],
)
def test_api_reads_cost_a_fixed_number_of_queries(
    official_client, django_assert_max_num_queries, url, budget
):
    official_client.get(url)  # warm the session
    # The session and user lookups cost two queries on every request.
    with django_assert_max_num_queries(budget + 2):
        assert official_client.get(url).status_code == 200
