"""Where an indicator will stand at year end at its present pace: the one forecast.

Read from the year's approved monthly district values; nothing before three months
of data, because two points make a line of any slope.

- Cumulative counts grow by what is delivered each month: the forecast carries on
  the year's average monthly increase (from last December's figure, or the
  baseline, when there is one) to December. The range takes the smallest and the
  largest monthly increase of the year instead. A count never falls, so a
  negative pace projects no change.
- Rates and levels move slowly around a trend: a straight line fitted (least
  squares) to the last months, at most six, is carried to December. The range
  takes the smallest and the largest month-to-month change of those months from
  the line's latest point. Rates stay within 0–100.

The fitted slope is a weighted mean of the month-to-month changes, and the pace a
plain mean of them, so the forecast always lies within its range.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal

from indicators.status import target_met
from yuecheng_housing.lib.numbers import format_decimal
from yuecheng_housing.lib.periods import PLAN_LAST_YEAR, add_months

MIN_MONTHS = 3
TREND_MONTHS = 6
CUMULATIVE, RATE, LEVEL = "cumulative", "rate", "level"
TOO_FEW = f"今年已审核的数据不足{MIN_MONTHS}个月，暂不预测。"


@dataclass(frozen=True)
class Forecast:
    year: int
    basis: date  # the latest month the forecast is read from
    months: int  # months of this year's data behind it
    value: Decimal
    low: Decimal
    high: Decimal
    # Monthly change still needed from the latest value to reach the target by
    # December: 0 once met, None when December is already in (or no target).
    needed_per_month: Decimal | None
    # The month the target is met at this pace (already met: the latest month);
    # None when it would not be met by the end of the plan.
    met_in: date | None
    will_meet: bool | None  # None without a target
    method: str
    decimals: int = 2  # places the indicator is reported with

    @property
    def needed_label(self) -> str:
        """还需每月 "+0.35", rounded up so that it is enough."""
        return needed_text(self.needed_per_month, self.decimals)


def _per_month(points: list[tuple[int, Decimal]]) -> list[Decimal]:
    """Return the change per month between consecutive points (gaps spread out)."""
    return [
        (v2 - v1) / (m2 - m1)
        for (m1, v1), (m2, v2) in zip(points, points[1:], strict=False)
    ]


def _trend(points: list[tuple[int, Decimal]]) -> tuple[Decimal, Decimal]:
    """Return (intercept, slope) of the least-squares line through the points."""
    n = Decimal(len(points))
    mean_m = sum(Decimal(m) for m, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    spread = sum((Decimal(m) - mean_m) ** 2 for m, _ in points)
    slope = sum((Decimal(m) - mean_m) * (v - mean_v) for m, v in points) / spread
    return mean_v - slope * mean_m, slope


def _pace(value: Decimal, decimals: int) -> str:
    """A pace with enough digits to be true: 0.36 a month, not "0" for a count."""
    return format_decimal(round(value, decimals + 2))


def forecast_year_end(
    *,
    year: int,
    kind: str,
    points: list[tuple[date, Decimal]],
    previous: Decimal | None = None,
    target: Decimal | None = None,
    comparator: str = "eq",
    higher_is_better: bool = True,
    unit: str = "",
    decimals: int = 2,
) -> Forecast | None:
    """Return the year-end forecast from `points` (the year's approved monthly
    values, any order), or None with fewer than three months.

    `previous` is last December's value (or the baseline before the plan's first
    year): where a cumulative count's year started.
    """
    this_year = sorted((p.month, v) for p, v in points if p.year == year)
    if len(this_year) < MIN_MONTHS:
        return None
    last_month, last_value = this_year[-1]
    left = 12 - last_month
    if kind == CUMULATIVE:
        anchored = ([(0, previous)] if previous is not None else []) + this_year
        steps = _per_month(anchored)
        first_month, first_value = anchored[0]
        pace = max((last_value - first_value) / (last_month - first_month), Decimal(0))
        anchor, slope = last_value, pace
        low_step, high_step = max(min(steps), Decimal(0)), max(max(steps), Decimal(0))
        start = "去年12月" if first_month == 0 else f"今年{first_month}月"
        method = (
            f"累计数：按{start}以来平均每月增加{_pace(pace, decimals)}{unit}"
            f"推算到12月；区间按今年单月增量的最小值（{_pace(low_step, decimals)}）"
            f"和最大值（{_pace(high_step, decimals)}）推算。"
        )
    else:
        recent = this_year[-TREND_MONTHS:]
        intercept, slope = _trend(recent)
        anchor = intercept + slope * last_month
        steps = _per_month(recent)
        low_step, high_step = min(steps), max(steps)
        clamp = "，并限定在0—100%之间" if kind == RATE else ""
        what = "比率" if kind == RATE else "水平值"
        method = (
            f"{what}：按最近{len(recent)}个月（{recent[0][0]}—{last_month}月）的"
            f"线性趋势（每月{'+' if slope >= 0 else ''}{_pace(slope, decimals)}{unit}）"
            f"推算到12月{clamp}；区间按这几个月单月变化的最小值和最大值推算。"
        )
    value = anchor + slope * left
    low = anchor + low_step * left
    high = anchor + high_step * left
    if kind == RATE:
        value, low, high = (
            min(max(v, Decimal(0)), Decimal(100)) for v in (value, low, high)
        )
    needed, met_in, will_meet = None, None, None
    if target is not None:

        def meets(v: Decimal) -> bool:
            # Compared as shown: a rate kept to two places at 99.999 is 100.00.
            return target_met(
                value=round(v, decimals),
                comparator=comparator,
                target=target,
                higher_is_better=higher_is_better,
            )

        will_meet = meets(value)
        if left:
            gap = (target - last_value) if higher_is_better else (last_value - target)
            needed = max(gap, Decimal(0)) / left
            if not higher_is_better:
                needed = -needed
        met_in = _month_met(year, last_month, last_value, anchor, slope, meets)
    return Forecast(
        year=year,
        basis=date(year, last_month, 1),
        months=len(this_year),
        value=value,
        low=low,
        high=high,
        needed_per_month=needed,
        met_in=met_in,
        will_meet=will_meet,
        method=method,
        decimals=decimals,
    )


def _month_met(
    year: int,
    last_month: int,
    last_value: Decimal,
    anchor: Decimal,
    slope: Decimal,
    meets: Callable[[Decimal], bool],
) -> date | None:
    """Return the first month the path from (last_month, anchor) meets the target,
    up to the plan's last December; the latest month if it is already met."""
    latest = date(year, last_month, 1)
    if meets(last_value):
        return latest
    if slope == 0:
        return None
    horizon = (PLAN_LAST_YEAR - year) * 12 + 12 - last_month
    # Walk rather than solve: comparators ("＞220") and clamps make a closed form
    # fiddly, and there are at most 60 months.
    for ahead in range(1, horizon + 1):
        if meets(anchor + slope * ahead):
            return add_months(latest, ahead)
    return None


def needed_figure(needed: Decimal, decimals: int) -> Decimal:
    """Return the monthly change still needed in the indicator's places, rounded
    up so that doing it is enough (1.6667 台 → 2): the page, the notice's Excel
    and the API give this one figure."""
    rounded = (needed * Decimal(10) ** decimals).to_integral_value(ROUND_CEILING)
    return (rounded / Decimal(10) ** decimals).normalize()


def needed_text(needed: Decimal | None, decimals: int) -> str:
    """Return "+0.35" style text for the monthly change still needed."""
    if needed is None:
        return "—"
    shown = format_decimal(needed_figure(needed, decimals))
    return shown if needed < 0 else f"+{shown}"
