import io
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from hazards.clocks import State
from hazards.models import HazardCase
from hazards.rates import register_rates, resolved_entries
from hazards.selectors import judged
from reporting.models import DistrictValue, IndicatorValue, ItemProgress, MonthlyReport
from supervision.models import SupervisionEvent
from supervision.selectors import item_rows
from tasks.models import ChecklistItem

from ..conftest import SUITE_DAY

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
    cases = judged(HazardCase.objects.select_related("town"), today=SUITE_DAY)
    assert len(cases) == 3 + 6 * 6
    states = {row.clock.state for row in cases}
    assert {State.RESOLVED, State.REMEDY_OVERDUE, State.NOT_EVACUATED} <= states
    assert HazardCase.history.count() > len(cases)
    # A handful of 督办事项, each walked through its life on its own days.
    lights = {
        row.light.code
        for row in item_rows(user=get_user_model().objects.get(username="demo-data"),
                             today=SUITE_DAY)
    }  # fmt: skip
    assert {"done_on_time", "done_late", "overdue", "due_soon", "normal",
            "cancelled"} <= lights  # fmt: skip
    assert SupervisionEvent.objects.filter(kind="send_back").exists()
    # 2023's 城镇危房实质性解危, 3 处, and the demo's 2024 list (a second year for
    # unfinished items to be carried into).
    entry, entry_2024 = resolved_entries()
    assert entry.resolved == 3 and entry.met
    assert entry_2024.entry.work_list.year == 2024
    assert ChecklistItem.objects.filter(entry__work_list__year=2024).count() == 25
    # 11–13 follow the register wherever it has cases due.
    rates = register_rates(periods={date(2026, 6, 1)})
    for code in (11, 12, 13):
        rate = rates[code, date(2026, 6, 1)].rate
        if rate is not None:
            assert (
                DistrictValue.objects.get(
                    indicator__code=code, period=date(2026, 6, 1)
                ).value
                == rate
            )
    out = io.StringIO()
    call_command("demo_data", stdout=out)  # a second run writes nothing
    assert "未写入" in out.getvalue()
