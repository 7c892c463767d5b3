"""The 考核's API: the table and a unit's sheet for those who may see them, an
objection and its answer through the services, refused with the one error shape."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from assessment.models import Objection
from assessment.services import result_publish, scheme_save
from tests.conftest import SUITE_DAY, during
from tests.test_api_contract import assert_error
from units.models import Unit
from units.roles import Role

pytestmark = pytest.mark.django_db
YEAR = 2023
BASE = f"/api/v1/assessments/{YEAR}/"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def jianshe():
    return Unit.objects.get(name="区建设局")


@pytest.fixture
def schemes(admin_user):
    with during(YEAR, 12, 1):
        scheme_save(
            year=YEAR, list_kind="departments",
            weights={"returns": 30, "work": 40, "indicators": 30}, user=admin_user,
        )  # fmt: skip


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def reporter(make_user):
    return client_of(make_user("jianshe", Role.REPORTER, ["区建设局"]))


@pytest.fixture
def other(make_user):
    return client_of(make_user("fagai", Role.REPORTER, ["区发改局"]))


@pytest.fixture
def admin(admin_user):
    return client_of(admin_user)


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_the_table_is_the_trial_until_published_then_the_frozen_result(
    official_client, reporter, schemes, admin_user, jianshe
):
    trial = official_client.get(BASE).json()
    assert trial["published"] is False and trial["objection_deadline"] is None
    assert trial["schemes"]["departments"]["weights"] == {
        "returns": 30, "work": 40, "indicators": 30,
    }  # fmt: skip
    assert trial["missing_schemes"] == []
    row = next(r for r in trial["rows"] if r["unit_id"] == jianshe.pk)
    assert set(row["parts"]) == {"returns", "work", "indicators"}
    assert row["list"] == "departments" and row["grade"]
    assert_error(reporter.get(BASE), 403, "permission_denied")
    assert_error(official_client.get("/api/v1/assessments/2031/"), 404, "not_found")

    result = result_publish(year=YEAR, user=admin_user)
    published = official_client.get(BASE).json()
    assert published["published"] is True
    assert published["published_on"] == SUITE_DAY.isoformat()
    assert published["objection_deadline"] == (SUITE_DAY + timedelta(7)).isoformat()

    def frozen(rows):
        return [
            (r["unit_id"], r["rank"], r["total"], r["grade"],
             {k: (p["share"], p["points"], p["facts"]) for k, p in r["parts"].items()})
            for r in rows
        ]  # fmt: skip

    assert frozen(published["rows"]) == frozen(result.snapshot["rows"])


def test_a_sheet_is_for_its_unit_officials_and_admins(
    official_client, reporter, other, schemes, jianshe
):
    url = f"{BASE}units/{jianshe.pk}/"
    own = reporter.get(url).json()
    assert own["unit"] == "区建设局" and own["may_object"] is False  # not published
    assert own["row"]["unit_id"] == jianshe.pk and own["objections"] == []
    assert official_client.get(url).status_code == 200
    assert_error(other.get(url), 403, "permission_denied")
    group = Unit.objects.get(name="各镇街")
    assert_error(official_client.get(f"{BASE}units/{group.pk}/"), 404, "not_found")
    assert_error(official_client.get(f"{BASE}units/99999/"), 404, "not_found")


def test_an_objection_is_the_units_within_the_window_once_published(
    official_client, reporter, other, schemes, admin_user, jianshe
):
    url = f"{BASE}units/{jianshe.pk}/objections/"
    text = {"text": "4月事项已按期完成，请核实。"}
    assert_error(post(reporter, url, text), 409, "not_published")
    result_publish(year=YEAR, user=admin_user)
    assert_error(post(other, url, text), 403, "permission_denied")
    assert_error(post(official_client, url, text), 403, "permission_denied")
    body = assert_error(post(reporter, url, {"text": "   "}), 400, "invalid")
    assert "text" in body["errors"]
    assert_error(post(reporter, url, {"text": 3}), 400, "invalid")
    last_day = datetime(2026, 11, 23, 23, 59, tzinfo=SHANGHAI)
    with time_machine.travel(last_day + timedelta(minutes=2), tick=False):
        body = assert_error(post(reporter, url, text), 400, "invalid")
    assert "异议期已于2026年11月23日截止" in body["detail"]
    assert not Objection.objects.exists()

    with time_machine.travel(last_day, tick=False):
        filed = post(reporter, url, text)
    assert filed.status_code == 201
    sheet = filed.json()
    assert [o["text"] for o in sheet["objections"]] == [text["text"]]
    assert sheet["objections"][0]["answered"] is False
    assert Objection.objects.get().unit == jianshe


def test_the_admin_answers_once_and_a_correction_is_recorded(
    reporter, admin, schemes, admin_user, jianshe
):
    result_publish(year=YEAR, user=admin_user)
    post(
        reporter,
        f"{BASE}units/{jianshe.pk}/objections/",
        {"text": "有市级表扬未计入。"},
    )
    objection = Objection.objects.get()
    url = f"{BASE}objections/{objection.pk}/answer/"
    answer = {"answer": "经核实属实，加2分。"}
    assert_error(post(reporter, url, answer), 403, "permission_denied")
    bad = {**answer, "correction": {"field": "bonus", "value": 50}}
    body = assert_error(post(admin, url, bad), 400, "invalid")
    assert "0到20之间" in str(body["errors"])
    bad = {**answer, "correction": {"field": "bonus", "value": "2"}}
    assert_error(post(admin, url, bad), 400, "invalid")
    objection.refresh_from_db()
    assert not objection.answered  # nothing changed

    good = {**answer, "correction": {"field": "bonus", "value": 2}}
    sheet = post(admin, url, good).json()
    assert sheet["row"]["bonus"] == 2
    assert sheet["row"]["total"] == pytest.approx(sheet["row"]["base"] + 2)
    assert sheet["objections"][0]["answer"] == answer["answer"]
    assert sheet["corrections"][0]["field"] == "bonus"
    assert sheet["corrections"][0]["reason"] == answer["answer"]
    assert_error(post(admin, url, answer), 409, "answered")
    assert_error(
        post(
            admin, f"/api/v1/assessments/2024/objections/{objection.pk}/answer/", answer
        ),
        404,
        "not_found",
    )
