"""The review queue says what is wrong with a figure from the figures beside it:
a rate that jumped is not "lower than last month", a count that fell is."""

from datetime import date
from decimal import Decimal

import pytest

from indicators.models import Indicator
from reporting.services import indicator_value_save
from reporting.transitions import report_approve, report_submit
from units.models import Unit

pytestmark = pytest.mark.django_db


def _month(user, unit, code, period, value, **kwargs):
    stored = indicator_value_save(
        user=user, unit=Unit.objects.get(name=unit),
        indicator=Indicator.objects.get(code=code), period=period,
        value=Decimal(value), confirmed=True, **kwargs,
    )  # fmt: skip
    return report_submit(user=user, report=stored.report)


def test_a_jump_is_flagged_as_a_jump_and_a_fall_as_a_fall(client, admin_user, towns):
    # 区建设局 reports the coverage rate (1); 府山街道 its share of 老旧小区 (4).
    report_approve(
        user=admin_user,
        report=_month(admin_user, "区建设局", 1, date(2023, 5, 1), "30"),
    )
    _month(admin_user, "区建设局", 1, date(2023, 6, 1), "45")
    report_approve(
        user=admin_user,
        report=_month(admin_user, "府山街道", 4, date(2023, 5, 1), "12"),
    )
    _month(admin_user, "府山街道", 4, date(2023, 6, 1), "10", decrease_reason="更正")
    client.force_login(admin_user)
    page = client.get("/review/").content.decode()
    assert page.count("低于上月") == 1
    assert "累计数低于上月（12）" in page
    assert "增加15个百分点" in page
