import io

import pytest
from django.core.management import CommandError, call_command

from reporting.models import DistrictValue, IndicatorValue, ItemProgress, MonthlyReport

pytestmark = pytest.mark.django_db


def test_demo_data_refuses_without_debug(plan, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("demo_data")
    assert not IndicatorValue.objects.exists()


def test_demo_data_writes_an_audited_history_through_the_services(plan, settings):
    settings.DEBUG = True
    call_command("demo_data", stdout=io.StringIO())
    assert IndicatorValue.objects.filter(report__period__year=2023).count() == 12 * (
        11 + 3 * 6
    )
    assert IndicatorValue.history.count() == IndicatorValue.objects.count()
    assert MonthlyReport.objects.filter(status="approved").exists()
    assert MonthlyReport.objects.filter(status="submitted").exists()  # awaiting review
    assert DistrictValue.objects.filter(value__isnull=False).exists()
    assert ItemProgress.objects.filter(status="done").exists()
    out = io.StringIO()
    call_command("demo_data", stdout=out)  # a second run writes nothing
    assert "未写入" in out.getvalue()
