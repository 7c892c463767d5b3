"""District figures: whole indicators take the lead unit's value, counts are summed."""

from datetime import date
from decimal import Decimal

import pytest

from reporting.models import DistrictValue

pytestmark = pytest.mark.django_db


def district(code: int, month: str):
    year, mon = (int(x) for x in month.split("-"))
    return DistrictValue.objects.filter(
        indicator__code=code, period=date(year, mon, 1)
    ).first()


def test_a_whole_indicator_takes_the_lead_units_approved_value(record):
    record("区建设局", 2, "2024-03", "1.5")
    row = district(2, "2024-03")
    assert (row.value, row.units_reported, row.units_expected) == (Decimal("1.5"), 1, 1)


def test_drafts_do_not_count_and_submitted_values_are_pending(record):
    record("区建设局", 5, "2024-03", "86", status="draft")
    assert district(5, "2024-03") is None
    record("区建设局", 5, "2024-04", "87", status="submitted")
    row = district(5, "2024-04")
    assert (row.value, row.pending_value, row.units_pending) == (None, Decimal("87"), 1)


def test_a_summed_count_adds_each_towns_latest_figure(towns, record):
    record("府山街道", 4, "2024-05", "40")
    record("北海街道", 4, "2024-05", "30")
    record("塔山街道", 4, "2024-05", "20")
    assert district(4, "2024-05").value == Decimal("90")
    # In June only one town has reported: the others count with May's figures.
    record("府山街道", 4, "2024-06", "45")
    row = district(4, "2024-06")
    assert row.value == Decimal("95")
    assert (row.units_reported, row.units_expected) == (1, 3)


def test_a_late_approval_updates_the_months_that_carried_it(towns, record):
    record("北海街道", 4, "2024-06", "30")
    assert district(4, "2024-06").value == Decimal("30")
    record("府山街道", 4, "2024-05", "40")  # May's return, approved after June's
    assert district(4, "2024-05").value == Decimal("40")
    assert district(4, "2024-06").value == Decimal("70")
