"""The one number reader: forms, the API and the returns all read numbers here."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from yuecheng_housing.lib.numbers import format_decimal, parse_number, read_number


@pytest.mark.parametrize(
    ("typed", "unit", "expected"),
    [
        ("８５", "%", "85"),
        ("85%", "%", "85"),
        ("85％", "%", "85"),
        ("1,234", "个", "1234"),
        (" 26 ", "个", "26"),
        ("1.4475万", "万套", "1.4475"),  # the unit is itself in 万
        ("1.4475万", "套", "14475"),
        ("-3", "个", "-3"),  # read; the services refuse negatives with a reason
    ],
)
def test_it_reads_numbers_as_people_type_them(typed, unit, expected):
    assert read_number(typed, unit=unit) == Decimal(expected)
    assert parse_number(typed, unit=unit) == Decimal(expected)


def test_a_percent_formatted_cell_holds_a_fraction():
    assert read_number(0.85, percent_cell=True) == Decimal("85")
    assert read_number(0.85) == Decimal("0.85")


@pytest.mark.parametrize("typed", ["abc", "1.2.3", "1,23", "²", "12a", "", "八十五"])
def test_it_refuses_what_is_not_a_number_in_chinese(typed):
    with pytest.raises(ValueError, match="不是数字"):
        read_number(typed)
    with pytest.raises(ValidationError, match="不是数字") as error:
        parse_number(typed)
    assert error.value.code == "not_a_number"


def test_format_drops_trailing_zeros():
    assert format_decimal(Decimal("1.4475000")) == "1.4475"
    assert format_decimal(Decimal("30.0")) == "30"


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        (float("nan"), "NaN"),
        (float("inf"), "无穷大"),
        (float("-inf"), "无穷大"),
        (Decimal("NaN"), "NaN"),
        ("NaN", "NaN"),
        (" -Infinity ", "无穷大"),
    ],
)
def test_a_value_that_is_no_number_is_refused_by_name(cell, shown):
    with pytest.raises(ValueError, match=rf"^数值无效（{shown}）$"):
        read_number(cell)
    with pytest.raises(ValidationError):
        parse_number(str(cell))
