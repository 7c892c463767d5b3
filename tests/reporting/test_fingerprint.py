"""The data's fingerprint, which keys every cached page: on PostgreSQL a
statement prepared once per connection, prepared again on a new one."""

from datetime import date

import pytest
from django.db import connection

from indicators.models import Domain
from reporting.fingerprint import data_fingerprint

DAY = date(2026, 11, 16)


@pytest.mark.django_db(transaction=True)
def test_the_fingerprint_follows_the_data_across_connections():
    first = data_fingerprint(today=DAY)
    assert data_fingerprint(today=DAY) == first
    connection.close()  # a new connection: on PostgreSQL, prepared again
    assert data_fingerprint(today=DAY) == first
    Domain.objects.create(name="测试领域", position=99)
    changed = data_fingerprint(today=DAY)
    assert changed != first
    connection.close()
    assert data_fingerprint(today=DAY) == changed
    assert data_fingerprint(today=date(2026, 11, 17)) != changed
