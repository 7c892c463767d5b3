from decimal import Decimal

import pytest

from reporting.models import IndicatorValue, ItemProgress
from tasks.models import ChecklistItem
from units.roles import Role
from yuecheng_housing.lib.periods import add_months, format_period, month_of

from ..conftest import SUITE_INSTANT

pytestmark = pytest.mark.django_db
NEXT_MONTH = add_months(month_of(SUITE_INSTANT), 1)

URL = "/api/v1/progress/"


@pytest.fixture
def api(client, plan, make_user):
    client.force_login(make_user("r", Role.REPORTER, ["区建设局"]))

    def post(url=URL, **data):
        body = {"indicator": 2, "unit": "区建设局", "period": "2023-06", "value": 1.2}
        body.update(data)
        return client.post(url, body, content_type="application/json")

    post.client = client
    return post


def test_it_stores_and_returns_the_record(api):
    response = api(value=1.2)
    assert response.status_code == 201
    data = response.json()
    assert {k: data[k] for k in ("indicator", "unit", "period", "value", "status")} == {
        "indicator": 2,
        "unit": "区建设局",
        "period": "2023-06",
        "value": 1.2,
        "status": "draft",
    }
    assert data["version"] == 1 and data["updated_by"] == "r"


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"value": ""}, "value", "不是数字"),
        ({"value": "abc"}, "value", "不是数字"),
        # Text, however readable, is for people: machine clients send numbers.
        ({"value": "1.2"}, "value", "应为 JSON 数值"),
        ({"value": True}, "value", "不是数字"),
        ({"indicator": "2"}, "indicator", "应为整数"),
        ({"version": "1"}, "version", "应为整数"),
        ({"confirm": "yes"}, "confirm", "true 或 false"),
        ({"note": 5}, "note", "应为文字"),
        ({"unit": "建设局"}, "unit", "全称"),
        ({"period": "2023-6"}, "period", "YYYY-MM"),
        ({"value": -1}, "value", "不能为负数"),
        ({"indicator": 1, "value": 101}, "value", "0至100之间"),
        ({"indicator": 4, "value": 3.5}, "value", "应为整数"),
        ({"indicator": 99}, "indicator", "应为1至14"),
        ({"unit": "区宣传部"}, "unit", "未知单位"),
        ({"period": "2023-13"}, "period", "不存在"),
        ({"period": "2099-01"}, "period", "不在方案期"),
        # Next month, as of the instant every test runs at.
        ({"period": format_period(NEXT_MONTH)}, "period", "未来月份"),
    ],
)
def test_bad_input_gets_per_field_chinese_errors_and_stores_nothing(
    api, data, field, message
):
    response = api(**data)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert message in response.json()["errors"][field][0]
    assert not IndicatorValue.objects.exists()


def test_stale_version_and_locked_month_are_conflicts(api, record):
    first = api().json()
    assert api(value=1.3, version=first["version"]).status_code == 201
    response = api(value=1.4, version=first["version"])
    assert response.status_code == 409
    assert "已被他人修改（r，" in response.json()["detail"]
    assert IndicatorValue.objects.get().value == Decimal("1.3")

    record("区建设局", 3, "2023-07", "0.15")  # approved: July is locked
    response = api(indicator=3, period="2023-07", value=0.2)
    assert response.status_code == 409 and response.json()["code"] == "locked"


def test_fields_a_client_may_not_set_are_not_applied(api):
    response = api(status="approved", updated_by="admin", needs_review=True)
    assert response.status_code == 201
    value = IndicatorValue.objects.get()
    assert value.report.status == "draft" and value.updated_by.username == "r"


def test_task_progress_only_for_items_the_unit_carries(api, make_user):
    item = ChecklistItem.objects.get(entry__seq=12, position=1)  # task 10
    response = api(
        "/api/v1/task-progress/", item=item.pk, status="done", completed_on="2023-06-20"
    )
    assert response.status_code == 201 and response.json()["status"] == "done"
    # 区房征办 is named on key task 3 only, which carries no 2023 item.
    api.client.force_login(make_user("f", Role.REPORTER, ["区房征办"]))
    response = api(
        "/api/v1/task-progress/", unit="区房征办", item=item.pk, status="in_progress"
    )
    assert response.status_code == 400 and "不承担" in str(response.json())
    response = api("/api/v1/task-progress/", item=99999, status="done")
    assert response.status_code == 400 and "没有编号为99999" in str(response.json())
    assert ItemProgress.objects.count() == 1


def test_list_filters_by_indicator_unit_and_year(api, record):
    record("区建设局", 2, "2023-05", "1.1")
    record("区建设局", 2, "2024-05", "1.5")
    data = api.client.get(f"{URL}?indicator=2&unit=区建设局&year=2024").json()
    assert data["count"] == 1 and data["next"] is None
    assert [(d["period"], d["value"]) for d in data["results"]] == [("2024-05", 1.5)]
