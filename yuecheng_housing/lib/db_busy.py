"""Which database errors mean "busy, try again" rather than "broken".

A write that waited its whole busy timeout for another writer (SQLite's "database
is locked"), or that PostgreSQL gave up on (lock timeout, deadlock, serialization
failure), was rolled back and will succeed when sent again unchanged: the user
should be told so, not shown the 500 page that says something broke.
"""

from django.db import OperationalError

BUSY_DETAIL = "系统繁忙，请稍后重试。您的这次操作未保存。"
# Long enough for the writer holding the lock to finish, short enough to wait for.
RETRY_AFTER_SECONDS = 5

_SQLITE_MESSAGES = ("database is locked", "database table is locked")
# lock_not_available (lock_timeout, NOWAIT), serialization_failure, deadlock_detected.
_POSTGRES_STATES = {"55P03", "40001", "40P01"}


def is_database_busy(exc: BaseException) -> bool:
    """Return whether `exc` is a lock or serialization failure worth retrying."""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    # psycopg2 names the SQLSTATE pgcode, psycopg 3 sqlstate.
    state = getattr(cause, "pgcode", None) or getattr(cause, "sqlstate", None)
    if state in _POSTGRES_STATES:
        return True
    text = str(exc).lower()
    return any(message in text for message in _SQLITE_MESSAGES)
