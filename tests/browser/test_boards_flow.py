import pytest
from playwright.sync_api import expect

from .conftest import SCREENSHOTS, screenshot

pytestmark = pytest.mark.browser
A4_POINTS = (595, 842)


@pytest.mark.parametrize("width", [1366, 390])
def test_official_walks_units_board_ranking_and_notice(
    official_in_browser, live_server, width
):
    page = official_in_browser
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/units/?year=2023")
    expect(page.locator("tr[data-unit]")).to_have_count(25)
    screenshot(page, f"units-{width}")

    page.get_by_role("link", name="区建设局").first.click()
    expect(page.locator("tr[data-item]")).to_have_count(25)
    expect(page.get_by_text("逾期", exact=True).first).to_be_visible()
    screenshot(page, f"board-{width}")

    page.goto(f"{live_server.url}/ranking/?year=2023")
    expect(page.get_by_text("得分 = 100 ×")).to_be_visible()
    chart = page.locator('[data-figure="fig-departments"]')
    expect(chart.locator("g.bars path").first).to_be_attached()
    screenshot(page, f"ranking-{width}")

    page.goto(f"{live_server.url}/notices/2023-06/")
    expect(page.get_by_role("heading", name="“住有宜居”专项工作通报")).to_be_visible()
    screenshot(page, f"notice-{width}")
    assert page.escaped == []


def test_the_notice_prints_on_a4(official_in_browser, live_server):
    page = official_in_browser
    page.goto(f"{live_server.url}/notices/2023-07/")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / "notice-2023-07.pdf"
    page.emulate_media(media="print")
    # print.css decides: no navigation on paper, table headers repeat on each page.
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".notice-table thead").first).to_have_css(
        "display", "table-header-group"
    )
    # No paper format is passed: the page size comes from print.css's @page (A4).
    page.pdf(path=path, prefer_css_page_size=True, print_background=True)
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    pages = data.count(b"/Type /Page") - data.count(b"/Type /Pages")
    assert pages >= 1
    assert b"/MediaBox [0 0 595" in data or b"/MediaBox [0 0 594" in data
