"""Every page works under the Content-Security-Policy: no inline script anywhere."""

import pytest
from playwright.sync_api import expect

from units.models import Unit
from units.roles import Role

from .conftest import ADMIN, PAGES, log_in

pytestmark = pytest.mark.browser


def test_every_page_keeps_the_policy_and_still_works(
    offline_page, live_server, loaded_plan, make_user
):
    page = offline_page
    admin = make_user("boss", Role.ADMIN, ["区建设局"])
    admin.is_staff = True
    admin.save()
    log_in(page, live_server.url, "boss")
    unit = Unit.objects.get(name="区建设局").pk
    group = Unit.objects.get(name="各镇街").pk
    for site_page in PAGES:
        if site_page.demo:
            continue  # no towns here: the accessibility test opens those
        response = page.goto(site_page.url(live_server.url, unit=unit, group=group))
        assert response.status == site_page.expected_status(ADMIN), site_page.path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
    assert page.csp_refusals == []
    assert page.escaped == []

    # Behaviour moved out of inline handlers still happens: charts draw; choosing
    # another month changes nothing until 查看, which asks before dropping edits.
    page.goto(f"{live_server.url}/indicators/2/?year=2023")
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    url = f"{live_server.url}/report/?unit={unit}&period=2023-06"
    page.goto(url)
    page.fill("#id_ind2-value", "1.3")
    current = page.input_value("#period-select")
    other = page.eval_on_selector_all(
        "#period-select option", "os => os.map(o => o.value)"
    )
    page.select_option("#period-select", next(v for v in other if v != current))
    assert page.url == url  # choosing alone does not reload
    asked = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.get_by_role("button", name="查看").click()
    assert asked and "未保存的修改" in asked[0]
    assert page.url == url  # stayed
    assert page.input_value("#id_ind2-value") == "1.3"
    assert page.csp_refusals == []
