from dataclasses import dataclass
from datetime import date

import pytest
import time_machine
from django.utils import timezone

from supervision.lights import Light, facts_on, light
from supervision.models import SupervisionSettings
from supervision.selectors import item_rows, year_facts
from supervision.services import item_accept, item_apply
from tests.supervision.conftest import at

DEADLINE = date(2026, 6, 15)


@dataclass
class Item:
    state: str = "in_progress"
    deadline: date = DEADLINE
    applied_on: date | None = None
    finished_on: date | None = None


@pytest.mark.parametrize(
    ("today", "code", "text"),
    [
        (date(2026, 6, 11), "normal", "还剩4天"),
        (date(2026, 6, 12), "due_soon", "还剩3天"),  # N = 3 days before: yellow
        (date(2026, 6, 15), "due_soon", "今天到期"),  # the deadline day is on time
        (date(2026, 6, 16), "overdue", "已逾期1天"),  # red from the day after
    ],
)
def test_open_item_turns_yellow_then_red_at_the_boundaries(today, code, text):
    shown = light(Item(), today, due_soon_days=3)
    assert (shown.code, shown.text) == (code, text)


def test_the_yellow_window_follows_the_setting():
    assert light(Item(), date(2026, 6, 11), due_soon_days=4).code == "due_soon"
    assert light(Item(), date(2026, 6, 14), due_soon_days=0).code == "normal"


def test_closed_on_time_or_late_is_read_from_the_accepted_application():
    on_time = Item(state="closed", finished_on=DEADLINE)
    late = Item(state="closed", finished_on=date(2026, 6, 18))
    assert light(on_time, date(2026, 9, 1), due_soon_days=3) == Light("done_on_time")
    assert light(late, date(2026, 9, 1), due_soon_days=3).text == "逾期3天办结"


def test_an_application_made_in_time_is_not_overdue_while_it_waits():
    waiting = Item(state="applied", applied_on=date(2026, 6, 14))
    shown = light(waiting, date(2026, 6, 20), due_soon_days=3)
    assert (shown.code, shown.text) == ("normal", "已申请办结，待验收")
    late = Item(state="applied", applied_on=date(2026, 6, 17))
    assert light(late, date(2026, 6, 20), due_soon_days=3).code == "overdue"


def test_cancelled_is_grey_whatever_the_date():
    shown = light(Item(state="cancelled"), date(2027, 1, 1), due_soon_days=3)
    assert (shown.code, shown.label) == ("cancelled", "已撤销")


@dataclass
class Event:
    kind: str
    on: date
    state_after: str
    deadline_after: date = DEADLINE
    item_id: int = 1


def test_facts_on_replays_the_story_to_a_day():
    events = [
        Event("assign", date(2026, 6, 1), "assigned"),
        Event("apply", date(2026, 6, 10), "applied"),
        Event("send_back", date(2026, 6, 11), "in_progress"),
        Event("apply", date(2026, 6, 16), "applied"),
        Event("accept", date(2026, 6, 20), "closed"),
    ]
    assert facts_on(events, date(2026, 5, 31)) is None
    assert facts_on(events, date(2026, 6, 10)).applied_on == date(2026, 6, 10)
    assert facts_on(events, date(2026, 6, 12)).state == "in_progress"
    closed = facts_on(events, date(2026, 6, 30))
    assert (closed.state, closed.finished_on) == ("closed", date(2026, 6, 16))


@pytest.mark.django_db
def test_pages_read_the_light_on_the_days_around_the_deadline(
    assign, admin_user, lead_user
):
    assign()
    SupervisionSettings.objects.update_or_create(pk=1, defaults={"due_soon_days": 3})
    seen = {}
    for day in (date(2026, 6, 11), date(2026, 6, 12), DEADLINE, date(2026, 6, 16)):
        with time_machine.travel(at(day), tick=False):
            (row,) = item_rows(user=admin_user, today=timezone.localdate())
            seen[day.day] = row.light.code
    assert seen == {11: "normal", 12: "due_soon", 15: "due_soon", 16: "overdue"}


@pytest.mark.django_db
def test_year_facts_count_each_unit_as_it_stood_that_day(assign, admin_user, lead_user):
    item = assign()
    item_apply(
        user=lead_user, item_id=item.pk, account="已办结完毕。",
        now=at(date(2026, 6, 17)),
    )  # fmt: skip
    item_accept(user=admin_user, item_id=item.pk, now=at(date(2026, 6, 18)))
    june_16 = year_facts(year=2026, as_of=date(2026, 6, 16))
    later = year_facts(year=2026, as_of=date(2026, 6, 30))
    for facts, bucket in ((june_16, "overdue"), (later, "late")):
        assert facts.totals()[bucket] == 1
        # The lead and the co-unit both answer for the item.
        assert sorted(f.unit.name for f in facts.units.values() if f.count(bucket)) == [
            "区建设局",
            "府山街道",
        ]
    assert year_facts(year=2026, as_of=date(2026, 5, 31)).rows == []
    # Closed in 2026, it is not among 2027's items.
    assert year_facts(year=2027, as_of=date(2027, 3, 1)).rows == []
