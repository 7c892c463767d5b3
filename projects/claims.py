"""A unit's typed figure beside its ledger's count: what the reviewer checks.

In a year a ledger drives its indicator (projects.counts), the figure judged is the
ledger's count and the unit's monthly figure stays as its claim. The entry page
shows the count before the unit types, and the review queue flags a claim that
differs from it, as the 危房台账's rates do for indicators 11–13.

Whose count: a town or platform company reporting its share of a summed indicator
is checked against its own projects, from its own stock before the plan
(`stock_before_plan`); a unit reporting the district's whole figure against the
district's count from the 2022 baseline. These are the figures its verdicts judge
(reporting.town_figures, dashboard.selectors).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from indicators.models import Indicator, TargetSplit
from projects.counts import PLAN_START, LedgerCounts, ledger_counts
from projects.kinds import BY_CODE, Kind
from units.models import Unit
from yuecheng_housing.lib.numbers import format_figure, round_figure
from yuecheng_housing.lib.periods import PLAN_FIRST_YEAR, month_end

Key = tuple[int, int, date]  # (indicator code, unit id, month)


@dataclass(frozen=True)
class LedgerFigure:
    indicator: Indicator
    period: date
    unit_id: int | None  # whose projects: a unit's own, or None for the district's
    counted: int  # things that reached the counting stage since 2023 by month end
    figure: Decimal  # the figure its verdicts judge, in the indicator's unit
    stock_unknown: bool = False  # a unit's own count, its 2023 起点值 not set

    @property
    def kind(self) -> Kind:
        return BY_CODE[self.indicator.code]

    def gap(self, reported: Decimal | None) -> Decimal | None:
        """How far `reported` is from the ledger's figure, at the indicator's
        places; None when they agree or there is nothing to compare."""
        if reported is None:
            return None
        places = self.indicator.decimals
        difference = round_figure(reported, places) - round_figure(self.figure, places)
        return difference.copy_abs() if difference else None

    def text(self) -> str:
        kind = self.kind
        counted = f"2023年起{kind.counts_at_label}{self.counted}{kind.quantity_unit}"
        if self.stock_unknown:
            counted += "，未设2023年起点值，按0计"
        shown = format_figure(self.figure, self.indicator.decimals)
        return f"台账：{shown}{self.indicator.unit}（{counted}）"


def ledger_figures(
    keys: set[tuple[Indicator, Unit, date]],
) -> dict[Key, LedgerFigure]:
    """The ledger's figure for each (indicator, unit, month) whose year its ledger
    drives (no query when no key is a ledger's indicator; 1 when none drives;
    at most 3)."""
    keys = {k for k in keys if k[0].code in BY_CODE}
    if not keys:
        return {}
    counts = ledger_counts(year=max(period.year for _, _, period in keys))
    keys = {k for k in keys if counts.drives(k[0].code, k[2].year)}
    if not keys:
        return {}
    own = {(i.pk, u.pk) for i, u, _ in keys if _reports_own_share(i, u)}
    stocks = _stocks_before_plan(own)
    figures = {}
    for indicator, unit, period in keys:
        if (indicator.pk, unit.pk) in own:
            stock = stocks.get((indicator.pk, unit.pk))
            unit_id, base = unit.pk, stock
        else:
            stock, unit_id, base = Decimal(0), None, indicator.baseline
        figures[indicator.code, unit.pk, period] = _figure(
            counts,
            indicator,
            period,
            unit_id=unit_id,
            base=base,
            known=stock is not None,
        )
    return figures


def stock_before_plan(start_split: TargetSplit | None) -> Decimal | None:
    """A unit's stock before the plan, which its own ledger count starts from:
    the 起点值 of its split for 2023 (`start_split`, its earliest split, counts
    only if it is 2023's); None when not set, counted as 0."""
    if start_split is None or start_split.year != PLAN_FIRST_YEAR:
        return None
    return start_split.start


def _reports_own_share(indicator: Indicator, unit: Unit) -> bool:
    return indicator.aggregation == Indicator.Aggregation.SUM and bool(unit.parent_id)


def _stocks_before_plan(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], Decimal]:
    if not pairs:
        return {}
    rows = TargetSplit.objects.filter(
        year=PLAN_FIRST_YEAR,
        indicator_id__in={i for i, _ in pairs},
        unit_id__in={u for _, u in pairs},
    )
    return {
        (split.indicator_id, split.unit_id): stock
        for split in rows
        if (stock := stock_before_plan(split)) is not None
    }


def _figure(
    counts: LedgerCounts,
    indicator: Indicator,
    period: date,
    *,
    unit_id: int | None,
    base: Decimal | None,
    known: bool,
) -> LedgerFigure:
    since = (
        PLAN_START
        if indicator.kind == Indicator.Kind.CUMULATIVE
        else period.replace(month=1, day=1)
    )
    counted = counts.counted(
        indicator.code, unit_id=unit_id, since=since, until=month_end(period)
    )
    figure = counts.figure(indicator, period, unit_id=unit_id, base=base)
    return LedgerFigure(
        indicator, period, unit_id, counted, figure, stock_unknown=not known
    )
