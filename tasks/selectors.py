from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, QuerySet

from indicators.models import Indicator, IndicatorValue
from tasks.models import (
    ChecklistItem,
    KeyTask,
    Responsibility,
    WorkList,
    WorkListEntry,
)
from units.models import MonthlyReport, Unit
from yuecheng_housing.periods import add_months


def key_task_list() -> QuerySet[KeyTask]:
    """Return the key tasks with section and units in the plan's order (2 queries)."""
    return (
        KeyTask.objects.select_related("section")
        .prefetch_related(
            Prefetch(
                "responsibilities",
                queryset=Responsibility.objects.select_related("unit").order_by(
                    "position"
                ),
            )
        )
        .order_by("number")
    )


def work_list_for_year(*, year: int) -> WorkList | None:
    """Return a year's work list with entries and items, or None (3 queries)."""
    return (
        WorkList.objects.prefetch_related(
            Prefetch(
                "entries",
                queryset=WorkListEntry.objects.select_related(
                    "indicator", "key_task"
                ).order_by("seq"),
            ),
            Prefetch(
                "entries__items", queryset=ChecklistItem.objects.order_by("position")
            ),
        )
        .filter(year=year)
        .first()
    )


def work_list_years() -> list[int]:
    return list(WorkList.objects.order_by("year").values_list("year", flat=True))


def items_carried_by(*, unit: Unit, year: int) -> list[ChecklistItem]:
    """Return the year's checklist items whose key task names the unit or its group."""
    named = [unit.pk] + ([unit.parent_id] if unit.parent_id else [])
    return list(
        ChecklistItem.objects.filter(
            entry__work_list__year=year,
            entry__key_task__responsibilities__unit_id__in=named,
        )
        .select_related("entry__work_list", "entry__key_task")
        .distinct()
        .order_by("entry__seq", "position")
    )


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
    from indicators.reporters import reporters_by_indicator

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
