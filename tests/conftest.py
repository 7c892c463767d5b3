import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from units.roles import Role
from units.services import user_save
from yuecheng_housing.plan_loader import plan_load

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM
# calls from such a thread unless told that this is safe (it is: one test at a time).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SEED_DIR = Path(
    os.getenv("PLAN_SEED_DIR", settings.BASE_DIR.parent / "shared" / "seed")
)
PASSWORD = "correct-horse-battery-staple"


def pytest_collection_modifyitems(config, items):
    """Skip browser tests where Chromium is missing, except in CI."""
    if Path(CHROMIUM).exists():
        return
    if os.getenv("REQUIRE_BROWSER"):
        raise pytest.UsageError(
            f"REQUIRE_BROWSER is set but Chromium is missing at {CHROMIUM}"
        )
    skip = pytest.mark.skip(
        reason="Chromium not installed: apt-get install -y chromium fonts-noto-cjk"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Debian's Chromium: playwright's own browser download cannot be fetched here.
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def plan(db):
    """The plan as issued, loaded from fixtures/."""
    return plan_load()


@pytest.fixture
def make_user(db):
    def make(username: str, role: Role, units: list[str] = ()):
        user, _ = user_save(
            username=username, role=role, unit_names=units, password=PASSWORD
        )
        return user

    return make


@pytest.fixture
def official(plan, make_user):
    return make_user("official", Role.OFFICIAL)


@pytest.fixture
def admin_user(plan, make_user):
    return make_user("coordinator", Role.ADMIN, ["区建设局"])


@pytest.fixture
def official_client(client, official):
    client.force_login(official)
    return client
