"""What boards, rankings, notices and the reporting panel are made of, as one digest.

Computing them costs time in proportion to the number of units (seconds at a
province's size), while the data behind them changes a few times a day. Pages
cache their results under this digest, so a cached answer is never stale, in any
process or on any server (the cache is shared: CACHE_URL).

Every write of returns, values, item progress, targets, units, items, indicators
and settings goes through services that keep django-simple-history records, so
the newest history id of each of those tables moves with any change, deletion
included; district figures, responsibilities and domains (no history) are small
tables read whole. One query, whatever the size of the big tables.
"""

import functools
import hashlib
from collections.abc import Callable
from datetime import date
from typing import TypeVar

from django.core.cache import cache
from django.db import connection

from hazards.models import HazardCase
from indicators.models import Domain, Indicator, PlanSettings, Target, TargetSplit
from projects.models import LedgerYear, Project
from reporting.models import DistrictValue, IndicatorValue, ItemProgress, MonthlyReport
from supervision.models import SupervisionItem, SupervisionSettings
from tasks.models import (
    ChecklistItem,
    ItemResponsibility,
    Responsibility,
    WorkList,
    WorkListEntry,
)
from units.models import Unit

T = TypeVar("T")
# Short: on PostgreSQL a history id can commit after a higher one was read, and
# each change leaves its old entries behind; ten minutes bounds both.
TIMEOUT = 600
TRACKED = [
    MonthlyReport,
    IndicatorValue,
    ItemProgress,
    Target,
    Unit,
    WorkList,
    WorkListEntry,
    ChecklistItem,
    # An item's own units (item_units_set writes only these rows): who carries
    # it, so who is overdue and ranked on it.
    ItemResponsibility,
    Indicator,
    PlanSettings,
    # A town's share of a year's target: its own verdict, ranking and count by
    # town (target_split_save writes only these rows).
    TargetSplit,
    HazardCase,
    SupervisionItem,
    SupervisionSettings,
    # A ledger that drives its indicator changes the figures (projects.counts).
    Project,
    LedgerYear,
]


@functools.cache
def _sql() -> str:
    # Table names come from the models, never from a request. Built once: each
    # `Model.history` builds a manager class, which cost a cached page a quarter
    # of its time.
    parts = [
        f"(SELECT MAX(history_id) FROM {m.history.model._meta.db_table})"
        for m in TRACKED
    ]
    # District figures are rebuilt by a command too, without history: a few
    # hundred rows (indicators × months), summed.
    district = DistrictValue._meta.db_table
    parts += [
        f"(SELECT COUNT(*) FROM {district})",
        f"(SELECT SUM(value) FROM {district})",
        f"(SELECT SUM(pending_value) FROM {district})",
    ]
    # Small tables without history, read whole as text in the same query: who
    # each key task names (a swap of units must change the digest) and the
    # domains' names.
    parts += [
        _rows_text(Responsibility, ["key_task_id", "unit_id", "position"]),
        _rows_text(Domain, ["id", "name"]),
    ]
    return "SELECT " + ", ".join(parts)


def _rows_text(model: type, columns: list[str]) -> str:
    """A subquery giving every row of a small table as one text, in id order,
    fields and rows apart by control characters no name holds."""
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        row = " || chr(31) || ".join(f"CAST({c} AS TEXT)" for c in columns)
        return f"(SELECT string_agg({row}, chr(30) ORDER BY id) FROM {table})"
    row = " || char(31) || ".join(f"CAST({c} AS TEXT)" for c in columns)
    return (
        f"(SELECT group_concat(r, char(30)) FROM "
        f"(SELECT {row} AS r FROM {table} ORDER BY id))"
    )


def data_fingerprint(*, today: date) -> str:
    """Return a digest of everything the cached pages are made of (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(_statement())
        row = cursor.fetchone()
    return hashlib.sha256(repr((today, row)).encode()).hexdigest()


def _statement() -> str:
    """The fingerprint's query; on PostgreSQL, a statement prepared once per
    database connection: planning its thirty subqueries took three times as long
    as running them (1.7 ms a page → 0.5 ms), on every cached page. A prepared
    statement outlives a rolled-back transaction and ends with its connection
    (`conn_max_age` keeps one for many requests); a new connection prepares it
    again. Called with a cursor open, so the connection is."""
    if connection.vendor != "postgresql":
        return _sql()
    raw = connection.connection
    if getattr(connection, "_fingerprint_prepared_on", None) is not raw:
        # On the driver's own cursor: plumbing, not one of the page's queries.
        with raw.cursor() as cursor:
            cursor.execute("PREPARE data_fingerprint AS " + _sql())
        connection._fingerprint_prepared_on = raw
    return "EXECUTE data_fingerprint"


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
