"""Two people saving the same month's value at once: one wins, the other is told."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from indicators.models import Indicator
from indicators.plan_loader import plan_load
from reporting.models import IndicatorValue
from reporting.services import indicator_value_save
from units.models import Unit
from units.roles import Role
from yuecheng_housing.lib.errors import Conflict

PERIOD = date(2023, 6, 1)


def test_a_stale_version_is_refused_with_who_and_when(record, admin_user):
    first = record("区建设局", 2, "2023-06", "1.2", status="draft")
    unit, indicator = first.report.unit, first.indicator
    indicator_value_save(
        user=admin_user, unit=unit, indicator=indicator, period=PERIOD,
        value=Decimal("1.3"), expected_version=1,
    )  # fmt: skip
    with pytest.raises(Conflict, match=r"已被他人修改（coordinator，\d{4}-\d\d-\d\d"):
        indicator_value_save(
            user=admin_user, unit=unit, indicator=indicator, period=PERIOD,
            value=Decimal("1.4"), expected_version=1,
        )  # fmt: skip
    assert IndicatorValue.objects.get().value == Decimal("1.3")


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it)"
)
def test_two_concurrent_saves_one_wins(transactional_db, make_user):
    plan_load()
    users = [make_user(f"u{i}", Role.REPORTER, ["区建设局"]) for i in range(2)]
    unit = Unit.objects.get(name="区建设局")
    indicator = Indicator.objects.get(code=2)
    base = indicator_value_save(
        user=users[0], unit=unit, indicator=indicator, period=PERIOD, value=Decimal("1")
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def save(user, value):
        try:
            barrier.wait()
            indicator_value_save(
                user=user, unit=unit, indicator=indicator, period=PERIOD,
                value=Decimal(value), expected_version=base.version,
            )  # fmt: skip
            outcomes.append("saved")
        except Conflict as e:
            outcomes.append(e.code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(users[0], "1.1")),
        threading.Thread(target=save, args=(users[1], "1.2")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["saved", "stale"]
    stored = IndicatorValue.objects.get()
    assert stored.version == 2
    assert stored.history.count() == 2
