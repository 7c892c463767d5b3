"""The plan's clocks for a dangerous building, in one place (key task 9).

Towns (城镇): "发现危房1个月内完成安全鉴定，6个月内完成治理改造和一经发现D级立即撤离".
Rural houses (农村): "发现一户，及时鉴定、整治一户" and 困难家庭 get 即时救助; the plan
gives no figure, so the district sets the periods in 系统参数 (default 1 month to
appraise, 6 to remedy, 1 to grant relief).

Every step falls due on a day counted from the day the building was found; the
due day itself is on time and the step is overdue from the next day. A month later
than 31 January is the last day of February. A D grade must be evacuated the day
it is known (the appraisal day): on that day it is still on time.

A and B grades are not dangerous buildings: once appraised so, the case needs no
remedy and counts in no rate. Pages, notices, reminders, rates and the API all
read a case's state from `case_clock`, so they cannot disagree.
"""

import calendar
from dataclasses import dataclass
from datetime import date

from django.db import models

from indicators.models import PlanSettings

# The plan's figures for towns' buildings; not an admin setting.
URBAN_APPRAISAL_MONTHS = 1
URBAN_REMEDY_MONTHS = 6
# Key task 9's words, quoted wherever a page says what the plan requires.
URBAN_RULE = "发现危房1个月内完成安全鉴定，6个月内完成治理改造和一经发现D级立即撤离"


class State(models.TextChoices):
    AWAITING_APPRAISAL = "awaiting_appraisal", "待鉴定"
    APPRAISAL_OVERDUE = "appraisal_overdue", "鉴定逾期"
    AWAITING_REMEDY = "awaiting_remedy", "待整治"
    REMEDY_OVERDUE = "remedy_overdue", "整治逾期"
    NOT_EVACUATED = "not_evacuated", "D级未撤离"
    RESOLVED = "resolved", "已解危"
    # A and B grades were never dangerous: not 解危, which is what a remedy does.
    NOT_DANGEROUS = "not_dangerous", "非危房（A、B级）"


@dataclass(frozen=True)
class Periods:
    """How many months after it is found each step of a case falls due."""

    appraisal_months: int
    remedy_months: int
    relief_months: int | None  # None: no relief (towns' buildings, non-困难家庭)


def periods_for(*, kind: str, hardship: bool, settings_row: PlanSettings) -> Periods:
    """Return the periods that apply to a case of this kind."""
    if kind == "urban":
        return Periods(URBAN_APPRAISAL_MONTHS, URBAN_REMEDY_MONTHS, None)
    return Periods(
        settings_row.hazard_rural_appraisal_months,
        settings_row.hazard_rural_remedy_months,
        settings_row.hazard_relief_months if hardship else None,
    )


def periods_text(settings_row: PlanSettings) -> str:
    """Return the clocks as the pages write them, with the admin's periods."""
    return (
        f"城镇危房：方案规定“{URBAN_RULE}”（系统以鉴定为D级之日为撤离期限）；"
        "农村危房：发现后"
        f"{settings_row.hazard_rural_appraisal_months}个月内鉴定，"
        f"{settings_row.hazard_rural_remedy_months}个月内整治；困难家庭发现后"
        f"{settings_row.hazard_relief_months}个月内救助到位（系统参数，管理员可调）。"
        "到期当天仍在期限内，次日起计逾期。"
    )


def add_months(day: date, months: int) -> date:
    """Return the same day `months` later, or that month's last day if it has none
    (31 January + 1 month = 28 or 29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Clock:
    """Where a case stands on a day: its state, the step's due day and the days
    left (≥ 0, on time) or overdue (> 0, `overdue` set)."""

    state: State
    due_on: date | None
    days: int
    overdue: bool
    relief_due_on: date | None = None
    relief_days: int = 0
    relief_overdue: bool = False

    @property
    def label(self) -> str:
        return self.state.label

    def text(self) -> str:
        """Return the clock as people read it: "还剩3天", "已逾期5天", "今天到期"."""
        if self.state in (State.RESOLVED, State.NOT_DANGEROUS):
            return ""
        if self.overdue:
            return f"已逾期{self.days}天"
        if self.days == 0:
            return "今天须撤离" if self.state == State.NOT_EVACUATED else "今天到期"
        return f"还剩{self.days}天"

    def relief_text(self) -> str:
        if self.relief_due_on is None:
            return ""
        if self.relief_overdue:
            return f"救助已逾期{self.relief_days}天"
        return "今天到期" if self.relief_days == 0 else f"救助还剩{self.relief_days}天"


def _step(due_on: date, today: date) -> tuple[int, bool]:
    """Days left (on time to the due day inclusive) or overdue from the next day."""
    delta = (today - due_on).days
    return (delta, True) if delta > 0 else (-delta, False)


def appraisal_due(*, found_on: date, periods: Periods) -> date:
    return add_months(found_on, periods.appraisal_months)


def remedy_due(*, found_on: date, periods: Periods) -> date:
    return add_months(found_on, periods.remedy_months)


def relief_due(*, found_on: date, periods: Periods) -> date | None:
    if periods.relief_months is None:
        return None
    return add_months(found_on, periods.relief_months)


def case_clock(*, case, periods: Periods, today: date) -> Clock:
    """Return the state of `case` (a HazardCase or any object with its dates) on
    `today`, first match wins: 非危房 (appraised A/B), 已解危 (remedied),
    D级未撤离, 待鉴定/鉴定逾期, 待整治/整治逾期."""
    relief = _relief(case, periods, today)
    if case.grade in ("A", "B"):
        return Clock(State.NOT_DANGEROUS, None, 0, False, *relief)
    if case.remedied_on is not None:
        return Clock(State.RESOLVED, None, 0, False, *relief)
    if case.grade == "D" and case.evacuated_on is None:
        days, overdue = _step(case.appraised_on, today)
        return Clock(State.NOT_EVACUATED, case.appraised_on, days, overdue, *relief)
    if case.appraised_on is None:
        due_on = appraisal_due(found_on=case.found_on, periods=periods)
        days, overdue = _step(due_on, today)
        state = State.APPRAISAL_OVERDUE if overdue else State.AWAITING_APPRAISAL
        return Clock(state, due_on, days, overdue, *relief)
    due_on = remedy_due(found_on=case.found_on, periods=periods)
    days, overdue = _step(due_on, today)
    state = State.REMEDY_OVERDUE if overdue else State.AWAITING_REMEDY
    return Clock(state, due_on, days, overdue, *relief)


def _relief(case, periods: Periods, today: date) -> tuple[date | None, int, bool]:
    """The relief step of a 困难家庭 house: none once granted, or if the house
    proved not dangerous (A/B)."""
    due_on = relief_due(found_on=case.found_on, periods=periods)
    if due_on is None or case.relief_granted_on is not None:
        return None, 0, False
    if case.grade in ("A", "B"):
        return None, 0, False
    days, overdue = _step(due_on, today)
    return due_on, days, overdue


def is_late(clock: Clock) -> bool:
    """Whether the case is behind the plan today: a step overdue, or a D grade not
    evacuated after the day it was known, or relief overdue."""
    return clock.overdue or clock.relief_overdue
