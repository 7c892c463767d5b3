"""A batch's history is copied by the database, row for row what was stored, the
same rows django-simple-history writes for a single save."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from indicators.models import Indicator
from reporting.models import IndicatorValue, MonthlyReport
from reporting.services import ValueLine, indicator_values_save
from units.models import Unit

pytestmark = pytest.mark.django_db
WHEN = datetime(2025, 4, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _tracked(row) -> dict:
    return {f.attname: getattr(row, f.attname) for f in IndicatorValue._meta.fields}


def test_created_and_changed_rows_are_recorded_as_stored(admin_user, towns):
    lines = [
        ValueLine(town, Indicator.objects.get(code=code), date(2025, 3, 1), value)
        for town in towns
        for code, value in ((4, Decimal("3")), (6, Decimal("2")))
    ]
    first = indicator_values_save(
        user=admin_user, lines=lines, reason="导入甲", now=WHEN
    )
    assert all(isinstance(row, IndicatorValue) for row in first)
    # Written with the ORM's own value preparation, and given their keys back.
    for line, row in zip(lines, first, strict=True):
        stored = IndicatorValue.objects.get(pk=row.pk)
        assert (stored.value, stored.indicator, stored.report.unit) == (
            line.value,
            line.indicator,
            line.unit,
        )
        assert stored.updated_at == WHEN and stored.updated_by == admin_user
    for line in lines[:2]:
        line.value += 1
    indicator_values_save(user=admin_user, lines=lines, reason="导入乙", now=WHEN)

    stored = IndicatorValue.objects.filter(report__unit__in=towns)
    assert stored.count() == 6
    for row in stored:
        history = list(row.history.order_by("history_id"))
        changed = row.version > 1
        assert [h.history_type for h in history] == (["+", "~"] if changed else ["+"])
        last = history[-1]
        assert _tracked(last) == _tracked(row)
        assert last.history_user == admin_user
        assert last.history_change_reason == ("导入乙" if changed else "导入甲")
        assert last.history_date == WHEN
    assert stored.filter(version=2).count() == 2
    reports = MonthlyReport.objects.filter(unit__in=towns)
    assert [r.history.get().history_type for r in reports] == ["+"] * 3
    assert {r.history.get().history_change_reason for r in reports} == {"新建草稿"}


def test_a_refused_line_leaves_no_history(admin_user, towns):
    other = Unit.objects.get(name="区委组织部")  # reports none of these counts
    lines = [
        ValueLine(
            towns[0], Indicator.objects.get(code=4), date(2025, 3, 1), Decimal(2)
        ),
        ValueLine(other, Indicator.objects.get(code=4), date(2025, 3, 1), Decimal(2)),
    ]
    outcomes = indicator_values_save(user=admin_user, lines=lines, now=WHEN)
    assert isinstance(outcomes[0], IndicatorValue)
    assert isinstance(outcomes[1], Exception)
    assert IndicatorValue.history.filter(report__unit=other).count() == 0
    assert IndicatorValue.history.count() == 1
