import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

_PLAIN = re.compile(r"^-?\d+(\.\d+)?$")


_GROUPED = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


def parse_number(text: str) -> Decimal:
    """Read a number as staff type it: "８５" → 85, "1,234" → 1234, "85％" → 85.

    Anything else is refused with a message rather than guessed at.
    """
    normal = unicodedata.normalize("NFKC", str(text)).strip().replace(" ", "")
    normal = normal.removesuffix("%")
    if not (_PLAIN.match(normal) or _GROUPED.match(normal)):
        raise ValidationError(f"“{text}”不是数字。", code="not_a_number")
    try:
        return Decimal(normal.replace(",", ""))
    except InvalidOperation:
        raise ValidationError(f"“{text}”不是数字。", code="not_a_number") from None


def format_decimal(value: Decimal) -> str:
    """Return a Decimal without trailing zeros: 1.4475000 → "1.4475", 30.0 → "30"."""
    return f"{value.normalize():f}"
