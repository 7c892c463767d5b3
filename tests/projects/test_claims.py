"""In a year a ledger drives, the unit's typed figure is its claim: the entry page
shows the ledger's count before the unit types, and the review queue flags a claim
that differs from it, with the same figure the verdicts judge."""

from datetime import date
from decimal import Decimal

import pytest

from dashboard.ranking import load_year, unit_verdicts
from indicators.models import Indicator
from indicators.services import target_split_save
from projects.claims import ledger_figures
from projects.services import ledger_year_set
from tests.conftest import during

pytestmark = pytest.mark.django_db

RENOVATIONS = 4


@pytest.fixture
def fushan_ledger(add_project, admin_user, towns):
    """府山街道: two 小区 completed by May 2026, a 2023 起点值 of 5, its 2026 share 8;
    the ledger drives 2026."""
    indicator = Indicator.objects.get(code=RENOVATIONS)
    for name, completed in (
        ("仓桥小区", date(2026, 3, 31)),
        ("西小河", date(2026, 5, 2)),
    ):
        add_project(
            name=name,
            reached={
                "planned": date(2026, 1, 5),
                "approved": date(2026, 2, 1),
                "started": date(2026, 3, 1),
                "completed": completed,
            },
        )
    for year, value, start in ((2023, 6, Decimal(5)), (2026, 8, None)):
        target_split_save(indicator=indicator, unit=towns[0], year=year,
                          value=Decimal(value), start=start, user=admin_user,
                          reason="分解")  # fmt: skip
    ledger_year_set(user=admin_user, indicator=indicator, year=2026, drives=True)
    return indicator


def test_the_review_flags_a_claim_that_differs_from_the_ledger(
    client, admin_user, fushan_ledger, record
):
    record("府山街道", RENOVATIONS, "2026-05", "9", status="submitted")
    record("北海街道", RENOVATIONS, "2026-05", "0", status="submitted")
    client.force_login(admin_user)
    with during(2026, 6, 3):
        page = client.get("/review/").content.decode()
    # 府山: 5 before the plan + 2 completed by 31 May = 7; it typed 9.
    assert "台账：7个（2023年起完工2个）" in page
    assert "与台账相差2个，请核实" in page
    # 北海 has no 2023 起点值 and no 小区: its count is 0, as typed, so no flag.
    assert "台账：0个（2023年起完工0个，未设2023年起点值，按0计）" in page
    assert page.count("与台账相差") == 1
    # Each town's figure beside its own share, never the district's target alone.
    assert "8（分解目标）" in page
    district = Indicator.objects.get(code=RENOVATIONS).targets.get(year=2026)
    assert f"全区{district.display}（未分解）" in page


def test_the_entry_page_shows_the_count_before_the_unit_types(
    client, admin_user, fushan_ledger
):
    client.force_login(admin_user)
    fushan = fushan_ledger.splits.get(year=2026).unit
    with during(2026, 4, 3):
        page = client.get(f"/report/?unit={fushan.pk}&period=2026-03").content.decode()
    assert "台账：6个（2023年起完工1个）" in page
    assert "本年度按台账计数" in page


def test_a_year_the_ledger_does_not_drive_shows_no_count(
    client, admin_user, fushan_ledger
):
    client.force_login(admin_user)
    fushan = fushan_ledger.splits.get(year=2026).unit
    with during(2025, 4, 3):
        page = client.get(f"/report/?unit={fushan.pk}&period=2025-03").content.decode()
    assert "按台账计数" not in page


def test_the_claims_figure_is_the_one_the_verdict_judges(fushan_ledger, towns):
    fushan = towns[0]
    with during(2026, 6, 15):
        (verdict,) = unit_verdicts(load_year(2026), fushan, date(2026, 6, 15))
    figures = ledger_figures({(fushan_ledger, fushan, date(2026, 5, 1))})
    assert verdict.progress.period == date(2026, 5, 1)
    assert figures[RENOVATIONS, fushan.pk, date(2026, 5, 1)].figure == (
        verdict.progress.value
    )
