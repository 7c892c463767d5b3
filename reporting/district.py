from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from indicators.models import Indicator
from reporting.models import DistrictValue, IndicatorValue, MonthlyReport
from reporting.obligations import reporters_by_indicator


def district_values_refresh(
    *, indicator_ids: Iterable[int], periods: Iterable[date]
) -> None:
    """Recompute the district figures of these indicators from these months on.

    A whole indicator's figure is its reporter's value that month. A summed one
    adds each contributing unit's latest value up to that month, so that a unit
    that has not reported yet counts with its last cumulative figure rather than
    as zero; `units_reported` says how many reported that very month. Since a
    summed month carries into later ones, those are recomputed too.
    """
    indicator_ids, periods = set(indicator_ids), set(periods)
    if not indicator_ids or not periods:
        return
    reporters = reporters_by_indicator()
    aggregation = dict(
        Indicator.objects.filter(pk__in=indicator_ids).values_list("id", "aggregation")
    )
    summed = {i for i, a in aggregation.items() if a == Indicator.Aggregation.SUM}
    todo = {(i, p) for i in indicator_ids for p in periods}
    todo |= set(
        DistrictValue.objects.filter(
            indicator_id__in=summed, period__gt=min(periods)
        ).values_list("indicator_id", "period")
    )
    rows = (
        IndicatorValue.objects.filter(
            indicator_id__in=indicator_ids, report__period__lte=max(p for _, p in todo)
        )
        .exclude(report__status=MonthlyReport.Status.DRAFT)
        .exclude(report__status=MonthlyReport.Status.SENT_BACK)
        .values_list(
            "indicator_id",
            "report__unit_id",
            "report__period",
            "report__status",
            "value",
        )
        .order_by("report__period")
    )
    history: dict[tuple[int, int], list[tuple[date, bool, Decimal]]] = defaultdict(list)
    for indicator_id, unit_id, period, status, value in rows:
        approved = status == MonthlyReport.Status.APPROVED
        history[indicator_id, unit_id].append((period, approved, value))

    for indicator_id, period in sorted(todo):
        expected = [u.pk for u in reporters.get(indicator_id, [])]
        carry = indicator_id in summed
        approved, pending, fresh, fresh_pending = [], [], 0, 0
        for unit_id in expected:
            seen = [h for h in history[indicator_id, unit_id] if h[0] <= period]
            if not carry:
                seen = [h for h in seen if h[0] == period]
            last_approved = next((h for h in reversed(seen) if h[1]), None)
            last_any = seen[-1] if seen else None
            if last_approved:
                approved.append(last_approved[2])
                fresh += last_approved[0] == period
            if last_any:
                pending.append(last_any[2])
                fresh_pending += last_any[0] == period and not last_any[1]
        DistrictValue.objects.update_or_create(
            indicator_id=indicator_id,
            period=period,
            defaults={
                "value": sum(approved) if approved and fresh else None,
                "pending_value": sum(pending)
                if pending and (fresh or fresh_pending)
                else None,
                "units_reported": fresh,
                "units_pending": fresh_pending,
                "units_expected": len(expected),
            },
        )
