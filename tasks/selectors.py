from django.db.models import Prefetch, QuerySet

from tasks.models import ChecklistItem, KeyTask, Responsibility, WorkList, WorkListEntry


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


def work_lists_with_items() -> QuerySet[WorkList]:
    """Return the work lists by year with entries and items (3 queries)."""
    return WorkList.objects.prefetch_related(
        Prefetch(
            "entries",
            queryset=WorkListEntry.objects.select_related(
                "indicator", "key_task"
            ).order_by("seq"),
        ),
        Prefetch("entries__items", queryset=ChecklistItem.objects.order_by("position")),
    ).order_by("year")


def work_list_for_year(*, year: int) -> WorkList | None:
    """Return a year's work list with entries and items, or None (3 queries)."""
    return work_lists_with_items().filter(year=year).first()


def work_list_years() -> list[int]:
    return list(WorkList.objects.order_by("year").values_list("year", flat=True))
