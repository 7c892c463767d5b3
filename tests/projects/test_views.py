from datetime import date

import pytest

from projects.models import Project
from units.models import Unit

pytestmark = pytest.mark.django_db


def test_a_town_enters_a_project_through_the_form(client, fushan_user):
    client.force_login(fushan_user)
    fushan = Unit.objects.get(name="府山街道")
    response = client.post(
        "/projects/elevator/new/",
        {
            "name": "府山街道仓桥直街8号",
            "town": fushan.pk,
            "year": 2026,
            "quantity": 2,
            "consulted_reached": "2026-03-01",
            "approved_reached": "2026-02-01",
        },
    )
    assert "审批日期2026-02-01早于上一阶段“意愿征集”" in response.content.decode()
    assert not Project.objects.exists()
    response = client.post(
        "/projects/elevator/new/",
        {
            "name": "府山街道仓桥直街8号",
            "town": fushan.pk,
            "year": 2026,
            "quantity": 2,
            "consulted_reached": "2026-03-01",
            "approved_planned": "2026-05-01",
        },
    )
    project = Project.objects.get()
    assert response.url == project.get_absolute_url()
    page = client.get("/projects/elevator/?late=on").content.decode()
    assert "府山街道仓桥直街8号" in page and "✖ 滞后" in page


def test_a_town_cannot_post_for_another_town(client, fushan_user):
    client.force_login(fushan_user)
    beihai = Unit.objects.get(name="北海街道")
    response = client.post(
        "/projects/renovation/new/",
        {"name": "北海小区", "town": beihai.pk, "year": 2026},
    )
    assert "选择一个有效的选项" in response.content.decode()
    assert not Project.objects.exists()


def test_another_towns_project_cannot_be_edited(client, add_project, beihai_user):
    project = add_project()
    client.force_login(beihai_user)
    # Read: a town sees its own projects only (no department leads 老旧小区 here).
    assert client.get(project.get_absolute_url()).status_code == 404
    response = client.post(
        f"/projects/renovation/{project.pk}/advance/",
        {"stage": "planned", "reached_on": "2026-01-01", "version": 1},
    )
    assert response.status_code == 403
    assert Project.objects.get().stage == ""


def test_the_ledger_page_costs_a_fixed_number_of_queries(
    client, add_project, official, django_assert_max_num_queries
):
    for i in range(12):
        add_project(
            name=f"小区{i}",
            town=("府山街道", "北海街道", "塔山街道")[i % 3],
            reached={"planned": date(2026, 1, 5)},
            planned={"approved": date(2026, 3, 1)},
        )
    client.force_login(official)
    client.get("/projects/renovation/")
    # Session, user, role (3), the count by town (5), the page's projects and
    # their stages (3: count, rows, stages), may enter (1), is admin (cached).
    with django_assert_max_num_queries(13):
        page = client.get("/projects/renovation/?year=2026").content.decode()
    assert page.count("✖ 滞后") == 12
    assert "北海街道" in page
