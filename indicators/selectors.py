from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, QuerySet

from indicators.models import Indicator, PlanNote, Target
from indicators.plan_goals import GOALS_SOURCE, GOALS_YEAR, TEXT_GOALS, TextGoal
from tasks.models import WorkListEntry
from yuecheng_housing.lib.numbers import format_decimal
from yuecheng_housing.lib.text import plan_words


def indicator_list() -> QuerySet[Indicator]:
    """Return the 14 indicators with domain, key task and targets (3 queries)."""
    return (
        Indicator.objects.select_related("domain", "key_task")
        .prefetch_related(Prefetch("targets", queryset=Target.objects.order_by("year")))
        .order_by("code")
    )


@dataclass(frozen=True)
class Side:
    """One of two figures that disagree: what it says and where it says it."""

    figure: str  # "35 平方米", or "—" where there is nothing to compare
    source: str


@dataclass(frozen=True)
class Discrepancy:
    key: str  # stable: names the note and the page's anchor
    title: str
    table: Side  # the five-year table (what the status rules judge against)
    other: Side  # the work list or the text of 主要目标
    explanation: str  # how the two differ, as recorded when the plan was loaded
    used: str  # which figure the system uses, and for what
    note: str  # the admin's note
    indicator: Indicator | None
    entry: WorkListEntry | None


def _figure(value: Decimal, unit: str, comparator: str = "eq") -> str:
    return f"{Target.SYMBOLS[comparator]}{format_decimal(value)} {unit}"


def entry_key(entry: WorkListEntry) -> str:
    return f"worklist-{entry.work_list.year}-{entry.seq}"


def goal_key(goal: TextGoal) -> str:
    return f"goal-{goal.code}-{GOALS_YEAR}"


def entry_disagrees(entry: WorkListEntry, target: Target | None) -> bool:
    """Whether a work-list entry has no indicator, or another figure than the
    table gives its indicator for that year."""
    if entry.indicator_id is None:
        return True
    return target is not None and target.value != entry.target


def goals_disagreeing(code: int, target_2027: Target | None) -> list[TextGoal]:
    """Return the text's goals for an indicator whose figure is not the table's."""
    if target_2027 is None:
        return []
    return [
        g for g in TEXT_GOALS if g.code == code and g.figure[1] != target_2027.value
    ]


def plan_discrepancies() -> list[Discrepancy]:
    """Return every place where the plan's text and tables disagree (4 queries).

    Found from the data, not listed by hand: a work-list entry whose figure differs
    from the table's target for its indicator and year, a work-list entry with no
    indicator at all, and a figure in the text of 主要目标 that differs from the
    table's 2027 target.
    """
    targets = {
        (t.indicator.code, t.year): t
        for t in Target.objects.select_related("indicator")
    }
    entries = (
        WorkListEntry.objects.select_related("work_list", "indicator")
        .annotate(item_count=Count("items"))
        .order_by("work_list__year", "seq")
    )
    notes = dict(PlanNote.objects.values_list("key", "note"))
    found = []
    for entry in entries:
        year, key = entry.work_list.year, entry_key(entry)
        target = targets.get((entry.indicator.code, year)) if entry.indicator else None
        if not entry_disagrees(entry, target):
            continue
        listed = Side(
            figure=_figure(entry.target, entry.unit_of_measure),
            source=f"{entry.work_list.title} · 第{entry.seq}项“{entry.name}”",
        )
        items = f"其{entry.item_count}项工作事项按完成期限跟踪"
        if entry.indicator is None:
            found.append(
                Discrepancy(
                    key=key,
                    title=entry.name,
                    table=Side("—", "五年目标表中没有对应的指标"),
                    other=listed,
                    explanation=entry.note,
                    used=f"不对应任何指标，系统不判定其数值；{items}。",
                    note=notes.get(key, ""),
                    indicator=None,
                    entry=entry,
                )
            )
            continue
        found.append(
            Discrepancy(
                key=key,
                title=entry.indicator.name,
                table=_table_side(target),
                other=listed,
                explanation=entry.note,
                used=f"指标状态按五年目标表{year}年目标（{target.display}）判定；"
                f"工作清单的{format_decimal(entry.target)}只作对照，{items}。",
                note=notes.get(key, ""),
                indicator=entry.indicator,
                entry=entry,
            )
        )
    for code in sorted({g.code for g in TEXT_GOALS}):
        target = targets.get((code, GOALS_YEAR))
        found += [
            _goal_discrepancy(goal, target, notes)
            for goal in goals_disagreeing(code, target)
        ]
    return found


def _goal_discrepancy(goal: TextGoal, target: Target, notes: dict) -> Discrepancy:
    comparator, value = goal.figure
    key = goal_key(goal)
    return Discrepancy(
        key=key,
        title=target.indicator.name,
        table=_table_side(target),
        other=Side(
            figure=_figure(value, target.indicator.unit, comparator),
            source=f"{GOALS_SOURCE}{goal.section}：“{goal.quote}”",
        ),
        explanation=target.indicator.note,
        used=f"指标状态按五年目标表{GOALS_YEAR}年目标（{target.display}）判定。",
        note=notes.get(key, ""),
        indicator=target.indicator,
        entry=None,
    )


def _table_side(target: Target) -> Side:
    indicator = target.indicator
    return Side(
        figure=_figure(target.value, indicator.unit, target.comparator),
        source=f"表：“住有宜居”工程五年目标 · 第{indicator.code}项"
        f"“{plan_words(indicator.label)}” · {target.year}年",
    )
