"""The register's API: the progress API's rules, scoping and one error shape."""

from datetime import date

import pytest
import time_machine

from hazards.models import HazardCase
from tests.test_api_contract import assert_error

from .conftest import NOW

pytestmark = pytest.mark.django_db
URL = "/api/v1/hazards/"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def fushan(client, fushan_user):
    client.force_login(fushan_user)
    return client


def body(**values) -> dict:
    return {"town": "府山街道", "address": "仓桥直街1号", "kind": "urban",
            "found_on": "2024-06-01", **values}  # fmt: skip


def post(client, url=URL, **values):
    return client.post(url, body(**values), content_type="application/json")


def test_a_town_posts_a_case_and_reads_its_clock(fushan):
    response = post(fushan, appraised_on="2024-06-10", grade="D")
    assert response.status_code == 201, response.content
    case = response.json()
    assert (case["state"], case["due_on"], case["days"], case["overdue"]) == (
        "not_evacuated", "2024-06-10", 5, True
    )  # fmt: skip
    assert case["version"] == 1 and case["updated_by"] == "fushan"
    got = fushan.get(f"{URL}{case['id']}/").json()
    assert got == case


def test_it_refuses_bad_input_in_chinese_and_saves_nothing(fushan):
    body = assert_error(
        post(fushan, appraised_on="2024-06-10", grade="C", evacuated_on="2024-06-10"),
        400, "invalid",
    )  # fmt: skip
    assert body["errors"]["evacuated_on"] == ["只有鉴定为D级的危房才填写撤离日期。"]
    assert_error(post(fushan, found_on="2024-06-16"), 400, "invalid")
    assert_error(post(fushan, found_on="2024-02-30"), 400, "invalid")
    assert_error(post(fushan, found_on="2024/06/01"), 400, "invalid")
    assert_error(post(fushan, town=5), 400, "invalid")
    assert_error(post(fushan, grade="E", appraised_on="2024-06-10"), 400, "invalid")
    assert_error(post(fushan, hardship="yes"), 400, "invalid")
    assert_error(post(fushan, address="x" * 201), 400, "invalid")
    assert not HazardCase.objects.exists()


def test_another_towns_case_is_403_to_write_and_404_to_read(fushan, add_case, towns):
    theirs = add_case(town=towns[1], address="北海路1号")
    assert_error(post(fushan, town="北海街道"), 403, "permission_denied")
    assert_error(fushan.get(f"{URL}{theirs.pk}/"), 404, "not_found")
    assert_error(post(fushan, url=f"{URL}{theirs.pk}/"), 404, "not_found")
    assert_error(fushan.get(f"{URL}{2**63}/"), 404, "not_found")
    assert [c["address"] for c in fushan.get(URL).json()["results"]] == []


def test_a_supervisor_reads_every_case_but_writes_none(
    client, add_case, make_user, towns
):
    from units.roles import Role

    add_case(address="仓桥直街1号")
    add_case(town=towns[1], address="北海路1号")
    client.force_login(make_user("jianshe", Role.REPORTER, ["区建设局"]))
    listed = client.get(URL, {"kind": "urban"}).json()
    assert listed["count"] == 2
    assert_error(post(client, address="新"), 403, "permission_denied")


def test_a_duplicate_address_needs_confirmation(fushan, add_case):
    first = add_case(address="仓桥直街1号")
    body = assert_error(post(fushan), 400, "needs_confirmation")
    assert f"编号{first.pk}" in body["errors"]["confirm"][0]
    assert post(fushan, confirm=True).status_code == 201


def test_a_change_needs_the_version_it_was_based_on(fushan):
    case = post(fushan).json()
    url = f"{URL}{case['id']}/"
    changed = post(fushan, url=url, address="仓桥直街2号", version=1)
    assert changed.status_code == 200 and changed.json()["version"] == 2
    assert_error(post(fushan, url=url, address="仓桥直街3号", version=1), 409, "stale")
    assert HazardCase.objects.get().history.count() == 2


def test_the_list_filters_and_pages(fushan, add_case, towns):
    for n in range(3):
        add_case(address=f"路{n}号", kind="rural" if n else "urban")
    page = fushan.get(URL, {"kind": "rural", "limit": 1}).json()
    assert page["count"] == 2 and len(page["results"]) == 1 and page["next"]
    assert_error(fushan.get(URL, {"kind": "城镇"}), 400, "invalid")
    assert_error(fushan.get(URL, {"town": "府山"}), 400, "invalid")
    assert date.fromisoformat(page["results"][0]["found_on"])
