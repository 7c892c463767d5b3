import hashlib
from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, Q

from indicators.models import Indicator
from reporting.models import IndicatorValue, MonthlyReport
from reporting.obligations import items_carried_by, units_owing_returns
from reporting.return_state import submitted_late
from units.models import Unit
from yuecheng_housing.lib.periods import add_months


@dataclass
class ReviewItem:
    report: MonthlyReport
    late: bool
    lines: list[dict]


def review_queue(*, deadline_day: int) -> list[ReviewItem]:
    """Return submitted months awaiting review, each value beside last month's and
    the year's target (4 queries)."""
    from indicators.models import Target
    from reporting.models import IndicatorValue

    reports = list(
        MonthlyReport.objects.filter(status=MonthlyReport.Status.SUBMITTED)
        .select_related("unit", "submitted_by")
        .prefetch_related(
            Prefetch(
                "values",
                queryset=IndicatorValue.objects.select_related("indicator").order_by(
                    "indicator__code"
                ),
            )
        )
        .order_by("submitted_at")
    )
    previous_keys = Q(pk__in=[])
    for r in reports:
        previous_keys |= Q(
            report__unit_id=r.unit_id, report__period=add_months(r.period, -1)
        )
    previous = {
        (v.report.unit_id, v.indicator_id): v.value
        for v in IndicatorValue.objects.filter(previous_keys).select_related("report")
    }
    years = {r.period.year for r in reports}
    targets = {
        (t.indicator_id, t.year): t for t in Target.objects.filter(year__in=years)
    }
    return [
        ReviewItem(
            report=r,
            late=submitted_late(r.submitted_at, r.period, deadline_day),
            lines=[
                {
                    "value": v,
                    "previous": previous.get((r.unit_id, v.indicator_id)),
                    "target": targets.get((v.indicator_id, r.period.year)),
                }
                for v in r.values.all()
            ],
        )
        for r in reports
    ]


@dataclass
class ReportingRecord:
    unit: Unit
    state: str  # on_time / late / pending / returned / missing / not_due
    label: str
    submitted_at: object = None


def reporting_status(*, period, deadline_day: int, today=None) -> list[ReportingRecord]:
    """Return, for every unit that owes a return for `period`, how it stands
    against the deadline (5 queries)."""
    from django.utils import timezone

    from reporting.return_state import entry_deadline

    today = today or timezone.localdate()
    due = entry_deadline(period, deadline_day)
    expected = {u.pk: u for u in units_owing_returns(year=period.year)}
    reports = {
        r.unit_id: r
        for r in MonthlyReport.objects.filter(period=period, unit__in=expected)
    }
    records = []
    for unit in sorted(expected.values(), key=lambda u: (u.parent_id or 0, u.position)):
        report = reports.get(unit.pk)
        status = report.status if report else None
        if status in (MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.APPROVED):
            late = submitted_late(report.submitted_at, period, deadline_day)
            state, label = ("late", "迟报") if late else ("on_time", "按时")
        elif status == MonthlyReport.Status.RETURNED:
            state, label = "returned", "退回待改"
        elif today > due:
            state, label = "missing", "未报送"
        else:
            state, label = "not_due", "待报送"
        records.append(
            ReportingRecord(unit, state, label, report.submitted_at if report else None)
        )
    return records


NAMES_SHOWN = 30


def reporting_summary(*, period, deadline_day: int) -> dict:
    """Return how many units reported `period` on time, late or not at all, and the
    names of those late, missing or returned (at most 30 each), for the home page.

    Cached under a fingerprint of the month's returns and of the units (two cheap
    queries), so a submission, review or new unit makes a new key; the full count
    costs time in proportion to the number of units and is not paid on every view.
    """
    from django.core.cache import cache
    from django.db.models import Count, Max
    from django.utils import timezone

    returns = MonthlyReport.objects.filter(period=period).aggregate(
        n=Count("id"), submitted=Max("submitted_at"), reviewed=Max("reviewed_at")
    )
    units = Unit.objects.aggregate(n=Count("id"), last=Max("id"))
    today = timezone.localdate()
    fingerprint = "|".join(
        str(v)
        for v in (period, deadline_day, today, *returns.values(), *units.values())
    )
    key = "reporting:" + hashlib.sha256(fingerprint.encode()).hexdigest()
    summary = cache.get(key)
    if summary is None:
        records = reporting_status(
            period=period, deadline_day=deadline_day, today=today
        )
        summary = {"counts": {}, "names": {}}
        for record in records:
            summary["counts"][record.state] = summary["counts"].get(record.state, 0) + 1
            if record.state in ("late", "missing", "returned"):
                summary["names"].setdefault(record.state, []).append(record.unit.name)
        summary["names"] = {
            state: (names[:NAMES_SHOWN], max(0, len(names) - NAMES_SHOWN))
            for state, names in summary["names"].items()
        }
        cache.set(key, summary, timeout=600)
    return summary


@dataclass
class EntryLine:
    subject: object  # an Indicator or a ChecklistItem
    stored: object | None  # its IndicatorValue or ItemProgress this month
    previous: object | None = None  # last month's IndicatorValue


@dataclass
class MonthlyEntry:
    report: MonthlyReport | None
    indicators: list[EntryLine]
    items: list[EntryLine]


def monthly_entry(*, unit: Unit, period: date) -> MonthlyEntry:
    """Return what a unit reports for a month, with what it has stored so far."""
    from reporting.obligations import reporters_by_indicator

    reporters = reporters_by_indicator()
    indicators = [
        i for i in Indicator.objects.order_by("code") if unit in reporters.get(i.pk, [])
    ]
    report = MonthlyReport.objects.filter(unit=unit, period=period).first()
    values = {}
    progress = {}
    if report is not None:
        values = {v.indicator_id: v for v in report.values.select_related("updated_by")}
        progress = {
            p.item_id: p
            for p in report.item_progress.select_related("updated_by").prefetch_related(
                "evidence"
            )
        }
    previous = {
        v.indicator_id: v
        for v in IndicatorValue.objects.filter(
            report__unit=unit, report__period=add_months(period, -1)
        )
    }
    items = items_carried_by(unit=unit, year=period.year)
    return MonthlyEntry(
        report=report,
        indicators=[
            EntryLine(i, values.get(i.pk), previous.get(i.pk)) for i in indicators
        ],
        items=[EntryLine(item, progress.get(item.pk)) for item in items],
    )
