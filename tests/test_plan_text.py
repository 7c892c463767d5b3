from datetime import date
from decimal import Decimal

import pytest

from indicators.plan_text import parse_target
from tasks.item_deadlines import parse_deadline
from yuecheng_housing.lib.numbers import format_decimal


@pytest.mark.parametrize(
    "text, expected",
    [
        ("30", ("eq", Decimal("30"))),
        ("1.4475", ("eq", Decimal("1.4475"))),
        ("大于220", ("gt", Decimal("220"))),
        ("至少250", ("ge", Decimal("250"))),
        ("95以上", ("ge", Decimal("95"))),
        (" 大于 250 ", ("gt", Decimal("250"))),
    ],
)
def test_parse_target_reads_the_plans_phrases(text, expected):
    assert parse_target(text) == expected


@pytest.mark.parametrize("text", ["", "约220", "二百", "NaN", "大于"])
def test_parse_target_refuses_what_it_cannot_read(text):
    with pytest.raises(ValueError, match="无法识别"):
        parse_target(text)


@pytest.mark.parametrize(
    "label, expected",
    [
        ("6月底前", date(2023, 6, 30)),
        ("12 月底前", date(2023, 12, 31)),
        ("2月底前", date(2023, 2, 28)),
        ("4月中旬", date(2023, 4, 20)),
        ("4月上旬", date(2023, 4, 10)),
        ("4月下旬", date(2023, 4, 30)),
        ("年底前", date(2023, 12, 31)),
    ],
)
def test_parse_deadline_reads_the_plans_phrases(label, expected):
    assert parse_deadline(label, 2023) == expected


def test_parse_deadline_knows_leap_years():
    assert parse_deadline("2月底前", 2024) == date(2024, 2, 29)


@pytest.mark.parametrize("label", ["13月底前", "尽快", "6月", "0月中旬"])
def test_parse_deadline_refuses_what_it_cannot_read(label):
    with pytest.raises(ValueError):
        parse_deadline(label, 2023)


def test_format_decimal_drops_trailing_zeros():
    assert format_decimal(Decimal("1.44750000")) == "1.4475"
    assert format_decimal(Decimal("220.0000")) == "220"
    assert format_decimal(Decimal("0E-4")) == "0"
