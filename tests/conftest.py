import os
import shutil
import zipfile
import zlib
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
import time_machine
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
# Every test runs at this instant unless it travels to another itself, so that no
# test reads the machine's calendar: a mid-November afternoon of the plan's fourth
# year, when 2023–2025 are closed, 2026 is open and its December still to come.
SUITE_INSTANT = datetime.fromisoformat("2026-11-16T10:00:00+08:00")
SUITE_DAY = SUITE_INSTANT.date()  # the day it falls on in Beijing


def pytest_configure(config):
    """Run the whole suite as if the machine's clock read SUITE_NOW (an ISO instant,
    e.g. 2027-12-31T23:30+08:00): CI runs it at instants other than today, so
    that a test which reads today's date without pinning it fails there, not on a
    later day. Tests that pin their own instant travel from this one."""
    instant = os.getenv("SUITE_NOW")
    if instant:
        moment = datetime.fromisoformat(instant)
        if moment.tzinfo is None:
            raise pytest.UsageError("SUITE_NOW needs a UTC offset: ...T10:00+08:00")
        config._suite_clock = time_machine.travel(moment, tick=True)
        config._suite_clock.start()


def pytest_unconfigure(config):
    clock = getattr(config, "_suite_clock", None)
    if clock is not None:
        clock.stop()


def pytest_report_header(config):
    instant = os.getenv("SUITE_NOW")
    return [f"suite clock: {instant}"] if instant else []


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Browser tests last, after pytest-django has ordered the rest: Playwright
    leaves an event loop in the main thread, under which Django's sync views that
    call async code (the health checks) refuse to run. And they are skipped where
    Chromium is missing, except in CI."""
    items.sort(key=lambda item: "browser" in item.keywords)
    shard_keep(config, items)
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


def shard_keep(config, items) -> None:
    """SUITE_SHARD=k/n keeps about one test in n, the same ones on every machine
    (by a checksum of the test's id): CI's runs under other clocks share the
    suite out between the two instants instead of each running all of it."""
    shard = os.getenv("SUITE_SHARD")
    if not shard:
        return
    k, _, n = shard.partition("/")
    if not (k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n)):
        raise pytest.UsageError("SUITE_SHARD looks like 1/2: which share, of how many")
    kept, dropped = [], []
    for item in items:
        share = zlib.crc32(item.nodeid.encode()) % int(n) + 1
        (kept if share == int(k) else dropped).append(item)
    config.hook.pytest_deselected(items=dropped)
    items[:] = kept


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
    # Loaded the day before the tests' instant, so that its history comes first
    # whatever the machine's clock reads.
    with (
        django_db_blocker.unblock(),
        time_machine.travel(SUITE_INSTANT - timedelta(days=1), tick=False),
    ):
        plan_load()


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The plan as issued (../shared/seed/*.txt); CI must have it."""
    files = sorted(SEED_DIR.glob("*.txt")) if SEED_DIR.exists() else []
    if not files:
        message = f"plan seed not found in {SEED_DIR}"
        if os.getenv("REQUIRE_SEED"):
            pytest.fail(f"{message}; CI must compare the plan with its seed")
        pytest.skip(message)
    return files[0].read_text(encoding="utf-8")


@pytest.fixture
def plan(db):
    """The plan as issued: loaded once per session by django_db_setup. A
    transactional test's flush empties the database, so a test after one loads
    it again (inside its own transaction, rolled back)."""
    if not Indicator.objects.exists():
        plan_load()


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


def form_versions(client, url: str) -> dict[str, str]:
    """The hidden version fields of the form at `url`, as a browser would post
    them back (a post without them is refused)."""
    import re

    page = client.get(url).content.decode()
    return dict(re.findall(r'name="([\w-]*version)" value="(\d+)"', page))


def during(year: int, month: int = 7, day: int = 10) -> time_machine.travel:
    """Run a test (decorator) or a block (with) on a day of a year still open:
    a closed year reads 已达标 or 未达标, never 正常 or 预警."""
    return time_machine.travel(
        datetime(year, month, day, 10, tzinfo=SUITE_INSTANT.tzinfo), tick=False
    )


@pytest.fixture(autouse=True)
def _fixed_clock():
    """Each test starts at SUITE_INSTANT, whatever the machine's clock reads; the
    clock ticks from there, so timeouts and polling still work."""
    with time_machine.travel(SUITE_INSTANT, tick=True):
        yield


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


def with_cell_value(content: bytes, old: bytes, new: bytes) -> bytes:
    """The .xlsx `content` with the number cell holding `old` made to hold `new`
    as written in the file's XML ("NaN", "1e999": what a script can write, which
    no spreadsheet lets a person type)."""
    source = zipfile.ZipFile(BytesIO(content))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            part = source.read(entry)
            if entry.filename.startswith("xl/worksheets/"):
                part = part.replace(b"<v>" + old + b"</v>", b"<v>" + new + b"</v>")
            target.writestr(entry, part)
    assert out.getvalue() != content
    return out.getvalue()
