"""The plan's edges of time: before its first return, the turn of a year in
Beijing time, and the months after December 2027."""

import io
import os
import re
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from dashboard.ranking import monthly_notice, unit_ranking
from reporting.models import IndicatorValue, MonthlyReport
from reporting.obligations import obligations_for
from reporting.return_state import LATE, ON_TIME, return_state
from reporting.transitions import report_approve, report_submit
from units.models import Unit
from units.roles import Role

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> time_machine.travel:
    return time_machine.travel(datetime(*args, tzinfo=SHANGHAI), tick=False)


def test_nothing_is_owed_for_a_month_before_the_plan_began(plan):
    jianshe = Unit.objects.get(name="区建设局")
    assert not obligations_for(year=2022).owes_return(jianshe, date(2022, 12, 1))
    assert obligations_for(year=2023).owes_return(jianshe, date(2023, 1, 1))
    with at(2023, 1, 20, 10):
        notice = monthly_notice(period=date(2023, 1, 1))
    assert notice.returns_period == date(2022, 12, 1)
    assert notice.missing == [] and notice.late == [] and notice.sent_back == []


def test_the_first_days_of_the_plan_open_on_january_2023(client, make_user):
    with at(2023, 1, 2, 9):
        client.force_login(make_user("r", Role.REPORTER, ["区建设局"]))
        page = client.get("/report/").content.decode()
        assert "2023年1月" in page
        assert client.get("/notices/").url == "/notices/2023-01/"
        assert client.get("/").status_code == 200


@pytest.fixture
def server_zone_new_york():
    """The server's own zone is not Beijing's: Django's TIME_ZONE must decide."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.mark.usefixtures("server_zone_new_york")
def test_a_return_sent_at_half_past_midnight_in_beijing_is_sent_that_day(
    plan, admin_user, record
):
    # 00:30 on 6 January 2027 in Beijing is still the 5th in New York and in UTC.
    with at(2027, 1, 6, 0, 30):
        stored = record("区建设局", 3, "2026-12", "0.15", status="draft")
        report = report_submit(user=admin_user, report=stored.report)
    state = return_state(
        report=report, period=date(2026, 12, 1), deadline_day=5, as_of=date(2027, 1, 6)
    )
    assert state.submitted_on == date(2027, 1, 6) and state.code == LATE
    stored = record("区建设局", 3, "2026-11", "0.15", status="draft")
    with at(2026, 12, 5, 23, 59):
        report = report_submit(user=admin_user, report=stored.report)
    state = return_state(
        report=report, period=date(2026, 11, 1), deadline_day=5, as_of=date(2026, 12, 6)
    )
    assert state.code == ON_TIME


def test_decembers_2027_return_is_entered_and_approved_in_january_2028(
    client, make_user, admin_user
):
    jianshe = Unit.objects.get(name="区建设局")
    with at(2028, 1, 1, 0, 30):
        client.force_login(make_user("r", Role.REPORTER, ["区建设局"]))
        page = client.get("/report/").content.decode()
        assert "2027年12月" in page and "方案期（2023—2027年）已结束" in page
        response = client.post(
            "/api/v1/progress/",
            {"indicator": 3, "unit": "区建设局", "period": "2027-12", "value": 0.4},
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
        refused = client.post(
            "/api/v1/progress/",
            {"indicator": 3, "unit": "区建设局", "period": "2028-01", "value": 0.4},
            content_type="application/json",
        )
        assert refused.status_code == 400
        assert "不在方案期" in refused.json()["errors"]["period"][0]
    report = MonthlyReport.objects.get(unit=jianshe, period=date(2027, 12, 1))
    with at(2028, 1, 4, 10):
        report_approve(
            user=admin_user, report=report_submit(user=admin_user, report=report)
        )
    with at(2028, 3, 15, 10):
        ranking = unit_ranking(year=2027, today=date(2028, 3, 15))
        notice = monthly_notice(period=date(2027, 12, 1))
    assert ranking.as_of == date(2028, 1, 6)
    scored = next(s for s in ranking.ranked if s.unit == jianshe)
    assert scored.detail["returns"].startswith("1/")  # December's, on time
    assert notice.as_of == date(2027, 12, 31)


def test_after_the_plan_pages_open_on_2027_and_say_the_plan_has_ended(client, official):
    official_client = client
    with at(2028, 3, 15, 10):
        client.force_login(official)
        home = official_client.get("/").content.decode()
        assert "方案期（2023—2027年）已结束" in home
        assert official_client.get("/notices/").url == "/notices/2027-12/"
        assert official_client.get("/api/v1/indicators/?year=2028").status_code == 400
        for url in ("/units/", "/ranking/", "/screen/", "/plan/", "/hazards/"):
            assert official_client.get(url).status_code == 200, url
    with at(2027, 12, 31, 23, 30):
        client.force_login(official)
        assert (
            "方案期（2023—2027年）已结束"
            not in official_client.get("/").content.decode()
        )


def test_the_entry_page_reaches_every_open_month_of_every_year(client, make_user):
    client.force_login(make_user("r", Role.REPORTER, ["区建设局"]))
    page = client.get("/report/?period=2026-10").content.decode()
    for year in (2023, 2024, 2025, 2026):
        assert f'<optgroup label="{year}年">' in page
    assert 'value="2023-01"' in page and 'value="2026-11"' in page
    assert 'value="2026-12"' not in page  # still to come at the suite's instant
    history = client.get("/report/history/?period=2024-03").content.decode()
    assert 'value="2024-03" selected' in history and 'value="2023-01"' in history


# Committed step by step, as `make run` does (see test_demo_data.py).
@pytest.mark.django_db(transaction=True)
def test_demo_data_installed_after_the_plan_writes_history_to_december_2027(
    loaded_plan, settings
):
    settings.DEBUG = True
    with time_machine.travel(datetime(2028, 3, 15, 10, tzinfo=SHANGHAI), tick=True):
        call_command("demo_data", stdout=io.StringIO())
    periods = IndicatorValue.objects.values_list("report__period", flat=True)
    assert max(periods) == date(2027, 12, 1) and min(periods) == date(2023, 1, 1)


@pytest.mark.parametrize("month", ["2022-12", "2028-01", "1999-05"])
def test_a_month_outside_the_plan_in_a_return_is_refused_by_row(admin_user, month):
    from reporting.returns_import import parse_return, return_run
    from tests.reporting.test_returns import xlsx

    data = xlsx(
        [["指标编号", "填报单位", "期间", "本期数值"], [3, "区建设局", month, 0.1]]
    )
    with at(2028, 1, 10, 10):
        parsed = parse_return(data, "越界.xlsx")
        result = return_run(parsed=parsed, user=admin_user, commit=True)
    errors = " ".join(str(e) for e in [*parsed.errors, *result.errors])
    assert "方案期" in errors and "第2行" in errors, errors
    assert not IndicatorValue.objects.exists()


def test_last_years_unfinished_items_are_still_owed_and_can_be_closed(
    client, make_user, admin_user
):
    from reporting.models import ItemProgress
    from tasks.models import ChecklistItem, WorkList

    year_end = ChecklistItem.objects.filter(
        entry__work_list__year=2023, deadline=date(2023, 12, 31), entry__seq=1
    ).first()
    WorkList.objects.create(year=2024, title="2024年工作清单")
    with at(2024, 2, 10, 10):
        client.force_login(make_user("jianshe", Role.REPORTER, ["区建设局"]))
        page = client.get("/report/?period=2024-01").content.decode()
        assert "2023年结转" in page and year_end.text in page
        overdue = monthly_notice(period=date(2024, 1, 1)).overdue
        assert year_end.pk in {o["item"].pk for o in overdue}
        versions = dict(re.findall(r'name="([\w-]*version)" value="(\d+)"', page))
        response = client.post(
            "/report/?period=2024-01",
            {
                **versions,
                "period": "2024-01",
                "action": "submit",
                f"item{year_end.pk}-status": "done",
                f"item{year_end.pk}-completed_on": "2024-01-20",
                f"item{year_end.pk}-confirm": "on",
                **{f"ind{c}-value": "50" for c in range(1, 15)},
                **{f"ind{c}-confirm": "on" for c in range(1, 15)},
            },
        )
        assert response.status_code == 302
        assert ItemProgress.objects.filter(item=year_end, status="done").exists()
        later = client.get("/report/?period=2024-02").content.decode()
        assert year_end.text not in later
