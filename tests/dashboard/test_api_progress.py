from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

pytestmark = pytest.mark.django_db


def test_year_adds_progress_to_each_indicator(official_client, record):
    record("区建设局", 2, "2024-06", "1.52")
    # In July 2024, while the year is open (a closed year is 已达标 or 未达标).
    july = datetime(2024, 7, 10, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(july, tick=False):
        data = official_client.get("/api/v1/indicators/?year=2024").json()
    assert len(data) == 14
    assert data[1]["progress"] == {
        "period": "2024-06",
        "value": 1.52,
        "expected": 1.4975,  # 1.4475 + (1.5475 - 1.4475) × 6/12
        "completion": 0.9822,
        "status": "on_track",
    }
    assert data[0]["progress"]["status"] == "no_data"
    assert data[0]["progress"]["value"] is None


@pytest.mark.parametrize("year", ["abc", "1999"])
def test_a_year_outside_the_plan_is_a_clear_400(official_client, year):
    response = official_client.get(f"/api/v1/indicators/?year={year}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "方案期" in response.json()["errors"]["year"][0]


def test_series_lists_the_approved_monthly_values(official_client, record):
    record("区建设局", 14, "2023-02", "35.1")
    record("区建设局", 14, "2023-01", "35")
    record("区建设局", 14, "2023-03", "35.3", status="submitted")
    data = official_client.get("/api/v1/indicators/14/series/").json()
    assert data == [
        {"period": "2023-01", "value": 35, "unit": "平方米"},
        {"period": "2023-02", "value": 35.1, "unit": "平方米"},
    ]


def test_series_of_an_unknown_indicator_is_a_json_404(official_client):
    response = official_client.get("/api/v1/indicators/15/series/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "没有序号为15的指标。"}


def test_progress_list_costs_a_fixed_number_of_queries(
    official_client, record, django_assert_max_num_queries
):
    record("区建设局", 2, "2024-06", "1.52")
    official_client.get("/api/v1/indicators/?year=2024")
    # 10: the district figures, the targets, the 危房台账 for 11–13 and the
    # ledgers' switches for the counts.
    with django_assert_max_num_queries(10):
        official_client.get("/api/v1/indicators/?year=2024")
