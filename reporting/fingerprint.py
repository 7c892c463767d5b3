"""What a year's boards, rankings and notices are made of, as one digest.

Computing them costs time in proportion to the number of units (seconds at a
province's size), while the data behind them changes a few times a day. Pages
cache their results under this digest: it changes with any return, transition,
item progress, district figure, target, roster or responsibility change and with
the day, so a cached answer is never stale, in any process or on any server (the
cache is shared: CACHE_URL). Nine aggregate queries, a few milliseconds each.
"""

import hashlib
from collections.abc import Callable
from datetime import date
from typing import TypeVar

from django.core.cache import cache
from django.db.models import Count, Max, Sum

from indicators.models import Indicator, PlanSettings, Target
from reporting.models import DistrictValue, ItemProgress, MonthlyReport
from tasks.models import ChecklistItem, Responsibility
from units.models import Unit

T = TypeVar("T")
TIMEOUT = 24 * 3600


def data_fingerprint(*, year: int, today: date) -> str:
    # A year's notices and rankings also read December and January around it.
    first, last = date(year - 1, 12, 1), date(year + 1, 1, 1)
    parts = [
        year,
        today,
        MonthlyReport.objects.filter(period__range=(first, last)).aggregate(
            n=Count("id"),
            versions=Sum("version"),
            submitted=Max("submitted_at"),
            reviewed=Max("reviewed_at"),
        ),
        ItemProgress.objects.aggregate(
            n=Count("id"), versions=Sum("version"), last=Max("updated_at")
        ),
        DistrictValue.objects.filter(period__range=(first, last)).aggregate(
            n=Count("id"), values=Sum("value"), pending=Sum("pending_value")
        ),
        Target.objects.aggregate(n=Count("id"), values=Sum("value")),
        Unit.history.aggregate(n=Count("history_id"), last=Max("history_date")),
        list(
            Responsibility.objects.order_by("pk").values_list(
                "key_task_id", "unit_id", "position"
            )
        ),
        ChecklistItem.objects.aggregate(n=Count("id"), last=Max("id")),
        list(Indicator.objects.values_list("key_task_id", "aggregation")),
        list(PlanSettings.objects.values_list()),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def cached_for_data(
    name: str, *, year: int, today: date, key: tuple, compute: Callable[[], T]
) -> T:
    """Return `compute()` for these data, computing it only when they changed."""
    digest = data_fingerprint(year=year, today=today)
    asked = hashlib.sha256(repr(key).encode()).hexdigest()[:16]
    cache_key = f"{name}:{year}:{asked}:{digest}"
    found = cache.get(cache_key)
    if found is None:
        found = compute()
        cache.set(cache_key, found, timeout=TIMEOUT)
    return found
