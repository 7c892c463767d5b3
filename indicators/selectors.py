from django.db.models import Prefetch, QuerySet

from indicators.models import Indicator, Target


def indicator_list() -> QuerySet[Indicator]:
    """Return the 14 indicators with domain, key task and targets (3 queries)."""
    return (
        Indicator.objects.select_related("domain", "key_task")
        .prefetch_related(Prefetch("targets", queryset=Target.objects.order_by("year")))
        .order_by("code")
    )
