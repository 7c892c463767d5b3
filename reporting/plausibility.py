"""Is this figure plausible? The one rule the form, the API and the import apply.

Hard bounds refuse a value (`services.value_check`: negative, a rate above 100,
more decimals than the indicator keeps, beyond 100 × the plan's largest target,
10¹⁰ and more). The warnings below do not refuse: the user confirms them before the
value is saved (a checkbox on the form, `"confirm": true` in the API, the commit
after an import's preview), and the reviewer sees them beside the value.
"""

import calendar
from datetime import date
from decimal import Decimal

from indicators.models import Indicator
from yuecheng_housing.lib.numbers import format_decimal
from yuecheng_housing.lib.text import bracketed

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
    if previous is not None and previous > 0 and value > 0:
        if value >= previous * JUMP:
            warnings.append(
                f"是上月（{format_decimal(previous)}）的10倍以上，"
                f"请核对计量单位{bracketed(indicator.unit)}"
            )
        elif value * JUMP <= previous:
            warnings.append(
                f"不到上月（{format_decimal(previous)}）的十分之一，"
                f"请核对计量单位{bracketed(indicator.unit)}和小数点"
            )
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
