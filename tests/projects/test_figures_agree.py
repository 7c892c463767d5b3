"""In a year a ledger drives, every page that prints its indicator's figure prints
the ledger's count: the home page, the indicator page, the notice, the ranking's
verdicts and the 驾驶舱, for the district and for a town."""

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum

from dashboard.ranking import load_year, monthly_notice, unit_verdicts
from dashboard.screen import screen_board
from indicators.models import Indicator
from indicators.services import target_split_save
from projects.models import Project
from projects.services import ledger_year_set
from units.models import Unit

pytestmark = pytest.mark.django_db

OCTOBER_END = date(2026, 10, 31)  # the last month ended at the suite's instant


def ledger_count(indicator: Indicator, *, town: Unit | None = None) -> Decimal:
    """The count straight from the table: what reached 完工 by October's end."""
    rows = Project.objects.filter(kind="renovation", counted_on__lte=OCTOBER_END)
    if town is not None:
        rows = rows.filter(town=town)
    counted = rows.aggregate(n=Sum("quantity"))["n"] or 0
    return (Decimal(0) if town else indicator.baseline or Decimal(0)) + counted


@pytest.fixture
def driven(add_project, admin_user, record):
    def renovation(name, town, completed):
        reached = {"planned": date(2026, 1, 5), "approved": date(2026, 2, 1),
                   "started": date(2026, 3, 1)}  # fmt: skip
        if completed:
            reached["completed"] = completed
        add_project(name=name, town=town, reached=reached)

    renovation("府山甲小区", "府山街道", date(2026, 3, 31))
    renovation("府山乙小区", "府山街道", date(2026, 9, 30))
    renovation("北海甲小区", "北海街道", date(2026, 10, 15))
    renovation("北海乙小区", "北海街道", date(2026, 11, 3))  # November: not yet
    renovation("塔山甲小区", "塔山街道", None)
    indicator = Indicator.objects.get(code=4)
    fushan = Unit.objects.get(name="府山街道")
    target_split_save(
        indicator=indicator, unit=fushan, year=2026, value=Decimal(3), start=None,
        user=admin_user, reason="分解",
    )  # fmt: skip
    # The unit's typed claim, kept beside the count.
    record("府山街道", 4, "2026-10", "9")
    ledger_year_set(user=admin_user, indicator=indicator, year=2026, drives=True)
    return indicator, fushan


def test_every_page_prints_the_ledgers_count(official_client, driven):
    indicator, fushan = driven
    district = ledger_count(indicator)
    town = ledger_count(indicator, town=fushan)
    assert town == 2 and district == (indicator.baseline or 0) + 3
    shown = f"{district.normalize()}"

    home = official_client.get("/?year=2026").content.decode()
    row = home.split('<tr data-indicator="4">')[1].split("</tr>")[0]
    assert f"{shown}<small> 10月</small>" in row

    page = official_client.get("/indicators/4/?year=2026").content.decode()
    assert f"台账计算值</span><b>{shown}</b>" in page
    by_town = page.split('id="ledger-towns-title"')[1].split("</table>")[0]
    assert f'<td class="num">{shown}</td>' in by_town.split("全区")[1]

    notice = monthly_notice(period=date(2026, 10, 1))
    (behind,) = [r for r, _ in notice.behind if r.indicator.code == 4]
    assert behind.progress.value == district
    assert "老旧小区" in official_client.get("/notices/2026-10/").content.decode()

    # The ranking scores a town's indicators on the verdicts of its shares.
    (verdict,) = [
        v
        for v in unit_verdicts(load_year(2026), fushan, OCTOBER_END)
        if v.progress.target is not None and v.progress.reported is not None
    ]
    assert (verdict.progress.value, verdict.progress.reported) == (town, 9)

    board = screen_board(year=2026, today=date(2026, 11, 16))
    (on_screen,) = [
        r for _, rows in board.domains for r in rows if r.indicator.code == 4
    ]
    assert on_screen.progress.value == district
    (panel,) = board.ledgers
    assert panel.district == district
    assert {t.unit.name: t.figure for t in panel.towns}["府山街道"] == town


def test_the_indicator_chart_draws_the_ledgers_count_and_the_claim_apart(
    official_client, driven
):
    indicator, _ = driven
    figure = official_client.get("/indicators/4/?year=2026").context["figure"]
    traces = {t["name"]: t for t in figure["data"]}
    judged = traces["月度实际（按台账计数的年度为台账数）"]
    points = dict(zip(judged["x"], judged["y"], strict=True))
    # October's point is the count the verdicts judge, not a typed figure.
    assert points["2026-10-01"] == float(ledger_count(indicator))
    assert "2026-11-01" not in points  # November has not ended
    claim = traces["单位填报数（报数，不作判定）"]
    assert claim["line"]["dash"] == "dot"
    claims = dict(zip(claim["x"], claim["y"], strict=True))
    assert claims["2026-10-01"] != points["2026-10-01"]
    assert "月度实际" not in traces  # the typed series is never drawn as the figure


def test_the_indicator_pages_count_by_town_follows_a_change_at_once(
    official_client, driven, add_project, admin_user
):
    def district_on_page() -> str:
        page = official_client.get("/indicators/4/?year=2026").content.decode()
        by_town = page.split('id="ledger-towns-title"')[1].split("</table>")[0]
        return by_town.split("全区")[1].split("</tr>")[0]

    indicator, fushan = driven
    before = ledger_count(indicator)
    assert f'<td class="num">{before.normalize()}</td>' in district_on_page()
    # Kept for the data it is made of: a new project counted in October is a new
    # fingerprint, so the next view counts it.
    add_project(
        name="塔山乙小区", town="塔山街道",
        reached={"planned": date(2026, 1, 5), "approved": date(2026, 2, 1),
                 "started": date(2026, 3, 1), "completed": date(2026, 10, 20)},
    )  # fmt: skip
    after = ledger_count(indicator)
    assert after == before + 1
    assert f'<td class="num">{after.normalize()}</td>' in district_on_page()

    def fushan_on_page() -> str:
        page = official_client.get("/indicators/4/?year=2026").content.decode()
        by_town = page.split('id="ledger-towns-title"')[1].split("</table>")[0]
        return by_town.split(">府山街道</a>")[1].split("</tr>")[0]

    # So is a town's share: target_split_save writes only the split's rows.
    assert '<td class="num">2</td>\n        <td class="num">3</td>' in fushan_on_page()
    target_split_save(
        indicator=indicator, unit=fushan, year=2026, value=Decimal(7), start=None,
        user=admin_user, reason="调整分解",
    )  # fmt: skip
    assert '<td class="num">2</td>\n        <td class="num">7</td>' in fushan_on_page()
    # And each indicator keeps its own count by town.
    page = official_client.get("/indicators/7/?year=2026").content.decode()
    assert "加装电梯台账：各镇街计数" in page and "府山街道</a>" not in page
