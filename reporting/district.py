"""The district's monthly figures (`DistrictValue`), derived from the units' values.

A whole indicator's figure is its reporter's value that month. A summed one adds
each contributing unit's latest value up to that month, so that a unit that has
not reported yet counts with its last cumulative figure rather than as zero;
`units_reported` says how many reported that very month. `value` counts approved
months only; `pending_value` also those submitted and awaiting review.

The table is kept current by the transitions (submit, withdraw, review, reopen)
and by every change to who reports what (`district_values_follow_roster`); it can
be rebuilt from scratch and checked against a full recomputation
(`manage.py rebuild_district_values [--check]`).
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from indicators.models import Indicator
from reporting.models import DistrictValue, IndicatorValue, MonthlyReport
from reporting.obligations import roster
from yuecheng_housing.lib.numbers import format_decimal

FIELDS = ["value", "pending_value", "units_reported", "units_pending", "units_expected"]
COUNTED = (MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.APPROVED)


def _compute(
    indicator_ids: set[int], periods: set[date], *, carry_later: bool
) -> dict[tuple[int, date], dict]:
    """Return the figures of these indicators and months (and, for summed ones with
    `carry_later`, every later month already in the table), by (indicator, month)."""
    if not indicator_ids or not periods:
        return {}
    current = roster()
    aggregation = dict(
        Indicator.objects.filter(pk__in=indicator_ids).values_list("id", "aggregation")
    )
    summed = {i for i, a in aggregation.items() if a == Indicator.Aggregation.SUM}
    todo = {(i, p) for i in indicator_ids for p in periods}
    if carry_later:
        todo |= set(
            DistrictValue.objects.filter(
                indicator_id__in=summed, period__gt=min(periods)
            ).values_list("indicator_id", "period")
        )
    rows = (
        IndicatorValue.objects.filter(
            indicator_id__in=indicator_ids, report__period__lte=max(p for _, p in todo)
        )
        .filter(report__status__in=COUNTED)
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

    figures = {}
    for indicator_id, period in sorted(todo):
        expected = [u.pk for u in current.reporters_at(period).get(indicator_id, [])]
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
        figures[indicator_id, period] = {
            "value": sum(approved) if approved and fresh else None,
            "pending_value": sum(pending)
            if pending and (fresh or fresh_pending)
            else None,
            "units_reported": fresh,
            "units_pending": fresh_pending,
            "units_expected": len(expected),
        }
    return figures


def district_values_refresh(
    *, indicator_ids: Iterable[int], periods: Iterable[date]
) -> None:
    """Recompute the district figures of these indicators from these months on
    (a summed month carries into later ones, so those are recomputed too)."""
    indicator_ids, periods = set(indicator_ids), set(periods)
    if not indicator_ids or not periods:
        return
    # Two towns submitting the same summed count at once: each recomputation waits
    # for the other's commit, so neither misses the other's value. The lock also
    # means no one else creates these indicators' rows meanwhile.
    list(Indicator.objects.select_for_update().filter(pk__in=indicator_ids))
    figures = _compute(indicator_ids, periods, carry_later=True)
    # Read, then write only what changed, in bulk: update_or_create would cost two
    # queries and a savepoint per month, and PostgreSQL slows down for the whole
    # transaction once it holds more than 64 savepoints.
    stored = {
        (row.indicator_id, row.period): row
        for row in DistrictValue.objects.filter(
            indicator_id__in=indicator_ids,
            period__in={period for _, period in figures},
        )
    }
    changed, new = [], []
    for (indicator_id, period), values in figures.items():
        row = stored.get((indicator_id, period))
        if row is None:
            new.append(
                DistrictValue(indicator_id=indicator_id, period=period, **values)
            )
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            changed.append(row)
    DistrictValue.objects.bulk_update(changed, FIELDS, batch_size=500)
    DistrictValue.objects.bulk_create(new, batch_size=500)


def _full_recomputation(indicator_ids: set[int]) -> dict[tuple[int, date], dict]:
    """Every month that has a submitted value of any of these indicators, and
    every month after the first of them (a summed figure carries forward)."""
    periods = set(
        IndicatorValue.objects.filter(
            indicator_id__in=indicator_ids, report__status__in=COUNTED
        ).values_list("report__period", flat=True)
    )
    figures = {}
    for indicator_id in indicator_ids:
        figures |= _compute({indicator_id}, periods, carry_later=False)
    # A month where nothing was reported and nothing carries is not stored.
    return {
        key: f
        for key, f in figures.items()
        if f["value"] is not None or f["pending_value"] is not None
    }


@transaction.atomic
def district_values_rebuild(*, indicator_ids: Iterable[int] | None = None) -> int:
    """Rebuild the derived table from the units' values; return the rows written."""
    ids = set(indicator_ids or Indicator.objects.values_list("id", flat=True))
    figures = _full_recomputation(ids)
    DistrictValue.objects.filter(indicator_id__in=ids).delete()
    DistrictValue.objects.bulk_create(
        DistrictValue(indicator_id=i, period=p, **f) for (i, p), f in figures.items()
    )
    return len(figures)


@dataclass
class Mismatch:
    indicator_id: int
    period: date
    stored: dict | None
    expected: dict | None


def district_values_check() -> list[Mismatch]:
    """Compare the derived table with a full recomputation; return the differences."""
    ids = set(Indicator.objects.values_list("id", flat=True))
    expected = _full_recomputation(ids)
    stored = {
        (row["indicator_id"], row["period"]): {f: row[f] for f in FIELDS}
        for row in DistrictValue.objects.values("indicator_id", "period", *FIELDS)
        # A stored month with nothing in it says the same as no row.
        if row["value"] is not None or row["pending_value"] is not None
    }
    return [
        Mismatch(key[0], key[1], stored.get(key), expected.get(key))
        for key in sorted(set(stored) | set(expected))
        if stored.get(key) != expected.get(key)
    ]


def _obligations_snapshot() -> dict[int, tuple]:
    """Return, per indicator, everything its reporters in any month depend on."""
    current = roster()
    snapshot = {}
    for indicator in current.indicators:
        named = current.named.get(indicator.key_task_id, [])
        members = [m for u in named if u.is_group for m in current.members[u.pk]]
        snapshot[indicator.pk] = (
            indicator.aggregation,
            tuple(
                (u.pk, u.is_active, u.reports_from, u.reports_until, u.parent_id)
                for u in [*named, *members]
            ),
        )
    return snapshot


class ApprovedFiguresChanged(ValidationError):
    """A roster change would rewrite district figures already approved."""


# How many of the figures a refusal names before "等N处".
NAMED_CHANGES = 3


@contextmanager
def district_values_follow_roster() -> Iterator[None]:
    """Rebuild the figures of every indicator whose reporters or aggregation the
    enclosed change alters (a town added or retired, a responsibility moved, an
    indicator summed instead of whole), in the same transaction.

    Roster, responsibility and indicator changes (the admin, demo data, the plan
    loader) run inside this, so the dashboard never shows figures computed under
    the old roster. A change that would alter an approved month's district figure
    is refused (ApprovedFiguresChanged, everything rolled back): an approved month
    stays as it was approved. The message names the figures and what to do
    instead (an 起报/止报月份 after the last approved month, or reopen the months).
    """
    with transaction.atomic():
        before = _obligations_snapshot()
        yield
        after = _obligations_snapshot()
        changed = {
            i for i in before.keys() | after.keys() if before.get(i) != after.get(i)
        }
        if changed:
            approved = _approved_figures(changed)
            district_values_rebuild(indicator_ids=changed)
            altered = [
                (key, old, new)
                for key, new in _approved_figures(changed, keys=approved).items()
                if (old := approved.get(key)) != new
            ]
            if altered:
                raise ApprovedFiguresChanged(_altered_message(altered), code="approved")


def _approved_figures(
    indicator_ids: set[int], keys: dict | None = None
) -> dict[tuple[int, date], Decimal | None]:
    """The approved district figure of each month of these indicators that has
    one; with `keys`, the current figure (or None) of each of those months."""
    rows = dict(
        ((indicator_id, period), value)
        for indicator_id, period, value in DistrictValue.objects.filter(
            indicator_id__in=indicator_ids, value__isnull=False
        ).values_list("indicator_id", "period", "value")
    )
    if keys is None:
        return rows
    return {key: rows.get(key) for key in keys}


def _altered_message(altered: list) -> str:
    names = dict(Indicator.objects.values_list("id", "name"))
    altered.sort(key=lambda a: (a[0][1], names.get(a[0][0], "")))
    shown = "；".join(
        f"{names.get(indicator_id)} {period:%Y年%-m月} "
        f"{format_decimal(old)} → {'无' if new is None else format_decimal(new)}"
        for (indicator_id, period), old, new in altered[:NAMED_CHANGES]
    )
    more = f"等{len(altered)}处" if len(altered) > NAMED_CHANGES else ""
    return (
        f"该修改会改变已审核月份的全区数（{shown}{more}），未保存。已审核的月份保持"
        "审核时的数值：如单位自某月起不再（或开始）填报，请把止报（起报）月份设在"
        "最后一个已审核月份之后；确需改动历史数据，请先将相关月份退回后再修改。"
    )
