"""The plan's clocks at their edges: the due day itself, D known today, month ends."""

from datetime import date
from types import SimpleNamespace

import pytest

from hazards.clocks import Periods, State, add_months, case_clock, periods_for
from indicators.models import PlanSettings

URBAN = Periods(1, 6, None)
HARDSHIP = Periods(2, 4, 1)


def case(**values):
    base = dict(
        found_on=date(2024, 1, 10),
        appraised_on=None,
        grade="",
        evacuated_on=None,
        remedied_on=None,
        relief_granted_on=None,
    )
    return SimpleNamespace(**{**base, **values})


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2023, 8, 31), 6, date(2024, 2, 29)),
        (date(2023, 3, 31), 1, date(2023, 4, 30)),
        (date(2023, 12, 15), 1, date(2024, 1, 15)),
    ],
)
def test_a_month_later_is_the_same_day_or_the_months_last(day, months, expected):
    assert add_months(day, months) == expected


def test_appraisal_is_on_time_on_its_due_day_and_late_the_next():
    found = case(found_on=date(2023, 1, 31))
    on_due_day = case_clock(case=found, periods=URBAN, today=date(2023, 2, 28))
    assert (on_due_day.state, on_due_day.days, on_due_day.overdue) == (
        State.AWAITING_APPRAISAL, 0, False
    )  # fmt: skip
    assert on_due_day.text() == "今天到期"
    next_day = case_clock(case=found, periods=URBAN, today=date(2023, 3, 1))
    assert (next_day.state, next_day.days, next_day.overdue) == (
        State.APPRAISAL_OVERDUE, 1, True
    )  # fmt: skip
    assert next_day.text() == "已逾期1天"


def test_days_left_count_to_the_due_day():
    clock = case_clock(case=case(), periods=URBAN, today=date(2024, 2, 7))
    assert clock.state == State.AWAITING_APPRAISAL
    assert clock.due_on == date(2024, 2, 10)
    assert clock.text() == "还剩3天"


def test_remedy_falls_due_six_months_after_found_not_after_appraisal():
    appraised = case(appraised_on=date(2024, 3, 1), grade="C")
    due_day = case_clock(case=appraised, periods=URBAN, today=date(2024, 7, 10))
    assert (due_day.state, due_day.due_on, due_day.overdue) == (
        State.AWAITING_REMEDY, date(2024, 7, 10), False
    )  # fmt: skip
    late = case_clock(case=appraised, periods=URBAN, today=date(2024, 7, 11))
    assert (late.state, late.days) == (State.REMEDY_OVERDUE, 1)


def test_a_d_grade_known_today_must_be_evacuated_today_and_is_late_tomorrow():
    d_grade = case(appraised_on=date(2024, 2, 1), grade="D")
    today = case_clock(case=d_grade, periods=URBAN, today=date(2024, 2, 1))
    assert (today.state, today.overdue, today.text()) == (
        State.NOT_EVACUATED, False, "今天须撤离"
    )  # fmt: skip
    tomorrow = case_clock(case=d_grade, periods=URBAN, today=date(2024, 2, 2))
    assert (tomorrow.state, tomorrow.overdue, tomorrow.days) == (
        State.NOT_EVACUATED, True, 1
    )  # fmt: skip


def test_an_evacuated_d_grade_waits_for_its_remedy():
    evacuated = case(
        appraised_on=date(2024, 2, 1), grade="D", evacuated_on=date(2024, 2, 1)
    )
    clock = case_clock(case=evacuated, periods=URBAN, today=date(2024, 3, 1))
    assert clock.state == State.AWAITING_REMEDY


def test_remedied_cases_are_resolved_and_a_b_grades_never_dangerous():
    remedied = case(
        appraised_on=date(2024, 2, 1), grade="C", remedied_on=date(2024, 5, 1)
    )
    assert case_clock(case=remedied, periods=URBAN, today=date(2025, 1, 1)).state == (
        State.RESOLVED
    )
    not_dangerous = case(appraised_on=date(2024, 2, 1), grade="B")
    clock = case_clock(case=not_dangerous, periods=URBAN, today=date(2025, 1, 1))
    # Not 已解危: nothing was made safe, the building never was dangerous.
    assert (clock.state, clock.overdue) == (State.NOT_DANGEROUS, False)
    assert clock.label == "非危房（A、B级）"


def test_hardship_relief_has_its_own_clock():
    house = case(found_on=date(2024, 1, 31))
    due = case_clock(case=house, periods=HARDSHIP, today=date(2024, 2, 29))
    assert (due.relief_due_on, due.relief_overdue, due.state) == (
        date(2024, 2, 29), False, State.AWAITING_APPRAISAL
    )  # fmt: skip
    late = case_clock(case=house, periods=HARDSHIP, today=date(2024, 3, 1))
    assert late.relief_overdue and late.relief_text() == "救助已逾期1天"
    granted = case(found_on=date(2024, 1, 31), relief_granted_on=date(2024, 2, 5))
    assert (
        case_clock(case=granted, periods=HARDSHIP, today=date(2024, 9, 1)).relief_due_on
        is None
    )


@pytest.mark.django_db
def test_rural_periods_come_from_the_admin_settings_and_urban_from_the_plan():
    settings_row = PlanSettings.load()
    assert periods_for(kind="rural", hardship=True, settings_row=settings_row) == (
        Periods(1, 6, 1)
    )
    settings_row.hazard_rural_appraisal_months = 2
    settings_row.hazard_rural_remedy_months = 3
    settings_row.hazard_relief_months = 1
    assert periods_for(kind="rural", hardship=False, settings_row=settings_row) == (
        Periods(2, 3, None)
    )
    assert periods_for(kind="urban", hardship=False, settings_row=settings_row) == (
        Periods(1, 6, None)
    )
