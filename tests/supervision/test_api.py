import pytest

from supervision.models import SupervisionItem

pytestmark = pytest.mark.django_db

URL = "/api/v1/supervision-items/"


def test_list_is_scoped_to_the_callers_units_and_prints_the_light(
    client, assign, co_user, other_user, towns
):
    shared = assign()
    assign(title="北海街道某小区违建整改", units=[towns[1]])
    client.force_login(co_user)
    body = client.get(URL).json()
    assert body["count"] == 1
    (item,) = body["results"]
    assert (item["id"], item["lead_unit"], item["co_units"]) == (
        shared.pk,
        "区建设局",
        ["府山街道"],
    )
    # The suite's clock reads 2026-11-16; the deadline was 2026-06-15.
    assert item["light"] == {
        "code": "overdue", "label": "逾期", "text": "已逾期154天", "days": 154
    }  # fmt: skip
    client.force_login(other_user)
    assert client.get(f"{URL}{shared.pk}/").status_code == 404
    assert client.get(URL, {"light": "purple"}).json()["code"] == "invalid"


def test_feedback_walks_the_item_and_refuses_with_the_one_error_shape(
    client, assign, lead_user, other_user
):
    item = assign()
    url = f"{URL}{item.pk}/feedback/"
    client.force_login(other_user)
    refused = client.post(url, {"kind": "receive", "version": 1},
                          content_type="application/json")  # fmt: skip
    assert refused.status_code == 404
    client.force_login(lead_user)
    ok = client.post(url, {"kind": "receive", "version": 1},
                     content_type="application/json")  # fmt: skip
    assert ok.status_code == 200 and ok.json()["state"] == "in_progress"
    stale = client.post(url, {"kind": "apply", "account": "已办结完毕。", "version": 1},
                        content_type="application/json")  # fmt: skip
    assert (stale.status_code, stale.json()["code"]) == (409, "stale")
    short = client.post(url, {"kind": "apply", "account": "好", "version": 2},
                        content_type="application/json")  # fmt: skip
    assert (short.status_code, short.json()["code"]) == (400, "invalid")
    assert "account" in short.json()["errors"]
    done = client.post(url, {"kind": "apply", "account": "已办结完毕。", "version": 2},
                       content_type="application/json")  # fmt: skip
    assert done.json()["state"] == "applied"
    assert [e["kind"] for e in done.json()["events"]] == ["assign", "receive", "apply"]
    again = client.post(url, {"kind": "apply", "account": "再次申请", "version": 3},
                        content_type="application/json")  # fmt: skip
    assert (again.status_code, again.json()["code"]) == (409, "wrong_state")
    item.refresh_from_db()
    assert (item.state, item.version) == (SupervisionItem.State.APPLIED, 3)


def test_an_official_may_read_but_not_write_feedback(official_client, assign):
    item = assign()
    assert official_client.get(f"{URL}{item.pk}/").json()["title"] == item.title
    response = official_client.post(
        f"{URL}{item.pk}/feedback/", {"kind": "receive", "version": 1},
        content_type="application/json",
    )  # fmt: skip
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


def test_list_costs_a_fixed_number_of_queries(
    client, assign, official, django_assert_max_num_queries
):
    for n in range(6):
        assign(title=f"事项{n}")
    client.force_login(official)
    with django_assert_max_num_queries(10):
        assert client.get(URL).json()["count"] == 6
