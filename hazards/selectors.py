"""Reads of the register that join or aggregate, each in a fixed number of queries.

A case's state depends on today and on the periods in 系统参数, so it is computed
here from `hazards.clocks.case_clock` rather than stored: a district's register
holds hundreds, at most a few thousand rows, read in one query and judged in
Python, and a change of the periods applies to every page at once.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from hazards.access import visible_cases
from hazards.clocks import Clock, State, case_clock, periods_for
from hazards.models import HazardCase
from indicators.models import PlanSettings
from units.models import Unit


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
) -> list[CaseRow]:
    """Return the cases `user` may see, filtered, with their clocks (2 queries)."""
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
    return judged(cases, today=today)


def counts_by_town(rows: list[CaseRow]) -> list[TownCounts]:
    """Return, per town in roster order, its cases counted by state."""
    by_town: dict[int, TownCounts] = {}
    for row in rows:
        counts = by_town.setdefault(row.case.town_id, TownCounts(row.case.town))
        counts.states[row.clock.state] = counts.states.get(row.clock.state, 0) + 1
        counts.total += 1
        counts.late += row.clock.overdue or row.clock.relief_overdue
    return sorted(by_town.values(), key=lambda c: (c.town.position, c.town.pk))


def state_totals(rows: list[CaseRow]) -> dict[str, int]:
    counted = Counter(row.clock.state for row in rows)
    return {state: counted.get(state, 0) for state in State.values}


def late_rows(*, today: date, town: Unit | None = None) -> list[CaseRow]:
    """Return every case behind the plan's clocks today (the board, the notice and
    the reminders read this), oldest due first (2 queries)."""
    cases = HazardCase.objects.select_related("town")
    if town is not None:
        cases = cases.filter(town=town)
    cases = cases.filter(remedied_on__isnull=True).exclude(grade__in=["A", "B"])
    rows = [
        row
        for row in judged(cases.order_by("town__position", "pk"), today=today)
        if row.clock.overdue or row.clock.relief_overdue
    ]
    return sorted(
        rows, key=lambda r: (r.clock.due_on or r.clock.relief_due_on, r.case.pk)
    )


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
                str(record.history_user or "系统"),
                what,
                changes,
                record.history_change_reason or "",
            )
        )
        previous = record
    return entries
