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
    with CaptureQueriesContext(connection) as ctx:
        page(client, path)
    return len(ctx.captured_queries)


@pytest.fixture
def november_2025():
    with time_machine.travel("2025-11-20 10:00 +0800", tick=False):
        yield


def test_warmed_pages_are_read_from_the_cache_and_say_the_same(
    official_client, record, november_2025
):
    record("区建设局", 2, "2025-09", "1.2")
    record("区建设局", 14, "2025-10", "35.5")
    computed, cold = {}, {}
    for path in PAGES:
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            cold[path] = page(official_client, path)  # worked out by the page
        computed[path] = len(ctx.captured_queries)
    cache.clear()
    warmed = warm_pages(today=date(2025, 11, 20))
    assert [w.page for w in warmed] == [
        "指标总览", "单位一览", "晾晒排名", "工作通报", "驾驶舱"
    ]  # fmt: skip
    for path in PAGES:
        # The page finds its work done: no more queries than a page read again.
        assert queries(official_client, path) < computed[path], path
    # A warmed page says exactly what the page would have worked out itself.
    for path in PAGES:
        assert page(official_client, path) == cold[path], path


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
