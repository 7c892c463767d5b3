"""Pages open on the latest plan year with a work list or data, not blindly on this
year; a year with neither says why its tables are empty and what to do."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from reporting.selectors import default_plan_year

pytestmark = pytest.mark.django_db
# In 2026, with only 2023's work list loaded (the plan as issued).
LATE_2026 = datetime(2026, 11, 30, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _in_late_2026():
    with time_machine.travel(LATE_2026, tick=False):
        yield


def test_pages_open_on_the_year_of_the_work_list_not_on_an_empty_one(official_client):
    assert default_plan_year() == 2023
    for url in ("/", "/units/", "/ranking/"):
        page = official_client.get(url).content.decode()
        assert "· 2023年" in page, url
        assert "还没有工作清单" not in page, url


def test_a_later_year_with_data_is_the_default(official_client, record):
    record("区建设局", 1, "2025-03", "30")
    assert default_plan_year() == 2025
    assert "· 2025年" in official_client.get("/").content.decode()


def test_an_empty_year_says_why_and_what_to_do(official_client):
    for url in ("/?year=2026", "/units/?year=2026", "/ranking/?year=2026"):
        page = official_client.get(url).content.decode()
        assert "2026年还没有工作清单，也没有单位报送数据" in page, url
        assert "下一年度工作清单" in page
        assert '<a href="?year=2023">2023年</a>' in page


def test_the_year_is_chosen_with_a_button_not_on_change(official_client):
    page = official_client.get("/").content.decode()
    assert "data-autosubmit" not in page
    assert '<button type="submit" class="button">查看</button>' in page
