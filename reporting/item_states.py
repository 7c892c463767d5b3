"""A unit's state on a checklist item as of a day, from submitted progress.

The deadline rule itself (已完成 / 逾期完成 / 逾期 / 临期 / 未到期) is
`tasks.item_deadlines.item_state`; this module decides which progress counts:
the latest return that was submitted (awaiting review or approved) by the day
asked, with a completion date on or before that day — the item's lead's (its own
lead where the item names one, its key task's otherwise). An item is
the lead's to close: a co-responsible unit's state follows the lead's completion
(a town is not 逾期 on an item its lead finished, nor does every co-department
score 0 on items it cannot close).
"""

import operator
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import reduce
from typing import NamedTuple

from django.db.models import Q

from reporting.models import ItemProgress, MonthlyReport
from reporting.obligations import Obligations, Roster, obligations_for
from tasks.item_deadlines import OVERDUE, item_state
from tasks.models import ChecklistItem
from units.models import Unit
from yuecheng_housing.lib.periods import local_date

COUNTED = (MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.APPROVED)


class Submitted(NamedTuple):
    submitted_at: datetime | None


class ProgressRow(NamedTuple):
    """What an item's state reads of an ItemProgress, for callers that read a
    province's: a light row, not a model instance (tens of thousands a year)."""

    status: str
    completed_on: date | None
    report: Submitted


ProgressRows = dict[tuple[int, int], list[ItemProgress | ProgressRow]]


def counted_progress(
    *,
    year: int,
    unit_ids: Iterable[int] | None = None,
    leads: Obligations | None = None,
) -> ProgressRows:
    """Return {(item id, unit id): progress rows, oldest first} for submitted
    returns of `year` (one query, two with evidence): the rows themselves, with
    their evidence, for the units asked; light rows for every unit, or, with
    the year's `leads`, for each item's lead alone."""
    rows = ItemProgress.objects.filter(
        item__entry__work_list__year=year, report__status__in=COUNTED
    ).order_by("report__period")
    found: ProgressRows = defaultdict(list)
    if leads is not None:
        # An item's state reads its lead's progress alone (item_state_for): a
        # province's ranking and notice need not read every town's.
        rows = rows.filter(lead_rows(leads))
    if unit_ids is None:
        for item_id, unit_id, status, completed_on, submitted_at in rows.values_list(
            "item_id",
            "report__unit_id",
            "status",
            "completed_on",
            "report__submitted_at",
        ):
            found[item_id, unit_id].append(
                ProgressRow(status, completed_on, Submitted(submitted_at))
            )
        return found
    rows = (
        rows.filter(report__unit_id__in=list(unit_ids))
        .select_related("report")
        .prefetch_related("evidence")
    )
    for row in rows:
        found[row.item_id, row.report.unit_id].append(row)
    return found


def lead_rows(obligations: Obligations) -> Q:
    """The condition that picks each of the year's items' lead's progress."""
    items_led: dict[int, list[int]] = defaultdict(list)
    for item in obligations.items:
        lead = obligations.item_lead(item)
        if lead is not None:
            items_led[lead.pk].append(item.id)
    return reduce(
        operator.or_,
        (
            Q(report__unit_id=lead_id, item_id__in=item_ids)
            for lead_id, item_ids in items_led.items()
        ),
        Q(pk__in=[]),  # no item led by anyone: no row
    )


def progress_as_of(
    rows: list[ItemProgress | ProgressRow], as_of: date
) -> ItemProgress | ProgressRow | None:
    """Return the unit's latest progress row that had been submitted by `as_of`."""
    found = None
    for row in rows:
        submitted = row.report.submitted_at
        if submitted is not None and local_date(submitted) <= as_of:
            found = row
    return found


def unit_item_state(
    *, item: ChecklistItem, progress: ItemProgress | ProgressRow | None, as_of: date
) -> tuple[str, int]:
    """Return (state, days overdue or late) of the item for the unit on `as_of`."""
    done = (
        progress is not None
        and progress.status == ItemProgress.Status.DONE
        and progress.completed_on <= as_of
    )
    return item_state(
        deadline=item.deadline,
        completed_on=progress.completed_on if done else None,
        today=as_of,
        closed_on=item.closed_on,
    )


def item_state_for(
    *,
    obligations: Obligations,
    progress: ProgressRows,
    item: ChecklistItem,
    unit: Unit,
    as_of: date,
) -> tuple[str, int]:
    """Return (state, days) of the item for `unit` on `as_of`: the lead's."""
    closer = obligations.item_lead(item) or unit
    counted = progress_as_of(progress.get((item.id, closer.pk), []), as_of)
    return unit_item_state(item=item, progress=counted, as_of=as_of)


class LeadStates:
    """item_state_for's answers kept per item and closing unit, for one
    computation: every town carrying an item is judged on the same lead's
    progress, so a province's thousands of towns ask the rule once per item."""

    def __init__(self) -> None:
        self._found: dict[tuple, tuple[str, int]] = {}
        self._lists: dict[tuple, list[tuple[ChecklistItem, str, int]]] = {}

    def state(
        self,
        *,
        obligations: Obligations,
        progress: ProgressRows,
        item: ChecklistItem,
        unit: Unit,
        as_of: date,
    ) -> tuple[str, int]:
        closer = obligations.item_lead(item) or unit
        key = (obligations.year, item.id, closer.pk, as_of)
        if key not in self._found:
            self._found[key] = item_state_for(
                obligations=obligations, progress=progress, item=item, unit=unit,
                as_of=as_of,
            )  # fmt: skip
        return self._found[key]

    def of_items(
        self,
        *,
        obligations: Obligations,
        progress: ProgressRows,
        unit: Unit,
        as_of: date,
    ) -> list[tuple[ChecklistItem, str, int]]:
        """(item, state, days) of each of the year's items the unit carries.

        Kept per list of items: a unit carries an item only where it or its
        group is named on it, so every item it carries has a lead and its state
        is that lead's, the same for every unit carrying the same items (the
        members of a group, by the thousand)."""
        items = obligations.items_of(unit)
        key = (obligations.year, as_of, tuple(i.id for i in items))
        if key not in self._lists:
            self._lists[key] = [
                (item, *self.state(
                    obligations=obligations, progress=progress, item=item,
                    unit=unit, as_of=as_of,
                ))
                for item in items
            ]  # fmt: skip
        return self._lists[key]


@dataclass
class YearItems:
    """An earlier year's items and the progress counted on them: what is still
    undone is carried into later boards and notices until done or closed."""

    obligations: Obligations
    progress: ProgressRows


def earlier_years_items(
    year: int,
    *,
    unit: Unit | None = None,
    shared: Roster | None = None,
    leads_only: bool = False,
) -> list[YearItems]:
    """Every plan year before `year` that has a work list (1 query, and 6 a year;
    3 with a roster `shared` by the caller's own year).

    For one unit's board, only the progress its items are judged on (its own and
    its items' leads'): a province's earlier years hold tens of thousands of rows
    that the board would read only to drop. With `leads_only`, only the leads'
    progress (all item_state_for reads), for callers that judge items alone."""
    years = (
        ChecklistItem.objects.filter(entry__work_list__year__lt=year)
        .values_list("entry__work_list__year", flat=True)
        .distinct()
    )
    found = []
    for y in sorted(set(years)):
        obligations = obligations_for(year=y, shared=shared)
        unit_ids = None
        if unit is not None:
            leads = (obligations.item_lead(i) for i in obligations.items_of(unit))
            unit_ids = {unit.id, *(lead.pk for lead in leads if lead)}
        progress = counted_progress(
            year=y, unit_ids=unit_ids, leads=obligations if leads_only else None
        )
        found.append(YearItems(obligations, progress))
    return found


def carried_states(
    earlier: list[YearItems],
    unit: Unit,
    as_of: date,
    states: LeadStates | None = None,
) -> list[tuple[YearItems, ChecklistItem, str, int]]:
    """The unit's earlier items still overdue on `as_of`: (year, item, state, days);
    with `states`, each item's state asked once across the units."""
    found = []
    for year_items in earlier:
        obligations, progress = year_items.obligations, year_items.progress
        judged = (
            [
                (item, *item_state_for(
                    obligations=obligations, progress=progress, item=item,
                    unit=unit, as_of=as_of,
                ))
                for item in obligations.items_of(unit)
            ]
            if states is None
            else states.of_items(
                obligations=obligations, progress=progress, unit=unit, as_of=as_of
            )
        )  # fmt: skip
        found += [
            (year_items, item, state, days)
            for item, state, days in judged
            if state == OVERDUE
        ]
    return found
