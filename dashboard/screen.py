"""The 驾驶舱 (/screen/): what the monthly meeting puts on the wall, on one screen.

Nothing here decides anything: statuses are indicators.status's, forecasts
indicators.forecast's, overdue counts the unit index's, returns the reporting
panel's and places the ranking's. This module only picks what fits on a screen.
"""

from dataclasses import dataclass, field, replace
from datetime import date
from itertools import groupby

from dashboard.boards import IndexRow, unit_index
from dashboard.ranking import RankingEnds, ranking_ends, unit_ranking
from dashboard.selectors import IndicatorRow, indicator_progress, status_summary
from indicators.models import Domain, PlanSettings
from indicators.status import BEHIND, NOT_MET, WARNING
from projects.selectors import LedgerByTown, driven_by_town
from reporting.fingerprint import cached_for_data
from reporting.obligations import read_once
from reporting.selectors import plan_years_content, reporting_summary, work_list_missing
from supervision.selectors import OpenSummary, open_summary
from tasks.item_deadlines import OVERDUE
from yuecheng_housing.lib.periods import add_months, within_plan

# What fits at 1280×720 in the screen's type; the pages behind have the rest.
LAGGING_SHOWN, OVERDUE_SHOWN, RANKING_ENDS = 6, 6, 3
# A tie of more units than this at an end of a ranking list is said in one line
# (ranking_ends' rule, as the notice does): a province's towns can share a place
# by the thousand.
RANKING_TIE = 2 * RANKING_ENDS
# Towns in a ledger's panel (projects/screen_panels.html); the ledger's page
# has them all.
LEDGER_TOWNS_SHOWN = 10


@dataclass
class ScreenBoard:
    year: int
    today: date
    summary: list[dict]  # per domain, the count of indicators in each status
    domains: list[tuple[Domain, list[IndicatorRow]]]  # the rotating panels
    lagging: list[IndicatorRow]  # behind first, then in warning
    lagging_more: int
    overdue: list[IndexRow]  # units (groups summed) with overdue items, most first
    overdue_more: int
    reporting_period: date
    reporting: dict
    ranking: list[RankingEnds]  # each list's top and bottom, ties kept whole
    supervision: OpenSummary  # open 督办事项: due soon, overdue, by unit
    work_list_missing: bool = False
    # The count by town of each indicator its ledger drives this year (项目台账),
    # each a panel of the rotation after the domains.
    ledgers: list[LedgerByTown] = field(default_factory=list)


def screen_board(*, year: int, today: date) -> ScreenBoard:
    """Return what the screen shows; computed once for the data it is made of, so
    a wall reloading every few minutes costs a fingerprint, not the year again."""
    return cached_for_data(
        "screen",
        year=year,
        today=today,
        key=(),
        compute=lambda: _screen_board(year=year, today=today),
    )


def _screen_board(*, year: int, today: date) -> ScreenBoard:
    # The index, the ranking and the returns panel each read the year's
    # obligations: one reading serves them all.
    with read_once():
        return _board(year=year, today=today)


def _board(*, year: int, today: date) -> ScreenBoard:
    """The board holds only what the screen prints: it is kept in the cache and
    read on every reload, and at a province's size a group's members, a
    ledger's towns and the counts behind a verdict run to thousands of rows."""
    settings_row = PlanSettings.load()
    rows = [
        replace(r, ledgers=None)  # the verdict is made; the screen has its panels
        for r in indicator_progress(year=year, settings_row=settings_row, today=today)
    ]
    severity = [NOT_MET, BEHIND, WARNING]
    lagging = sorted(
        (r for r in rows if r.progress.lagging),
        key=lambda r: (severity.index(r.progress.status), r.indicator.code),
    )
    overdue = sorted(
        (r for r in unit_index(year=year, today=today) if r.counts[OVERDUE]),
        key=lambda r: (-r.counts[OVERDUE], r.unit.position),
    )
    ranking = unit_ranking(year=year, today=today)
    reporting_period = within_plan(add_months(today.replace(day=1), -1))
    return ScreenBoard(
        year=year,
        today=today,
        summary=status_summary(rows),
        domains=[
            (domain, list(items))
            for domain, items in groupby(rows, key=lambda r: r.indicator.domain)
        ],
        lagging=lagging[:LAGGING_SHOWN],
        lagging_more=max(0, len(lagging) - LAGGING_SHOWN),
        overdue=[replace(r, members=[]) for r in overdue[:OVERDUE_SHOWN]],
        overdue_more=max(0, len(overdue) - OVERDUE_SHOWN),
        reporting_period=reporting_period,
        work_list_missing=work_list_missing(year, plan_years_content()[1], today),
        reporting=reporting_summary(
            period=reporting_period,
            deadline_day=settings_row.entry_deadline_day,
            today=today,
        ),
        # Departments and towns are ranked apart: a town's place is never shown
        # among the departments' bottom, nor a tie cut between top and bottom.
        ranking=[
            ranking_ends(title, scores, RANKING_ENDS, RANKING_TIE)
            for _, title, scores in ranking.lists
        ],
        supervision=open_summary(today=today),
        ledgers=driven_by_town(year=year, today=today, first=LEDGER_TOWNS_SHOWN),
    )
