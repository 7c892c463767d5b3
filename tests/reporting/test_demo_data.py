import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from hazards.clocks import State
from hazards.models import HazardCase
from hazards.rates import resolved_entries
from hazards.selectors import judged
from reporting.models import DistrictValue, IndicatorValue, ItemProgress, MonthlyReport

pytestmark = pytest.mark.django_db


def test_demo_data_refuses_without_debug(plan, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("demo_data")
    assert not IndicatorValue.objects.exists()


# Committed step by step, as the command runs for real: inside one test-wide
# transaction (thousands of savepoints, no superseded row version reclaimable)
# PostgreSQL took 8½ minutes for what takes 1.
@pytest.mark.django_db(transaction=True)
def test_demo_data_writes_an_audited_history_through_the_services(
    loaded_plan, settings
):
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
    # And a year of the 危房台账, step by step through its service, some late.
    cases = judged(
        HazardCase.objects.select_related("town"), today=timezone.localdate()
    )
    assert len(cases) == 3 + 6 * 6
    states = {row.clock.state for row in cases}
    assert {State.RESOLVED, State.REMEDY_OVERDUE, State.NOT_EVACUATED} <= states
    assert HazardCase.history.count() > len(cases)
    (entry,) = resolved_entries()  # 2023's 城镇危房实质性解危, 3 处
    assert entry.resolved == 3 and entry.met
    out = io.StringIO()
    call_command("demo_data", stdout=out)  # a second run writes nothing
    assert "未写入" in out.getvalue()
