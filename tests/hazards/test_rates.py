"""Indicators 11–13 from the register: the rule on the page, tested on real cases."""

from datetime import date
from decimal import Decimal

import pytest

from hazards.rates import register_rates, resolved_entries

pytestmark = pytest.mark.django_db

JUNE = date(2024, 6, 1)


def test_the_urban_rate_counts_remedies_due_by_the_months_end(add_case):
    # Due 2024-06-10 (found 2023-12-10), remedied in time: counts 1/1.
    add_case(address="一", found_on=date(2023, 12, 10), appraised_on=date(2023, 12, 20),
             grade="C", remedy="reinforce", remedied_on=date(2024, 5, 1))  # fmt: skip
    # Due 2024-06-30, the month's last day, not remedied: due, not done.
    add_case(address="二", found_on=date(2023, 12, 31), appraised_on=date(2024, 1, 5),
             grade="D", evacuated_on=date(2024, 1, 5))  # fmt: skip
    # Due in July, not remedied: not yet due.
    add_case(address="三", found_on=date(2024, 1, 1), appraised_on=date(2024, 1, 5),
             grade="C")  # fmt: skip
    # Appraised B: not a dangerous building, counts nowhere.
    add_case(address="四", found_on=date(2023, 10, 1), appraised_on=date(2023, 10, 5),
             grade="B")  # fmt: skip
    # Remedied last year: not this year's work.
    add_case(address="五", found_on=date(2023, 1, 1), appraised_on=date(2023, 1, 5),
             grade="C", remedy="rebuild", remedied_on=date(2023, 6, 1))  # fmt: skip
    rate = register_rates(periods={JUNE})[11, JUNE]
    assert (rate.done, rate.due, rate.rate) == (1, 2, Decimal("50.0"))
    assert rate.text() == "台账：50%（1/2）"
    assert rate.gap(Decimal("100")) == Decimal("50.0")
    assert rate.gap(Decimal("50")) is None


def test_an_early_remedy_counts_in_the_month_it_is_done(add_case):
    add_case(address="一", found_on=date(2024, 5, 1), appraised_on=date(2024, 5, 5),
             grade="C", remedy="reinforce", remedied_on=date(2024, 6, 3))  # fmt: skip
    rates = register_rates(periods={date(2024, 5, 1), JUNE})
    assert rates[11, date(2024, 5, 1)].rate is None
    assert rates[11, date(2024, 5, 1)].text() == "台账：本月无应完成的危房"
    assert (rates[11, JUNE].done, rates[11, JUNE].due) == (1, 1)


def test_rural_and_hardship_rates_use_their_own_cases_and_steps(add_case, towns):
    # Rural hardship house found in March: remedy due September, relief due April.
    add_case(address="东浦村1号", kind="rural", hardship=True,
             found_on=date(2024, 3, 1), appraised_on=date(2024, 3, 10), grade="C",
             relief_granted_on=date(2024, 3, 20))  # fmt: skip
    add_case(
        address="东浦村2号", kind="rural", hardship=True, found_on=date(2024, 3, 1)
    )
    rates = register_rates(periods={JUNE})
    assert (rates[12, JUNE].due, rates[12, JUNE].rate) == (0, None)
    assert (rates[13, JUNE].done, rates[13, JUNE].due) == (1, 2)
    assert rates[11, JUNE].due == 0


def test_the_work_list_entry_counts_urban_cases_made_safe_in_the_year(add_case):
    add_case(address="一", found_on=date(2023, 1, 1), appraised_on=date(2023, 1, 5),
             grade="C", remedy="demolish", remedied_on=date(2023, 3, 1))  # fmt: skip
    add_case(address="二", found_on=date(2023, 1, 1), appraised_on=date(2023, 1, 5),
             grade="D", evacuated_on=date(2023, 1, 5), remedy="rebuild",
             remedied_on=date(2023, 12, 1))  # fmt: skip
    add_case(address="三", found_on=date(2023, 1, 1), appraised_on=date(2023, 1, 5),
             grade="B")  # fmt: skip
    add_case(address="四", found_on=date(2024, 1, 1), appraised_on=date(2024, 1, 5),
             grade="C", remedy="demolish", remedied_on=date(2024, 3, 1))  # fmt: skip
    add_case(address="东浦村1号", kind="rural", found_on=date(2023, 1, 1),
             appraised_on=date(2023, 1, 5), grade="C", remedy="demolish",
             remedied_on=date(2023, 3, 1))  # fmt: skip
    (entry,) = resolved_entries()  # the 2023 work list's entry 9, target 3 处
    assert (entry.entry.work_list.year, entry.entry.target, entry.resolved) == (
        2023, 3, 2
    )  # fmt: skip
    assert not entry.met
