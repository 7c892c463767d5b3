"""Tables read on a phone and on a desktop: on every page, for every role, at 390
and 1280 px, no table cell is squeezed so narrow that its words break one
character a line (府/山/街/道). A wide table stacks into label/value cards or
scrolls in its own box; it never squeezes a name.

squeezed.js reads where the browser actually put each character of a cell: a
line holding at most two characters of a Chinese run that goes on, unbroken, on
the next line is a squeezed cell. A word wrapped at its natural length, a long
text wrapped eight or more characters a line, is not.
"""

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from hazards.models import HazardCase
from supervision.models import SupervisionItem
from units.models import Unit

from .conftest import ADMIN, OFFICIAL, PAGES, REPORTER, USERS, log_in

pytestmark = pytest.mark.browser

SQUEEZED = (Path(__file__).parent / "squeezed.js").read_text(encoding="utf-8")
WIDTHS = [(390, 844), (1280, 800)]
# Swagger UI's own page and the 404 page hold no table of ours.
NOT_OURS = {"/api/v1/docs/", "/no-such-page/"}


def squeezed_cells(page: Page) -> list[str]:
    """Return each squeezed cell on the open page as 'table: 府/山/街/道 (26px)'."""
    return [
        f"{cell['table']}: {cell['lines']} ({cell['width']}px)"
        for cell in page.evaluate(SQUEEZED)
    ]


def test_no_table_cell_is_squeezed_on_any_page_for_any_role(
    browser: Browser, browser_context_args, live_server, district, make_user
):
    unit = Unit.objects.get(name="区建设局").pk
    group = Unit.objects.get(name="各镇街").pk
    case = HazardCase.objects.filter(kind=HazardCase.Kind.URBAN).first().pk
    item = SupervisionItem.objects.filter(responsible__unit=unit).first().pk
    problems = []
    for role in (ADMIN, OFFICIAL, REPORTER):
        username, role_code, units = USERS[role]
        user = make_user(username, role_code, units)
        if role == ADMIN:
            user.is_staff = True
            user.save()
        for width, height in WIDTHS:
            # One context per role and width: logged in once, every page visited.
            context = browser.new_context(
                **browser_context_args, viewport={"width": width, "height": height}
            )
            # Charts sit beside tables, never in them: plotly.js, parsed on every
            # page that draws one, is not loaded.
            context.route("**/vendor/plotly/**", lambda route: route.abort())
            page = context.new_page()
            log_in(page, live_server.url, username)
            for site_page in PAGES:
                if role not in site_page.roles or site_page.path in NOT_OURS:
                    continue  # a 403, Swagger's own page or the 404: no table of ours
                url = site_page.url(
                    live_server.url, unit=unit, group=group, case=case, item=item
                )
                response = page.goto(url, wait_until="load")
                assert response.status == site_page.status, (role, site_page.path)
                problems += [
                    f"{role} {width}px {site_page.path} {cell}"
                    for cell in squeezed_cells(page)
                ]
            context.close()
    assert not problems, "\n".join(problems)


TEXT = "贯彻落实省《公共租赁住房保障基本公共服务导则》，完善相关标准要求"
SHORT = ["府山街道", "演示数据", "2023-07-02 10:00:00", "已审核", "36.82", "较上月"]


def _row(short_cell: str, text_cell: str) -> str:
    return (
        "<tr>"
        + "".join(short_cell.format(word) for word in SHORT)
        + text_cell.format(TEXT)
        + "</tr>"
    )


def test_the_check_finds_squeezed_cells_and_passes_readable_ones(page: Page):
    """The checker is not blind, nor too eager: a table squeezed into a phone is
    reported cell by cell; the same table whose short cells stay whole and which
    scrolls in its box, its long text wrapped eight characters or more a line, is
    not."""
    page.set_viewport_size({"width": 390, "height": 844})
    squeezed = _row("<td>{}</td>", "<td>{}</td>")
    whole = _row(
        '<td style="white-space:nowrap">{}</td>', '<td style="min-width:8em">{}</td>'
    )
    page.set_content(
        '<html lang="zh"><body style="font-family: sans-serif">'
        f'<table id="squeezed" style="width:100%">{squeezed}</table>'
        '<div style="overflow-x:auto">'
        f'<table id="whole" style="width:100%">{whole}</table>'
        "</div></body></html>"
    )
    found = squeezed_cells(page)
    assert any(f.startswith("squeezed: 府/山/街/道") for f in found), found
    assert any(f.startswith("squeezed: 演/示/数/据") for f in found), found
    assert [f for f in found if f.startswith("whole")] == [], found
