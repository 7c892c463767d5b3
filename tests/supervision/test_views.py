from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook

from supervision.models import SupervisionItem
from supervision.services import item_apply
from tests.supervision.conftest import TODAY

pytestmark = pytest.mark.django_db


def test_a_unit_sees_its_own_and_shared_items_only(
    client, assign, lead_user, co_user, other_user, towns, jianshe
):
    shared = assign()
    others = assign(title="北海街道某小区违建整改", units=[towns[1]])
    for user, seen in (
        (lead_user, [shared]),
        (co_user, [shared]),
        (other_user, [others]),
    ):
        client.force_login(user)
        page = client.get("/supervision/").content.decode()
        for item in (shared, others):
            assert (item.title in page) == (item in seen), (user, item)
    client.force_login(other_user)
    assert client.get(f"/supervision/{shared.pk}/").status_code == 404


def test_officials_read_all_and_may_not_act(official_client, assign, admin_user):
    item = assign()
    page = official_client.get(f"/supervision/{item.pk}/").content.decode()
    assert item.title in page
    assert "申请办结" not in page and "验收办结" not in page
    response = official_client.post(
        f"/supervision/{item.pk}/cancel/", {"reason": "试图撤销事项", "version": 1}
    )
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.state == SupervisionItem.State.ASSIGNED


def test_feedback_from_another_unit_is_refused_on_the_page(client, assign, other_user):
    item = assign()
    client.force_login(other_user)
    response = client.post(
        f"/supervision/{item.pk}/apply/", {"account": "已办结完毕。", "version": 1}
    )
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.state == SupervisionItem.State.ASSIGNED


def test_the_office_assigns_on_the_page_and_a_bad_deadline_says_why(
    client, admin_user, jianshe, towns
):
    client.force_login(admin_user)
    form = {
        "source": "instruction",
        "title": "某小区加装电梯矛盾调处",
        "lead": jianshe.pk,
        "co_units": [towns[0].pk],
        "assigned_on": "2026-06-01",
        "deadline": "2026-05-30",
    }
    page = client.post("/supervision/new/", form).content.decode()
    assert "办结期限（2026-05-30）不能早于交办日期（2026-06-01）" in page
    assert not SupervisionItem.objects.exists()
    response = client.post("/supervision/new/", {**form, "deadline": "2026-06-14"})
    item = SupervisionItem.objects.get()
    assert response.url == f"/supervision/{item.pk}/"
    assert [r.unit for r in item.responsible.order_by("position")] == [
        jianshe,
        towns[0],
    ]


def test_a_stale_form_is_refused_with_a_message(client, assign, lead_user, co_user):
    item = assign()
    client.force_login(co_user)
    client.post(f"/supervision/{item.pk}/receive/", {"version": 1})
    client.force_login(lead_user)
    response = client.post(
        f"/supervision/{item.pk}/apply/",
        {"account": "已办结完毕。", "version": 1},
        follow=True,
    )
    assert "已被他人修改" in response.content.decode()
    item.refresh_from_db()
    assert item.state == SupervisionItem.State.IN_PROGRESS


def test_list_filters_and_export_print_the_light(client, assign, admin_user, lead_user):
    late = assign(title="逾期事项", deadline=date(2026, 6, 1), assigned_on=TODAY)
    assign(title="在办事项", deadline=date(2027, 1, 1))
    client.force_login(admin_user)
    # The suite's clock reads 2026-11-16: the first item is long overdue.
    page = client.get("/supervision/?light=overdue").content.decode()
    assert "逾期事项" in page and "在办事项" not in page
    assert client.get("/supervision/?light=purple").status_code == 400
    sheet = load_workbook(
        BytesIO(client.get("/supervision/?format=xlsx").content)
    ).active
    cells = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    header = next(i for i, row in enumerate(cells) if row[0] == "编号")
    rows = {row[1]: row for row in cells[header + 1 :] if row[1]}
    assert rows["逾期事项"][8] == "逾期" and rows["逾期事项"][9] == "已逾期168天"
    assert rows["在办事项"][8] == "正常"
    item_apply(user=lead_user, item_id=late.pk, account="已办结完毕。")


def test_list_costs_a_fixed_number_of_queries(
    client, assign, admin_user, django_assert_max_num_queries
):
    for n in range(6):
        assign(title=f"事项{n}")
    client.force_login(admin_user)
    with django_assert_max_num_queries(12):
        assert client.get("/supervision/").status_code == 200
