"""manage.py warm_pages: the heavy pages worked out before anyone opens them."""

import re
from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from dashboard.warm import warm_pages

pytestmark = pytest.mark.django_db

PAGES = ["/", "/units/", "/ranking/", "/notices/", "/screen/"]
SHARED = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                      "LOCATION": "warm_test_cache"}}  # fmt: skip


def page(client, path: str) -> str:
    response = client.get(path, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def queries(client, path: str) -> int:
    """The page's queries, less the session's (the cache cleared, the session is
    read from the database again)."""
    with CaptureQueriesContext(connection) as ctx:
        page(client, path)
    return sum("django_session" not in q["sql"] for q in ctx.captured_queries)


@pytest.fixture
def november_2025():
    with time_machine.travel("2025-11-20 10:00 +0800", tick=False):
        yield


def test_warmed_pages_are_read_from_the_cache_and_say_the_same(
    official_client, record, november_2025
):
    record("区建设局", 2, "2025-09", "1.2")
    record("区建设局", 14, "2025-10", "35.5")
    for path in PAGES:
        cache.clear()
        cold = page(official_client, path)  # worked out by the page itself
        # Read again until served from the cache (a first reading of the year
        # makes its settings rows, which is a change of the data).
        page(official_client, path)
        kept = queries(official_client, path)
        cache.clear()
        warmed = warm_pages(today=date(2025, 11, 20))
        # The page finds every part of its work done, as a page read again does,
        # and says exactly what it would have worked out itself.
        assert queries(official_client, path) == kept, path
        assert page(official_client, path) == cold, path
    assert [w.page for w in warmed] == [
        "指标总览", "单位一览", "晾晒排名", "工作通报", "驾驶舱"
    ]  # fmt: skip


def test_a_change_to_the_data_is_never_hidden_by_a_warmed_page(
    official_client, record, november_2025
):
    warm_pages(today=date(2025, 11, 20))
    record("区建设局", 2, "2025-10", "1.37")
    assert "1.37" in official_client.get("/").content.decode()


def test_the_command_skips_a_cache_each_process_keeps_to_itself():
    out = StringIO()
    call_command("warm_pages", stdout=out)
    assert "已跳过" in out.getvalue()


@override_settings(CACHES=SHARED)
def test_the_command_warms_a_shared_cache(november_2025):
    call_command("createcachetable", verbosity=0)
    out = StringIO()
    call_command("warm_pages", stdout=out)
    said = out.getvalue()
    assert said.startswith("已就绪：指标总览 ") and "驾驶舱" in said
