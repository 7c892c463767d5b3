from dataclasses import replace

from django.db.models import Prefetch, QuerySet

from indicators.inconsistencies import Inconsistency, PlanFacts, find_inconsistencies
from indicators.models import Indicator, PlanNote, Target
from indicators.plan_document import plan_document
from tasks.models import ChecklistItem, WorkListEntry


def indicator_list() -> QuerySet[Indicator]:
    """Return the 14 indicators with domain, key task and targets (3 queries)."""
    return (
        Indicator.objects.select_related("domain", "key_task")
        .prefetch_related(Prefetch("targets", queryset=Target.objects.order_by("year")))
        .order_by("code")
    )


def plan_facts() -> PlanFacts:
    """Return what the inconsistency rules read (4 queries)."""
    indicators = {i.code: i for i in Indicator.objects.all()}
    targets = {
        (t.indicator.code, t.year): t
        for t in Target.objects.select_related("indicator")
    }
    entries = list(
        WorkListEntry.objects.select_related("work_list", "indicator")
        .prefetch_related(
            Prefetch("items", queryset=ChecklistItem.objects.order_by("position"))
        )
        .order_by("work_list__year", "seq")
    )
    return PlanFacts(indicators, targets, entries, plan_document())


def plan_inconsistencies() -> list[Inconsistency]:
    """Return every place where the plan disagrees with itself, each with the
    admin's note (5 queries).

    Found by the rules of indicators.inconsistencies over the database's table and
    work lists and the plan's text, plus the few noted there by hand: revise a
    target to agree and its inconsistency is gone.
    """
    found = find_inconsistencies(plan_facts())
    notes = dict(PlanNote.objects.values_list("key", "note"))
    return [replace(i, note=notes.get(i.key, "")) for i in found]


def inconsistency_keys(*, code: int) -> list[str]:
    """Return the keys of the plan's inconsistencies about one indicator
    (4 queries: the notes are not read)."""
    return [i.key for i in find_inconsistencies(plan_facts()) if code in i.codes]
