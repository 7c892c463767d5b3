"""The review, entry and history pages cost the same number of queries for one
month as for many: their reads live in selectors that join and prefetch."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators.models import Indicator
from reporting.models import MonthlyReport
from reporting.services import indicator_value_save
from reporting.transitions import report_send_back, report_submit
from units.models import Unit

pytestmark = pytest.mark.django_db


def _submit_months(admin_user, towns, months: int) -> None:
    indicators = list(Indicator.objects.filter(code__in=(4, 6, 7)))
    for town in towns:
        for month in range(1, months + 1):
            period = date(2023, month, 1)
            for indicator in indicators:
                stored = indicator_value_save(
                    user=admin_user, unit=town, indicator=indicator,
                    period=period, value=Decimal(10 * month), confirmed=True,
                )  # fmt: skip
            report = report_submit(user=admin_user, report=stored.report)
            if month % 2:
                # Sent back once and submitted again: the review shows what changed.
                report = report_send_back(user=admin_user, report=report, comment="核")
                indicator_value_save(
                    user=admin_user, unit=town, indicator=indicators[0],
                    period=period, value=Decimal(10 * month + 1), confirmed=True,
                )  # fmt: skip
                report_submit(user=admin_user, report=report)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


@pytest.mark.parametrize(
    "url",
    [
        "/review/",
        "/report/?unit={unit}&period=2023-01",
        "/report/history/?unit={unit}&period=2023-01",
    ],
)
def test_pages_cost_the_same_at_one_month_and_at_a_year(url, client, admin_user, towns):
    client.force_login(admin_user)
    unit = towns[0].pk
    client.get("/")  # session and caches warm
    _submit_months(admin_user, towns[:1], 1)
    small = _queries(client, url.format(unit=unit))
    _submit_months(admin_user, towns[1:], 12)
    assert MonthlyReport.objects.filter(status="submitted").count() == 25
    large = _queries(client, url.format(unit=Unit.objects.get(pk=unit).pk))
    assert large == small
    assert small <= 20
