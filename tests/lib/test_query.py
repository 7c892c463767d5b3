"""Years, months and ids from query strings: refused in Chinese, never a 500."""

from datetime import date

import pytest

from yuecheng_housing.lib.periods import add_months, parse_period
from yuecheng_housing.lib.query import id_param, parse_plan_period, parse_plan_year


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12", 12), (" 7 ", 7), ("²", None), ("５", None), ("0", None), ("-1", None),
     ("99999999999", None), ("", None), (None, None), ("1e3", None)],
)  # fmt: skip
def test_ids_are_ascii_digits_only(raw, expected):
    assert id_param(raw) == expected


@pytest.mark.parametrize("raw", ["²", "99999999999", "abc", "2022", "2028", "２０２５"])
def test_a_year_outside_the_plan_is_refused(raw):
    with pytest.raises(ValueError, match="不在方案期"):
        parse_plan_year(raw)
    assert parse_plan_year("2025") == 2025


@pytest.mark.parametrize("raw", ["9999-12", "0000-01", "2023-13", "2023-00", "²"])
def test_months_that_cannot_be_handled_are_refused(raw):
    with pytest.raises(ValueError):
        parse_plan_period(raw)


def test_the_last_handled_month_still_has_a_next_month():
    last = parse_period("2100-12")
    assert add_months(last, 1) == date(2101, 1, 1)
    with pytest.raises(ValueError, match="超出"):
        parse_period("9999-12")
    assert parse_plan_period("2023-06") == date(2023, 6, 1)
