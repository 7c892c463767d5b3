"""History rows for many saved rows at once, copied by the database.

django-simple-history's bulk helpers build a Python object and compile an INSERT
for every history row; for a province's return of 49 000 rows that was most of the
import's time. Here the database copies the rows as stored (INSERT … SELECT) in a
few statements, so the audit holds exactly what was written. The rows are the ones
simple-history writes: each tracked field, plus when, why, what and who.
"""

from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, models

META_COLUMNS = (
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user_id",
)


def history_copy(
    model: type[models.Model],
    pks: Sequence[int],
    *,
    history_type: str,
    user: AbstractBaseUser | None,
    reason: str,
    when: datetime,
) -> None:
    """Record the rows `pks` of `model`, as now stored, in its history: "+" for
    rows just created, "~" for rows just changed."""
    if not pks or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    history = model.history.model
    tracked = [f.column for f in model._meta.concrete_fields]
    columns = [f.column for f in history._meta.concrete_fields]
    # A history model with fields of its own (history_relation, extra fields)
    # cannot be copied this way: say so rather than write a partial audit.
    expected = set(tracked) | set(META_COLUMNS) | {history._meta.pk.column}
    if set(columns) != expected:
        raise ValueError(f"{history.__name__} has fields this copy does not fill")
    quote = connection.ops.quote_name
    meta = [
        connection.ops.adapt_datetimefield_value(when),
        reason,
        history_type,
        user.pk if user is not None else None,
    ]
    head = (
        f"INSERT INTO {quote(history._meta.db_table)} "
        f"({', '.join(quote(c) for c in [*tracked, *META_COLUMNS])}) "
        f"SELECT {', '.join(quote(c) for c in tracked)}, %s, %s, %s, %s "
        f"FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.pk.column)} IN "
    )
    order = quote(model._meta.pk.column)
    size = (connection.features.max_query_params or 10_000) - len(meta)
    with connection.cursor() as cursor:
        for start in range(0, len(pks), size):
            chunk = list(pks[start : start + size])
            cursor.execute(
                head + f"({', '.join(['%s'] * len(chunk))}) ORDER BY {order}",
                [*meta, *chunk],
            )
