"""A write that waited out its lock is told "系统繁忙，请稍后重试", never a 500."""

import sys
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import RequestFactory

from reporting.models import IndicatorValue, MonthlyReport
from units.roles import Role
from yuecheng_housing.handlers import server_error

pytestmark = pytest.mark.django_db

LOCKED = OperationalError("database is locked")


@pytest.fixture
def reporter_client(client, plan, make_user):
    client.force_login(make_user("r", Role.REPORTER, ["区建设局"]))
    return client


def test_an_api_write_that_finds_the_database_locked_is_a_503_and_stores_nothing(
    reporter_client,
):
    reports = MonthlyReport.objects.count()
    # The failure comes after the value row was inserted, within the same service:
    # the service's transaction must take the row back with it.
    with mock.patch("reporting.services.history_copy", side_effect=LOCKED):
        response = reporter_client.post(
            "/api/v1/progress/",
            {"indicator": 2, "unit": "区建设局", "period": "2023-06", "value": 1.2},
            content_type="application/json",
        )
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["code"] == "busy"
    assert body["detail"].startswith("系统繁忙，请稍后重试")
    assert set(body) <= {"code", "detail", "errors"}
    assert not IndicatorValue.objects.exists()
    assert MonthlyReport.objects.count() == reports


def test_a_page_that_finds_the_database_locked_is_a_chinese_503_page(
    official_client,
):
    with mock.patch("dashboard.views.unit_index", side_effect=LOCKED):
        response = official_client.get("/units/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    page = response.content.decode()
    assert "系统繁忙，请稍后重试" in page and "未保存" in page


def test_other_database_errors_are_still_a_500(official_client):
    official_client.raise_request_exception = False
    broken = OperationalError("no such table: units_unit")
    with mock.patch("dashboard.views.unit_index", side_effect=broken):
        response = official_client.get("/units/")
    assert response.status_code == 500


@pytest.mark.parametrize(
    "path, expected", [("/units/", "系统繁忙"), ("/api/v1/units/", '"code": "busy"')]
)
def test_a_lock_timeout_outside_a_view_reaches_the_busy_answer_too(path, expected):
    # A middleware saving the session fails after the view: Django calls handler500
    # while handling the exception.
    request = RequestFactory().get(path)
    try:
        raise LOCKED
    except OperationalError:
        assert sys.exc_info()[1] is LOCKED
        response = server_error(request)
    assert response.status_code == 503
    assert expected in response.content.decode()
