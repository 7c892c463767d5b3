"""Indicators 2, 4, 6, 7, 8 and 10 counted from their ledgers.

The one count: for an indicator, a unit (or the district) and a month, the
quantity of the kind's projects that reached the kind's counting stage
(projects.kinds) by the month's last day. Written on the ledger and indicator
pages as `RULE`:

- a ledger drives its indicator in a year when an admin has said so
  (LedgerYear, projects.services.ledger_year_set); until then the typed monthly
  figures are judged, and the ledger is only shown;
- 累计 indicators (all six): the stock before the plan (the district's 基期值,
  2022年底; a unit's 起点值 of its 2023 share) plus every project counted from
  1 January 2023; a 年度 indicator would count the year's projects only;
- the count is kept in the indicator's unit (保租房: 套 ÷ 10000 = 万套).

In a year the ledger drives, its figure for each month that has ended replaces
the typed one (and last December's, where the year's task starts), and the typed
figure stays beside it as the unit's claim (`reported`), as the 危房台账's rates
do for 11–13 (hazards.rates.RedLines).
"""

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property

from django.db.models import Sum
from django.db.models.functions import TruncMonth

from indicators.models import Indicator
from projects.kinds import BY_CODE, KINDS
from projects.models import LedgerYear, Project
from yuecheng_housing.lib.periods import PLAN_FIRST_YEAR, month_end, months_of_year

RULE = (
    "台账计数口径：管理员设定某指标某年度“按台账计数”后，"
    "该年各月数值 = 基期值（2022年底，镇街取2023年分解的起点值）"
    "+ 2023年1月1日起至当月末达到计数阶段的项目数量"
    "（保租房按套计，折合万套）；单位填报数作为其报数列在旁边，两者不一致时提示审核人。"
)
PLAN_START = date(PLAN_FIRST_YEAR, 1, 1)
Series = list[tuple[date, Decimal]]


@dataclass(frozen=True)
class LedgerCounts:
    """What the ledgers say of their indicators, up to the end of `year`."""

    year: int
    # (indicator code, year) the ledger drives
    driven: frozenset[tuple[int, int]]
    # (indicator code, unit id) → {month: quantity reaching the counting stage}
    monthly: dict[tuple[int, int], dict[date, int]]

    def drives(self, code: int, year: int) -> bool:
        return (code, year) in self.driven

    @cached_property
    def _district(self) -> dict[int, dict[date, int]]:
        # The district's months summed once: at a province's size a page asks for
        # thousands of figures, and a scan of every unit's months per figure
        # took seconds.
        totals: dict[int, dict[date, int]] = {}
        for (code, _), months in self.monthly.items():
            mine = totals.setdefault(code, {})
            for month, n in months.items():
                mine[month] = mine.get(month, 0) + n
        return totals

    def counted(
        self, code: int, *, unit_id: int | None, since: date, until: date
    ) -> int:
        """The quantity counted between two days (a unit's, or the district's)."""
        if unit_id is None:
            months = self._district.get(code, {})
        else:
            months = self.monthly.get((code, unit_id), {})
        return sum(n for m, n in months.items() if since <= m <= until)

    def figure(
        self,
        indicator: Indicator,
        period: date,
        *,
        unit_id: int | None = None,
        base: Decimal | None = None,
    ) -> Decimal:
        """The ledger's figure of `indicator` at the end of `period`'s month, in
        the indicator's unit. `base`: the stock before the plan (the district's
        baseline when not given)."""
        kind = BY_CODE[indicator.code]
        end = month_end(period)
        if indicator.kind == Indicator.Kind.CUMULATIVE:
            since = PLAN_START
            if base is None and unit_id is None:
                base = indicator.baseline
        else:
            since, base = period.replace(month=1, day=1), None
        count = self.counted(
            indicator.code, unit_id=unit_id, since=since.replace(day=1), until=end
        )
        return (base or Decimal(0)) + Decimal(count) / kind.scale

    def judged(
        self,
        indicator: Indicator,
        year: int,
        series: Series,
        as_of: date,
        *,
        unit_id: int | None = None,
        base: Decimal | None = None,
    ) -> tuple[Series, dict[date, Decimal]]:
        """Return the series with the ledger's figure in place of the typed one
        for each month of a year the ledger drives that has ended by `as_of`
        (and last December, where the year starts), and the typed figures."""
        if not self.drives(indicator.code, year):
            return series, {}
        typed = dict(series)
        months = [date(year - 1, 12, 1)] + [
            m for m in months_of_year(year) if month_end(m) <= as_of
        ]
        judged = [(p, v) for p, v in series if p < months[0]]
        reported = {}
        for month in months:
            judged.append(
                (month, self.figure(indicator, month, unit_id=unit_id, base=base))
            )
            if month in typed:
                reported[month] = typed[month]
        return judged, reported

    def plan_series(
        self, indicator: Indicator, series: Series, as_of: date
    ) -> tuple[Series, Series]:
        """The figure judged month by month across the plan, for a chart: in
        each year the ledger drives, what `judged` puts in place of the typed
        figure (the ledger's count); elsewhere the typed figure. And the typed
        figures of the months it replaced: the units' claim, to be shown as a
        claim only. `self` must be read up to the last year the ledger drives."""
        figures, claimed = dict(series), {}
        for year in sorted(y for c, y in self.driven if c == indicator.code):
            judged, reported = self.judged(indicator, year, series, as_of)
            figures.update((p, v) for p, v in judged if p >= date(year - 1, 12, 1))
            claimed.update(reported)
        return sorted(figures.items()), sorted(claimed.items())


def ledger_counts(*, year: int, codes: tuple[int, ...] = ()) -> LedgerCounts:
    """Read which ledgers drive which years and the counts by unit and month up to
    the end of `year` (1 query; 2 when a ledger drives a year up to `year` or
    `codes` asks for the counts of ledgers shown whether they drive or not)."""
    driven = frozenset(
        LedgerYear.objects.filter(
            drives=True, year__lte=year, indicator__code__in=BY_CODE
        ).values_list("indicator__code", "year")
    )
    monthly: dict[tuple[int, int], dict[date, int]] = defaultdict(dict)
    kinds = {BY_CODE[code].key for code, _ in driven} | {
        BY_CODE[code].key for code in codes
    }
    read = _read.get()
    key = (year, driven, frozenset(kinds))
    if read is not None and key in read:
        return read[key]
    if kinds:
        rows = (
            Project.objects.filter(
                kind__in=kinds,
                counted_on__gte=PLAN_START,
                counted_on__lte=date(year, 12, 31),
            )
            # The month as the database truncates it: one column to convert a
            # row, not a year and a month (a province's 20 000 rows a year).
            .annotate(month=TruncMonth("counted_on"))
            .values_list("kind", "town_id", "month")
            .annotate(n=Sum("quantity"))
            .order_by()
        )
        for kind, unit_id, month, n in rows:
            monthly[KINDS[kind].code, unit_id][month] = n
    counts = LedgerCounts(year=year, driven=driven, monthly=dict(monthly))
    if read is not None:
        read[key] = counts
    return counts


# Within counts_read_once(): the counts already read, by what they were read for.
_read: ContextVar[dict | None] = ContextVar("ledger_counts_read", default=None)


@contextmanager
def counts_read_once() -> Iterator[None]:
    """Within the block, ledger_counts reads each year's counts of the same
    ledgers once: a page made of several computations (the 驾驶舱: the
    indicators, the ranking's towns, the count by town) would each count a
    province's 300 000 projects again. Nothing in them writes."""
    if _read.get() is not None:  # within an outer block: share its reading
        yield
        return
    token = _read.set({})
    try:
        yield
    finally:
        _read.reset(token)
