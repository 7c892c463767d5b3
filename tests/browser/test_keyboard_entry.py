"""The monthly entry by keyboard alone: Tab to a field, type, send with Enter or
Space; a refused submit puts focus on a summary that links to each field."""

import pytest
from playwright.sync_api import Page, expect

from units.roles import Role

from .conftest import log_in, screenshot

pytestmark = pytest.mark.browser

VALUES = "30 1.2 0.15 120 85 20 100 6 36 0 100 100 100 35".split()


def tab_to(page: Page, selector: str, limit: int = 1000) -> None:
    """Press Tab until `selector` has the focus (fail after `limit` presses)."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


@pytest.mark.parametrize("width", [1280, 390])
def test_a_reporter_fills_the_month_by_keyboard(
    offline_page, live_server, loaded_plan, make_user, width
):
    page = offline_page
    page.set_viewport_size({"width": width, "height": 844})
    make_user("wang", Role.REPORTER, ["区建设局"])
    log_in(page, live_server.url, "wang")
    page.goto(f"{live_server.url}/report/?period=2023-06")

    # From the top of the page, by Tab: the first figure, typed wrongly, and Enter
    # in the field (the form's first button: 保存草稿).
    tab_to(page, "#id_ind1-value")
    page.keyboard.type("三十")
    page.keyboard.press("Enter")

    # Refused: focus is on the summary, which names the fields and links to them.
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("填报有误，未保存任何内容")
    expect(summary.locator('a[href="#id_ind1-value"]')).to_contain_text("不是数字")
    field = page.locator("#id_ind1-value")
    expect(field).to_have_attribute("aria-invalid", "true")
    message = page.locator("#" + field.get_attribute("aria-describedby").split()[0])
    expect(message).to_contain_text("不是数字")
    screenshot(page, f"keyboard-entry-refused-{width}")

    # The summary's link takes the keyboard to the field.
    page.keyboard.press("Tab")
    expect(summary.locator("a").first).to_be_focused()
    page.keyboard.press("Enter")
    expect(field).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type(VALUES[0])
    for code, value in enumerate(VALUES[1:], 2):
        page.locator(f"#id_ind{code}-value").fill(value)

    # Sent with Space on the focused button.
    tab_to(page, "button[value=submit]")
    page.keyboard.press(" ")
    expect(page.locator(".messages")).to_contain_text("已报送，等待审核")
    assert page.csp_refusals == []
