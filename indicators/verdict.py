"""One judgement of an indicator in a year, as of a day: its status and its
year-end forecast made together, so that no page can print one without the
other or contradict it.

Every page, export, API, notice, ranking and the 驾驶舱 prints a `Verdict` made
here (dashboard.selectors feeds it the figures); none re-derives a status or a
forecast. The rules that tie the two together:

- a met indicator is never "预计难以完成": its forecast says it will be met, in
  the month it was met;
- a closed year (its December approved, or the year over) has a final status,
  已达标 or 未达标, and no forecast: December is no longer a forecast;
- an indicator judged at year end only (优质工程) is not forecast from a monthly
  pace either;
- forecasts are compared with the target in the indicator's own decimals, as
  the figures are shown (99.999 is 100.00 for a rate kept to two places).
"""

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from indicators.forecast import Forecast, forecast_year_end
from indicators.models import Indicator, Target
from indicators.status import MET, YEAR_END, Progress, judge
from yuecheng_housing.lib.periods import PLAN_FIRST_YEAR

Series = list[tuple[date, Decimal]]


@dataclass(frozen=True)
class Verdict:
    progress: Progress
    forecast: Forecast | None
    # Why there is no forecast, where there is none ("不足3个月" is the default).
    no_forecast: str = ""

    @property
    def unlikely(self) -> bool:
        """预计难以完成: still open, not met, and the forecast misses."""
        return (
            not self.progress.final
            and self.progress.status != MET
            and self.forecast is not None
            and self.forecast.will_meet is False
        )


def year_start(
    *,
    indicator: Indicator,
    year: int,
    approved: Series,
    targets: dict[int, Target],
    given: Decimal | None = None,
) -> tuple[Decimal | None, str]:
    """Where the year's task starts, and what that figure is: last December's
    approved figure; without one, a start an admin gave (a town's share), last
    year's target, or for 2023 the baseline."""
    december = dict(approved).get(date(year - 1, 12, 1))
    if december is not None:
        return december, f"{year - 1}年12月实际数"
    if given is not None:
        return given, "起点值"
    previous = targets.get(year - 1)
    if previous is not None:
        return previous.value, f"{year - 1}年目标"
    if year == PLAN_FIRST_YEAR and indicator.baseline is not None:
        return indicator.baseline, "基期值（2022年底）"
    return None, ""


def year_closed(*, year: int, as_of: date, approved: Series) -> bool:
    """Whether the year is over, or its December approved, by `as_of`."""
    return as_of.year > year or any(
        p == date(year, 12, 1) for p, _ in approved if p <= as_of
    )


def assess(
    *,
    indicator: Indicator,
    year: int,
    targets: dict[int, Target],
    approved: Series,
    as_of: date,
    threshold: Decimal,
    shown: Series | None = None,
    red_line: str = "",
    reported: dict[date, Decimal] | None = None,
    start: Decimal | None = None,
) -> Verdict:
    """Judge `indicator` in `year` as of `as_of`.

    `approved`: approved district figures by month (from last December on, at
    least); `shown`: the figures the page shows, if not the approved ones (with
    submitted values, ?pending=1). Both are the figures judged: for 11–13 the
    register's rate where the 危房台账 holds cases, with the units' typed figures
    in `reported`. `red_line`: a breach that fails the indicator. `start`: where
    the year starts when no December figure exists (a town's share).
    """
    approved = [(p, v) for p, v in approved if p <= as_of]
    this_year = [(p, v) for p, v in (shown or approved) if p.year == year]
    target = targets.get(year)
    start, source = year_start(
        indicator=indicator, year=year, approved=approved, targets=targets, given=start
    )
    if target is None:
        return Verdict(Progress("no_data"), None, "当年没有目标")
    period, value = this_year[-1] if this_year else (None, None)
    closed = year_closed(year=year, as_of=as_of, approved=approved)
    progress = judge(
        period=period,
        value=value,
        comparator=target.comparator,
        target=target.value,
        start=start,
        threshold=threshold,
        higher_is_better=indicator.higher_is_better,
        curve=indicator.progress_curve,
        milestones=indicator.milestone_shares,
        closed=closed,
        start_source=source,
        red_line=red_line,
        reported=(reported or {}).get(period) if period else None,
    )
    if closed:
        return Verdict(progress, None, f"{year}年已结束，按全年数据作最终判定。")
    if indicator.progress_curve == YEAR_END:
        return Verdict(progress, None, "该指标按年底一次性评定，不按月推算。")
    forecast = forecast_year_end(
        year=year,
        kind=indicator.kind,
        points=approved,
        # A count's pace runs from a figure, never from a target.
        previous=start if not source.endswith("目标") else None,
        target=target.value,
        comparator=target.comparator,
        higher_is_better=indicator.higher_is_better,
        unit=indicator.unit,
        decimals=indicator.decimals,
    )
    if forecast is not None and progress.status == MET:
        # Met is met: the pace of the months before cannot undo it.
        forecast = replace(
            forecast,
            will_meet=True,
            met_in=progress.period,
            needed_per_month=(
                None if forecast.needed_per_month is None else Decimal(0)
            ),
        )
    return Verdict(progress, forecast)
