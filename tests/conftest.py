import os
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import cache

from indicators.models import Domain, Indicator, Target
from indicators.plan_loader import plan_load
from reporting.services import indicator_value_save
from reporting.transitions import report_approve, report_submit
from tasks.models import (
    ChecklistItem,
    KeyTask,
    Responsibility,
    Section,
    WorkList,
    WorkListEntry,
)
from units.models import Unit
from units.roles import Role
from units.services import user_save

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


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # The plan is loaded once into the test database; each test runs in a
    # transaction that is rolled back, so every test starts from the plan as issued.
    # Transactional tests (browser, concurrency) run last and load it themselves.
    with django_db_blocker.unblock():
        plan_load()


@pytest.fixture
def plan(db):
    """The plan as issued (loaded once per session by django_db_setup)."""


@pytest.fixture
def loaded_plan(transactional_db):
    """The plan for a test whose writes really commit (the database is flushed
    after it, so it loads the plan itself)."""
    return plan_load()


@pytest.fixture
def empty_plan(db):
    """A database without the plan, for tests of loading it (rolled back after)."""
    # Children before parents: the foreign keys protect the plan's rows.
    for model in (ChecklistItem, WorkListEntry, WorkList, Target, Indicator, Domain,
                  Responsibility, KeyTask, Section, Unit):  # fmt: skip
        model.objects.all().delete()
    for model in apps.get_models():
        if model.__name__.startswith("Historical"):
            model.objects.all().delete()


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


@pytest.fixture
def record(admin_user):
    """Record a unit's value for a month through the services, approved by default."""

    def record(unit: str, code: int, month: str, value: str, status: str = "approved"):
        year, mon = (int(x) for x in month.split("-"))
        stored = indicator_value_save(
            user=admin_user,
            unit=Unit.objects.get(name=unit),
            indicator=Indicator.objects.get(code=code),
            period=date(year, mon, 1),
            value=Decimal(value),
            decrease_reason="测试" if status == "decrease" else "",
        )
        report = stored.report
        if status in ("submitted", "approved"):
            report = report_submit(user=admin_user, report=report)
        if status == "approved":
            report_approve(user=admin_user, report=report)
        return stored

    return record


@pytest.fixture
def towns(plan):
    """Three members of 各镇街, which then report the summed counts (4, 6, 7)."""

    group = Unit.objects.get(name="各镇街")
    return [
        Unit.objects.create(
            name=name, kind=Unit.Kind.TOWN, parent=group, position=position
        )
        for position, name in enumerate(["府山街道", "北海街道", "塔山街道"], 1)
    ]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: cached figures belong to one test."""

    cache.clear()


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    """Background tasks (imports) run inside the request that queues them, so a
    test sees their outcome; production queues them for `db_worker`."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }
