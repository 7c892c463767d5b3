"""The 晾晒 ranking and the monthly 通报 notice, computed from one read of the year.

A unit's score (0–100) as of a date is the weighted mean of the parts that apply
to it, each a share between 0 and 1:

- items:      of the checklist items it carries that fell due by then, the share
              done on or before the deadline (its own progress);
- returns:    of its monthly returns due by then, the share submitted on time;
- indicators: of the indicators it reports, the mean of 1 (已达标 or 正常), 0.5 (预警)
              and 0 (滞后, 未达标 or 未填报); a town is judged on its own figures
              against its own share where the target is split by unit, and the
              part is left out where it is not (unit_verdicts);
- hazards:    for a town, of its dangerous buildings open this year and found by
              then, the share not behind the plan's clocks (危房台账; weight 0 by
              default, so the part counts only when the admin gives it a weight).
- supervision: of the 督办事项 it leads or shares this year whose outcome was known
              by then (closed, or open past the deadline), the share closed on
              time (supervision.selectors.year_facts; weight 0 by default, set in
              督办参数).

Weights are set by the admin (系统参数); a part that does not apply (nothing due,
no indicator) drops out and the others are re-weighted. A unit with no part at
all is listed apart, not ranked last. Rank change compares with the ranking as of
the end of the previous month.
"""

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property
from typing import NamedTuple

from django.db.models.functions import TruncDate
from django.utils import timezone

from dashboard.selectors import IndicatorRow, indicator_progress
from hazards.models import HazardCase
from hazards.selectors import (
    NoticeSection,
    notice_sections,
    on_time_by_town,
    year_cases,
)
from indicators.forecast import Forecast
from indicators.models import PlanSettings
from indicators.status import (
    BEHIND,
    MET,
    NO_DATA,
    NOT_MET,
    ON_TRACK,
    WARNING,
)
from indicators.verdict import Verdict
from projects.selectors import BehindSchedule, behind_schedule
from reporting.fingerprint import cached_for_data
from reporting.item_states import (
    LeadStates,
    ProgressRows,
    counted_progress,
    earlier_years_items,
    item_state_for,
)
from reporting.models import MonthlyReport
from reporting.obligations import Obligations, obligations_for, read_once
from reporting.return_state import (
    LATE,
    MISSING,
    ON_TIME,
    SENT_BACK,
    ReportDays,
    ReturnState,
    StateMasks,
    entry_deadline,
    month_bit,
    state_masks,
    state_on,
)
from reporting.town_figures import TownFigures, town_figures
from supervision.models import SupervisionSettings
from supervision.selectors import (
    SupervisionNotice,
    YearFacts,
    notice_section,
    unit_share,
    year_facts,
)
from supervision.selectors import UnitFacts as ItemFacts
from tasks.item_deadlines import CLOSED, DONE, OVERDUE
from tasks.models import ChecklistItem
from units.models import Unit
from yuecheng_housing.lib.periods import (
    add_months,
    day_label,
    month_end,
    months_of_year,
    period_label,
)
from yuecheng_housing.lib.query import parse_plan_period

# 待评定 (no line to judge against yet) counts for nothing either way: left out.
STATUS_POINTS = {
    MET: 1.0,
    ON_TRACK: 1.0,
    WARNING: 0.5,
    BEHIND: 0.0,
    NOT_MET: 0.0,
    NO_DATA: 0.0,
}
DEPARTMENTS, TOWNS = "departments", "towns"
LIST_TITLES = {DEPARTMENTS: "区级部门", TOWNS: "镇街及平台公司"}


def list_of(unit: Unit) -> str:
    """Departments and the groups' members (towns, platform companies) are
    ranked in separate lists: their work is not alike."""
    return TOWNS if unit.parent_id else DEPARTMENTS


@dataclass
class UnitScore:
    unit: Unit
    parts: dict[str, float | None]  # work / returns / indicators → share or None
    detail: dict[str, str]  # the fractions behind each part, for the page
    score: float | None
    rank: int | None = None
    change: int | None = None  # places gained since last month (+2) or lost (-1)

    @property
    def list_kind(self) -> str:
        return list_of(self.unit)

    @property
    def list_title(self) -> str:
        return LIST_TITLES[list_of(self.unit)]

    @property
    def change_text(self) -> str:
        """较上月: ↑2, ↓1, — (same place) or 新上榜 (not ranked last month)."""
        if self.change is None:
            return "新上榜"
        if self.change > 0:
            return f"↑{self.change}"
        if self.change < 0:
            return f"↓{-self.change}"
        return "—"


@dataclass
class YearData:
    """Everything a ranking or a notice needs for a year, read once (10 queries)."""

    year: int
    settings: PlanSettings
    obligations: Obligations
    units: list[Unit]  # the active reporting units, in roster order
    progress: ProgressRows
    indicator_rows: list[IndicatorRow]
    hazard_cases: list[HazardCase]
    towns: TownFigures
    supervision_settings: SupervisionSettings
    _due: dict[tuple[date, ...], list[tuple[date, date]]] = field(default_factory=dict)
    _verdicts: dict[date, dict[int, Verdict]] = field(default_factory=dict)
    _supervision: dict[date, YearFacts] = field(default_factory=dict)
    _reported: dict[int, list[IndicatorRow]] = field(default_factory=dict)
    _item_states: LeadStates = field(default_factory=LeadStates)
    _reports: dict[int, dict[date, ReportDays]] | None = None
    _masks: dict[date, dict[int, StateMasks]] = field(default_factory=dict)
    _owed_bits: dict[int, int] = field(default_factory=dict)
    _due_bits: dict[date, tuple[int, int]] = field(default_factory=dict)

    @property
    def reports(self) -> dict[int, dict[date, ReportDays]]:
        """{unit id: {month: its return}}: read only when a unit's returns are
        listed month by month (the assessment); a ranking counts them in SQL."""
        if self._reports is None:
            self._reports = year_reports(self.year)
        return self._reports

    def masks(self, *days: date) -> dict[int, StateMasks]:
        """{unit id: its returns' StateMasks} as of the first day; the days not
        read yet are read together (one query)."""
        missing = [day for day in dict.fromkeys(days) if day not in self._masks]
        if missing:
            self._masks.update(
                state_masks(
                    year=self.year,
                    deadline_day=self.settings.entry_deadline_day,
                    days=missing,
                )
            )
        return self._masks[days[0]]

    def owed_bits(self, unit: Unit) -> int:
        """The months the unit owes a return for (months_owed), as bits."""
        if unit.id not in self._owed_bits:
            self._owed_bits[unit.id] = sum(
                month_bit(p) for p in self.obligations.months_owed(unit)
            )
        return self._owed_bits[unit.id]

    def due_bits(self, as_of: date) -> tuple[int, int]:
        """(months whose deadline had come by the day, months whose deadline had
        passed), as bits: on its deadline day a month with nothing sent is not
        yet missing."""
        if as_of not in self._due_bits:
            day = self.settings.entry_deadline_day
            deadlines = [(p, entry_deadline(p, day)) for p in months_of_year(self.year)]
            self._due_bits[as_of] = (
                sum(month_bit(p) for p, deadline in deadlines if deadline <= as_of),
                sum(month_bit(p) for p, deadline in deadlines if deadline < as_of),
            )
        return self._due_bits[as_of]

    def reported(self, unit: Unit) -> list[IndicatorRow]:
        """The rows of the indicators the unit reports this year: the same on
        every day asked about, so picked once."""
        if unit.id not in self._reported:
            ids = self.obligations.indicator_ids_of(unit)
            self._reported[unit.id] = [
                row for row in self.indicator_rows if row.indicator.id in ids
            ]
        return self._reported[unit.id]

    def item_state(self, item: ChecklistItem, unit: Unit, as_of: date) -> tuple:
        """(state, days) of the item for the unit as of the day: its lead's
        (item_state_for), so judged once for all who carry it, not once for
        each of a province's towns."""
        return self._item_states.state(
            obligations=self.obligations,
            progress=self.progress,
            item=item,
            unit=unit,
            as_of=as_of,
        )

    def supervision(self, as_of: date) -> YearFacts:
        """The year's 督办事项 as they stood on the day, read once per day asked."""
        if as_of not in self._supervision:
            self._supervision[as_of] = year_facts(
                year=self.year, as_of=as_of, settings_row=self.supervision_settings
            )
        return self._supervision[as_of]

    def verdicts(self, as_of: date) -> dict[int, Verdict]:
        """{indicator id: its verdict as of the day}, judged once per day asked."""
        if as_of not in self._verdicts:
            threshold = self.settings.warning_threshold
            self._verdicts[as_of] = {
                row.indicator.id: verdict
                for row, verdict in verdicts_as_of(
                    self.indicator_rows, as_of, threshold
                )
            }
        return self._verdicts[as_of]

    def months_due(self, as_of: date, *extra: date) -> list[tuple[date, date]]:
        """(month, deadline) of the months whose return had fallen due by
        `as_of`: the same for every unit, so worked out once per day asked."""
        key = (as_of, *extra)
        if key not in self._due:
            day = self.settings.entry_deadline_day
            self._due[key] = [
                (period, deadline)
                for period in [*extra, *months_of_year(self.year)]
                # A month whose deadline is still to come counts for nothing yet.
                if (deadline := entry_deadline(period, day)) <= as_of
            ]
        return self._due[key]


def year_reports(year: int) -> dict[int, dict[date, ReportDays]]:
    """{unit id: {month: its return}} of the year (one query)."""
    # Light rows, not model instances: a province has tens of thousands of
    # months. The local days are found in the query, once a return, rather
    # than converted for every day asked about.
    zone = timezone.get_default_timezone()
    reports: dict[int, dict[date, ReportDays]] = defaultdict(dict)
    for unit_id, period, *days in (
        MonthlyReport.objects.filter(period__year=year)
        .annotate(
            submitted_on=TruncDate("submitted_at", tzinfo=zone),
            reviewed_on=TruncDate("reviewed_at", tzinfo=zone),
        )
        .values_list("unit_id", "period", "status", "submitted_on", "reviewed_on")
    ):
        reports[unit_id][period] = ReportDays(*days)
    return reports


def load_year(year: int) -> YearData:
    settings_row = PlanSettings.load()
    obligations = obligations_for(year=year)
    return YearData(
        year=year,
        settings=settings_row,
        obligations=obligations,
        units=sorted(
            (u for u in obligations.units.values() if obligations.months_on_roster(u)),
            key=lambda u: (u.position, u.id),
        ),
        progress=counted_progress(year=year, leads=obligations),
        indicator_rows=indicator_progress(year=year, settings_row=settings_row),
        hazard_cases=year_cases(year=year),
        towns=town_figures(year=year),
        supervision_settings=SupervisionSettings.load(),
    )


def item_states(data: YearData, unit: Unit, as_of: date) -> list[tuple]:
    """Return (item, state, days overdue) of every item the unit carries, as of."""
    return [
        (item, *data.item_state(item, unit, as_of))
        for item in data.obligations.items_of(unit)
    ]


def indicators_reported(data: YearData, unit: Unit) -> list[IndicatorRow]:
    return data.reported(unit)


def unit_judged(
    data: YearData, unit: Unit, as_of: date
) -> list[tuple[IndicatorRow, Verdict]]:
    """The indicators a unit's indicator part is made of, each with its verdict,
    as of a day.

    A department is judged on the district figures of what it reports. A town's
    figure is its share of a district count, not the district's status: it is
    judged on its own figures against its own share where an admin split the
    year's target by unit, and left out where there is no split.
    """
    reported = indicators_reported(data, unit)
    if list_of(unit) == TOWNS:
        threshold = data.settings.warning_threshold
        return [
            (row, verdict)
            for row in reported
            if (verdict := data.towns.verdict(row.indicator, unit, as_of, threshold))
        ]
    verdicts = data.verdicts(as_of)
    return [(row, verdicts[row.indicator.id]) for row in reported]


def unit_verdicts(data: YearData, unit: Unit, as_of: date) -> list[Verdict]:
    """The verdicts a unit's indicator part is made of, as of a day."""
    return [verdict for _, verdict in unit_judged(data, unit, as_of)]


def verdicts_as_of(
    rows: list[IndicatorRow], as_of: date, threshold: Decimal
) -> list[tuple[IndicatorRow, Verdict]]:
    """Each indicator's verdict on what was known by `as_of`: the same judgement
    the indicator page prints (dashboard.selectors.judged)."""
    return [(row, row.verdict_as_of(as_of, threshold)) for row in rows]


def returns_due(
    data: YearData, unit: Unit, as_of: date, *extra: date
) -> list[ReturnState]:
    """Return the state of each of the unit's returns due by `as_of`."""
    owed = data.obligations.months_owed(unit)
    reports = data.reports.get(unit.id, {})
    # return_state's rule (state_on) on the days read once; a month not owed is
    # never due, so it is not asked about.
    return [
        state
        for period, deadline in data.months_due(as_of, *extra)
        if period in owed
        and (state := state_on(reports.get(period), period, deadline, as_of)).is_due
    ]


class ReturnTally(NamedTuple):
    """How many of a unit's returns due by a day stood in each state then."""

    on_time: int = 0
    late: int = 0
    sent_back: int = 0
    missing: int = 0

    @property
    def due(self) -> int:
        return self.on_time + self.late + self.sent_back + self.missing


def return_tally(data: YearData, unit: Unit, as_of: date) -> ReturnTally:
    """Count the unit's returns due by `as_of` by state: returns_due's answer,
    counted from the masks the database found (state_masks) rather than judged
    month by month."""
    owed = data.owed_bits(unit)
    if not owed:
        return ReturnTally()
    due, passed = data.due_bits(as_of)
    masks = data.masks(as_of).get(unit.id) or StateMasks()
    due &= owed
    stood = masks.on_time | masks.late | masks.sent_back
    return ReturnTally(
        (masks.on_time & due).bit_count(),
        (masks.late & due).bit_count(),
        (masks.sent_back & due).bit_count(),
        # Nothing standing by the day: missing once the deadline had passed.
        (passed & owed & ~stood).bit_count(),
    )


def month_return(data: YearData, unit: Unit, period: date, as_of: date) -> str | None:
    """The state of the unit's return for one month of the data's year as of a
    day (returns_due's answer for that month), or None where it was not due."""
    bit = month_bit(period)
    due, passed = data.due_bits(as_of)
    if not data.owed_bits(unit) & due & bit:
        return None
    masks = data.masks(as_of).get(unit.id) or StateMasks()
    for code, mask in zip((ON_TIME, LATE, SENT_BACK), masks, strict=True):
        if mask & bit:
            return code
    # Nothing standing by the day: missing once the deadline had passed.
    return MISSING if passed & bit else None


@dataclass
class UnitFacts:
    """The facts a unit is scored on as of a day: the ranking's parts and the
    year-end assessment (assessment/parts.py) both read these, never recount."""

    # (item, state, days overdue) of the items that count: past their deadline
    # (due that day, an item is not late) and not closed by an admin (销号).
    items: list[tuple]
    returns_tally: ReturnTally  # the returns due by the day, counted by state
    judged: list[tuple[IndicatorRow, Verdict]]  # unit_judged
    hazards: tuple[int, int]  # (cases not behind the clocks, cases); towns only
    # The 督办事项 part, read only when asked for (the year's items and events):
    # the ranking asks where an admin weights it, the assessment where its
    # scheme does.
    _supervision: Callable[[], ItemFacts] = field(repr=False)
    # The returns month by month (returns_due), read only when asked for: the
    # assessment lists them, the ranking counts them (returns_tally).
    _returns: Callable[[], list[ReturnState]] = field(repr=False)

    @cached_property
    def returns(self) -> list[ReturnState]:
        """The state of each return due by the day."""
        return self._returns()

    @property
    def supervision(self) -> ItemFacts:
        """The unit's 督办事项 as they stood on the day, by outcome."""
        return self._supervision()

    @cached_property
    def items_on_time(self) -> int:
        return sum(1 for _, state, _ in self.items if state == DONE)

    @property
    def returns_on_time(self) -> int:
        return self.returns_tally.on_time

    @cached_property
    def indicator_points(self) -> list[float]:
        """1, 0.5 or 0 for each verdict that counts (待评定 is left out)."""
        return [
            STATUS_POINTS[verdict.progress.status]
            for _, verdict in self.judged
            if verdict.progress.status in STATUS_POINTS
        ]

    @property
    def shares(self) -> dict[str, float | None]:
        """work / returns / indicators / hazards → share between 0 and 1, or None
        where the part does not apply (nothing due, no indicator, no case)."""
        points = self.indicator_points
        on_time, cases = self.hazards
        return {
            "work": self.items_on_time / len(self.items) if self.items else None,
            "returns": self.returns_on_time / self.returns_tally.due
            if self.returns_tally.due
            else None,
            "indicators": sum(points) / len(points) if points else None,
            "hazards": on_time / cases if cases else None,
        }

    @property
    def fractions(self) -> dict[str, str]:
        """The fractions behind each part that applies ("2/4"), as printed."""
        points = self.indicator_points
        on_time, cases = self.hazards
        detail = {}
        if self.items:
            detail["work"] = f"{self.items_on_time}/{len(self.items)}"
        if self.returns_tally.due:
            detail["returns"] = f"{self.returns_on_time}/{self.returns_tally.due}"
        if points:
            detail["indicators"] = f"{sum(points):g}/{len(points)}"
        if cases:
            detail["hazards"] = f"{on_time}/{cases}"
        return detail


def unit_facts(
    data: YearData,
    unit: Unit,
    as_of: date,
    hazards_on_time: dict[int, tuple[int, int]],
) -> UnitFacts:
    """Return what a unit is scored on as of a day (the 危房 shares read once
    for every town: hazard_shares)."""
    return UnitFacts(
        items=[
            s
            for s in item_states(data, unit, as_of)
            if s[0].deadline < as_of and s[1] != CLOSED
        ],
        returns_tally=return_tally(data, unit, as_of),
        judged=unit_judged(data, unit, as_of),
        hazards=hazards_on_time.get(unit.id, (0, 0)),
        _supervision=lambda: data.supervision(as_of).of(unit),
        _returns=lambda: returns_due(data, unit, as_of),
    )


def score_unit(
    data: YearData,
    unit: Unit,
    as_of: date,
    hazards_on_time: dict[int, tuple[int, int]] | None = None,
) -> UnitScore:
    settings_row = data.settings
    if hazards_on_time is None:
        hazards_on_time = _hazards_on_time(data, as_of)
    facts = unit_facts(data, unit, as_of, hazards_on_time)
    parts: dict[str, float | None] = {**facts.shares, "supervision": None}
    detail = facts.fractions
    supervision_weight = data.supervision_settings.ranking_weight
    if supervision_weight:  # weight 0: the part does not count, nothing to read
        on_time, judged = unit_share(facts.supervision)
        if judged:
            parts["supervision"] = on_time / judged
            detail["supervision"] = f"{on_time}/{judged}"
    weights = {
        "work": float(settings_row.ranking_weight_items),
        "returns": float(settings_row.ranking_weight_returns),
        "indicators": float(settings_row.ranking_weight_indicators),
        "hazards": float(settings_row.ranking_weight_hazards),
        "supervision": float(supervision_weight),
    }
    applying = {k: w for k, w in weights.items() if parts[k] is not None and w > 0}
    score = None
    if applying:
        total = sum(applying.values())
        score = round(100 * sum(parts[k] * w for k, w in applying.items()) / total, 1)
    return UnitScore(unit=unit, parts=parts, detail=detail, score=score)


def hazard_shares(data: YearData, as_of: date) -> dict[int, tuple[int, int]]:
    """Per town, (cases not behind the plan's clocks, cases) as of a day."""
    return on_time_by_town(
        cases=data.hazard_cases, as_of=as_of, settings_row=data.settings
    )


def _hazards_on_time(data: YearData, as_of: date) -> dict[int, tuple[int, int]]:
    if not data.settings.ranking_weight_hazards:
        return {}  # the part does not count: nothing to judge
    return hazard_shares(data, as_of)


def _rank(scores: list[UnitScore]) -> None:
    """Rank within each list (departments, towns): 1, 2, 2, 4 for ties."""
    for kind in LIST_TITLES:
        ranked = sorted(
            (s for s in scores if s.score is not None and list_of(s.unit) == kind),
            key=lambda s: (-s.score, s.unit.position, s.unit.id),
        )
        previous_score, rank = None, 0
        for index, s in enumerate(ranked, 1):
            if s.score != previous_score:
                rank, previous_score = index, s.score
            s.rank = rank


@dataclass
class Ranking:
    year: int
    as_of: date
    previous_as_of: date
    ranked: list[UnitScore]  # departments first, then towns, each by rank
    apart: list[UnitScore]
    weights: dict[str, Decimal]

    @property
    def lists(self) -> list[tuple[str, str, list[UnitScore]]]:
        """(kind, title, ranked) of each list that has anyone in it."""
        return [
            (kind, title, ranked)
            for kind, title in LIST_TITLES.items()
            if (ranked := [s for s in self.ranked if list_of(s.unit) == kind])
        ]


def ranking_as_of(data: YearData, as_of: date) -> Ranking:
    """Rank every unit as of a date, within its list, with its change since the
    previous month end."""
    previous_as_of = month_end(add_months(as_of.replace(day=1), -1))
    data.masks(as_of, previous_as_of)  # both days' returns in one query
    now_shares = _hazards_on_time(data, as_of)
    before_shares = _hazards_on_time(data, previous_as_of)
    scores = [score_unit(data, unit, as_of, now_shares) for unit in data.units]
    before = [
        score_unit(data, unit, previous_as_of, before_shares) for unit in data.units
    ]
    _rank(scores)
    _rank(before)
    before_rank = {s.unit.id: s.rank for s in before}
    for s in scores:
        old = before_rank.get(s.unit.id)
        if s.rank is not None and old is not None:
            s.change = old - s.rank
    order = list(LIST_TITLES)
    ranked = sorted(
        (s for s in scores if s.rank),
        key=lambda s: (order.index(list_of(s.unit)), s.rank, s.unit.position),
    )
    s = data.settings
    return Ranking(
        year=data.year,
        as_of=as_of,
        previous_as_of=previous_as_of,
        ranked=ranked,
        apart=[s for s in scores if s.rank is None],
        weights={
            "work": s.ranking_weight_items,
            "returns": s.ranking_weight_returns,
            "indicators": s.ranking_weight_indicators,
            "hazards": s.ranking_weight_hazards,
            "supervision": data.supervision_settings.ranking_weight,
        },
    )


def unit_ranking(*, year: int, today: date, month: date | None = None) -> Ranking:
    """The ranking for a year: as of today or, for a past year, as of the day
    after December's return fell due (6 January), so that December's counts.
    With `month`, as of that month's last day (or today, if earlier): the ranking
    that month's notice prints. Computed once for the data it is made of
    (reporting/fingerprint.py)."""
    return cached_for_data(
        "ranking",
        year=year,
        today=today,
        key=(month,),
        compute=lambda: _read_once(_unit_ranking, year=year, today=today, month=month),
    )


def _read_once(compute, **kwargs):
    """A computation that reads the roster and the ledgers' counts once, however
    many of its parts ask (reporting.obligations.read_once)."""
    with read_once():
        return compute(**kwargs)


def _unit_ranking(*, year: int, today: date, month: date | None) -> Ranking:
    data = load_year(year)
    if month is not None:
        # The notice's day (_monthly_notice): the same ranking for the same month.
        return ranking_as_of(data, min(month_end(month), today))
    return ranking_as_of(data, ranking_day(data, today))


def year_settles_on(year: int, deadline_day: int) -> date:
    """The day a plan year's ranking settles: the day after December's return
    fell due (6 January), the first on which a December return not sent counts
    as missing. On the deadline day itself it is not yet missing, so a ranking
    as of that day would leave an unsent December out of the unit's share."""
    return entry_deadline(date(year, 12, 1), deadline_day) + timedelta(days=1)


def ranking_day(data: YearData, today: date) -> date:
    """The day a year is ranked (and assessed) as of: today or, once the year
    has settled, the day it settled (year_settles_on)."""
    return min(today, year_settles_on(data.year, data.settings.entry_deadline_day))


def ranking_filtered(
    ranking: Ranking,
    *,
    kind: str | None = None,
    group_id: int | None = None,
    rank_min: int | None = None,
    rank_max: int | None = None,
) -> tuple[list[UnitScore], list[UnitScore]]:
    """Return (ranked, apart) of the units asked for: one list, one group's
    members, a range of places. Places are those of the whole list: a filter
    picks units out of the ranking, it never ranks them again."""

    def wanted(s: UnitScore) -> bool:
        return (kind is None or list_of(s.unit) == kind) and (
            group_id is None or s.unit.parent_id == group_id
        )

    ranked = [
        s
        for s in ranking.ranked
        if wanted(s)
        and (rank_min is None or s.rank >= rank_min)
        and (rank_max is None or s.rank <= rank_max)
    ]
    return ranked, [s for s in ranking.apart if wanted(s)]


@dataclass
class Notice:
    period: date
    as_of: date
    overdue: list[dict]  # every lead's item overdue as of the day, earlier years' too
    returns_period: date
    returns_deadline: date
    late: list[Unit]
    missing: list[Unit]
    sent_back: list[Unit]
    # Indicators 未达标, 滞后 or 预警 as of the day, with the status printed.
    behind: list[tuple[IndicatorRow, str]]
    # Praised: per list (title, units, why none), the best-scored units with no
    # late or missing return and no overdue item; `best` is all of them.
    praised: list[tuple[str, list[UnitScore], str]]
    ranking: Ranking
    # Indicators whose year-end forecast, on the values approved by then, misses
    # the year's target (预计难以完成), never a met or closed one.
    unlikely: list[tuple[IndicatorRow, Forecast]]
    # Units that owed returns this year and had sent none by the day.
    never_reported: list[Unit] = field(default_factory=list)
    work_list_missing: bool = False
    # 危房台账: each state of the cases not yet made safe, towns counted.
    hazards: list[NoticeSection] = field(default_factory=list)
    # 督办事项办理情况: the year's items as of the day, by unit.
    supervision: SupervisionNotice | None = None
    # 项目台账: the projects with a stage behind its planned day, counted, the
    # first of them named.
    projects_behind: BehindSchedule | None = None

    @property
    def headings(self) -> dict[str, str]:
        """The sections' numbered headings: the page and its Excel print these,
        so that 六、晾晒排名 is 六 in both."""
        deadline = self.returns_deadline
        return {
            "overdue": f"一、逾期未完成事项（{len(self.overdue)}项）",
            "returns": f"二、{period_label(self.returns_period)}数据报送情况"
            f"（报送截止日为{deadline.month}月{deadline.day}日）",
            "behind": "三、未达标、滞后或预警的指标",
            "unlikely": "四、预计难以完成的指标",
            "praised": "五、表现较好的单位",
            "ranking": "六、晾晒排名",
            "hazards": f"七、危房治理情况（危房台账，截至{day_label(self.as_of)}）",
            "supervision": f"八、督办事项办理情况（截至{day_label(self.as_of)}）",
            "projects": "九、进度滞后的项目（项目台账，"
            f"{self.projects_behind.total if self.projects_behind else 0}个，"
            f"截至{day_label(self.as_of)}）",
        }

    @property
    def best(self) -> list[UnitScore]:
        return [s for _, scores, _ in self.praised for s in scores]

    @property
    def summary(self) -> str:
        """The opening sentence, written from the same facts as the sections."""
        year = self.period.year
        parts = []
        counts: dict[str, int] = defaultdict(int)
        for _, status in self.behind:
            counts[status] += 1
        for status, label in ((NOT_MET, "未达标"), (BEHIND, "滞后"), (WARNING, "预警")):
            if counts[status]:
                parts.append(f"{counts[status]}项指标{label}")
        if self.unlikely:
            parts.append(f"{len(self.unlikely)}项指标预计难以完成")
        if self.overdue:
            parts.append(f"{len(self.overdue)}项工作事项逾期未完成")
        if self.missing or self.late:
            parts.append(f"{len(self.missing) + len(self.late)}个单位未按时报送")
        if self.work_list_missing:
            parts.append(f"{year}年工作清单尚未下达")
        if not parts:
            return "截至本期，各项指标均按进度推进，无逾期事项，各单位均按时报送。"
        return "截至本期，" + "，".join(parts) + "。"


@dataclass
class RankingEnds:
    """The head and the tail of one ranking list, as a wall shows them."""

    title: str
    top: list[UnitScore]
    bottom: list[UnitScore]
    count: int  # units ranked in the list
    tied: set[int]  # places shared by more than one unit: shown as 并列
    # A tie too big to list at an end (thousands of towns sharing first place):
    # (its place, how many share it), said in one line after the top or before
    # the bottom instead of naming them all; cut, it would be split.
    top_tie: tuple[int, int] | None = None
    bottom_tie: tuple[int, int] | None = None

    @property
    def gap(self) -> bool:
        """Whether places between the top and the bottom are left out."""
        return self.left_out > 0

    @property
    def left_out(self) -> int:
        """How many units between the top and the bottom are left out."""
        folded = sum(tie[1] for tie in (self.top_tie, self.bottom_tie) if tie)
        return self.count - len(self.top) - len(self.bottom) - folded


def ranking_ends(
    title: str, ranked: list[UnitScore], n: int, most: int | None = None
) -> RankingEnds:
    """The first n and the last n places of one list, in rank order, never
    splitting a tie: the top takes every unit tied with its last, the bottom
    every unit tied with its first, and nobody placed in the top is in the bottom
    (in a list of 6 with four tied first, the top is those four, the bottom the
    other two). With `most`, an end names at most that many units: the tie that
    would take it past is held whole in `top_tie` or `bottom_tie` (its place
    and size), not named."""
    if not ranked:
        return RankingEnds(title, [], [], 0, set())
    places = Counter(s.rank for s in ranked)
    edge = ranked[min(n, len(ranked)) - 1].rank
    top = [s for s in ranked if s.rank <= edge]
    top_tie = None
    if most is not None and len(top) > most:
        top_tie = (edge, places[edge])
        top = top[: -places[edge]]
    rest = ranked[len(top) + (top_tie[1] if top_tie else 0) :]
    bottom = (
        [s for s in rest if s.rank >= rest[-min(n, len(rest))].rank] if rest else []
    )
    bottom_tie = None
    if most is not None and len(bottom) > most:
        first = bottom[0].rank
        bottom_tie = (first, places[first])
        bottom = bottom[places[first] :]
    return RankingEnds(
        title=title,
        top=top,
        bottom=bottom,
        count=len(ranked),
        tied={rank for rank, units in places.items() if units > 1},
        top_tie=top_tie,
        bottom_tie=bottom_tie,
    )


def praise(
    ranked: list[UnitScore], eligible: set[int], limit: int
) -> tuple[list[UnitScore], str]:
    """The top of one list among the units that may be praised: whole groups of
    tied scores, as long as together they stay within `limit` (a tie that would
    go past it is left out rather than cut), and why nobody is, where so."""
    chosen: list[UnitScore] = []
    candidates = [s for s in ranked if s.unit.id in eligible and s.score]
    for score in sorted({s.score for s in candidates}, reverse=True):
        group = [s for s in candidates if s.score == score]
        if len(chosen) + len(group) > limit:
            if not chosen:
                return [], (
                    f"得分最高的{len(group)}个单位并列（{score}分），"
                    f"超过表扬上限{limit}个，本期不单列。"
                )
            break
        chosen += group
    return chosen, "" if chosen else "暂无符合条件的单位。"


def notice_month(raw: str, *, today: date | None = None) -> date:
    """Return the month a notice URL names; ValueError (in Chinese) if there is
    no such notice: not a month, outside the plan, or still to come."""
    month = parse_plan_period(raw)
    if month > (today or timezone.localdate()):
        raise ValueError(f"{period_label(month)}尚未到来，不能生成通报。")
    return month


def monthly_notice(*, period: date, today: date | None = None) -> Notice:
    """Draft the 通报 for a month, as of its last day (or today, if earlier);
    computed once for the data it is made of."""
    today = today or timezone.localdate()
    return cached_for_data(
        "notice",
        year=period.year,
        today=today,
        key=(period,),
        compute=lambda: _read_once(_monthly_notice, period=period, today=today),
    )


def _monthly_notice(*, period: date, today: date) -> Notice:
    data = load_year(period.year)
    as_of = min(month_end(period), today)
    overdue = _overdue_items(data, as_of)

    # Ranked first: its two days' returns are read together, the notice's own
    # day among them (YearData.masks).
    ranking = ranking_as_of(data, as_of)
    returns_period = add_months(period, -1)
    returns = data
    if returns_period.year != period.year:
        # January's notice speaks of December: that year's obligations and returns
        # (none before the plan began: obligations owe nothing for 2022).
        returns = load_year(returns_period.year)
    by_state: dict[str, list[Unit]] = defaultdict(list)
    for unit in returns.units:
        if code := month_return(returns, unit, returns_period, as_of):
            by_state[code].append(unit)
    verdicts = data.verdicts(as_of)
    rows = {row.indicator.id: row for row in data.indicator_rows}
    behind = [
        (rows[pk], verdict.progress.status)
        for pk, verdict in verdicts.items()
        if verdict.progress.lagging
    ]
    unlikely = [
        (rows[pk], verdict.forecast)
        for pk, verdict in verdicts.items()
        if verdict.unlikely
    ]

    # Praise only who has nothing to answer for: no late or missing return this
    # year, none for last month, and no overdue item.
    answerable = {o["unit"].pk for o in overdue}
    answerable |= {u.id for u in by_state[LATE] + by_state[MISSING]}
    never_reported = []
    for unit in data.units:
        tally = return_tally(data, unit, as_of)
        if tally.late or tally.missing or tally.sent_back:
            answerable.add(unit.id)
        if tally.due and not (tally.on_time or tally.late):
            never_reported.append(unit)
    eligible = {s.unit.id for s in ranking.ranked} - answerable
    limit = data.settings.notice_praise_limit
    praised = [
        (title, *praise(scores, eligible, limit)) for _, title, scores in ranking.lists
    ]
    return Notice(
        unlikely=unlikely,
        period=period,
        as_of=as_of,
        overdue=overdue,
        returns_period=returns_period,
        returns_deadline=entry_deadline(
            returns_period, data.settings.entry_deadline_day
        ),
        late=by_state[LATE],
        missing=by_state[MISSING],
        sent_back=by_state[SENT_BACK],
        behind=behind,
        praised=praised,
        ranking=ranking,
        never_reported=never_reported,
        work_list_missing=not data.obligations.items_by_task,
        hazards=notice_sections(
            as_of=as_of, settings_row=data.settings, cases=data.hazard_cases
        ),
        supervision=notice_section(data.supervision(as_of)),
        projects_behind=behind_schedule(as_of=as_of),
    )


def _overdue_items(data: YearData, as_of: date) -> list[dict]:
    """Every lead unit's item not done by `as_of` after its deadline: this year's
    and, carried over until done, every earlier year's."""
    overdue = []
    years = earlier_years_items(
        data.year, shared=data.obligations.roster, leads_only=True
    )
    for year_data in [*years, data]:
        obligations = year_data.obligations
        for item in obligations.items:
            lead = obligations.item_lead(item)
            if lead is None:
                continue
            state, days = item_state_for(
                obligations=obligations, progress=year_data.progress, item=item,
                unit=lead, as_of=as_of,
            )  # fmt: skip
            if state == OVERDUE:
                carried = item.entry.work_list.year < data.year
                overdue.append(
                    {"unit": lead, "item": item, "days": days, "carried": carried}
                )
    overdue.sort(key=lambda o: (-o["days"], o["unit"].position))
    return overdue
