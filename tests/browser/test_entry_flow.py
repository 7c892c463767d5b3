import pytest
from playwright.sync_api import expect

from units.roles import Role

from .conftest import log_in, screenshot

pytestmark = pytest.mark.browser

VALUES = "30 1.2 0.15 120 85 20 100 6 36 0 100 100 100 35".split()


@pytest.mark.parametrize("width", [1366, 390])
def test_reporter_submits_admin_returns_then_approves(
    offline_page, live_server, loaded_plan, make_user, width
):
    page = offline_page
    page.set_viewport_size({"width": width, "height": 900})
    make_user("wang", Role.REPORTER, ["区建设局"])
    make_user("boss", Role.ADMIN, ["区建设局"])

    log_in(page, live_server.url, "wang")
    page.goto(f"{live_server.url}/report/?period=2023-06")
    expect(page.get_by_role("status")).to_contain_text("6月数据填报截止：7月5日")
    for code, value in enumerate(VALUES, 1):
        page.fill(f"#id_ind{code}-value", value)
    page.fill("#id_ind5-value", "８５％")  # full-width, as typed on a phone
    page.get_by_role("button", name="报送审核").click()
    expect(page.locator(".messages")).to_contain_text("已报送，等待审核")
    screenshot(page, f"entry-submitted-{width}")

    page.get_by_role("button", name="退出").click()
    log_in(page, live_server.url, "boss")
    page.goto(f"{live_server.url}/review/")
    expect(page.get_by_text("区建设局 · 2023年6月")).to_be_visible()
    screenshot(page, f"review-{width}")
    page.get_by_label("审核意见（退回时必填）").fill("物业覆盖率请按年中普查数更正")
    page.get_by_role("button", name="退回修改").click()
    expect(page.locator(".messages")).to_contain_text("已退回")

    page.get_by_role("button", name="退出").click()
    log_in(page, live_server.url, "wang")
    page.goto(f"{live_server.url}/report/?period=2023-06")
    expect(page.get_by_role("alert").first).to_contain_text(
        "物业覆盖率请按年中普查数更正"
    )
    page.fill("#id_ind5-value", "86.5")
    page.get_by_role("button", name="报送审核").click()
    expect(page.locator(".messages")).to_contain_text("已报送")

    page.get_by_role("button", name="退出").click()
    log_in(page, live_server.url, "boss")
    page.goto(f"{live_server.url}/review/")
    page.get_by_role("button", name="审核通过并锁定").click()
    expect(page.locator(".messages")).to_contain_text("已审核通过")

    page.goto(f"{live_server.url}/?year=2023")
    row = page.locator('tr[data-indicator="5"]')
    expect(row).to_contain_text("86.5")
    expect(row).to_contain_text("6月")
    screenshot(page, f"dashboard-after-approval-{width}")
    assert page.escaped == []
