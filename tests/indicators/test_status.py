"""The status rules, edge by edge (no database)."""

from datetime import date
from decimal import Decimal as D

import pytest

from indicators.status import BEHIND, MET, NO_DATA, ON_TRACK, WARNING, judge


def status(value, month=6, comparator="eq", target="220", start="180", **kw):
    return judge(
        period=date(2025, month, 1),
        value=None if value is None else D(value),
        comparator=comparator,
        target=D(target),
        start=None if start is None else D(start),
        threshold=D(kw.pop("threshold", "0.10")),
        **kw,
    )


def test_nothing_reported_is_no_data():
    assert status(None).status == NO_DATA


def test_expected_is_a_straight_line_from_last_years_target():
    progress = status("200", month=6)
    assert progress.expected == D("200")  # 180 + (220 - 180) * 6 / 12
    assert progress.status == ON_TRACK


@pytest.mark.parametrize(
    "value, expected_status",
    [
        ("200", ON_TRACK),  # exactly on the line
        ("180.01", WARNING),  # below by less than 10% of 200 (20)
        ("180", BEHIND),  # below by exactly 10%: no longer a warning
        ("150", BEHIND),
    ],
)
def test_warning_band_is_ten_percent_of_the_expected_value(value, expected_status):
    assert status(value, month=6).status == expected_status


def test_threshold_is_configurable():
    assert status("175", month=6, threshold="0.2").status == WARNING


def test_a_strict_target_is_not_met_by_equality():
    assert status("220", month=12, comparator="gt").status != MET
    assert status("221", month=12, comparator="gt").status == MET
    assert status("220", month=12, comparator="eq").status == MET


def test_met_wins_before_the_line():
    assert status("225", month=1).status == MET


def test_without_a_baseline_the_first_year_is_judged_at_year_end_only():
    mid = status("10", month=6, start=None, target="150")
    assert (mid.status, mid.expected) == (ON_TRACK, None)
    end = status("140", month=12, start=None, target="150")
    assert (end.status, end.expected) == (WARNING, D("150"))


def test_completion_is_value_over_target():
    assert status("110", month=6).completion == D("0.5")
    zero = status("0", target="0", start="0")
    assert (zero.status, zero.completion) == (MET, D(1))


def test_lower_is_better_mirrors_the_rules():
    kw = {"target": "10", "start": "20", "higher_is_better": False}
    assert status("9", month=6, **kw).status == MET
    assert status("15", month=6, **kw).status == ON_TRACK  # expected 15
    assert status("16", month=6, **kw).status == WARNING
    assert status("17", month=6, **kw).status == BEHIND
