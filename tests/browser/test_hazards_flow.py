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


# Each error box and each input of the refused form, as the browser laid them out.
LAYOUT = """() => [...document.querySelectorAll('.hazard-form .field')].map(f => {
  const box = e => { const r = e.getBoundingClientRect();
                     return [r.left, r.top, r.right, r.bottom]; };
  const errors = f.querySelector('.errorlist');
  return {inputs: [...f.querySelectorAll('input, select, textarea')].map(box),
          error: errors ? box(errors) : null,
          clipped: errors ? errors.scrollWidth > errors.clientWidth : false};
})"""


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("width", [1366, 390])
def test_a_refused_case_shows_every_error_at_once_under_its_field(
    offline_page, live_server, loaded_plan, make_user, width
):
    page = offline_page
    page.set_viewport_size({"width": width, "height": 900})
    group = Unit.objects.get(name="各镇街")
    Unit.objects.create(name="府山街道", kind=Unit.Kind.TOWN, parent=group)
    make_user("fushan", Role.REPORTER, ["府山街道"])
    today = SUITE_DAY.isoformat()

    log_in(page, live_server.url, "fushan")
    page.goto(f"{live_server.url}/hazards/new/")
    # No address (the form's rule) and an evacuation of a C grade (the service's).
    page.get_by_label("发现日期").fill(today)
    page.get_by_label("鉴定日期").fill(today)
    page.get_by_label("鉴定等级").select_option("C")
    page.get_by_label("撤离日期（D级）").fill(today)
    page.get_by_role("button", name="保存").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name="请填写地址。")).to_be_visible()
    expect(
        summary.get_by_role("link", name="只有鉴定为D级的危房才填写撤离日期。")
    ).to_be_visible()
    screenshot(page, f"hazard-form-refused-{width}")
    fields = page.evaluate(LAYOUT)
    errors = [f["error"] for f in fields if f["error"]]
    assert len(errors) == 2 and not any(f["clipped"] for f in fields)
    inputs = [box for f in fields for box in f["inputs"]]
    assert not any(_overlap(e, i) for e in errors for i in inputs)
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    summary.get_by_role("link", name="请填写地址。").click()
    expect(page.get_by_label("地址")).to_be_focused()
