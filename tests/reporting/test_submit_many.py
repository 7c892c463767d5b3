"""Many months submitted at once (an import's 导入并报送): each checked as one
month is, in a fixed number of queries, with one audit record each and one
refresh of the district figures."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from indicators.models import Indicator
from reporting.models import DistrictValue, MonthlyReport
from reporting.returns_import import return_import
from reporting.services import indicator_value_save
from reporting.transitions import report_approve, report_submit, reports_submit
from units.roles import Role
from yuecheng_housing.lib.errors import Conflict

pytestmark = pytest.mark.django_db


def _fill(user, town, month: int, value: int) -> MonthlyReport:
    for indicator in Indicator.objects.filter(code__in=(4, 6, 7)):
        stored = indicator_value_save(
            user=user, unit=town, indicator=indicator, period=date(2023, month, 1),
            value=Decimal(value), confirmed=True,
        )  # fmt: skip
    return stored.report


def test_each_month_is_checked_as_alone_and_the_rest_submitted(
    towns, admin_user, make_user
):
    fushan, beihai, tashan = towns
    reporter = make_user("fushan", Role.REPORTER, [fushan.name])
    ready = _fill(reporter, fushan, 1, 10)
    again = report_submit(user=reporter, report=_fill(reporter, fushan, 2, 20))
    march = report_submit(user=reporter, report=_fill(reporter, fushan, 3, 30))
    locked = report_approve(user=admin_user, report=march)
    empty = MonthlyReport.objects.create(unit=fushan, period=date(2023, 4, 1))
    others = _fill(admin_user, beihai, 1, 5)
    history_before = MonthlyReport.history.count()

    submission = reports_submit(
        user=reporter, reports=[ready, again, locked, empty, others, ready]
    )

    refused = submission.refused
    assert set(refused) == {locked.pk, empty.pk, others.pk}
    assert isinstance(refused[locked.pk], Conflict) and "已审核锁定" in str(
        refused[locked.pk]
    )
    assert isinstance(refused[empty.pk], ValidationError)
    assert "尚未填写任何内容" in refused[empty.pk].messages[0]
    assert isinstance(refused[others.pk], PermissionDenied)
    assert "北海街道" in str(refused[others.pk])
    statuses = dict(MonthlyReport.objects.values_list("pk", "status"))
    assert statuses[ready.pk] == "submitted" and statuses[others.pk] == "draft"
    # One audit record for the one month that moved (asked twice, submitted once).
    moved = MonthlyReport.history.filter(history_id__gt=0).order_by("-history_id")
    assert MonthlyReport.history.count() == history_before + 1
    assert moved[0].id == ready.pk and moved[0].history_change_reason == "报送"
    assert moved[0].submitted_by_id == reporter.pk
    # The district's pending figure of January counts it.
    january = DistrictValue.objects.get(indicator__code=4, period=date(2023, 1, 1))
    assert january.pending_value == 10 and january.units_pending == 1


def _return(towns, months: int) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "指标"
    sheet.append(["指标编号", "填报单位", "期间", "本期数值"])
    for town in towns:
        for month in range(1, months + 1):
            for code in (4, 6, 7):
                sheet.append([code, town.name, f"2023-{month:02d}", 10 * month])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _import_queries(data: bytes, user) -> int:
    with CaptureQueriesContext(connection) as context:
        result, log = return_import(
            data=data, name="r.xlsx", user=user, commit=True, submit=True
        )
    assert result.errors == [] and log.status == "imported", result.errors
    return len(context)


def test_an_import_submits_any_number_of_months_in_the_same_queries(towns, admin_user):
    # January's district figures exist already: each file updates one month's
    # and creates the others'.
    _import_queries(_return(towns[2:], 1), admin_user)
    small = _import_queries(_return(towns[:1], 2), admin_user)
    large = _import_queries(_return(towns[1:2], 8), admin_user)
    assert large == small
    assert set(MonthlyReport.objects.values_list("status", flat=True)) == {"submitted"}
    june = DistrictValue.objects.get(indicator__code=4, period=date(2023, 6, 1))
    # One town reported June; the others' February and January figures carry on.
    assert june.pending_value == 60 + 20 + 10 and june.units_pending == 1
