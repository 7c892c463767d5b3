"""The rate of indicators 11–13 shown beside the reported value is the register's."""

from datetime import date, datetime

import pytest
import time_machine

from units.roles import Role

from .conftest import SHANGHAI

pytestmark = pytest.mark.django_db


@pytest.fixture
def half_done(add_case):
    """June 2024: two towns' buildings due for remedy, one of them remedied."""
    add_case(address="一", found_on=date(2023, 12, 10), appraised_on=date(2023, 12, 20),
             grade="C", remedy="reinforce", remedied_on=date(2024, 5, 1))  # fmt: skip
    add_case(address="二", found_on=date(2023, 12, 31), appraised_on=date(2024, 1, 5),
             grade="C")  # fmt: skip


@pytest.fixture(autouse=True)
def _july():
    with time_machine.travel(datetime(2024, 7, 3, 10, tzinfo=SHANGHAI), tick=False):
        yield


def test_the_indicator_page_shows_the_registers_rate_and_the_gap(
    official_client, half_done, record
):
    record("区建设局", 11, "2024-06", "100")
    page = official_client.get("/indicators/11/?year=2024").content.decode()
    section = page.split("与危房台账核对")[1]
    row = section.split("2024年6月")[1].split("</tr>")[0]
    assert "100%" in row and "50%" in row and "1 / 2" in row
    assert "相差50个百分点" in row
    assert "台账计算口径" in section


def test_the_reviewer_sees_the_registers_rate_and_a_flag(
    client, admin_user, half_done, record
):
    record("区建设局", 11, "2024-06", "100", status="submitted")
    client.force_login(admin_user)
    page = client.get("/review/").content.decode()
    assert "台账：50%（1/2）" in page
    assert "与台账相差50个百分点，请核实" in page


def test_a_reported_value_that_matches_is_not_flagged(
    official_client, half_done, record
):
    record("区建设局", 11, "2024-06", "50")
    page = official_client.get("/indicators/11/?year=2024").content.decode()
    row = page.split("与危房台账核对")[1].split("2024年6月")[1].split("</tr>")[0]
    assert "✔ 一致" in row and "相差" not in row


def test_other_indicators_have_no_register_check(official_client):
    page = official_client.get("/indicators/4/?year=2024").content.decode()
    assert "与危房台账核对" not in page


def test_the_entry_form_shows_the_registers_rate_before_the_unit_types(
    client, make_user, half_done
):
    client.force_login(make_user("jianshe", Role.REPORTER, ["区建设局"]))
    page = client.get("/report/?period=2024-06").content.decode()
    line = page.split("11. 城镇危房整治率")[1].split("entry-line")[0]
    assert "台账：50%（1/2）" in line and "状态按此判定" in line
    other = page.split("14. 城镇人均住房建筑面积")[1].split("entry-line")[0]
    assert "台账" not in other


def test_the_register_decides_the_status_and_a_d_grade_fails_it(
    official_client, add_case, record
):
    from dashboard.selectors import indicator_progress

    record("区建设局", 11, "2024-06", "100")
    add_case(address="三", found_on=date(2024, 6, 1), appraised_on=date(2024, 6, 5),
             grade="D")  # fmt: skip
    (row,) = [r for r in indicator_progress(year=2024) if r.indicator.code == 11]
    # Nothing due yet for remedy in June; the D grade is not evacuated.
    assert row.progress.status == "not_met" and "D级" in row.progress.reason
    home = official_client.get("/?year=2024").content.decode()
    cell = home.split('data-indicator="11">')[1].split("</tr>")[0]
    assert "未达标" in cell and "已达标" not in cell
