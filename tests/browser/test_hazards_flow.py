import pytest
from playwright.sync_api import expect

from units.models import Unit
from units.roles import Role

from ..conftest import SUITE_DAY
from .conftest import log_in, screenshot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1366, 390])
def test_a_town_enters_a_d_grade_then_its_evacuation(
    offline_page, live_server, loaded_plan, make_user, width
):
    page = offline_page
    page.set_viewport_size({"width": width, "height": 900})
    group = Unit.objects.get(name="各镇街")
    Unit.objects.create(name="府山街道", kind=Unit.Kind.TOWN, parent=group)
    make_user("fushan", Role.REPORTER, ["府山街道"])
    today = SUITE_DAY.isoformat()  # the server runs at the suite's instant

    log_in(page, live_server.url, "fushan")
    page.goto(f"{live_server.url}/hazards/")
    page.get_by_role("link", name="登记危房").click()
    page.get_by_label("地址").fill("仓桥直街1号")
    page.get_by_label("发现日期").fill(today)
    page.get_by_label("鉴定日期").fill(today)
    page.get_by_label("鉴定等级").select_option("D")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", name="当前状态")).to_contain_text("D级未撤离")
    expect(page.locator("main")).to_contain_text("今天须撤离")
    screenshot(page, f"hazard-case-{width}")

    page.get_by_role("link", name="修改", exact=True).click()
    page.get_by_label("撤离日期（D级）").fill(today)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", name="当前状态")).to_contain_text("待整治")
    expect(page.locator(".hazard-timeline")).to_contain_text("撤离日期：— → ")

    page.goto(f"{live_server.url}/hazards/")
    expect(page.locator(".hazard-list")).to_contain_text("仓桥直街1号")
    screenshot(page, f"hazard-list-{width}")
    # Tables scroll inside their box; the page itself never scrolls sideways.
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    assert page.csp_refusals == [] and page.escaped == []
