import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Page

from units.roles import Role

from ..conftest import PASSWORD

# CI keeps test-results/ as its artefacts. pytest-playwright empties that folder when
# a session starts (so what is there is from the last run), then keeps its own
# traces of failed tests beside these.
SCREENSHOTS = Path(settings.BASE_DIR) / "test-results" / "screens"

ADMIN, OFFICIAL, REPORTER = "admin", "official", "reporter"
EVERYONE = frozenset({ADMIN, OFFICIAL, REPORTER})
# Each role's account in the browser tests: (username, role, units).
USERS = {
    ADMIN: ("boss", Role.ADMIN, ["区建设局"]),
    OFFICIAL: ("leader", Role.OFFICIAL, []),
    REPORTER: ("jianshe", Role.REPORTER, ["区建设局"]),
}


@dataclass(frozen=True)
class SitePage:
    """A page of the site and the roles that may open it: another role gets 403
    (or, under /admin/, the admin's own login page)."""

    path: str
    roles: frozenset = EVERYONE
    status: int = 200

    # Opens only on the demo district (its towns and their 危房台账).
    demo: bool = False

    def url(
        self, base_url: str, *, unit: int, group: int, case: int = 0, item: int = 0
    ) -> str:
        return base_url + self.path.format(unit=unit, group=group, case=case, item=item)

    def expected_status(self, role: str) -> int:
        if role in self.roles or self.path.startswith("/admin/"):
            return self.status
        return 403


# Every page a person opens: the CSP test and the accessibility test visit each.
# {unit} is 区建设局, {group} the group 各镇街, {case} a town building in the
# 危房台账 (区建设局 supervises those), where the test has one, {item} a 督办事项
# 区建设局 leads or shares (the demo district has them).
PAGES = [
    SitePage("/"),
    SitePage("/?pending=1"),
    SitePage("/indicators/2/?year=2023"),
    SitePage("/indicators/4/?year=2023"),
    SitePage("/help/status/"),
    SitePage("/units/"),
    SitePage("/units/{unit}/?year=2023"),
    SitePage("/units/{group}/?year=2023"),
    SitePage("/ranking/?year=2023"),
    SitePage("/notices/2023-06/"),
    SitePage("/plan/"),
    SitePage("/plan/?q=加装电梯"),
    SitePage("/plan/inconsistencies/"),
    SitePage("/issued-notices/"),
    SitePage("/assessment/2023/", frozenset({ADMIN, OFFICIAL})),
    SitePage("/assessment/2023/units/{unit}/"),
    SitePage("/assessment/2023/scheme/", frozenset({ADMIN})),
    SitePage("/projects/"),
    SitePage("/projects/renovation/"),
    SitePage("/projects/elevator/new/", frozenset({ADMIN}), demo=True),
    SitePage("/screen/"),
    SitePage("/supervision/"),
    SitePage("/supervision/{item}/", demo=True),
    SitePage("/hazards/"),
    SitePage("/hazards/{case}/", demo=True),
    SitePage("/hazards/{case}/edit/", frozenset({ADMIN}), demo=True),
    SitePage("/hazards/new/", frozenset({ADMIN}), demo=True),
    SitePage("/hazards/import/", frozenset({ADMIN}), demo=True),
    SitePage("/report/?unit={unit}&period=2023-06", frozenset({ADMIN, REPORTER})),
    SitePage("/report/history/?unit={unit}&period=2023-06"),
    SitePage("/report/history/"),
    SitePage("/review/", frozenset({ADMIN})),
    SitePage("/imports/", frozenset({ADMIN})),
    SitePage("/imports/work-list/", frozenset({ADMIN})),
    SitePage("/accounts/password/"),
    SitePage("/api/v1/docs/"),
    SitePage("/admin/", frozenset({ADMIN})),
    SitePage("/admin/reporting/monthlyreport/", frozenset({ADMIN})),
    SitePage("/admin/reporting/indicatorvalue/", frozenset({ADMIN})),
    SitePage("/no-such-page/", status=404),
]


@pytest.fixture
def offline_page(page: Page, live_server):
    """A page that may reach the live server and nothing else, like the intranet."""
    escaped = []

    def route(route):
        url = route.request.url
        if url.startswith(live_server.url) or url.startswith("data:"):
            route.continue_()
        else:
            escaped.append(url)
            route.abort()

    page.route("**/*", route)
    page.escaped = escaped
    # What the Content-Security-Policy refused (an inline script, a foreign source).
    page.csp_refusals = []
    page.on(
        "console",
        lambda m: (
            page.csp_refusals.append(m.text)
            if "Content Security Policy" in m.text
            else None
        ),
    )
    return page


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


@pytest.fixture
def official_in_browser(offline_page, live_server, loaded_plan, make_user):
    make_user("leader", Role.OFFICIAL)
    log_in(offline_page, live_server.url, "leader")
    return offline_page


@pytest.fixture(autouse=True)
def _cookies_outlive_any_clock(settings):
    """The server runs at the test's instant, Chromium at the machine's clock: a
    cookie that expires two weeks after the first could be already gone by the
    second, and the browser would drop it."""
    settings.SESSION_COOKIE_AGE = settings.CSRF_COOKIE_AGE = 20 * 365 * 24 * 3600


@pytest.fixture
def district(loaded_plan):
    """The demo district as of 10 August 2023: six towns, January to July entered,
    July partly submitted, partly missing, partly waiting for review; items done,
    done late and overdue. Written by the demo command, through the services."""
    shanghai = ZoneInfo("Asia/Shanghai")
    with (
        time_machine.travel(datetime(2023, 8, 10, 9, tzinfo=shanghai), tick=False),
        override_settings(DEBUG=True),
    ):
        call_command("demo_data", stdout=io.StringIO())
