"""How to read a number: the one reader for the form, the API and the returns.

Forgiving about form ("８５", "85%", "85％", "1,234", " 26 ", "1.4475万", a
%-formatted 0.85), strict about meaning: what cannot be read exactly is refused
with a Chinese message, never guessed at.
"""

import math
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError

# ASCII digits only, after NFKC has turned full-width ones into them.
_NUMBER = re.compile(r"^-?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]+)?$")
TEN_THOUSAND = Decimal(10000)
# What a cell shows for a value that is no number: Excel never writes one, but a
# file made by a script (pandas, a hand-edited XML) can hold <v>NaN</v> or 1e999.
_NON_FINITE_TEXT = re.compile(r"^[+-]?(nan|inf|infinity)$", re.IGNORECASE)


def non_finite(value) -> str | None:
    """Return how to name a cell's value that is not a finite number ("NaN",
    "无穷大"), or None: such a value must be refused, never stored or compared."""
    if isinstance(value, float | Decimal) and not isinstance(value, bool):
        if value != value:  # NaN is the one value unequal to itself
            return "NaN"
        return None if math.isfinite(value) else "无穷大"
    if isinstance(value, str) and _NON_FINITE_TEXT.match(value.strip()):
        word = value.strip().lstrip("+-").lower()
        return "NaN" if word == "nan" else "无穷大"
    return None


def read_number(value, *, percent_cell: bool = False, unit: str = "") -> Decimal:
    """Read a figure in the indicator's own unit of measure.

    A %-formatted cell holds 0.85 for 85%; "1.4475万" is 14 475, which is 1.4475
    when the unit of measure is itself in 万.
    """
    if isinstance(value, bool):
        raise ValueError("不是数字")
    if shown := non_finite(value):
        # Decimal("NaN") would pass here and fail later, in a comparison, as a
        # system error with no row; refused now, the import names the cell.
        raise ValueError(f"数值无效（{shown}）")
    if isinstance(value, int | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        return (number * 100).normalize() if percent_cell else number
    if any(unicodedata.category(c) == "No" for c in str(value)):
        # NFKC reads "²" and "①" as digits; nobody types a figure that way.
        raise ValueError(f"“{value}”不是数字")
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))
    scale = Decimal(1)
    if text.endswith("%"):
        text = text[:-1]
    elif text.endswith("万"):
        text = text[:-1]
        scale = Decimal(1) if unit.startswith("万") else TEN_THOUSAND
    if not _NUMBER.match(text):
        raise ValueError(f"“{value}”不是数字")
    try:
        return (Decimal(text.replace(",", "")) * scale).normalize()
    except InvalidOperation:
        raise ValueError(f"“{value}”不是数字") from None


MAX_ID = 999_999_999


def read_id(value) -> int:
    """Read a code or id (指标编号, 清单编号): a whole number from 1 up; a fraction
    ("4.7") is refused rather than rounded onto another indicator."""
    if shown := non_finite(value):
        raise ValueError(f"编号数值无效（{shown}）")
    try:
        number = read_number(value)
    except ValueError:
        raise ValueError(f"编号“{value}”不是整数") from None
    if number != number.to_integral_value() or not 1 <= number <= MAX_ID:
        raise ValueError(f"编号“{value}”应为正整数")
    return int(number)


def parse_number(text: str, *, unit: str = "") -> Decimal:
    """Read a number typed into a form or sent to the API, in `unit` (the
    indicator's unit of measure); ValidationError (in Chinese) if it is not one."""
    try:
        return read_number(str(text), unit=unit)
    except ValueError:
        raise ValidationError(f"“{text}”不是数字。", code="not_a_number") from None


def format_decimal(value: Decimal) -> str:
    """Return a Decimal without trailing zeros: 1.4475000 → "1.4475", 30.0 → "30"."""
    return f"{value.normalize():f}"


def round_figure(value: Decimal, decimals: int) -> Decimal:
    """Return an indicator's figure rounded to its places (half up, as people
    round: 89.725 → 89.73), trailing zeros dropped: the one rule by which every
    page, export and API rounds a figure (`Indicator.decimals` gives the places)."""
    step = Decimal(1).scaleb(-decimals)
    return Decimal(value).quantize(step, rounding=ROUND_HALF_UP).normalize()


def format_figure(value: Decimal, decimals: int) -> str:
    """Return a figure as every page and export writes it: 100, 30.3, 1.4475,
    never 100.00 beside 100 (see `round_figure`)."""
    return format_decimal(round_figure(value, decimals))
