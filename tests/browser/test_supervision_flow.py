from datetime import timedelta

import pytest
from playwright.sync_api import expect

from units.models import Unit
from units.roles import Role

from ..conftest import SUITE_DAY
from .conftest import log_in, screenshot

pytestmark = pytest.mark.browser


def _as(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    log_in(page, base, username)


@pytest.mark.parametrize("width", [1280, 390])
def test_an_item_goes_round_its_life_for_a_lead_and_a_co_unit(
    offline_page, live_server, loaded_plan, make_user, width
):
    """Assign, urge, the lead's feedback, a return, the co-unit's feedback, close."""
    page = offline_page
    base = live_server.url
    page.set_viewport_size({"width": width, "height": 900})
    group = Unit.objects.get(name="各镇街")
    Unit.objects.create(name="府山街道", kind=Unit.Kind.TOWN, parent=group)
    make_user("office", Role.ADMIN, ["区建设局"])
    make_user("jianshe", Role.REPORTER, ["区建设局"])
    make_user("fushan", Role.REPORTER, ["府山街道"])

    _as(page, base, "office")
    page.goto(f"{base}/supervision/")
    page.get_by_role("link", name="交办事项").click()
    page.get_by_label("来源").select_option("instruction")
    page.get_by_label("事项名称").fill("两周内完成某小区加装电梯矛盾调处")
    page.get_by_label("牵头单位").select_option(label="区建设局")
    page.get_by_label("配合单位（可多选）").select_option(label="府山街道")
    page.get_by_label("办结期限").fill((SUITE_DAY + timedelta(days=14)).isoformat())
    page.get_by_role("button", name="交办").click()
    expect(page.locator("main")).to_contain_text("已交办")
    page.get_by_label("催办意见（随下一次提醒邮件发送）").fill("请尽快召开协调会。")
    page.get_by_role("button", name="催办").click()
    expect(page.locator(".supervision-story")).to_contain_text("待随下一次提醒邮件发送")
    item_url = page.url

    _as(page, base, "jianshe")
    page.goto(item_url)
    page.get_by_label("办理情况").fill("已召开协调会，低层住户同意加装。")
    page.get_by_role("button", name="申请办结").click()
    expect(page.locator("main")).to_contain_text("已提交办结申请")

    _as(page, base, "office")
    page.goto(item_url)
    page.get_by_label("退回理由").fill("缺少业主签字的协议，请补充。")
    page.get_by_role("button", name="退回").click()
    expect(page.get_by_role("heading", name="当前")).to_contain_text("办理中")

    _as(page, base, "fushan")
    page.goto(f"{base}/supervision/")
    page.get_by_role("link", name="两周内完成某小区加装电梯矛盾调处").click()
    page.get_by_label("办理情况").fill("补充协议已签字，附后。")
    page.get_by_role("button", name="申请办结").click()
    expect(page.locator("main")).to_contain_text("已提交办结申请")

    _as(page, base, "office")
    page.goto(item_url)
    screenshot(page, f"supervision-detail-{width}")
    page.get_by_role("button", name="验收办结").click()
    expect(page.get_by_role("heading", name="当前")).to_contain_text("已办结（按期）")
    story = page.locator(".supervision-story li")
    expect(story).to_have_count(6)
    for text in ("交办", "催办", "申请办结", "退回", "办结"):
        expect(page.locator(".supervision-story")).to_contain_text(text)
    page.goto(f"{base}/supervision/")
    expect(page.locator(".supervision-list")).to_contain_text("已办结（按期）")
    screenshot(page, f"supervision-list-{width}")
    # Tables scroll inside their box; the page itself never scrolls sideways.
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    assert page.csp_refusals == [] and page.escaped == []
