from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from reporting.item_states import counted_progress, item_state_for
from reporting.obligations import obligations_for
from reporting.services import item_progress_save
from reporting.transitions import report_submit

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_leads_progress_alone_gives_every_items_state(plan, towns, admin_user):
    """A province's ranking and notice read only each item's lead's progress
    (counted_progress with `leads`): every state comes out as from all of it."""
    obligations = obligations_for(year=2023)
    town = towns[0]
    items = obligations.items_of(town)[:3]
    leads = {obligations.item_lead(item) for item in items}
    assert town not in leads  # the town shares these items, another leads them
    when = datetime(2023, 4, 3, 10, tzinfo=SHANGHAI)
    for unit, status, done_on in [
        (town, "done", date(2023, 3, 20)),  # the town says done: it does not count
        *[(lead, "in_progress", None) for lead in leads],
    ]:
        for item in items:
            if unit in leads and obligations.item_lead(item) != unit:
                continue
            stored = item_progress_save(
                user=admin_user, unit=unit, item=item, period=date(2023, 3, 1),
                status=status, completed_on=done_on, now=when,
            )  # fmt: skip
        report_submit(user=admin_user, report=stored.report, now=when)
    everyone = counted_progress(year=2023)
    led = counted_progress(year=2023, leads=obligations)
    assert {unit_id for _, unit_id in everyone} - {unit_id for _, unit_id in led} == {
        town.pk
    }
    for day in (date(2023, 3, 31), date(2023, 7, 1), date(2024, 1, 10)):
        for unit in obligations.units.values():
            for item in obligations.items_of(unit):
                assert item_state_for(
                    obligations=obligations, progress=led, item=item, unit=unit,
                    as_of=day,
                ) == item_state_for(
                    obligations=obligations, progress=everyone, item=item,
                    unit=unit, as_of=day,
                )  # fmt: skip
