from datetime import date, datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from reporting.return_state import deadline_text, entry_deadline, submitted_late
from reporting.selectors import reporting_status

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
JUNE = date(2023, 6, 1)


def test_the_deadline_is_day_n_of_the_next_month():
    assert entry_deadline(JUNE, 5) == date(2023, 7, 5)
    assert entry_deadline(date(2023, 12, 1), 5) == date(2024, 1, 5)


def test_a_submission_on_the_deadline_day_is_on_time_the_next_day_late():
    on_day = datetime(2023, 7, 5, 23, 59, tzinfo=SHANGHAI)
    next_day = datetime(2023, 7, 6, 0, 1, tzinfo=SHANGHAI)
    assert not submitted_late(on_day, JUNE, 5)
    assert submitted_late(next_day, JUNE, 5)


def test_the_deadline_banner_counts_the_days_left():
    assert deadline_text(JUNE, 5, today=date(2023, 7, 2)) == (
        "6月数据填报截止：7月5日，还剩3天"
    )
    assert deadline_text(JUNE, 5, today=date(2023, 7, 5)).endswith("今天截止")
    assert deadline_text(JUNE, 5, today=date(2023, 7, 8)).endswith("已逾期3天")


def test_home_lists_who_reported_on_time_late_or_not_at_all(
    towns, record, official_client, monkeypatch
):
    record("府山街道", 4, "2023-06", "40")  # submitted now: long after 5 July 2023
    statuses = {
        r.unit.name: r.label for r in reporting_status(period=JUNE, deadline_day=5)
    }
    mine = ("区建设局", "府山街道", "北海街道", "塔山街道")
    assert {name: statuses[name] for name in mine} == {
        "区建设局": "未报送",
        "府山街道": "迟报",
        "北海街道": "未报送",
        "塔山街道": "未报送",
    }
    assert statuses["区发改局"] == "未报送"  # carries 2023 items: owes returns
    early = timezone.now().replace(year=2023, month=7, day=3)
    monkeypatch.setattr(timezone, "now", lambda: early)
    record("北海街道", 4, "2023-06", "30", status="submitted")
    monkeypatch.undo()
    statuses = {
        r.unit.name: r.label for r in reporting_status(period=JUNE, deadline_day=5)
    }
    assert statuses["北海街道"] == "按时"
    with mock.patch("django.utils.timezone.localdate", return_value=date(2023, 7, 20)):
        from reporting.selectors import reporting_summary

        summary = reporting_summary(period=JUNE, deadline_day=5)
    assert summary["counts"]["late"] == 1 and summary["counts"]["on_time"] == 1
    assert summary["names"]["late"] == (["府山街道"], 0)
    assert "区建设局" in summary["names"]["missing"][0]
    html = official_client.get("/").content.decode()
    assert "报送情况" in html and "各单位明细" in html
