"""A member unit's own figures judged against its own share of the target.

Towns and platform companies report their share of the summed counts (老旧小区,
未来社区, 加装电梯). Where an admin has split the year's district target by unit
(indicators.TargetSplit), the 晾晒 judges the unit's part with the same judgement
as the district's (indicators.verdict.assess): its approved figures from last
December on, its share as the target ("at least"), its own start. Without a split
there is nothing to judge it against: no verdict, and the part is left out.
"""

import copy
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from indicators.models import Indicator, Target, TargetSplit
from indicators.verdict import Verdict, assess
from projects.claims import stock_before_plan
from projects.counts import LedgerCounts, ledger_counts
from reporting.models import IndicatorValue, MonthlyReport
from units.models import Unit

Series = list[tuple[date, Decimal]]


@dataclass
class TownFigures:
    """The year's splits and the member units' approved figures (2 queries)."""

    year: int
    # (indicator id, unit id) → {year: split}, this year's and last year's
    splits: dict[tuple[int, int], dict[int, TargetSplit]]
    # (indicator id, unit id) → approved figures by month, last December on
    approved: dict[tuple[int, int], Series]
    # The ledgers: in a year one drives, a unit is judged on its own count.
    ledgers: LedgerCounts | None = None
    _verdicts: dict[tuple, Verdict | None] = field(default_factory=dict)

    def has_split(self, indicator_id: int, unit_id: int) -> bool:
        return self.year in self.splits.get((indicator_id, unit_id), {})

    def verdict(
        self, indicator: Indicator, unit: Unit, as_of: date, threshold: Decimal
    ) -> Verdict | None:
        """The unit's own verdict on `indicator` as of a day; None without a split."""
        key = (indicator.id, unit.id, as_of, threshold)
        if key in self._verdicts:
            return self._verdicts[key]
        own = self.splits.get((indicator.id, unit.id), {})
        split = own.get(self.year)
        verdict = None
        if split is not None:
            # The district's 2022 baseline is not the town's: it starts from its
            # own December figure, its given start or last year's share.
            alone = copy.copy(indicator)
            alone.baseline = None
            targets = {
                year: Target(
                    indicator=indicator,
                    year=year,
                    comparator=Target.Comparator.GE,
                    value=share.value,
                )
                for year, share in own.items()
            }
            approved = self.approved.get((indicator.id, unit.id), [])
            reported = {}
            if self.ledgers is not None and self.ledgers.drives(
                indicator.code, self.year
            ):
                approved, reported = self.ledgers.judged(
                    indicator,
                    self.year,
                    approved,
                    as_of,
                    unit_id=unit.id,
                    base=stock_before_plan(own.get(min(own))),
                )
            verdict = assess(
                indicator=alone,
                year=self.year,
                targets=targets,
                approved=approved,
                as_of=as_of,
                threshold=threshold,
                start=split.start,
                reported=reported,
            )
        self._verdicts[key] = verdict
        return verdict


def town_figures(*, year: int) -> TownFigures:
    """Read the splits up to the year, the members' approved figures and the
    ledgers' counts (4 queries; 3 when no ledger drives a year up to `year`)."""
    splits: dict[tuple[int, int], dict[int, TargetSplit]] = defaultdict(dict)
    # Every year's: the 2023 split's start is a unit's stock before the plan,
    # which its ledger count starts from.
    for split in TargetSplit.objects.filter(year__lte=year):
        splits[split.indicator_id, split.unit_id][split.year] = split
    approved: dict[tuple[int, int], Series] = defaultdict(list)
    if any(year in own for own in splits.values()):
        rows = (
            IndicatorValue.objects.filter(
                indicator__aggregation=Indicator.Aggregation.SUM,
                report__unit__parent__isnull=False,
                report__status=MonthlyReport.Status.APPROVED,
                report__period__gte=date(year - 1, 12, 1),
                report__period__lte=date(year, 12, 1),
            )
            .order_by("report__period")
            .values_list("indicator_id", "report__unit_id", "report__period", "value")
        )
        for indicator_id, unit_id, period, value in rows:
            approved[indicator_id, unit_id].append((period, value))
    return TownFigures(
        year=year,
        splits=dict(splits),
        approved=dict(approved),
        ledgers=ledger_counts(year=year),
    )
