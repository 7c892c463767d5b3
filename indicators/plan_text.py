"""Read targets as the plan writes them: "30", "1.4475", "大于220", "至少250"."""

from decimal import Decimal, InvalidOperation

# Longest first, so "大于等于" is not read as "大于".
_PREFIXES = [("大于等于", "ge"), ("不少于", "ge"), ("大于", "gt"), ("至少", "ge")]
_SUFFIXES = [("以上", "ge")]


def parse_target(text: str) -> tuple[str, Decimal]:
    """Return (comparator, value) of a target phrase; ValueError if unreadable."""
    rest = text.strip().replace(" ", "")
    comparator = "eq"
    for prefix, comp in _PREFIXES:
        if rest.startswith(prefix):
            comparator, rest = comp, rest.removeprefix(prefix)
            break
    else:
        for suffix, comp in _SUFFIXES:
            if rest.endswith(suffix):
                comparator, rest = comp, rest.removesuffix(suffix)
                break
    try:
        value = Decimal(rest)
    except InvalidOperation:
        raise ValueError(f"无法识别的目标值“{text}”") from None
    if not value.is_finite():
        raise ValueError(f"无法识别的目标值“{text}”")
    return comparator, value
