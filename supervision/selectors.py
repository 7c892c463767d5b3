"""Reads of supervision items that join or aggregate, each in a fixed number of
queries however many items, units and events there are.

Lights are computed here from `supervision.lights.light` on every read, not
stored: they depend on today and on 督办参数, and a district has dozens, at most
hundreds of items a year.

The year's items (`of_year`) are those assigned by its end that had not been
closed or cancelled before it began: an item overdue at the end of one year is
still owed, and counted, in the next, as the work list carries its items.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, Q, QuerySet

from supervision.access import visible_items
from supervision.lights import (
    CANCELLED,
    DONE_LATE,
    DONE_ON_TIME,
    DUE_SOON,
    OVERDUE,
    Light,
    facts_on,
    light,
)
from supervision.models import (
    SupervisionEvent,
    SupervisionItem,
    SupervisionSettings,
    SupervisionUnit,
)
from units.models import Unit
from units.selectors import roster_order

State = SupervisionItem.State
OPEN_STATES = (State.ASSIGNED, State.IN_PROGRESS, State.APPLIED)


@dataclass
class ItemRow:
    item: SupervisionItem
    units: list[Unit]  # lead first
    light: Light

    @property
    def lead(self) -> Unit | None:
        return self.units[0] if self.units else None

    @property
    def co_units(self) -> list[Unit]:
        return self.units[1:]

    @property
    def units_text(self) -> str:
        """牵头：区建设局；配合：府山街道、北海街道."""
        text = f"牵头：{self.lead.name}" if self.lead else ""
        if self.co_units:
            text += "；配合：" + "、".join(u.name for u in self.co_units)
        return text


def _units_prefetch() -> Prefetch:
    return Prefetch(
        "responsible",
        queryset=SupervisionUnit.objects.select_related("unit__parent").order_by(
            "position"
        ),
    )


def _row(item: SupervisionItem, today: date, due_soon_days: int) -> ItemRow:
    units = [r.unit for r in item.responsible.all()]
    return ItemRow(item, units, light(item, today, due_soon_days=due_soon_days))


def of_year(items: QuerySet[SupervisionItem], year: int) -> QuerySet:
    """Narrow `items` to the year's: assigned by its end, not closed or cancelled
    before it began."""
    start = date(year, 1, 1)
    return items.filter(assigned_on__year__lte=year).exclude(
        Q(closed_on__lt=start) | Q(cancelled_on__lt=start)
    )


def item_rows(
    *,
    user: AbstractBaseUser,
    today: date,
    unit: Unit | None = None,
    state: str = "",
    light_code: str = "",
    source: str = "",
    year: int | None = None,
    settings_row: SupervisionSettings | None = None,
) -> list[ItemRow]:
    """Return the items `user` may see, filtered, with their lights, by deadline
    (3 queries; 2 given `settings_row`)."""
    settings_row = settings_row or SupervisionSettings.load()
    items = visible_items(user).select_related("created_by")
    if unit is not None:
        items = items.filter(responsible__unit=unit)
    if state:
        items = items.filter(state=state)
    if source:
        items = items.filter(source=source)
    if year is not None:
        items = of_year(items, year)
    items = items.prefetch_related(_units_prefetch()).order_by("deadline", "pk")
    rows = [_row(item, today, settings_row.due_soon_days) for item in items]
    if light_code:
        rows = [row for row in rows if row.light.code == light_code]
    return rows


def item_for(*, user: AbstractBaseUser, item_id: int) -> SupervisionItem | None:
    """Return one item `user` may see, with its units, events and files (4 queries)."""
    return (
        visible_items(user)
        .select_related("created_by", "updated_by")
        .prefetch_related(
            _units_prefetch(),
            Prefetch(
                "events",
                queryset=SupervisionEvent.objects.select_related(
                    "actor", "unit"
                ).prefetch_related("evidence"),
            ),
        )
        .filter(pk=item_id)
        .first()
    )


def item_row(
    item: SupervisionItem, *, today: date, settings_row: SupervisionSettings
) -> ItemRow:
    """An item read by `item_for` with its light."""
    return _row(item, today, settings_row.due_soon_days)


# Worst first: the board and the lists put what needs doing at the top.
_SEVERITY = {OVERDUE: 0, DUE_SOON: 1}


def unit_open_items(
    *,
    user: AbstractBaseUser,
    unit: Unit,
    today: date,
    settings_row: SupervisionSettings | None = None,
) -> list[ItemRow]:
    """Return the open items `unit` leads or shares, as far as `user` may see
    them, overdue first, then due soon, then by deadline (3 queries; 2 given
    `settings_row`)."""
    settings_row = settings_row or SupervisionSettings.load()
    items = (
        visible_items(user)
        .filter(responsible__unit=unit, state__in=OPEN_STATES)
        .prefetch_related(_units_prefetch())
        .order_by("deadline", "pk")
    )
    rows = [_row(item, today, settings_row.due_soon_days) for item in items]
    return sorted(rows, key=lambda r: (_SEVERITY.get(r.light.code, 2), r.item.deadline))


@dataclass
class UnitOpen:
    unit: Unit
    open: int = 0
    due_soon: int = 0
    overdue: int = 0


@dataclass
class OpenSummary:
    """Open items today: how many, how many due soon and overdue, and per unit
    (each unit counts the items it leads or shares; the totals count each once)."""

    open: int = 0
    due_soon: int = 0
    overdue: int = 0
    units: list[UnitOpen] = field(default_factory=list)


def open_summary(
    *, today: date, settings_row: SupervisionSettings | None = None
) -> OpenSummary:
    """Return the open items' counts today, units with overdue items first (3
    queries; 2 given `settings_row`)."""
    settings_row = settings_row or SupervisionSettings.load()
    items = SupervisionItem.objects.filter(state__in=OPEN_STATES).prefetch_related(
        _units_prefetch()
    )
    summary = OpenSummary()
    by_unit: dict[int, UnitOpen] = {}
    for item in items:
        row = _row(item, today, settings_row.due_soon_days)
        code = row.light.code
        summary.open += 1
        summary.due_soon += code == DUE_SOON
        summary.overdue += code == OVERDUE
        for unit in row.units:
            counts = by_unit.setdefault(unit.pk, UnitOpen(unit))
            counts.open += 1
            counts.due_soon += code == DUE_SOON
            counts.overdue += code == OVERDUE
    summary.units = sorted(
        by_unit.values(),
        key=lambda c: (-c.overdue, -c.due_soon, roster_order(c.unit)),
    )
    return summary


# The buckets a year's facts are counted in, as the notice and 考核 name them.
ON_TIME, LATE, OPEN, OVERDUE_BUCKET = "on_time", "late", "open", "overdue"
BUCKET_LABELS = {
    ON_TIME: "按期办结",
    LATE: "逾期办结",
    OPEN: "在办未逾期",
    OVERDUE_BUCKET: "逾期未办结",
}


def bucket_of(code: str) -> str | None:
    """The bucket of a light: None for a cancelled item (counted nowhere)."""
    if code == CANCELLED:
        return None
    if code == DONE_ON_TIME:
        return ON_TIME
    if code == DONE_LATE:
        return LATE
    if code == OVERDUE:
        return OVERDUE_BUCKET
    return OPEN


@dataclass
class FactRow:
    item: SupervisionItem
    units: list[Unit]
    light: Light

    @property
    def lead(self) -> Unit | None:
        return self.units[0] if self.units else None


@dataclass
class UnitFacts:
    """One unit's items of a year as of a day, by bucket; each bucket keeps its
    items so that a figure can show the facts behind it."""

    unit: Unit
    items: dict[str, list[FactRow]] = field(
        default_factory=lambda: {b: [] for b in BUCKET_LABELS}
    )

    def count(self, bucket: str) -> int:
        return len(self.items[bucket])

    @property
    def on_time(self) -> int:
        return self.count(ON_TIME)

    @property
    def late(self) -> int:
        return self.count(LATE)

    @property
    def open(self) -> int:
        return self.count(OPEN)

    @property
    def overdue(self) -> int:
        return self.count(OVERDUE_BUCKET)

    @property
    def judged(self) -> int:
        """Items whose outcome is known: closed, or open past the deadline."""
        return self.on_time + self.late + self.overdue


@dataclass
class YearFacts:
    year: int
    as_of: date
    units: dict[int, UnitFacts]  # by unit id, every unit responsible for an item
    rows: list[FactRow]  # every item counted once, by deadline

    def totals(self) -> dict[str, int]:
        counted: dict[str, int] = dict.fromkeys(BUCKET_LABELS, 0)
        for row in self.rows:
            counted[bucket_of(row.light.code)] += 1
        return counted

    def of(self, unit: Unit) -> UnitFacts:
        return self.units.get(unit.pk) or UnitFacts(unit)

    @property
    def overdue_rows(self) -> list[FactRow]:
        rows = [r for r in self.rows if r.light.code == OVERDUE]
        return sorted(rows, key=lambda r: (-r.light.days, r.item.deadline, r.item.pk))


def year_facts(
    *, year: int, as_of: date, settings_row: SupervisionSettings | None = None
) -> YearFacts:
    """Return each unit's items of `year` as they stood on `as_of`: closed on time,
    closed late, open and overdue (4 queries; 3 given `settings_row`).

    Read from the items' events, so a past month's notice or ranking sees the
    items as they were then; the lights are `light`'s. This is what the ranking's
    督办 part, the notice's 督办事项办理情况 and the year's 考核 count.
    """
    settings_row = settings_row or SupervisionSettings.load()
    items = (
        of_year(SupervisionItem.objects.filter(assigned_on__lte=as_of), year)
        .prefetch_related(
            _units_prefetch(),
            Prefetch("events", queryset=SupervisionEvent.objects.order_by("at", "pk")),
        )
        .order_by("deadline", "pk")
    )
    units: dict[int, UnitFacts] = {}
    rows = []
    for item in items:
        facts = facts_on(list(item.events.all()), as_of)
        if facts is None:
            continue
        shown = light(facts, as_of, due_soon_days=settings_row.due_soon_days)
        bucket = bucket_of(shown.code)
        if bucket is None:
            continue
        row = FactRow(item, [r.unit for r in item.responsible.all()], shown)
        rows.append(row)
        for unit in row.units:
            units.setdefault(unit.pk, UnitFacts(unit)).items[bucket].append(row)
    return YearFacts(year=year, as_of=as_of, units=units, rows=rows)


def unit_share(facts: UnitFacts) -> tuple[int, int]:
    """(closed on time, items judged): the ranking's 督办 part, as a fraction."""
    return facts.on_time, facts.judged


@dataclass
class NoticeRow:
    unit: Unit
    counts: dict[str, int]


@dataclass
class SupervisionNotice:
    """The notice's 督办事项办理情况: the totals, each unit's counts (units with any
    item, in roster order) and the overdue items, longest first."""

    as_of: date
    totals: dict[str, int]
    units: list[NoticeRow]
    overdue: list[FactRow]

    @property
    def total(self) -> int:
        return sum(self.totals.values())


def notice_section(facts: YearFacts) -> SupervisionNotice:
    """Write the notice's section from the year's facts as of its day."""
    units = sorted(facts.units.values(), key=lambda f: roster_order(f.unit))
    return SupervisionNotice(
        as_of=facts.as_of,
        totals=facts.totals(),
        units=[
            NoticeRow(f.unit, {b: f.count(b) for b in BUCKET_LABELS}) for f in units
        ],
        overdue=facts.overdue_rows,
    )


def reminders(
    *, today: date, settings_row: SupervisionSettings | None = None
) -> dict[Unit, "UnitReminder"]:
    """Return, per responsible unit, its open items overdue or due soon and the
    office's 催办 not yet mailed (4 queries; 3 given `settings_row`)."""
    settings_row = settings_row or SupervisionSettings.load()
    items = (
        SupervisionItem.objects.filter(state__in=OPEN_STATES)
        .prefetch_related(
            _units_prefetch(),
            Prefetch(
                "events",
                queryset=SupervisionEvent.objects.filter(
                    kind=SupervisionEvent.Kind.URGE, mailed_on__isnull=True
                ).order_by("at", "pk"),
                to_attr="unsent_urges",
            ),
        )
        .order_by("deadline", "pk")
    )
    found: dict[Unit, UnitReminder] = defaultdict(UnitReminder)
    for item in items:
        row = _row(item, today, settings_row.due_soon_days)
        for unit in row.units:
            reminder = found[unit]
            # An item the unit has asked to close waits for the office, not for it.
            if item.state == State.APPLIED:
                pass
            elif row.light.code == OVERDUE:
                reminder.overdue.append(row)
            elif row.light.code == DUE_SOON:
                reminder.due_soon.append(row)
            if item.unsent_urges:
                reminder.urged.append((row, item.unsent_urges))
    return {unit: r for unit, r in found.items() if r}


@dataclass
class UnitReminder:
    overdue: list[ItemRow] = field(default_factory=list)
    due_soon: list[ItemRow] = field(default_factory=list)
    urged: list[tuple[ItemRow, list[SupervisionEvent]]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.overdue or self.due_soon or self.urged)

    @property
    def item_ids(self) -> set[int]:
        return {row.item.pk for row, _ in self.urged}

    @property
    def overdue_ids(self) -> set[int]:
        return {row.item.pk for row in self.overdue}

    def lines(self) -> list[str]:
        """The mail's lines for these items, with their lights."""
        lines = []
        if self.urged:
            lines.append("督办事项催办：")
            for row, urges in self.urged:
                notes = "；".join(u.text for u in urges if u.text)
                lines.append(
                    f"  · {row.item.title}（办结期限{row.item.deadline:%Y-%m-%d}，"
                    f"{row.light.label}，{row.light.text}）"
                    + (f"：{notes}" if notes else "")
                )
        for title, rows in (
            ("督办事项已逾期：", self.overdue),
            ("督办事项临期：", self.due_soon),
        ):
            if rows:
                lines.append(title)
                lines += [
                    f"  · {row.item.title}（办结期限{row.item.deadline:%Y-%m-%d}，"
                    f"{row.light.text}）"
                    for row in rows
                ]
        return lines
