"""The deadline rules at their edge days."""

from datetime import date

import pytest

from tasks.item_deadlines import (
    DONE,
    DONE_LATE,
    DUE_SOON,
    OPEN,
    OVERDUE,
    item_state,
    parse_deadline,
)

JUNE_30 = date(2023, 6, 30)


@pytest.mark.parametrize(
    "today, expected",
    [
        (date(2023, 6, 22), (OPEN, 0)),  # 8 days before
        (date(2023, 6, 23), (DUE_SOON, 0)),  # 7 days before: 临期
        (JUNE_30, (DUE_SOON, 0)),  # the deadline day itself is still on time
        (date(2023, 7, 1), (OVERDUE, 1)),  # overdue from the next day
        (date(2023, 8, 1), (OVERDUE, 32)),
    ],
)
def test_not_done(today, expected):
    assert item_state(deadline=JUNE_30, completed_on=None, today=today) == expected


def test_done_on_the_deadline_day_is_on_time_and_the_next_day_late():
    today = date(2023, 9, 1)
    assert item_state(deadline=JUNE_30, completed_on=JUNE_30, today=today) == (DONE, 0)
    assert item_state(deadline=JUNE_30, completed_on=date(2023, 7, 1), today=today) == (
        DONE_LATE,
        1,
    )


def test_mid_month_is_the_20th():
    deadline = parse_deadline("4月中旬", 2023)
    assert deadline == date(2023, 4, 20)
    assert (
        item_state(deadline=deadline, completed_on=None, today=date(2023, 4, 20))[0]
        == DUE_SOON
    )
    assert item_state(
        deadline=deadline, completed_on=None, today=date(2023, 4, 21)
    ) == (
        OVERDUE,
        1,
    )
