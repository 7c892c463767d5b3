"""Reads of the register that join or aggregate, each in a fixed number of queries.

A case's state depends on today and on the periods in 系统参数, so it is computed
here from `hazards.clocks.case_clock` rather than stored: a district's register
holds hundreds, at most a few thousand rows, read in one query and judged in
Python, and a change of the periods applies to every page at once.
"""

import copy
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from hazards.access import visible_cases
from hazards.clocks import Clock, State, case_clock, is_late, periods_for
from hazards.models import HazardCase
from indicators.models import PlanSettings
from units.models import Unit
from units.selectors import person_name


@dataclass
class CaseRow:
    case: HazardCase
    clock: Clock


@dataclass
class TownCounts:
    town: Unit
    states: dict[str, int] = field(default_factory=dict)
    total: int = 0
    late: int = 0

    @property
    def cells(self) -> list[int]:
        """The counts in the order of State, for a table row."""
        return [self.states.get(state, 0) for state in State.values]


def judged(
    cases: QuerySet[HazardCase] | list[HazardCase],
    *,
    today: date,
    settings_row: PlanSettings | None = None,
) -> list[CaseRow]:
    """Return each case with its clock on `today` (reads 系统参数 once if not given)."""
    settings_row = settings_row or PlanSettings.load()
    rows = []
    for case in cases:
        periods = periods_for(
            kind=case.kind, hardship=case.hardship, settings_row=settings_row
        )
        rows.append(CaseRow(case, case_clock(case=case, periods=periods, today=today)))
    return rows


def case_rows(
    *,
    user: AbstractBaseUser,
    today: date,
    town: Unit | None = None,
    kind: str = "",
    grade: str = "",
    settings_row: PlanSettings | None = None,
) -> list[CaseRow]:
    """Return the cases `user` may see, filtered, with their clocks (2 queries; 1
    given `settings_row`)."""
    cases = visible_cases(user).select_related("town")
    if town is not None:
        cases = cases.filter(town=town)
    if kind:
        cases = cases.filter(kind=kind)
    if grade == "none":
        cases = cases.filter(grade="")
    elif grade:
        cases = cases.filter(grade=grade)
    cases = cases.order_by("town__position", "town_id", "found_on", "pk")
    return judged(cases, today=today, settings_row=settings_row)


def counts_by_town(rows: list[CaseRow]) -> list[TownCounts]:
    """Return, per town in roster order, its cases counted by state."""
    by_town: dict[int, TownCounts] = {}
    for row in rows:
        counts = by_town.setdefault(row.case.town_id, TownCounts(row.case.town))
        counts.states[row.clock.state] = counts.states.get(row.clock.state, 0) + 1
        counts.total += 1
        counts.late += is_late(row.clock)
    return sorted(by_town.values(), key=lambda c: (c.town.position, c.town.pk))


def state_totals(rows: list[CaseRow]) -> dict[str, int]:
    counted = Counter(row.clock.state for row in rows)
    return {state: counted.get(state, 0) for state in State.values}


def open_rows(
    *, today: date, cases: QuerySet[HazardCase] | None = None
) -> list[CaseRow]:
    """Return the cases not yet made safe, with their clocks on `today` (2 queries)."""
    cases = HazardCase.objects.all() if cases is None else cases
    cases = (
        cases.filter(remedied_on__isnull=True)
        .exclude(grade__in=[HazardCase.Grade.A, HazardCase.Grade.B])
        .select_related("town")
        .order_by("town__position", "town_id", "pk")
    )
    return judged(cases, today=today)


def late_rows(
    *, user: AbstractBaseUser, today: date, town: Unit | None = None
) -> list[CaseRow]:
    """Return the cases `user` may see that are behind the clocks today, longest
    overdue first (the town's board reads this; 2 queries)."""
    cases = visible_cases(user)
    if town is not None:
        cases = cases.filter(town=town)
    rows = [row for row in open_rows(today=today, cases=cases) if is_late(row.clock)]
    return sorted(
        rows, key=lambda r: (-max(r.clock.days, r.clock.relief_days), r.case.pk)
    )


@dataclass
class NoticeSection:
    state: State
    towns: list[tuple[Unit, int]]  # (town, cases in this state), roster order

    @property
    def total(self) -> int:
        return sum(n for _, n in self.towns)


def year_cases(*, year: int) -> list[HazardCase]:
    """Return the cases that were open at some time in `year` (1 query): what the
    notices and the ranking of that year judge."""
    return list(
        HazardCase.objects.filter(found_on__year__lte=year)
        .exclude(remedied_on__year__lt=year)
        .select_related("town")
        .order_by("town__position", "pk")
    )


def on_time_by_town(
    *, cases: list[HazardCase], as_of: date, settings_row: PlanSettings
) -> dict[int, tuple[int, int]]:
    """Return, per town, (cases not late, cases) among those found by `as_of` and
    not made safe before its year began: the ranking's 危房无逾期 part."""
    year_start = as_of.replace(month=1, day=1)
    counted = [
        _as_of(c, as_of)
        for c in cases
        if c.found_on <= as_of and not (c.remedied_on and c.remedied_on < year_start)
    ]
    shares: dict[int, tuple[int, int]] = {}
    for row in judged(counted, today=as_of, settings_row=settings_row):
        on_time, total = shares.get(row.case.town_id, (0, 0))
        shares[row.case.town_id] = (on_time + (not is_late(row.clock)), total + 1)
    return shares


def notice_sections(
    *,
    as_of: date,
    settings_row: PlanSettings | None = None,
    cases: list[HazardCase] | None = None,
) -> list[NoticeSection]:
    """Return, for the month's 通报, each state of the cases not yet made safe on
    `as_of` (dates entered for later days are not known then), with the towns
    counted: no addresses, since a notice goes to every reader (no query given
    `settings_row` and the year's `cases`)."""
    if cases is None:
        cases = year_cases(year=as_of.year)
    open_then = [
        _as_of(case, as_of)
        for case in cases
        if case.found_on <= as_of
        and not (case.remedied_on and case.remedied_on <= as_of)
    ]
    rows = judged(open_then, today=as_of, settings_row=settings_row)
    sections = []
    for state in State:
        if state in (State.RESOLVED, State.NOT_DANGEROUS):
            continue
        counted = Counter(row.case.town for row in rows if row.clock.state == state)
        towns = sorted(counted.items(), key=lambda t: (t[0].position, t[0].pk))
        sections.append(NoticeSection(state, towns))
    return sections


def _as_of(case: HazardCase, day: date) -> HazardCase:
    """The case as it stood on `day` (a copy): steps dated later had not happened."""
    case = copy.copy(case)
    for name in ("appraised_on", "evacuated_on", "remedied_on", "relief_granted_on"):
        if getattr(case, name) is not None and getattr(case, name) > day:
            setattr(case, name, None)
            if name == "appraised_on":
                case.grade = ""
    return case


def case_for(*, user: AbstractBaseUser, case_id: int) -> HazardCase | None:
    """Return the case if `user` may see it, with its town and files (2 queries)."""
    return (
        visible_cases(user)
        .select_related("town", "updated_by", "reviewed_by")
        .prefetch_related("evidence")
        .filter(pk=case_id)
        .first()
    )


@dataclass
class TimelineEntry:
    when: object
    who: str
    what: str
    changes: list[tuple[str, str, str]]  # (field label, old, new)
    reason: str


def _shown(record, name: str) -> str:
    value = getattr(record, name)
    if value in (None, ""):
        return "—"
    display = getattr(record, f"get_{name}_display", None)
    if display is not None:
        return str(display())
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


TIMELINE_FIELDS = [
    "town", "address", "kind", "hardship", "found_on", "appraised_on", "grade",
    "evacuated_on", "remedy", "remedied_on", "relief_granted_on", "note",
    "review_comment",
]  # fmt: skip


def case_timeline(case: HazardCase) -> list[TimelineEntry]:
    """Return the case's history, oldest first: who changed what, old → new."""
    records = list(
        case.history.select_related("history_user", "town").order_by(
            "history_date", "history_id"
        )
    )
    entries, previous = [], None
    for record in records:
        changes = []
        for name in TIMELINE_FIELDS:
            label = str(HazardCase._meta.get_field(name).verbose_name)
            new = _shown(record, name) if name != "town" else str(record.town)
            old = None
            if previous is not None:
                old = _shown(previous, name) if name != "town" else str(previous.town)
            if old is None and new != "—":
                changes.append((label, "", new))
            elif old is not None and old != new:
                changes.append((label, old, new))
        what = "登记" if record.history_type == "+" else "修改"
        if record.history_change_reason == "核查":
            what = "核查"
        entries.append(
            TimelineEntry(
                record.history_date,
                person_name(record.history_user) if record.history_user else "系统",
                what,
                changes,
                record.history_change_reason or "",
            )
        )
        previous = record
    return entries


@dataclass
class HazardReminder:
    """A town's cases to remind it of: steps due within N days, and late ones."""

    due_soon: list[CaseRow] = field(default_factory=list)
    late: list[CaseRow] = field(default_factory=list)


def hazard_reminders(*, today: date, days: int) -> dict[Unit, HazardReminder]:
    """Return, per town, its cases with a step due within `days` days (the due day
    counted) and those behind the clocks (2 queries)."""
    reminders: dict[Unit, HazardReminder] = {}
    for row in open_rows(today=today):
        clock = row.clock
        if is_late(clock):
            reminders.setdefault(row.case.town, HazardReminder()).late.append(row)
        elif (clock.due_on is not None and clock.days <= days) or (
            clock.relief_due_on is not None and clock.relief_days <= days
        ):
            reminders.setdefault(row.case.town, HazardReminder()).due_soon.append(row)
    return reminders
