from datetime import date

import pytest

from projects.models import Project

pytestmark = pytest.mark.django_db


def test_a_town_writes_through_the_same_service(client, fushan_user):
    client.force_login(fushan_user)
    body = {
        "kind": "elevator",
        "name": "府山街道仓桥直街8号",
        "town": "府山街道",
        "year": 2026,
        "quantity": 2,
        "stages": [
            {"stage": "consulted", "reached_on": "2026-03-01"},
            {"stage": "approved", "reached_on": "2026-02-01"},
        ],
    }
    refused = client.post("/api/v1/projects/", body, content_type="application/json")
    assert refused.status_code == 400
    assert "早于上一阶段" in refused.content.decode()
    body["stages"][1]["reached_on"] = "2026-04-01"
    created = client.post("/api/v1/projects/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["stage"] == "approved"
    other = client.post(
        "/api/v1/projects/",
        {**body, "name": "北海路1号", "town": "北海街道"},
        content_type="application/json",
    )
    assert other.status_code == 403
    assert Project.objects.count() == 1


def test_the_list_filters_and_scopes(client, add_project, beihai_user):
    add_project(name="府山小区", reached={"planned": date(2026, 1, 5)})
    add_project(name="北海小区", town="北海街道")
    client.force_login(beihai_user)
    listed = client.get("/api/v1/projects/?kind=renovation").json()
    assert [p["name"] for p in listed["results"]] == ["北海小区"]
    mine = Project.objects.get(name="北海小区")
    assert client.get(f"/api/v1/projects/{mine.pk}/").json()["town"] == "北海街道"
    theirs = Project.objects.get(name="府山小区")
    assert client.get(f"/api/v1/projects/{theirs.pk}/").status_code == 404


def test_the_list_reads_a_year_from_the_query_string(client, add_project, official):
    add_project(name="府山小区", year=2025)
    add_project(name="北海小区", town="北海街道")
    client.force_login(official)
    listed = client.get("/api/v1/projects/?year=2025").json()
    assert [p["name"] for p in listed["results"]] == ["府山小区"]
