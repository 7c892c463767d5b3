"""The parts a unit can be assessed on: a small registry of functions.

Each part is one function (context, unit) -> PartScore: the share between 0 and
1 it earns (None where the part does not apply to the unit: nothing due, no
indicator split for a town), the fraction printed beside it, and the facts
behind it, each with a link to the page that shows it. The scheme of a year
gives each part a weight; the parts themselves never judge anything: they read
the ranking's facts (dashboard.ranking.unit_facts), so the assessment and the
晾晒 cannot disagree.

A part is one more `@part(...)` function here (as 督办事项按期办结 is): it
appears in the scheme form, the table, the sheet and the exports.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.urls import reverse

from dashboard.ranking import (
    DEPARTMENTS,
    TOWNS,
    UnitFacts,
    YearData,
    hazard_shares,
    list_of,
    unit_facts,
)
from indicators.status import LABELS as STATUS_LABELS
from supervision.selectors import LATE, ON_TIME, OVERDUE_BUCKET, unit_share
from tasks.item_deadlines import STATE_LABELS
from units.models import Unit
from yuecheng_housing.lib.periods import day_label, format_period, period_label

BOTH_LISTS = (DEPARTMENTS, TOWNS)
SUPERVISION = "supervision"


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    url: str


@dataclass(frozen=True)
class PartScore:
    share: float | None  # 0–1; None: the part does not apply to the unit
    summary: str = ""  # the fraction as the ranking prints it ("11/12")
    facts: tuple[Fact, ...] = ()


@dataclass
class Context:
    """One year's data, read once, and the day it is judged as of."""

    data: YearData
    as_of: date
    _hazards: dict[int, tuple[int, int]] | None = None
    _facts: dict[int, UnitFacts] = field(default_factory=dict)

    @property
    def year(self) -> int:
        return self.data.year

    def facts(self, unit: Unit) -> UnitFacts:
        if unit.pk not in self._facts:
            if self._hazards is None:
                self._hazards = hazard_shares(self.data, self.as_of)
            self._facts[unit.pk] = unit_facts(
                self.data, unit, self.as_of, self._hazards
            )
        return self._facts[unit.pk]


PartFunction = Callable[[Context, Unit], PartScore]


@dataclass(frozen=True)
class Part:
    key: str
    label: str
    lists: tuple[str, ...]  # the lists a scheme may weigh it in
    rule: str  # how the share is made, in a sentence for the pages
    function: PartFunction
    short: str  # at most four characters: a phone's stacked table labels it so


PARTS: dict[str, Part] = {}


def part(key: str, label: str, *, lists: tuple[str, ...], rule: str, short: str):
    """Register a part under a stable key (stored in schemes and snapshots)."""

    def register(function: PartFunction) -> PartFunction:
        if key in PARTS:
            raise ValueError(f"part {key!r} registered twice")
        PARTS[key] = Part(key, label, lists, rule, function, short)
        return function

    return register


def parts_for(list_kind: str) -> list[Part]:
    return [p for p in PARTS.values() if list_kind in p.lists]


def _board_url(unit: Unit, year: int) -> str:
    return f"{reverse('dashboard:unit_detail', args=[unit.pk])}?year={year}"


@part(
    "returns",
    "按时报送",
    lists=BOTH_LISTS,
    rule="已到截止日的月报中按时报送的比例",
    short="按时报送",
)
def returns_on_time(context: Context, unit: Unit) -> PartScore:
    facts = context.facts(unit)
    history = reverse("reporting:report_history")
    return PartScore(
        share=facts.shares["returns"],
        summary=facts.fractions.get("returns", ""),
        facts=tuple(
            Fact(
                label=period_label(s.period),
                value=s.label,
                url=f"{history}?"
                + urlencode({"unit": unit.pk, "period": format_period(s.period)}),
            )
            for s in facts.returns
        ),
    )


@part(
    "work",
    "工作清单事项按期完成",
    lists=BOTH_LISTS,
    rule="截止日已过的工作清单事项中按期完成的比例（已销号的不计）",
    short="事项按期",
)
def items_on_time(context: Context, unit: Unit) -> PartScore:
    facts = context.facts(unit)
    url = _board_url(unit, context.year)
    return PartScore(
        share=facts.shares["work"],
        summary=facts.fractions.get("work", ""),
        facts=tuple(
            Fact(
                label=f"{item.text}（{item.deadline_label}）",
                value=STATE_LABELS[state] + (f"{days}天" if days else ""),
                url=url,
            )
            for item, state, days in facts.items
        ),
    )


@part(
    "indicators",
    "指标完成情况",
    lists=BOTH_LISTS,
    rule="所报指标的状态得分：已达标、正常计1，预警计0.5，滞后、未达标、未填报计0；"
    "镇街按本单位数据对照分解给本单位的目标评定，未分解的指标不计",
    short="指标完成",
)
def indicator_status(context: Context, unit: Unit) -> PartScore:
    facts = context.facts(unit)
    own = list_of(unit) == TOWNS
    return PartScore(
        share=facts.shares["indicators"],
        summary=facts.fractions.get("indicators", ""),
        facts=tuple(
            Fact(
                label=f"{row.indicator.code}. {row.indicator.name}",
                value=STATUS_LABELS[verdict.progress.status],
                # A town's own figures are on its board; a department's are the
                # district's, on the indicator's page.
                url=_board_url(unit, context.year)
                if own
                else reverse("dashboard:indicator", args=[row.indicator.code])
                + f"?year={context.year}",
            )
            for row, verdict in facts.judged
        ),
    )


@part(
    "hazards",
    "危房台账时限",
    lists=(TOWNS,),
    rule="本年在册危房中未超出鉴定、治理时限的比例（镇街）",
    short="危房时限",
)
def hazard_clocks(context: Context, unit: Unit) -> PartScore:
    facts = context.facts(unit)
    on_time, cases = facts.hazards
    if not cases:
        return PartScore(share=None)
    return PartScore(
        share=facts.shares["hazards"],
        summary=facts.fractions["hazards"],
        facts=(
            Fact(
                label="未超时限的危房",
                value=f"{on_time}处/共{cases}处",
                url=f"{reverse('hazards:index')}?town={unit.pk}",
            ),
        ),
    )


@part(
    SUPERVISION,
    "督办事项按期办结",
    lists=BOTH_LISTS,
    rule="本年牵头或配合的督办事项中已有结果的（已办结或已逾期）按期办结的比例",
    short="督办办结",
)
def supervision_on_time(context: Context, unit: Unit) -> PartScore:
    items = context.facts(unit).supervision
    on_time, judged = unit_share(items)
    rows = [
        row for bucket in (ON_TIME, LATE, OVERDUE_BUCKET) for row in items.items[bucket]
    ]
    return PartScore(
        share=on_time / judged if judged else None,
        summary=f"{on_time}/{judged}" if judged else "",
        facts=tuple(
            Fact(
                label=f"{row.item.title}（{day_label(row.item.deadline)}到期）",
                value=row.light.label,
                url=reverse("supervision:detail", args=[row.item.pk]),
            )
            for row in sorted(rows, key=lambda r: (r.item.deadline, r.item.pk))
        ),
    )
