"""N× the demo district: how the product behaves at a city's or a province's size.

`demo_data --scale N` first writes the ordinary demo district through the services,
then adds N × 30 towns under 各镇街, each with every month until last month approved
(submitted by the 4th) for the indicators towns report, and progress on the items
the town group carries. At 100× that is 3 000 towns and about 2.5 million values, so
these rows are written in bulk: this is test data, not a return, and it keeps no
history. The district figures are then recomputed by the product's own service.
"""

from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from itertools import islice
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from indicators.models import Indicator
from reporting.district import district_values_rebuild
from reporting.models import IndicatorValue, ItemProgress, MonthlyReport
from reporting.obligations import obligations_for, roster
from units.models import Unit
from yuecheng_housing.lib.periods import add_months

TOWNS_PER_SCALE = 30
SHANGHAI = ZoneInfo("Asia/Shanghai")
BATCH = 20_000


def _batched(rows: Iterator, size: int = BATCH) -> Iterator[list]:
    while batch := list(islice(rows, size)):
        yield batch


def scale_write(
    *, scale: int, user: AbstractBaseUser, first: date, last: date
) -> tuple[int, int]:
    """Add scale × 30 towns with approved months from `first` to `last`; return
    (towns added, values written)."""
    group = Unit.objects.get(name="各镇街")
    start = Unit.objects.filter(parent=group).count() + 1
    count = scale * TOWNS_PER_SCALE
    with transaction.atomic():
        Unit.objects.bulk_create(
            Unit(
                name=f"演示镇街{n:05d}",
                kind=Unit.Kind.TOWN,
                parent=group,
                position=start + n,
                reports_from=first,
            )
            for n in range(count)
        )
        towns = list(Unit.objects.filter(name__startswith="演示镇街").order_by("pk"))
        months = []
        month = first
        while month <= last:
            months.append(month)
            month = add_months(month, 1)
        current = roster()
        indicators = {i.pk: i for i in Indicator.objects.prefetch_related("targets")}
        reported = sorted(current.indicator_ids_at(towns[0], first))
        MonthlyReport.objects.bulk_create(
            (
                MonthlyReport(
                    unit=town,
                    period=month,
                    status=MonthlyReport.Status.APPROVED,
                    submitted_at=_moment(add_months(month, 1), 4),
                    submitted_by=user,
                    reviewed_at=_moment(add_months(month, 1), 6),
                    reviewed_by=user,
                )
                for town in towns
                for month in months
            ),
            batch_size=BATCH,
        )
        reports = MonthlyReport.objects.filter(unit__in=towns).values_list(
            "pk", "unit_id", "period"
        )
        written = 0
        values = (
            IndicatorValue(
                report_id=report_id,
                indicator_id=code,
                value=_value(indicators[code], unit_id, period),
                updated_at=_moment(add_months(period, 1), 2),
                updated_by=user,
            )
            for report_id, unit_id, period in reports.iterator(chunk_size=BATCH)
            for code in reported
        )
        for batch in _batched(values):
            IndicatorValue.objects.bulk_create(batch)
            written += len(batch)
        _item_progress(towns, months, user)
        district_values_rebuild()
    return count, written


def _moment(month: date, day: int) -> datetime:
    return datetime.combine(month.replace(day=day), time(10), tzinfo=SHANGHAI)


def _value(indicator: Indicator, unit_id: int, period: date) -> Decimal:
    """A small plausible figure: rates near 90 %, counts growing through the year."""
    wobble = Decimal((unit_id * 7 + period.month) % 10) / 10
    if indicator.kind == Indicator.Kind.RATE:
        return Decimal(88) + wobble
    step = Decimal(period.month + 12 * (period.year - 2023))
    return (step * Decimal("0.01") + wobble / 100).quantize(
        Decimal(1).scaleb(-indicator.decimals)
    )


def _item_progress(towns: list[Unit], months: list[date], user) -> None:
    """Each town reports its items done in the month they fall due."""
    reports = {
        (unit_id, period): pk
        for pk, unit_id, period in MonthlyReport.objects.filter(
            unit__in=towns
        ).values_list("pk", "unit_id", "period")
    }
    rows = []
    for year in sorted({m.year for m in months}):
        obligations = obligations_for(year=year)
        items = obligations.items_of(towns[0])
        for item in items:
            due = item.deadline.replace(day=1)
            if due not in months:
                continue
            rows.extend(
                ItemProgress(
                    report_id=reports[town.pk, due],
                    item=item,
                    status=ItemProgress.Status.DONE,
                    completed_on=item.deadline,
                    updated_at=_moment(add_months(due, 1), 2),
                    updated_by=user,
                )
                for town in towns
            )
    for batch in _batched(iter(rows)):
        ItemProgress.objects.bulk_create(batch)
