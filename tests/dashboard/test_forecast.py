"""The year-end forecast where officials read it: indicator page, home, notice, API."""

import json
import re
from datetime import date

import pytest

from dashboard.ranking import monthly_notice

from ..conftest import during

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _april_2025():
    """In April 2025, with 2025 open and its first three months in."""
    with during(2025, 4, 10):
        yield


@pytest.fixture
def lifts(record):
    """加装电梯 (7, cumulative; 2025 target 250) at 220 last December, then +5 a
    month: 235 by March, 280 at year end at this pace (target met in June)."""
    record("区建设局", 7, "2024-12", "220")
    for month, value in ((1, "225"), (2, "230"), (3, "235")):
        record("区建设局", 7, f"2025-{month:02d}", value)


def test_the_indicator_page_states_forecast_range_pace_and_method(
    official_client, lifts
):
    html = official_client.get("/indicators/7/?year=2025").content.decode()
    section = html.split('id="forecast"')[1].split("</section>")[0]
    assert "<b>280</b>" in section  # 235 + 5 × 9
    assert "<b>280—280</b>" in section  # every month added exactly 5
    assert "2025年6月" in section  # 250 reached in June at +5 a month
    assert "+2" in section  # (250 − 235) ÷ 9 = 1.67, rounded up to a whole lift
    assert "预计可完成" in section
    assert "平均每月增加5台" in section and "已审核的3个月" in section


def _figure(html: str) -> dict:
    source = re.search(r'id="fig-history"[^>]*>(.*?)</script>', html, re.S).group(1)
    return json.loads(source)


def test_the_chart_draws_the_forecast_dashed_with_its_band(official_client, lifts):
    html = official_client.get("/indicators/7/?year=2025").content.decode()
    traces = {t["name"]: t for t in _figure(html)["data"]}
    line, band = traces["年底预计"], traces["预计区间"]
    assert line["line"]["dash"] == "dash"
    assert line["x"] == ["2025-03-01", "2025-12-01"] and line["y"] == [235, 280]
    assert band["fill"] == "toself" and band["y"] == [235, 280, 280, 235]


def test_no_forecast_before_three_months_and_the_page_says_so(official_client, record):
    record("区建设局", 14, "2025-01", "35.6")
    record("区建设局", 14, "2025-02", "35.7")
    html = official_client.get("/indicators/14/?year=2025").content.decode()
    assert "今年已审核的数据不足3个月，暂不预测。" in html
    assert "年底预计" not in {t.get("name") for t in _figure(html)["data"]}
    home = official_client.get("/?year=2025").content.decode()
    row = re.search(r'data-indicator="14">(.*?)</tr>', home, re.S).group(1)
    assert "不足3个月" in row


def test_submitted_values_do_not_move_the_forecast(official_client, lifts, record):
    record("区建设局", 7, "2025-04", "300", status="submitted")
    data = official_client.get("/api/v1/indicators/7/forecast/?year=2025").json()
    assert data["value"] == 280 and data["basis"] == "2025-03"


def test_home_shows_the_forecast_and_flags_a_miss(official_client, record):
    # 人均住房建筑面积 (level; 2025 target 36): 35.0, 35.02, 35.04 → 35.22 in December.
    for month, value in ((1, "35"), (2, "35.02"), (3, "35.04")):
        record("区建设局", 14, f"2025-{month:02d}", value)
    html = official_client.get("/?year=2025").content.decode()
    row = re.search(r'data-indicator="14">(.*?)</tr>', html, re.S).group(1)
    assert "35.22" in row  # 35.04 + 0.02 × 9
    assert "预计难以完成" in row


def test_the_notice_lists_indicators_unlikely_to_be_met_as_of_its_month(
    official_client, record
):
    for month, value in ((1, "35"), (2, "35.02"), (3, "35.04"), (4, "35.8")):
        record("区建设局", 14, f"2025-{month:02d}", value)
    march = monthly_notice(period=date(2025, 3, 1), today=date(2025, 4, 10))
    assert [row.indicator.code for row, _ in march.unlikely] == [14]
    # By April the trend has turned: 35.8 and rising reaches 36.
    april = monthly_notice(period=date(2025, 4, 1), today=date(2025, 5, 10))
    assert april.unlikely == []
    data = official_client.get("/api/v1/notices/2025-03/").json()
    assert data["indicators_unlikely"] == [
        {
            "code": 14,
            "value": 35.22,
            "low": 35.22,
            "high": 35.22,
            # The page's "+0.11": the same figure, rounded up in two places.
            "needed_per_month": 0.11,
        }
    ]
    html = official_client.get("/notices/2025-03/").content.decode()
    section = html.split("四、预计难以完成的指标")[1].split("<h2>")[0]
    assert "城镇人均住房建筑面积" in section and "35.22" in section
    assert "+0.11" in section


def test_the_forecast_api_answers_value_range_need_and_method(official_client, lifts):
    data = official_client.get("/api/v1/indicators/7/forecast/?year=2025").json()
    assert data == {
        "code": 7,
        "year": 2025,
        "status": "on_track",  # 235 against 227.5 expected in March
        "status_label": "正常",
        "final": False,
        "unlikely": False,
        "available": True,
        "basis": "2025-03",
        "months": 3,
        "value": 280,
        "low": 280,
        "high": 280,
        "needed_per_month": 2,  # 台, rounded up as the page's "+2"
        "met_in": "2025-06",
        "will_meet": True,
        "method": data["method"],
    }
    assert data["method"].startswith("累计数：按去年12月以来平均每月增加5台")


def test_the_forecast_api_says_why_there_is_none(official_client):
    data = official_client.get("/api/v1/indicators/3/forecast/?year=2025").json()
    assert data["available"] is False
    assert data["value"] is None and data["needed_per_month"] is None
    assert data["method"] == "今年已审核的数据不足3个月，暂不预测。"
    closed = official_client.get("/api/v1/indicators/3/forecast/?year=2024").json()
    assert closed["available"] is False and closed["final"] is True
    assert closed["status"] == "not_met" and closed["method"].startswith("2024年已结束")


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/v1/indicators/15/forecast/?year=2025", 404, "not_found"),
        ("/api/v1/indicators/7/forecast/?year=2031", 400, "invalid"),
        ("/api/v1/indicators/7/forecast/?year=²", 400, "invalid"),
    ],
)
def test_the_forecast_api_refuses_bad_requests_in_the_error_shape(
    official_client, url, status, code
):
    response = official_client.get(url)
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code and set(body) >= {"code", "detail"}


def test_the_forecast_api_needs_credentials(client):
    response = client.get("/api/v1/indicators/7/forecast/?year=2025")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_the_forecast_api_costs_a_fixed_number_of_queries(
    official_client, lifts, django_assert_max_num_queries
):
    official_client.get("/api/v1/indicators/7/forecast/?year=2025")
    # The indicator, its targets, its figures, the threshold, the ledgers'
    # switches; session (2).
    with django_assert_max_num_queries(7):
        official_client.get("/api/v1/indicators/7/forecast/?year=2025")
