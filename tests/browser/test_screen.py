"""驾驶舱 on a wall: fits 1920×1080 and 1280×720 without scrolling, loads nothing from
outside, turns to the next domain every 20 s and stops when paused (mouse or key)."""

import pytest
from playwright.sync_api import expect

from .conftest import screenshot

pytestmark = pytest.mark.browser

FITS = """() => {
  const d = document.documentElement;
  return [d.scrollWidth <= innerWidth, d.scrollHeight <= innerHeight,
          [...document.querySelectorAll('.screen-panel, .domain-card')].every(
            el => el.getBoundingClientRect().bottom <= innerHeight)];
}"""


@pytest.mark.parametrize("width, height", [(1920, 1080), (1280, 720)])
def test_the_screen_fits_works_offline_and_rotates(
    official_in_browser, live_server, width, height
):
    page = official_in_browser
    page.set_viewport_size({"width": width, "height": height})
    page.clock.install()
    page.goto(f"{live_server.url}/screen/")
    panels = page.locator("[data-domain-panel]")
    expect(panels).to_have_count(4)
    expect(panels.nth(0)).to_be_visible()
    assert page.evaluate(FITS) == [True, True, True]
    screenshot(page, f"screen-{width}")

    # The largest domain (住房品质, 7 indicators) fits as well.
    page.clock.run_for(20_000)
    expect(panels.nth(1)).to_be_visible()
    expect(panels.nth(0)).to_be_hidden()
    expect(page.locator('[data-domain-tab="1"]')).to_have_attribute(
        "aria-current", "true"
    )
    assert page.evaluate(FITS) == [True, True, True]
    screenshot(page, f"screen-{width}-quality")

    # Paused by keyboard: Tab reaches the button, Enter presses it.
    pause = page.get_by_role("button", name="暂停轮播")
    pause.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="继续轮播")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.clock.run_for(60_000)
    expect(panels.nth(1)).to_be_visible()
    page.get_by_role("button", name="继续轮播").click()
    page.clock.run_for(20_000)
    expect(panels.nth(2)).to_be_visible()
    # A domain is chosen directly too.
    page.locator('[data-domain-tab="3"]').click()
    expect(panels.nth(3)).to_be_visible()

    assert page.escaped == [], "requests left the server"
    assert page.csp_refusals == []


def test_the_screen_reloads_itself_every_five_minutes(official_in_browser, live_server):
    page = official_in_browser
    page.set_viewport_size({"width": 1280, "height": 720})
    page.clock.install()
    page.goto(f"{live_server.url}/screen/")
    page.clock.run_for(20_000)  # to the second domain, then paused there
    page.get_by_role("button", name="暂停轮播").click()
    with page.expect_navigation():
        page.clock.run_for(5 * 60_000)
    # Reloaded with fresh data, still on that domain and still paused.
    expect(page.locator('[data-domain-panel="1"]')).to_be_visible()
    expect(page.get_by_role("button", name="继续轮播")).to_be_visible()
    assert page.escaped == []
