"""Is this figure plausible? The one rule the form, the API and the import apply.

Hard bounds refuse a value (`services.value_check`: negative, a rate above 100,
more decimals than the indicator keeps, beyond 100 × the plan's largest target,
10¹⁰ and more). The warnings below do not refuse: the user confirms them before the
value is saved (a checkbox on the form, `"confirm": true` in the API, the commit
after an import's preview), and the reviewer sees them beside the value.

What counts as implausible depends on the kind of figure, compared with the same
unit's figure of the month before:

- a level (m² per person, households housed) moves by more than LEVEL_SHARE;
- a rate moves by more than RATE_POINTS percentage points;
- a cumulative count rises tenfold (套 typed in a 万套 cell), or falls at all: a
  fall is `cumulative_decrease`, which asks for a reason rather than a tick, since a
  count that only adds up can fall only when something was corrected.
"""

import calendar
from datetime import date
from decimal import Decimal

from indicators.models import Indicator
from yuecheng_housing.lib.numbers import format_decimal
from yuecheng_housing.lib.text import bracketed

# A level changes slowly: the district's floor area per person moves by well under
# 1 % a month and households housed by a few per cent; a fifth in one month is far
# more often a slipped decimal point or unit (36.82 typed as 3.7) than a fact.
LEVEL_SHARE = Decimal("0.2")
# A rate moves by a few points a month (coverage 85 → 87.5 % over a year); ten
# points in one month is worth a second look, while a small town's rate that does
# move that far (one case of ten remedied) costs only a tick.
RATE_POINTS = Decimal(10)
# A cumulative count may grow fast in a month, but not tenfold: that is a unit slip.
JUMP = Decimal(10)
ABOVE_TARGET = Decimal(2)


def value_warnings(
    *,
    indicator: Indicator,
    value: Decimal,
    previous: Decimal | None,
    target: Decimal | None,
) -> list[str]:
    """Return what looks wrong about `value`, in Chinese, for the user to confirm."""
    warnings = []
    move = _move_warning(indicator=indicator, value=value, previous=previous)
    if move:
        warnings.append(move)
    if indicator.kind == Indicator.Kind.RATE and value <= 1:
        if previous is None or previous > 1:
            warnings.append(
                f"比率按百分数填写（85%填85）；{format_decimal(value)}是否应为百分数？"
            )
    if (
        indicator.kind == Indicator.Kind.CUMULATIVE
        and target is not None
        and target > 0
        and value > target * ABOVE_TARGET
    ):
        warnings.append(
            f"超过本年目标（{format_decimal(target)}）的两倍，请核对是否填成了其他口径"
        )
    return warnings


def _move_warning(
    *, indicator: Indicator, value: Decimal, previous: Decimal | None
) -> str:
    """Return the warning for a move from last month too large for the kind of
    figure, or ""."""
    if previous is None:
        return ""
    check = f"请核对计量单位{bracketed(indicator.unit)}和小数点"
    if indicator.kind == Indicator.Kind.RATE:
        points = value - previous
        if abs(points) <= RATE_POINTS:
            return ""
        return (
            f"比上月（{format_decimal(previous)}%）"
            f"{'增加' if points > 0 else '减少'}{_one_place(abs(points))}个百分点，"
            f"比率一个月变动超过{RATE_POINTS}个百分点，请核对"
        )
    if previous <= 0:
        return ""
    if value >= previous * JUMP:
        return f"是上月（{format_decimal(previous)}）的10倍以上，{check}"
    if indicator.kind != Indicator.Kind.LEVEL:
        return ""  # a cumulative fall is cumulative_decrease's, with a reason
    if value * JUMP <= previous:
        return f"不到上月（{format_decimal(previous)}）的十分之一，{check}"
    share = (value - previous) / previous
    if abs(share) <= LEVEL_SHARE:
        return ""
    return (
        f"比上月（{format_decimal(previous)}）"
        f"{'增加' if share > 0 else '减少'}{_one_place(abs(share) * 100)}%，"
        f"水平值一个月变动超过{_one_place(LEVEL_SHARE * 100)}%，{check}"
    )


def _one_place(number: Decimal) -> str:
    return format_decimal(number.quantize(Decimal("0.1")))


def cumulative_decrease(
    *, indicator: Indicator, value: Decimal, previous: Decimal | None
) -> str:
    """Return why a cumulative count below last month's needs a reason, or "".

    The one rule for a falling count: the services refuse it without a reason
    (the import's 说明 counts as one) and flag it for the reviewer."""
    if indicator.kind != Indicator.Kind.CUMULATIVE or previous is None:
        return ""
    if value >= previous:
        return ""
    return f"累计数低于上月（{format_decimal(previous)}）"


def completion_warnings(
    *, completed_on: date | None, period: date, year: int
) -> list[str]:
    """Return what looks wrong about an item's completion date reported for the
    month `period` of a `year` work list."""
    if completed_on is None:
        return []
    warnings = []
    month_end = period.replace(day=calendar.monthrange(period.year, period.month)[1])
    if completed_on > month_end:
        warnings.append(
            f"完成日期（{completed_on:%Y-%m-%d}）晚于所报月份"
            f"（{period.year}年{period.month}月）；表格中只写“6月30日”时，"
            "表格软件会补上当前年份"
        )
    if completed_on.year < year:
        warnings.append(f"完成日期（{completed_on:%Y-%m-%d}）早于{year}年清单的年份")
    return warnings
