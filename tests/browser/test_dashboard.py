import re
from pathlib import Path

import plotly.offline
import pytest
from django.conf import settings
from playwright.sync_api import expect

from .conftest import screenshot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width, height", [(1366, 900), (390, 844)])
def test_dashboard_draws_offline_at_desktop_and_phone_width(
    official_in_browser, live_server, record, width, height
):
    page = official_in_browser
    record("区建设局", 2, "2025-05", "1.58")
    record("区建设局", 2, "2025-06", "1.60")
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/?year=2025")
    expect(page.locator("tr[data-indicator]")).to_have_count(14)
    bars = page.locator('[data-figure="fig-bars"]')
    expect(bars.locator("svg.main-svg").first).to_be_attached()
    expect(bars.locator("g.bars path")).to_have_count(14)
    expect(page.locator(".modebar-btn[data-title*='Chart Studio']")).to_have_count(0)
    expect(page.locator("a.modebar-btn--logo")).to_have_count(0)
    screenshot(page, f"home-{width}")

    page.get_by_role("link", name="保障性租赁住房累计建设筹集套数").click()
    chart = page.locator('[data-figure="fig-history"]')
    expect(chart.locator("svg.main-svg").first).to_be_attached()
    expect(chart.locator(".scatterlayer .trace")).to_have_count(3)
    expect(page.get_by_role("heading", name="月度填报记录")).to_be_visible()
    screenshot(page, f"indicator-2-{width}")

    assert page.escaped == [], "requests left the server"
    scripts = page.locator("script[src*='plotly-basic.min']")
    expect(scripts).to_have_count(1)


def test_plotly_is_served_from_our_own_static_files(official_in_browser, live_server):
    page = official_in_browser
    url = f"{live_server.url}/static/vendor/plotly/plotly-basic.min.js"
    response = page.request.get(url)
    assert response.ok
    # The partial bundle of exactly the plotly.js the Python side writes figures for.
    version = plotly.offline.get_plotlyjs_version()
    assert f"plotly.js (basic - minified) v{version}".encode() in response.body()[:200]


def test_the_vendored_bundle_names_no_server_outside_the_intranet():
    bundle = Path(settings.BASE_DIR) / "static/vendor/plotly/plotly-basic.min.js"
    text = bundle.read_text(encoding="utf-8")
    # Only XML namespaces and the licence comments' home pages remain.
    found = set(re.findall(r"https?://[^\s\"' )]+", text))
    assert {u for u in found if "www.w3.org" not in u} == {
        "http://getify.mit-license.org",
        "http://syntheti.cc",
        "https://github.com/voidqk/polybooljs",
    }
