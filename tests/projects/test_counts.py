"""The count from the ledgers, as of month ends, and the verdicts judging it in a
year the ledger drives (the typed figure kept beside it as the unit's claim)."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from dashboard.ranking import load_year, unit_verdicts
from dashboard.selectors import indicator_progress
from indicators.models import Indicator, PlanSettings
from indicators.services import target_split_save
from projects.counts import ledger_counts
from projects.services import ledger_year_set
from reporting.obligations import read_once
from tests.conftest import during

pytestmark = pytest.mark.django_db

RENOVATIONS = 4


@pytest.fixture
def renovations(add_project):
    """Four 小区 of 2026 (and one of 2025): completed on different days."""

    def done(name, town, completed, year=2026):
        reached = {
            "planned": date(year, 1, 5),
            "approved": date(year, 2, 1),
            "started": date(year, 3, 1),
        }
        if completed:
            reached["completed"] = completed
        return add_project(name=name, town=town, year=year, reached=reached)

    return [
        done("府山甲小区", "府山街道", date(2025, 12, 20), year=2025),
        done("府山乙小区", "府山街道", date(2026, 3, 31)),
        done("北海甲小区", "北海街道", date(2026, 4, 1)),
        done("北海乙小区", "北海街道", date(2026, 9, 30)),
        done("塔山甲小区", "塔山街道", None),
    ]


def drive(admin_user, code=RENOVATIONS, year=2026):
    ledger_year_set(
        user=admin_user,
        indicator=Indicator.objects.get(code=code),
        year=year,
        drives=True,
    )


def test_the_count_is_cumulative_as_of_each_month_end(renovations, admin_user):
    drive(admin_user)
    counts = ledger_counts(year=2026)
    indicator = Indicator.objects.get(code=RENOVATIONS)
    figures = {
        m: counts.figure(indicator, date(2026, m, 1)) for m in (1, 2, 3, 4, 9, 12)
    }
    # 2025's 小区 stays in: 老旧小区累计改造个数 counts since the plan began.
    assert figures == {1: 1, 2: 1, 3: 2, 4: 3, 9: 4, 12: 4}
    fushan, beihai = renovations[0].town_id, renovations[2].town_id
    assert counts.figure(indicator, date(2026, 3, 1), unit_id=fushan) == 2
    assert counts.figure(indicator, date(2026, 3, 1), unit_id=beihai) == 0


def test_the_district_verdict_judges_the_ledger_count(renovations, admin_user, record):
    record("府山街道", RENOVATIONS, "2026-05", "6")
    record("北海街道", RENOVATIONS, "2026-05", "4")
    with during(2026, 6, 15):
        typed = _row(indicator_progress(year=2026), RENOVATIONS).progress
        assert (typed.value, typed.reported) == (10, None)
        drive(admin_user)
        judged = _row(indicator_progress(year=2026), RENOVATIONS).progress
    # As of 31 May: 府山乙 (March) and 北海甲 (April) this year, 府山甲 from 2025.
    assert judged.period == date(2026, 5, 1)
    assert judged.value == 3
    assert judged.reported == 10
    # The year's task starts from the ledger's own December.
    assert judged.start == 1


def test_a_month_counts_once_it_has_ended(renovations, admin_user):
    drive(admin_user)
    with time_machine.travel(date(2026, 9, 29), tick=False):
        before = _row(indicator_progress(year=2026), RENOVATIONS).progress
    with time_machine.travel(date(2026, 10, 1), tick=False):
        after = _row(indicator_progress(year=2026), RENOVATIONS).progress
    assert (before.period, before.value) == (date(2026, 8, 1), 3)
    assert (after.period, after.value) == (date(2026, 9, 1), 4)


def test_a_year_the_ledger_does_not_drive_keeps_the_typed_figure(
    renovations, admin_user, record
):
    drive(admin_user, year=2027)
    record("府山街道", RENOVATIONS, "2026-05", "6")
    with during(2026, 6, 15):
        progress = _row(indicator_progress(year=2026), RENOVATIONS).progress
    assert (progress.value, progress.reported) == (6, None)


def test_a_town_is_judged_on_its_own_count_against_its_share(
    renovations, admin_user, record
):
    fushan = renovations[0].town
    target_split_save(
        indicator=Indicator.objects.get(code=RENOVATIONS),
        unit=fushan,
        year=2026,
        value=Decimal(3),
        start=None,
        user=admin_user,
        reason="分解",
    )
    record("府山街道", RENOVATIONS, "2026-05", "6")
    drive(admin_user)
    with during(2026, 6, 15):
        (verdict,) = unit_verdicts(load_year(2026), fushan, date(2026, 6, 15))
    assert verdict.progress.value == 2
    assert verdict.progress.reported == 6
    assert verdict.progress.target == 3


def test_rental_flats_are_counted_in_ten_thousands(add_project, admin_user):
    indicator = Indicator.objects.get(code=2)
    indicator.baseline = Decimal("1.3")
    indicator.save()
    add_project(kind="rental", name="镜湖人才公寓", quantity=450,
                reached={"recognised": date(2026, 2, 10)})  # fmt: skip
    drive(admin_user, code=2)
    counts = ledger_counts(year=2026)
    assert counts.figure(indicator, date(2026, 2, 1)) == Decimal("1.345")


def test_the_count_costs_two_queries_however_many_projects(
    renovations, admin_user, django_assert_max_num_queries
):
    drive(admin_user)
    PlanSettings.load()
    with django_assert_max_num_queries(2):
        counts = ledger_counts(year=2026)
    assert counts.drives(RENOVATIONS, 2026)


def _row(rows, code):
    return next(r for r in rows if r.indicator.code == code)


def test_a_page_of_several_parts_counts_the_projects_once(
    renovations, admin_user, django_assert_num_queries
):
    """Within read_once (the 驾驶舱, a ranking, a notice), a second count of the
    same ledgers reads which ledgers drive, not the projects again; a count of
    other ledgers, or one after the block, reads them."""
    drive(admin_user)
    with read_once():
        first = ledger_counts(year=2026)
        with django_assert_num_queries(1):
            again = ledger_counts(year=2026, codes=(RENOVATIONS,))
        with django_assert_num_queries(2):
            ledger_counts(year=2026, codes=(7,))
    assert again is first
    with django_assert_num_queries(2):
        assert ledger_counts(year=2026) is not first
