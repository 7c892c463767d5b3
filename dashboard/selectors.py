import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from dashboard.charts import Revision
from hazards.rates import RATE_CODES, RedLines, red_lines
from indicators.forecast import Forecast
from indicators.inconsistencies import Inconsistency
from indicators.models import Indicator, PlanSettings, Target
from indicators.plan_document import Passage, PlanDocument, Row, plan_document
from indicators.selectors import inconsistency_keys, plan_inconsistencies
from indicators.status import ICONS, LABELS, ORDER, Progress, expected_value
from indicators.verdict import Verdict, assess, year_start
from projects.counts import LedgerCounts, ledger_counts
from reporting.models import DistrictValue, IndicatorValue, MonthlyReport
from reporting.visibility import shared_only
from tasks.models import ChecklistItem, Responsibility, WorkListEntry
from yuecheng_housing.lib.numbers import format_decimal
from yuecheng_housing.lib.text import search_pattern


@dataclass
class IndicatorRow:
    """One line of the dashboard: an indicator's target and verdict in a year."""

    indicator: Indicator
    target: Target | None
    verdict: Verdict
    series: list[tuple[date, Decimal]]  # the year's district values, by month
    pending: bool = False  # the latest value is submitted but not yet approved
    sparkline: dict | None = None  # the trend figure, set by the view
    # Approved district values from last December on: what verdicts read.
    approved: list[tuple[date, Decimal]] = field(default_factory=list)
    targets: dict[int, Target] = field(default_factory=dict)
    red_lines: RedLines | None = None
    ledgers: LedgerCounts | None = None
    year: int = 0

    @property
    def progress(self) -> Progress:
        return self.verdict.progress

    @property
    def forecast(self) -> Forecast | None:
        return self.verdict.forecast

    @property
    def start(self) -> Decimal | None:
        return self.progress.start

    @property
    def sparkline_id(self) -> str:
        return f"spark-{self.indicator.code}"

    def verdict_as_of(self, as_of: date, threshold: Decimal) -> Verdict:
        """The same judgement on what was known by `as_of` (a notice's day)."""
        return judged(
            indicator=self.indicator,
            year=self.year,
            targets=self.targets,
            approved=self.approved,
            as_of=as_of,
            threshold=threshold,
            red_lines=self.red_lines,
            ledgers=self.ledgers,
        )


def judged(
    *,
    indicator: Indicator,
    year: int,
    targets: dict[int, Target],
    approved: list[tuple[date, Decimal]],
    as_of: date,
    threshold: Decimal,
    red_lines: RedLines | None = None,
    shown: list[tuple[date, Decimal]] | None = None,
    ledgers: LedgerCounts | None = None,
) -> Verdict:
    """The verdict of `indicator` in `year` as of a day: for 11–13, on the
    危房台账's rate where it holds cases, failed by a D-grade building still
    occupied; for the counts, on their ledger's count in a year it drives
    (indicators.verdict.assess makes the judgement)."""
    reported, red_line = {}, ""
    if ledgers is not None and ledgers.drives(indicator.code, year):
        approved, reported = ledgers.judged(indicator, year, approved, as_of)
        if shown is not None:
            shown, shown_reported = ledgers.judged(indicator, year, shown, as_of)
            reported |= shown_reported
    if red_lines is not None and indicator.code in RATE_CODES:
        approved, reported = red_lines.judged(indicator.code, approved)
        if shown is not None:
            shown, shown_reported = red_lines.judged(indicator.code, shown)
            reported |= shown_reported
        red_line = red_lines.breach(indicator.code, as_of)
    return assess(
        indicator=indicator,
        year=year,
        targets=targets,
        approved=approved,
        as_of=as_of,
        threshold=threshold,
        shown=shown,
        red_line=red_line,
        reported=reported,
    )


def indicator_forecast(
    *, code: int, year: int, today: date | None = None
) -> tuple[Indicator, Verdict] | None:
    """Return an indicator and its verdict with the year-end forecast (7 queries;
    8 when a ledger drives the year);
    None if no such indicator."""
    indicator = Indicator.objects.filter(code=code).first()
    if indicator is None:
        return None
    today = today or timezone.localdate()
    targets = {t.year: t for t in Target.objects.filter(indicator=indicator)}
    approved = list(
        DistrictValue.objects.filter(
            indicator=indicator,
            value__isnull=False,
            period__gte=date(year - 1, 12, 1),
            period__lte=date(year, 12, 1),
        )
        .order_by("period")
        .values_list("period", "value")
    )
    verdict = judged(
        indicator=indicator,
        year=year,
        targets=targets,
        approved=approved,
        as_of=today,
        threshold=PlanSettings.load().warning_threshold,
        red_lines=red_lines(year=year, as_of=today) if code in RATE_CODES else None,
        ledgers=ledger_counts(year=year),
    )
    return indicator, verdict


def indicator_progress(
    *,
    year: int,
    include_pending: bool = False,
    settings_row: PlanSettings | None = None,
    today: date | None = None,
) -> list[IndicatorRow]:
    """Return every indicator's target, latest district value and verdict in
    `year`, as of `today`.

    Reads the derived district table (at most 14 × 12 rows a year) and the
    危房台账's cases, so it costs a fixed number of queries however many units
    and months are stored (six; five with `settings_row`; one more when a
    ledger drives a year up to `year`).
    """
    today = today or timezone.localdate()
    settings_row = settings_row or PlanSettings.load()
    threshold = settings_row.warning_threshold
    # Every indicator has a target for every plan year (load_plan; targets are never
    # deleted), so the year's and last year's targets bring the indicators with them.
    targets_by_indicator: dict[int, dict[int, Target]] = defaultdict(dict)
    indicators = []
    for t in (
        Target.objects.filter(year__in=(year - 1, year))
        .select_related("indicator__domain", "indicator__key_task")
        .order_by("indicator__code", "year")
    ):
        if t.indicator_id not in targets_by_indicator:
            indicators.append(t.indicator)
        targets_by_indicator[t.indicator_id][t.year] = t
    # From last December: where this year's task starts.
    values = DistrictValue.objects.filter(
        period__gte=date(year - 1, 12, 1), period__lte=date(year, 12, 1)
    ).order_by("period")
    series: dict[int, list[tuple[date, Decimal, bool]]] = defaultdict(list)
    approved: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for row in values:
        if row.value is not None:
            approved[row.indicator_id].append((row.period, row.value))
        if row.period.year != year:
            continue
        if row.value is not None:
            shown, pending = row.value, False
            if include_pending and row.pending_value != row.value:
                shown, pending = row.pending_value, True
        elif include_pending and row.pending_value is not None:
            shown, pending = row.pending_value, True
        else:
            continue
        series[row.indicator_id].append((row.period, shown, pending))
    registers = red_lines(year=year, as_of=today, settings_row=settings_row)
    ledgers = ledger_counts(year=year)

    rows = []
    for indicator in indicators:
        points = series.get(indicator.pk, [])
        shown = [(p, v) for p, v, _ in points]
        verdict = judged(
            indicator=indicator,
            year=year,
            targets=targets_by_indicator[indicator.pk],
            approved=approved[indicator.pk],
            as_of=today,
            threshold=threshold,
            red_lines=registers,
            shown=shown if include_pending else None,
            ledgers=ledgers,
        )
        rows.append(
            IndicatorRow(
                indicator=indicator,
                target=targets_by_indicator[indicator.pk].get(year),
                verdict=verdict,
                series=shown,
                pending=points[-1][2] if points else False,
                approved=approved[indicator.pk],
                targets=targets_by_indicator[indicator.pk],
                red_lines=registers,
                ledgers=ledgers,
                year=year,
            )
        )
    return rows


def status_summary(rows: list[IndicatorRow]) -> list[dict]:
    """Return per domain the count of indicators in each status, in status order."""
    summary: dict[str, Counter] = {}
    for row in rows:
        summary.setdefault(row.indicator.domain.name, Counter())[
            row.progress.status
        ] += 1
    return [
        {"domain": name, "counts": [(s, LABELS[s], ICONS[s], counts[s]) for s in ORDER]}
        for name, counts in summary.items()
    ]


class UnitShare(NamedTuple):
    """One unit's figure in an indicator's month, as the breakdown prints it."""

    unit: str  # its name
    group_id: int | None
    group: str | None  # its group's name
    value: Decimal
    status: str  # its return's status, as said


@dataclass
class IndicatorDetail:
    indicator: Indicator
    targets: list[Target]
    target: Target | None
    progress: Progress
    series: list[tuple[date, Decimal]]
    expected: list[tuple[date, Decimal]]
    revisions: list[Revision]
    responsibilities: list[Responsibility]
    entry: WorkListEntry | None
    breakdown: list[UnitShare]
    values: QuerySet[IndicatorValue]
    verdict: Verdict | None = None
    # Anchors on /plan/ of the disagreements about this indicator (its work-list
    # entry for the year, the text of 主要目标).
    plan_notes: list[str] = field(default_factory=list)

    @property
    def forecast(self) -> Forecast | None:
        return self.verdict.forecast if self.verdict else None

    def _shown(self, value: Decimal | None) -> str:
        # Two places more than the indicator's: 39.58 is not yet the target 40.
        if value is None:
            return "—"
        return format_decimal(round(value, self.indicator.decimals + 2))

    @property
    def expected_text(self) -> str:
        return self._shown(self.progress.expected)

    @property
    def start_text(self) -> str:
        return self._shown(self.progress.start)

    @property
    def task_text(self) -> str:
        task = self.progress.task
        return "—" if task is None else ("+" if task >= 0 else "") + self._shown(task)


def indicator_detail(
    *, code: int, year: int, ledgers: LedgerCounts | None = None
) -> IndicatorDetail | None:
    """Return all an indicator page shows, in a fixed number of queries (11; 14
    for 11–13, which read the 危房台账; 12 where a ledger drives a year; one or
    two fewer with `ledgers`, the counts up to `year` or a later year, which
    judge `year` alike: a month's count ends at its last day)."""
    indicator = (
        Indicator.objects.select_related("domain", "key_task__section")
        .prefetch_related(Prefetch("targets", queryset=Target.objects.order_by("year")))
        .filter(code=code)
        .first()
    )
    if indicator is None:
        return None
    targets = list(indicator.targets.all())
    by_year = {t.year: t for t in targets}
    target = by_year.get(year)

    revisions = [
        Revision(
            when=timezone.localtime(h.history_date).date(),
            year=h.year,
            value=h.value,
            reason=h.history_change_reason or "（未说明原因）",
        )
        for h in Target.history.filter(
            indicator_id=indicator.pk, history_type="~"
        ).order_by("history_date")
    ]
    series = [
        (row.period, row.value)
        for row in DistrictValue.objects.filter(
            indicator=indicator, value__isnull=False
        ).order_by("period")
    ]
    # Each year's expected path, from where that year started, on its curve.
    expected = []
    for t in targets:
        start, _ = year_start(
            indicator=indicator, year=t.year, approved=series, targets=by_year
        )
        if start is None:
            continue
        points = [
            (date(t.year, month, 1), value)
            for month in range(1, 13)
            if (
                value := expected_value(
                    start=start,
                    target=t.value,
                    month=month,
                    curve=indicator.progress_curve,
                    milestones=indicator.milestone_shares,
                )
            )
            is not None
        ]
        if points:
            expected += [(date(t.year, 1, 1), start), *points]

    today = timezone.localdate()
    verdict = judged(
        indicator=indicator,
        year=year,
        targets=by_year,
        approved=[(p, v) for p, v in series if p >= date(year - 1, 12, 1)],
        as_of=today,
        threshold=PlanSettings.load().warning_threshold,
        red_lines=red_lines(year=year, as_of=today) if code in RATE_CODES else None,
        ledgers=ledgers if ledgers is not None else ledger_counts(year=year),
    )
    progress = verdict.progress

    responsibilities = list(
        Responsibility.objects.filter(key_task_id=indicator.key_task_id)
        .select_related("unit")
        .order_by("position")
    )
    entry = (
        WorkListEntry.objects.filter(work_list__year=year, indicator=indicator)
        .select_related("work_list")
        .prefetch_related(
            Prefetch("items", queryset=ChecklistItem.objects.order_by("position"))
        )
        .first()
    )
    breakdown = []
    if indicator.aggregation == Indicator.Aggregation.SUM and progress.period:
        # From the month's reports to their values (a few thousand rows by index),
        # not from all of the indicator's values to the month.
        month = MonthlyReport.objects.filter(period=progress.period).values("pk")
        # Light rows: a province's month is 3 000 values.
        breakdown = [
            UnitShare(name, group_id, group, value, MonthlyReport.Status(status).label)
            for name, group_id, group, value, status in shared_only(
                IndicatorValue.objects.filter(indicator=indicator, report__in=month)
            )
            .order_by("report__unit__parent__position", "report__unit__position")
            .values_list(
                "report__unit__name",
                "report__unit__parent_id",
                "report__unit__parent__name",
                "value",
                "report__status",
            )
        ]
    # The records of the year shown, newest first (paged by the view). Joined to
    # the reports, not picked by a subquery of the year's report ids: with that,
    # PostgreSQL walked every later month's returns, newest first, looking for
    # the year's (0.3 s at 100×, 30 ms joined).
    values = (
        shared_only(
            IndicatorValue.objects.filter(
                indicator=indicator, report__period__year=year
            )
        )
        .select_related("report__unit", "updated_by")
        .order_by("-report__period", "report__unit__position")
    )
    return IndicatorDetail(
        indicator=indicator,
        targets=targets,
        target=target,
        progress=progress,
        series=series,
        expected=expected,
        revisions=revisions,
        responsibilities=responsibilities,
        entry=entry,
        breakdown=breakdown,
        values=values,
        verdict=verdict,
        plan_notes=inconsistency_keys(code=code),
    )


@dataclass
class RowView:
    row: Row
    indicator: Indicator | None  # the indicator a table row or work-list entry is
    flags: list[Inconsistency]

    @property
    def name_index(self) -> int:
        """Return the position of the cell after the row's number: its name."""
        for i, cell in enumerate(self.row.cells):
            if cell.text.isdigit():
                return i + 1
        return -1


@dataclass
class PassageView:
    passage: Passage
    flags: list[Inconsistency]  # the inconsistencies that quote this passage
    indicators: list[Indicator]  # a key task's indicators
    rows: list[RowView]
    hits: int  # matches of the search


@dataclass
class PlanPage:
    document: PlanDocument
    passages: list[PassageView]
    inconsistencies: list[Inconsistency]
    pattern: re.Pattern | None
    hits: list[PassageView]  # the passages the search found, in order

    @property
    def hit_count(self) -> int:
        return sum(p.hits for p in self.hits)


def plan_page(*, query: str = "") -> PlanPage:
    """Return 方案原文: the plan's full text, each passage with the indicators it
    names and the inconsistencies that quote it, and the search's matches
    (7 queries, whatever the search)."""
    document = plan_document()
    inconsistencies = plan_inconsistencies()
    flags: dict[str, list[Inconsistency]] = defaultdict(list)
    for item in inconsistencies:
        for anchor in dict.fromkeys([item.first.anchor, item.second.anchor]):
            flags[anchor].append(item)
    indicators = {i.code: i for i in Indicator.objects.select_related("key_task")}
    by_task: dict[int, list[Indicator]] = defaultdict(list)
    for indicator in indicators.values():
        if indicator.key_task:
            by_task[indicator.key_task.number].append(indicator)
    entries = {
        f"text-worklist-{e.work_list.year}-{e.seq}": e.indicator
        for e in WorkListEntry.objects.select_related("work_list", "indicator")
    }
    pattern = search_pattern(query[:100])
    views = []
    for passage in document.passages:
        rows = [
            RowView(
                row,
                _row_indicator(row, indicators, entries),
                _row_flags(row, flags),
            )
            for row in passage.rows
        ]
        task = re.fullmatch(r"text-task-(\d+)", passage.anchor)
        views.append(
            PassageView(
                passage,
                flags.get(passage.anchor, []) if not rows else [],
                by_task.get(int(task.group(1)), []) if task else [],
                rows,
                len(pattern.findall(passage.text)) if pattern else 0,
            )
        )
    return PlanPage(
        document, views, inconsistencies, pattern, [v for v in views if v.hits]
    )


def _row_indicator(
    row: Row, indicators: dict[int, Indicator], entries: dict[str, Indicator | None]
) -> Indicator | None:
    if row.anchor.startswith("text-indicator-"):
        return indicators.get(int(row.anchor.removeprefix("text-indicator-")))
    return entries.get(row.anchor)


def _row_flags(row: Row, flags: dict[str, list[Inconsistency]]) -> list[Inconsistency]:
    anchors = [row.anchor, *(c.anchor for c in row.cells)]
    found = [i for a in anchors if a for i in flags.get(a, [])]
    return list({i.key: i for i in found}.values())
