from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page

from indicators.plan_loader import plan_load
from units.roles import Role

from ..conftest import PASSWORD

# Not test-results/: pytest-playwright empties that folder at every run.
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


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


@pytest.fixture
def loaded_plan(transactional_db):
    return plan_load()


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
