"""The status rules, edge by edge (no database)."""

from datetime import date
from decimal import Decimal as D

import pytest

from indicators.status import (
    BEHIND,
    MET,
    MILESTONES,
    NO_DATA,
    NOT_MET,
    ON_TRACK,
    UNJUDGED,
    WARNING,
    YEAR_END,
    judge,
    parse_milestones,
)


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
        ("196.01", WARNING),  # below by less than 10% of the year's task (40)
        ("196", BEHIND),  # below by exactly 10%: no longer a warning
        ("150", BEHIND),
    ],
)
def test_warning_band_is_a_share_of_the_years_task(value, expected_status):
    assert status(value, month=6).status == expected_status


def test_threshold_is_configurable():
    assert status("193", month=6).status == BEHIND
    assert status("193", month=6, threshold="0.2").status == WARNING


def test_a_year_that_delivers_nothing_is_behind_not_a_warning():
    # 保租房 stuck at last December's 1.462 all year: 94 % of the target, but
    # none of the year's task of 0.0855.
    stuck = status("1.462", month=11, start="1.462", target="1.5475")
    assert stuck.status == BEHIND
    assert stuck.completion > D("0.94") and stuck.task_completion == 0


def test_a_rate_held_at_its_target_has_no_band_below_it():
    assert status("91", month=6, start="100", target="100").status == BEHIND


def test_a_closed_year_is_met_or_not_met_never_a_warning():
    closed = status("219", month=12, closed=True)
    assert (closed.status, closed.final) == (NOT_MET, True)
    assert status("221", month=11, closed=True).status == MET
    assert status(None, closed=True).status == NOT_MET


def test_a_red_line_fails_the_indicator_whatever_its_value():
    broken = status("100", target="100", start="100", red_line="1栋D级危房尚未撤离")
    assert broken.status == NOT_MET and "D级" in broken.reason


def test_milestones_set_the_expected_value_by_month():
    shares = parse_milestones("6:25,9:75")
    mid = status("190", month=6, curve=MILESTONES, milestones=shares)
    assert mid.expected == D("190")  # 180 + 40 × 25 %
    assert mid.status == ON_TRACK
    # Between milestones, a straight line: July is a third of the way to 75 %.
    july = status("180", month=7, curve=MILESTONES, milestones=shares)
    assert july.expected == D("180") + D(40) * (D("0.25") + D("0.5") / 3)


@pytest.mark.parametrize(
    "text", ["13:50", "6:120", "9:40,6:60", "6:40,6:50", "12:90", "六月:40"]
)
def test_milestones_that_cannot_be_right_are_refused(text):
    with pytest.raises(ValueError):
        parse_milestones(text)


def test_a_count_judged_at_year_end_is_not_judged_mid_year():
    mid = status("8", month=6, target="9", start="8", curve=YEAR_END)
    assert (mid.status, mid.expected) == (UNJUDGED, None)
    assert status("8", month=12, target="9", start="8", curve=YEAR_END).status == (
        BEHIND
    )


def test_a_strict_target_is_not_met_by_equality():
    assert status("220", month=12, comparator="gt").status != MET
    assert status("221", month=12, comparator="gt").status == MET
    assert status("220", month=12, comparator="eq").status == MET


def test_met_wins_before_the_line():
    assert status("225", month=1).status == MET


def test_without_a_baseline_the_first_year_is_judged_when_it_closes():
    mid = status("10", month=6, start=None, target="150")
    assert (mid.status, mid.expected) == (UNJUDGED, None)
    assert "基期值未录入" in mid.reason
    end = status("140", month=12, start=None, target="150", closed=True)
    assert end.status == NOT_MET


def test_completion_is_value_over_target():
    assert status("110", month=6).completion == D("0.5")
    zero = status("0", target="0", start="0")
    assert (zero.status, zero.completion) == (MET, D(1))


def test_lower_is_better_mirrors_the_rules():
    kw = {"target": "10", "start": "20", "higher_is_better": False}
    assert status("9", month=6, **kw).status == MET
    assert status("15", month=6, **kw).status == ON_TRACK  # expected 15
    assert status("15.5", month=6, **kw).status == WARNING  # band: 10 % of 10
    assert status("16", month=6, **kw).status == BEHIND
