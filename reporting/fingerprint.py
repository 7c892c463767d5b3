"""What boards, rankings, notices and the reporting panel are made of, as one digest.

Computing them costs time in proportion to the number of units (seconds at a
province's size), while the data behind them changes a few times a day. Pages
cache their results under this digest, so a cached answer is never stale, in any
process or on any server (the cache is shared: CACHE_URL).

Every write of returns, values, item progress, targets, units, items, indicators
and settings goes through services that keep django-simple-history records, so
the newest history id of each of those tables moves with any change, deletion
included; responsibilities (no history) are summed. One query, each part read
from an index, whatever the size of the tables.
"""

import hashlib
from collections.abc import Callable
from datetime import date
from typing import TypeVar

from django.core.cache import cache
from django.db import connection

from indicators.models import Indicator, PlanSettings, Target
from reporting.models import IndicatorValue, ItemProgress, MonthlyReport
from tasks.models import ChecklistItem, Responsibility
from units.models import Unit

T = TypeVar("T")
TIMEOUT = 24 * 3600
TRACKED = [
    MonthlyReport,
    IndicatorValue,
    ItemProgress,
    Target,
    Unit,
    ChecklistItem,
    Indicator,
    PlanSettings,
]


def _sql() -> str:
    # Table names come from the models, never from a request.
    parts = [
        f"(SELECT MAX(history_id) FROM {m.history.model._meta.db_table})"
        for m in TRACKED
    ]
    table = Responsibility._meta.db_table
    parts.append(
        f"(SELECT COUNT(*) FROM {table})",
    )
    parts.append(
        f"(SELECT SUM(id * 7919 + unit_id * 31 + position) FROM {table})",
    )
    return "SELECT " + ", ".join(parts)


def data_fingerprint(*, today: date) -> str:
    with connection.cursor() as cursor:
        cursor.execute(_sql())
        row = cursor.fetchone()
    return hashlib.sha256(repr((today, row)).encode()).hexdigest()


def cached_for_data(
    name: str, *, year: int, today: date, key: tuple, compute: Callable[[], T]
) -> T:
    """Return `compute()` for these data, computing it only when they changed."""
    digest = data_fingerprint(today=today)
    asked = hashlib.sha256(repr(key).encode()).hexdigest()[:16]
    cache_key = f"{name}:{year}:{asked}:{digest}"
    found = cache.get(cache_key)
    if found is None:
        found = compute()
        cache.set(cache_key, found, timeout=TIMEOUT)
    return found
