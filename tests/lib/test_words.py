"""How the product writes figures, units, months and days: the pure helpers every
page, export and API call (no database)."""

from datetime import date
from decimal import Decimal

import pytest

from yuecheng_housing.lib.numbers import format_figure, round_figure
from yuecheng_housing.lib.periods import day_label, period_label
from yuecheng_housing.lib.text import bracketed, plan_words


@pytest.mark.parametrize(
    ("value", "decimals", "shown"),
    [
        ("100.00", 2, "100"),  # never 100.00 beside 100
        ("30.30", 2, "30.3"),
        ("89.725", 2, "89.73"),  # half up, as people round
        ("36.999", 2, "37"),
        ("1.44750", 4, "1.4475"),
        ("37.5", 0, "38"),
        ("0", 2, "0"),
    ],
)
def test_a_figure_is_written_once_in_its_indicators_places(value, decimals, shown):
    assert format_figure(Decimal(value), decimals) == shown
    assert round_figure(Decimal(value), decimals) == Decimal(shown)


def test_a_unit_with_brackets_is_not_bracketed_twice():
    assert bracketed("万套（间）") == "（万套［间］）"
    assert bracketed("%") == "（%）"
    assert plan_words("保障性租赁住房累计建设筹集套数（万套<间>）") == (
        "保障性租赁住房累计建设筹集套数（万套［间］）"
    )


def test_months_and_days_are_written_in_words_without_leading_zeros():
    assert period_label(date(2026, 11, 1)) == "2026年11月"
    assert day_label(date(2026, 12, 7)) == "2026年12月7日"
