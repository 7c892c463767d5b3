"""Many rows and their history written at once, for a province's return.

Django's bulk_create and django-simple-history's bulk helpers compile SQL for every
value of every row; for a return of 49 000 rows that was most of the import's time.
`rows_insert` sends the same INSERT with the values prepared by each field (so
they are stored as the ORM stores them), and `history_copy` has the database copy
the rows as stored into their history (INSERT … SELECT), so the audit holds exactly
what was written: each tracked field, plus when, why, what and who, as
simple-history records a save.
"""

from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, connections, models, router

META_COLUMNS = (
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user_id",
)


def rows_insert(model: type[models.Model], objects: Sequence[models.Model]) -> None:
    """INSERT new, unsaved rows of `model` (pk left to the database) and set
    each object's pk, as bulk_create does."""
    if not objects:
        return
    db = connections[router.db_for_write(model)]
    if not db.features.can_return_rows_from_bulk_insert:
        model.objects.bulk_create(objects)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = db.ops.quote_name
    pk = model._meta.pk
    head = (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(quote(f.column) for f in fields)}) VALUES "
    )
    row = f"({', '.join(['%s'] * len(fields))})"
    size = max(1, (db.features.max_query_params or 10_000) // len(fields))
    # Most columns repeat one value (the user, the time, a default): each value
    # is prepared once per field and type.
    prepared: list[dict] = [{} for _ in fields]

    def prepare(index: int, field: models.Field, obj: models.Model):
        value = field.pre_save(obj, True)
        try:
            return prepared[index][type(value), value]
        except KeyError:
            done = prepared[index][type(value), value] = field.get_db_prep_save(
                value, db
            )
            return done
        except TypeError:  # unhashable (a JSON value)
            return field.get_db_prep_save(value, db)

    with db.cursor() as cursor:
        for start in range(0, len(objects), size):
            chunk = objects[start : start + size]
            params = [
                prepare(index, field, obj)
                for obj in chunk
                for index, field in enumerate(fields)
            ]
            cursor.execute(
                head + ", ".join([row] * len(chunk)) + f" RETURNING {quote(pk.column)}",
                params,
            )
            for obj, (key,) in zip(chunk, cursor.fetchall(), strict=True):
                setattr(obj, pk.attname, key)
                obj._state.adding = False
                obj._state.db = db.alias


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


def statistics_refresh(*models: type[models.Model]) -> None:
    """Have PostgreSQL re-count these tables' rows (ANALYZE), inside the current
    transaction, whose own new rows it counts. Without it a table the planner last
    saw empty, which a first province-wide import has just filled with tens of
    thousands of rows, is read by nested loops that cost seconds per query and grow
    with every batch. Elsewhere there is nothing to do."""
    db = connections[router.db_for_write(models[0])]
    if db.vendor != "postgresql":
        return
    tables = ", ".join(db.ops.quote_name(m._meta.db_table) for m in models)
    with db.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")
