"""Every page, for every role, on a desktop and on a phone: nothing scrolls
sideways, and axe-core finds no serious or critical violation of WCAG 2.1 AA.

Each page is also saved as a screenshot under test-results/screens/ (kept by CI)
for a person to look at: a test cannot tell that a page reads well.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page

from hazards.models import HazardCase
from supervision.models import SupervisionItem
from units.models import Unit

from .conftest import ADMIN, OFFICIAL, PAGES, REPORTER, USERS, log_in, screenshot

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
VIEWPORTS = [(1280, 800), (390, 844)]


def axe_violations(page: Page) -> list[str]:
    """Return axe-core's serious and critical violations on the page, one line each."""
    # Playwright's add_script_tag(path=...) inserts the file as an inline <script>,
    # which the site's Content-Security-Policy (script-src 'self') refuses, as it
    # should. Evaluating the source through the DevTools protocol is not subject to
    # the page's CSP, so the page is tested exactly as it is served.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact,"
        " help: v.help, nodes: v.nodes.map(n => n.target.join(' '))})))"
    )
    return [
        f"{v['id']} ({v['impact']}, {len(v['nodes'])}×): {v['help']} — "
        + "; ".join(v["nodes"][:3])
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


def overflow(page: Page) -> int:
    """Return how many CSS pixels the page is wider than the window (0: none)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - window.innerWidth"
    )


def settle(page: Page) -> None:
    """Wait until the page's scripts have run and every chart is drawn."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-figure]')]"
        ".every(el => el.classList.contains('js-plotly-plot'))"
    )


def check(page: Page, who: str, path: str) -> list[str]:
    """Return what is wrong with the page now open, and save its screenshot as
    test-results/screens/<who>-<width>-<path>.png."""
    settle(page)
    width = page.viewport_size["width"]
    name = f"{who} {width}px {path}"
    problems = []
    wider = overflow(page)
    if wider > 0:
        problems.append(f"{name}: {wider}px wider than the window")
    problems += [f"{name}: {v}" for v in axe_violations(page)]
    slug = re.sub(r"[^0-9A-Za-z-]+", "_", path).strip("_") or "home"
    screenshot(page, f"{who}-{width}-{slug}")
    return problems


@pytest.mark.parametrize("role", [ADMIN, OFFICIAL, REPORTER])
def test_every_page_fits_a_phone_and_passes_axe(
    role, offline_page, live_server, district, make_user
):
    page = offline_page
    username, role_code, units = USERS[role]
    user = make_user(username, role_code, units)
    if role == ADMIN:
        user.is_staff = True
        user.save()
    log_in(page, live_server.url, username)
    unit = Unit.objects.get(name="区建设局").pk
    group = Unit.objects.get(name="各镇街").pk
    case = HazardCase.objects.filter(kind=HazardCase.Kind.URBAN).first().pk
    item = SupervisionItem.objects.filter(responsible__unit=unit).first().pk
    problems = []
    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        for site_page in PAGES:
            url = site_page.url(
                live_server.url, unit=unit, group=group, case=case, item=item
            )
            response = page.goto(url)
            assert response.status == site_page.expected_status(role), site_page.path
            problems += check(page, role, site_page.path)
    assert page.csp_refusals == []
    assert page.escaped == []
    assert not problems, "\n".join(problems)


def test_the_login_pages_fit_a_phone_and_pass_axe(offline_page, live_server):
    page = offline_page
    problems = []
    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        for path in ("/accounts/login/", "/admin/login/"):
            assert page.goto(live_server.url + path).status == 200
            problems += check(page, "anonymous", path)
    assert page.csp_refusals == []
    assert not problems, "\n".join(problems)


def test_the_checks_find_what_they_should(offline_page, live_server):
    """The checker is not blind: faint text, a control inside an image and a
    table wider than a phone are each reported."""
    page = offline_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.set_content(
        '<html lang="zh"><body><main><h1>测试</h1>'
        '<p style="color:#ccc">浅色文字</p>'
        '<div role="img" aria-label="图"><button>放大</button></div>'
        '<table style="width:600px"><tr><td>宽表</td></tr></table>'
        "</main></body></html>"
    )
    found = " ".join(axe_violations(page))
    assert "color-contrast (serious" in found
    assert "nested-interactive (serious" in found
    assert overflow(page) > 200
