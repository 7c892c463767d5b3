"""Which database errors are "busy, retry" and which are real faults."""

import pytest
from django.db import IntegrityError, OperationalError

from yuecheng_housing.lib.db_busy import is_database_busy


class _PostgresError(Exception):
    def __init__(self, pgcode: str) -> None:
        super().__init__("could not obtain lock")
        self.pgcode = pgcode


def _wrapped(driver_error: Exception) -> OperationalError:
    """An error as Django raises it: its driver's error is the cause."""
    try:
        raise OperationalError(str(driver_error)) from driver_error
    except OperationalError as e:
        return e


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("database is locked"),
        OperationalError("database table is locked: reporting_indicatorvalue"),
        _wrapped(_PostgresError("55P03")),  # lock_timeout
        _wrapped(_PostgresError("40001")),  # serialization failure
        _wrapped(_PostgresError("40P01")),  # deadlock
    ],
)
def test_lock_timeouts_and_serialization_failures_are_busy(error):
    assert is_database_busy(error)


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("no such table: reporting_indicatorvalue"),
        OperationalError("disk I/O error"),
        _wrapped(_PostgresError("57P01")),  # the server shut down
        IntegrityError("database is locked"),  # not an OperationalError
        ValueError("database is locked"),
    ],
)
def test_other_errors_are_not_busy(error):
    assert not is_database_busy(error)
