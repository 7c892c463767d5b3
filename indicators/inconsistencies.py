"""Every place where the plan disagrees with itself: the rules that find them, and
the few that no rule can find, noted by hand with the reason.

Each rule is one function over the plan's facts (the five-year table as the
database holds it, the work lists and their items, the text of 主要目标, the
plan's full text) and returns what it finds; `indicators.selectors` loads the
facts and runs them all. Both passages are quoted as the plan writes them (the
quotes are checked against the seed by a test) and point to their anchor on
方案原文. What the product does about each is said in one sentence: which figure
the verdicts judge against (indicators/verdict.py reads the table's targets) and
where an admin can change that.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher

from django.urls import reverse

from indicators.models import Indicator, Target
from indicators.plan_document import Passage, PlanDocument
from indicators.plan_goals import GOALS_YEAR, TEXT_GOALS, TextGoal
from tasks.models import WorkListEntry
from yuecheng_housing.lib.numbers import format_decimal

TABLE = "表：“住有宜居”工程五年目标"
GOALS = "二、主要目标"


class Kind:
    FIGURE = "figure"
    COMPARATOR = "comparator"
    UNIT = "unit"
    SCOPE = "scope"
    YEAR = "year"
    BEYOND = "beyond"
    MISSING = "missing"
    NAME = "name"
    HAND = "hand"

    LABELS = {
        FIGURE: "数字不同",
        COMPARATOR: "比较方式不同（以上、至少、大于）",
        UNIT: "计量单位不同",
        SCOPE: "新增与累计",
        YEAR: "年份不同",
        BEYOND: "年度目标已超过五年目标",
        MISSING: "缺少对应",
        NAME: "同一文件名称两种写法",
        HAND: "人工记录（规则无法发现）",
    }


@dataclass(frozen=True)
class Quote:
    """A passage of the plan, verbatim, and where it stands on 方案原文."""

    source: str  # "二、主要目标（二）", "附件2 第6项"
    text: str  # the plan's words, to be found verbatim in the seed
    anchor: str  # its anchor on /plan/
    label: str = ""  # a table row's name, also verbatim ("老旧小区累计改造个数（个）")


@dataclass(frozen=True)
class AdminLink:
    label: str
    admin: str  # admin URL name, e.g. "admin:indicators_target_change"
    pk: int | None = None

    @property
    def url(self) -> str:
        return reverse(self.admin, args=[self.pk] if self.pk else [])


@dataclass(frozen=True)
class Inconsistency:
    key: str  # stable: the admin's note and the page's anchor hang on it
    kind: str
    title: str
    first: Quote
    second: Quote
    finding: str  # how the two differ
    used: str  # what the product does about it, and why
    admin: tuple[AdminLink, ...] = ()
    codes: tuple[int, ...] = ()  # the indicators it concerns
    reason: str = ""  # a hand note: why no rule finds it
    note: str = ""  # the admin's note (PlanNote)

    @property
    def kind_label(self) -> str:
        return Kind.LABELS[self.kind]

    @property
    def sides(self) -> tuple[Quote, Quote]:
        return (self.first, self.second)

    @property
    def admin_links(self) -> list[AdminLink]:
        return list(self.admin)


@dataclass
class PlanFacts:
    """What the rules read: the database's table and work lists, and the text."""

    indicators: dict[int, Indicator]
    targets: dict[tuple[int, int], Target]
    entries: list[WorkListEntry]  # with work_list, indicator and items
    document: PlanDocument
    goals: list[TextGoal] = field(default_factory=lambda: list(TEXT_GOALS))

    def passage(self, anchor: str) -> Passage:
        return next(p for p in self.document.passages if p.anchor == anchor)

    def cell(self, code: int, year: int) -> str:
        """Return the five-year table's cell for an indicator and year, as written."""
        for passage in self.document.passages:
            for row in passage.rows:
                if row.anchor == f"text-indicator-{code}":
                    return row.cells[-(2027 - year) - 1].text
        raise KeyError(code)


# ------------------------------------------------------------------ quotes


def _table_quote(facts: PlanFacts, code: int, year: int) -> Quote:
    return Quote(
        source=f"{TABLE} · 第{code}项 · {year}年",
        text=facts.cell(code, year),
        anchor=f"text-indicator-{code}",
        label=facts.indicators[code].label,
    )


def _goal_quote(goal: TextGoal) -> Quote:
    number = "一二三四".index(goal.section[1]) + 1
    return Quote(f"{GOALS}{goal.section}", goal.quote, f"text-goals-{number}")


def _entry_quote(entry: WorkListEntry) -> Quote:
    unit = f"（{entry.unit_of_measure}）" if entry.unit_of_measure else ""
    return Quote(
        source=f"附件2 {entry.work_list.year}年工作清单 · 第{entry.seq}项",
        text=format_decimal(entry.target),
        anchor=f"text-worklist-{entry.work_list.year}-{entry.seq}",
        label=f"{entry.name}{unit}",
    )


def _item_quote(entry: WorkListEntry, position: int, text: str) -> Quote:
    year = entry.work_list.year
    return Quote(
        source=f"附件2 {year}年工作清单 · 第{entry.seq}项 · 第{position}条事项",
        text=text,
        anchor=f"text-worklist-{year}-{entry.seq}-{position}",
    )


def _target_links(target: Target | None) -> tuple[AdminLink, ...]:
    if target is None:
        return ()
    return (
        AdminLink(
            f"修改{target.indicator.code}号指标{target.year}年目标",
            "admin:indicators_target_change",
            target.pk,
        ),
    )


def _entry_link(entry: WorkListEntry) -> AdminLink:
    return AdminLink(
        f"修改工作清单第{entry.seq}项", "admin:tasks_worklistentry_change", entry.pk
    )


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ------------------------------------------------------------------ the rules


def entry_figure_differs(facts: PlanFacts) -> list[Inconsistency]:
    """A work-list entry whose figure is not its indicator's target for the year,
    or that has no indicator at all."""
    found = []
    for entry in facts.entries:
        year = entry.work_list.year
        key = f"worklist-{year}-{entry.seq}"
        items = f"其{len(entry.items.all())}项工作事项按完成期限跟踪"
        if entry.indicator is None:
            found.append(
                Inconsistency(
                    key=key,
                    kind=Kind.MISSING,
                    title=entry.name,
                    first=_entry_quote(entry),
                    second=Quote(TABLE, TABLE, "text-table-goals"),
                    finding="工作清单列有此项，五年目标表14项指标中没有与之对应的指标。",
                    used=f"不对应任何指标，系统不判定其数值；{items}。",
                    admin=(_entry_link(entry),),
                )
            )
            continue
        code = entry.indicator.code
        target = facts.targets.get((code, year))
        if target is None or target.value == entry.target:
            continue
        found.append(
            Inconsistency(
                key=key,
                kind=Kind.FIGURE,
                title=entry.indicator.name,
                first=_table_quote(facts, code, year),
                second=_entry_quote(entry),
                finding=entry.note
                or f"五年目标表{year}年为{target.display}，工作清单为"
                f"{format_decimal(entry.target)}。",
                used=f"指标状态按五年目标表{year}年目标（{target.display}）判定；"
                f"工作清单的{format_decimal(entry.target)}只作对照，{items}。",
                admin=(*_target_links(target), _entry_link(entry)),
                codes=(code,),
            )
        )
    return found


def goal_figure_differs(facts: PlanFacts) -> list[Inconsistency]:
    """A figure in the text of 主要目标 that is not the table's 2027 target."""
    found = []
    for goal in facts.goals:
        target = facts.targets.get((goal.code, GOALS_YEAR))
        if target is None or goal.figure[1] == target.value:
            continue
        found.append(
            Inconsistency(
                key=f"goal-{goal.code}-{GOALS_YEAR}",
                kind=Kind.FIGURE,
                title=target.indicator.name,
                first=_table_quote(facts, goal.code, GOALS_YEAR),
                second=_goal_quote(goal),
                finding=f"正文写“{goal.phrase}”，五年目标表{GOALS_YEAR}年为"
                f"{target.display}。{target.indicator.note}",
                used=f"指标状态按五年目标表{GOALS_YEAR}年目标（{target.display}）"
                "判定；正文的数字只作对照。",
                admin=_target_links(target),
                codes=(goal.code,),
            )
        )
    return found


_COMPARATOR_WORDS = {
    "eq": "等于或达到",
    "ge": "不少于（含本数）",
    "gt": "多于（不含本数）",
}


def goal_comparator_differs(facts: PlanFacts) -> list[Inconsistency]:
    """The same figure in the text and the table, read with another comparator:
    "220个以上" (≥) against "大于220" (>)."""
    found = []
    for goal in facts.goals:
        target = facts.targets.get((goal.code, GOALS_YEAR))
        comparator, value = goal.figure
        if target is None or value != target.value:
            continue
        # Read both with the status rules' own test (Target.is_met_by): "95%以上"
        # and a table's "95" are met by the same values, "大于220" is not.
        as_written = Target(comparator=comparator, value=value)
        if as_written.is_met_by(value) == target.is_met_by(value):
            continue
        found.append(
            Inconsistency(
                key=f"comparator-{goal.code}-{GOALS_YEAR}",
                kind=Kind.COMPARATOR,
                title=target.indicator.name,
                first=_table_quote(facts, goal.code, GOALS_YEAR),
                second=_goal_quote(goal),
                finding=f"正文“{goal.phrase}”读作{_COMPARATOR_WORDS[comparator]}"
                f"{format_decimal(value)}，表中“{facts.cell(goal.code, GOALS_YEAR)}”"
                f"读作{_COMPARATOR_WORDS[target.comparator]}"
                f"{format_decimal(target.value)}。",
                used=f"系统按五年目标表的{GOALS_YEAR}年目标判定：须"
                f"{_COMPARATOR_WORDS[target.comparator]}{format_decimal(target.value)}"
                f"{target.indicator.unit}才算已达标（目标写作“{target.display}”）。"
                "比较方式可在目标修订中更改。",
                admin=_target_links(target),
                codes=(goal.code,),
            )
        )
    return found


def goal_unit_differs(facts: PlanFacts) -> list[Inconsistency]:
    """A goal counted in another unit than its indicator: "50项以上" vs （个）."""
    found = []
    for goal in facts.goals:
        indicator = facts.indicators.get(goal.code)
        if indicator is None or goal.unit == indicator.unit:
            continue
        target = facts.targets.get((goal.code, GOALS_YEAR))
        found.append(
            Inconsistency(
                key=f"unit-goal-{goal.code}",
                kind=Kind.UNIT,
                title=indicator.name,
                first=_table_quote(facts, goal.code, GOALS_YEAR),
                second=_goal_quote(goal),
                finding=f"正文以“{goal.unit}”计（{goal.phrase}），"
                f"五年目标表以“{indicator.unit}”计。",
                used=f"系统按五年目标表的计量单位“{indicator.unit}”填报和判定；"
                f"正文的“{goal.unit}”照录，不换算。",
                admin=_target_links(target),
                codes=(goal.code,),
            )
        )
    return found


def goal_new_vs_cumulative(facts: PlanFacts) -> list[Inconsistency]:
    """A goal the text counts as 新增 for an indicator the table counts 累计."""
    found = []
    for goal in facts.goals:
        indicator = facts.indicators.get(goal.code)
        if indicator is None or "新增" not in goal.quote:
            continue
        if indicator.kind != Indicator.Kind.CUMULATIVE:
            continue
        target = facts.targets.get((goal.code, GOALS_YEAR))
        found.append(
            Inconsistency(
                key=f"scope-goal-{goal.code}",
                kind=Kind.SCOPE,
                title=indicator.name,
                first=_table_quote(facts, goal.code, GOALS_YEAR),
                second=_goal_quote(goal),
                finding="正文写“新增”（方案期内新加装的数量），五年目标表为“累计”数量"
                "（2023年已为"
                f"{facts.cell(goal.code, 2023)}）。按新增计，"
                f"{GOALS_YEAR}年应达到的累计数会比表中大得多。",
                used="系统按五年目标表的累计数量填报和判定（每月填自方案实施以来的累计数），"
                "正文的“新增”只作对照。",
                admin=_target_links(target),
                codes=(goal.code,),
            )
        )
    return found


_COUNT = r"(\d+(?:\.\d+)?)\s*(万套|万户|平方米|个|台|套|处|项|户|%)"


def entry_unit_differs(facts: PlanFacts) -> list[Inconsistency]:
    """A work-list entry counted in one unit whose item states its figure in
    another (第6项（台）50 vs "50套"), or whose unit is not its indicator's."""
    found = []
    for entry in facts.entries:
        figure = format_decimal(entry.target)
        for item in entry.items.all():
            for number, unit in re.findall(_COUNT, _squeeze(item.text)):
                if number != figure or unit == entry.unit_of_measure:
                    continue
                found.append(
                    Inconsistency(
                        key=f"unit-item-{entry.work_list.year}-{entry.seq}",
                        kind=Kind.UNIT,
                        title=entry.name,
                        first=_entry_quote(entry),
                        second=_item_quote(
                            entry, item.position, _seed_words(facts, entry, item)
                        ),
                        finding=f"清单此项以“{entry.unit_of_measure}”计"
                        f"（{figure}），其工作事项写作“{number}{unit}”。",
                        used=f"系统把此项目标记作{figure}{entry.unit_of_measure}"
                        f"（按清单的计量单位），页面照录事项原文的“{number}{unit}”，"
                        "不改写；事项按完成期限跟踪。",
                        admin=(_entry_link(entry),),
                        codes=(entry.indicator.code,) if entry.indicator else (),
                    )
                )
        indicator = entry.indicator
        if indicator is None or entry.unit_of_measure == indicator.unit:
            continue
        year = entry.work_list.year
        written = entry.unit_of_measure or "（未写单位）"
        found.append(
            Inconsistency(
                key=f"unit-worklist-{year}-{entry.seq}",
                kind=Kind.UNIT,
                title=entry.name,
                first=_table_quote(facts, indicator.code, year),
                second=_entry_quote(entry),
                finding=f"五年目标表以“{indicator.unit}”计，清单此项{written}"
                f"，只写“{figure}”。",
                used=f"系统照录清单的“{figure}”，不替方案补写单位；"
                f"{indicator.code}号指标按五年目标表的{indicator.unit}判定。",
                admin=(_entry_link(entry),),
                codes=(indicator.code,),
            )
        )
    return found


def _seed_words(facts: PlanFacts, entry: WorkListEntry, item) -> str:
    """Return an item's text as the plan writes it (with its spaces), from 方案原文."""
    anchor = f"text-worklist-{entry.work_list.year}-{entry.seq}-{item.position}"
    for passage in facts.document.passages:
        for row in passage.rows:
            for cell in row.cells:
                if cell.anchor == anchor:
                    return cell.text
    return item.text


def entry_beyond_final_target(facts: PlanFacts) -> list[Inconsistency]:
    """A work-list entry whose year's figure already exceeds the table's target
    for the plan's last year (人均面积: 38 in 2023, 37 by 2027)."""
    found = []
    for entry in facts.entries:
        if entry.indicator is None:
            continue
        code = entry.indicator.code
        last = max((y for c, y in facts.targets if c == code), default=None)
        target = facts.targets.get((code, last)) if last else None
        if target is None or last <= entry.work_list.year:
            continue
        if entry.target <= target.value:
            continue
        found.append(
            Inconsistency(
                key=f"beyond-worklist-{entry.work_list.year}-{entry.seq}",
                kind=Kind.BEYOND,
                title=entry.indicator.name,
                first=_table_quote(facts, code, last),
                second=_entry_quote(entry),
                finding=f"清单{entry.work_list.year}年目标{format_decimal(entry.target)}"
                f"已高于五年目标表{last}年的目标{target.display}："
                "按清单，五年目标在第一年就已完成。",
                used=f"系统按五年目标表各年目标判定（{entry.work_list.year}年"
                f"{facts.targets[(code, entry.work_list.year)].display}），"
                "不据清单改目标；如经政策评估调整，由管理员修订各年目标并写明原因。",
                admin=_target_links(target),
                codes=(code,),
            )
        )
    return found


def indicator_without_entry(facts: PlanFacts) -> list[Inconsistency]:
    """An indicator with a target in a year whose work list has no entry for it
    (a target of 0 needs none: 浙派民居特色村 before 2027)."""
    found = []
    years = sorted({e.work_list.year for e in facts.entries})
    listed = {
        (e.indicator.code, e.work_list.year) for e in facts.entries if e.indicator
    }
    for year in years:
        for code, indicator in sorted(facts.indicators.items()):
            target = facts.targets.get((code, year))
            if target is None or not target.value or (code, year) in listed:
                continue
            found.append(
                Inconsistency(
                    key=f"missing-{code}-{year}",
                    kind=Kind.MISSING,
                    title=indicator.name,
                    first=_table_quote(facts, code, year),
                    second=Quote(
                        f"附件2 {year}年工作清单",
                        facts.passage("text-annex-2-title").text,
                        "text-annex-2-title",
                    ),
                    finding=f"五年目标表有{year}年目标{target.display}，"
                    f"{year}年工作清单没有与之对应的一项。",
                    used=f"指标照常按五年目标表{year}年目标（{target.display}）判定；"
                    "因没有工作清单事项，事项逾期和按期完成率不涉及此指标。"
                    "管理员可在工作清单中补列一项。",
                    admin=(AdminLink("工作清单指标", "admin:tasks_worklistentry_add"),),
                    codes=(code,),
                )
            )
    return found


def goal_without_indicator(facts: PlanFacts) -> list[Inconsistency]:
    """A figure in the text of 主要目标 that no indicator of the table measures
    ("覆盖40%的城镇社区")."""
    found = []
    for number in range(1, 5):
        passage = facts.passage(f"text-goals-{number}")
        covered = [
            g.quote for g in facts.goals if g.section[1] == "一二三四"[number - 1]
        ]
        for clause in re.split(r"[，、。；]", passage.text):
            if not re.search(_COUNT, clause) or any(clause in q for q in covered):
                continue
            if any(q in clause for q in covered):
                continue
            found.append(
                Inconsistency(
                    key=f"uncounted-goals-{number}-{len(found) + 1}",
                    kind=Kind.MISSING,
                    title=f"主要目标（{'一二三四'[number - 1]}）中的“{clause}”",
                    first=Quote(
                        f"{GOALS}（{'一二三四'[number - 1]}）",
                        clause,
                        passage.anchor,
                    ),
                    second=Quote(TABLE, TABLE, "text-table-goals"),
                    finding="正文给出了这一目标，五年目标表14项指标中没有衡量它的指标。",
                    used="系统没有对应指标，不判定、不填报；"
                    "如需跟踪，由管理员提出增设指标（须改方案指标表）。",
                )
            )
    return found


def year_differs(facts: PlanFacts) -> list[Inconsistency]:
    """One aim set for two years: "到2027年…实现动态清零" vs "到2024年…动态清零"."""
    sentences = []
    for passage in facts.document.passages:
        if passage.kind != "paragraph":
            continue
        for sentence in re.split(r"(?<=。)", passage.text):
            if match := re.search(r"到(\d{4})年(.*)", sentence):
                sentences.append((passage, match.group(0), match.group(1), match))
    found = []
    for i, (p1, s1, y1, m1) in enumerate(sentences):
        for p2, s2, y2, m2 in sentences[i + 1 :]:
            if y1 == y2:
                continue
            common = _longest_common(m1.group(2), m2.group(2)).strip("。，、；")
            if len(common) < 4:
                continue
            found.append(
                Inconsistency(
                    key=f"year-{p1.anchor.removeprefix('text-')}-"
                    f"{p2.anchor.removeprefix('text-')}",
                    kind=Kind.YEAR,
                    title=f"“{common}”的年份",
                    first=Quote(_where(p1), s1, p1.anchor),
                    second=Quote(_where(p2), s2, p2.anchor),
                    finding=f"同一目标“{common}”，一处写到{y1}年，一处写到{y2}年。",
                    used="“动态清零”没有对应的指标，系统不按年份判定它；"
                    "城镇、农村危房整治率（11、12号）按五年目标表各年100%判定，"
                    "危房台账按方案时限逐栋计时。",
                )
            )
    return found


def document_named_twice(facts: PlanFacts) -> list[Inconsistency]:
    """One document named two ways: 《公租房保障…导则》 vs 《公共租赁住房保障…导则》."""
    titles: list[tuple[str, str, str]] = []  # (title, anchor, where)
    for text, anchor, where in _pieces(facts.document):
        for title in re.findall(r"《[^》]+》", text):
            if title not in [t for t, _, _ in titles]:
                titles.append((title, anchor, where))
    found = []
    for i, (t1, a1, w1) in enumerate(titles):
        for t2, a2, w2 in titles[i + 1 :]:
            if SequenceMatcher(None, t1, t2).ratio() < 0.75:
                continue
            found.append(
                Inconsistency(
                    key=f"name-{a1.removeprefix('text-')}-{a2.removeprefix('text-')}",
                    kind=Kind.NAME,
                    title="文件名称：" + t1,
                    first=Quote(w1, t1, a1),
                    second=Quote(w2, t2, a2),
                    finding=f"同一文件，一处写作{t1}，一处写作{t2}。",
                    used="系统照录两种写法，不作统一；不影响任何判定。",
                )
            )
    return found


def _pieces(document: PlanDocument) -> Iterable[tuple[str, str, str]]:
    """Yield (text, anchor, where) for every paragraph and table cell."""
    for passage in document.passages:
        if not passage.rows:
            yield passage.text, passage.anchor, _where(passage)
        for row in passage.rows:
            for cell in row.cells:
                anchor = cell.anchor or row.anchor or passage.anchor
                yield cell.text, anchor, _where_anchor(anchor, passage)


def _where_anchor(anchor: str, passage: Passage) -> str:
    if match := re.fullmatch(r"text-worklist-(\d+)-(\d+)-(\d+)", anchor):
        year, seq, item = match.groups()
        return f"附件2 {year}年工作清单 · 第{seq}项 · 第{item}条事项"
    return _where(passage)


def _where(passage: Passage) -> str:
    if passage.anchor.startswith("text-task-"):
        return f"三、重点任务 第{passage.anchor.removeprefix('text-task-')}项"
    if passage.anchor.startswith("text-goals-"):
        return f"{GOALS}（{'一二三四'[int(passage.anchor[-1]) - 1]}）"
    return passage.part or "方案正文"


def _longest_common(a: str, b: str) -> str:
    match = SequenceMatcher(None, a, b, autojunk=False).find_longest_match()
    return a[match.a : match.a + match.size]


# ------------------------------------------------------------------ by hand


@dataclass(frozen=True)
class HandNote:
    """A disagreement no rule finds (two words that differ by a character, two
    descriptions of one group), with why it is noted by hand."""

    key: str
    title: str
    first: Quote
    second: Quote
    finding: str
    used: str
    reason: str
    codes: tuple[int, ...] = ()


HAND_NOTES: list[HandNote] = [
    HandNote(
        key="hand-patrol",
        title="网格巡查与网络巡查",
        first=Quote(
            "三、重点任务 第9项", "建立农房安全常态化网格巡查机制", "text-task-9"
        ),
        second=Quote(
            "附件2 2023年工作清单 · 第10项 · 第2条事项",
            "建立健全农房安全常态化网络巡查机制",
            "text-worklist-2023-10-2",
        ),
        finding="重点任务写“网格巡查”，工作清单写“网络巡查”，一字之差，所指不同"
        "（网格员上门巡查与线上巡查）。",
        used="系统照录两处原文；事项按清单原文跟踪完成期限，不判定巡查方式。",
        reason="两个词只差一个字，规则无法判断是笔误还是另有所指。",
        codes=(12,),
    ),
    HandNote(
        key="hand-relief-groups",
        title="公租房应保尽保的对象",
        first=Quote(
            "二、主要目标（一）",
            "持续实现城镇低保、低收入住房困难家庭公租房依申请应保尽保、应保快保",
            "text-goals-1",
        ),
        second=Quote(
            "附件2 2023年工作清单 · 第2项 · 第1条事项",
            "做好城镇低保、低保边缘等社会救助家庭依申请应保尽保工作。",
            "text-worklist-2023-2-1",
        ),
        finding="主要目标和重点任务2写“城镇低保、低收入住房困难家庭”，工作清单写"
        "“城镇低保、低保边缘等社会救助家庭”：两种对象范围不同。",
        used="系统按3号指标“公租房在保家庭户数（万户）”判定，不区分对象；"
        "事项按清单原文跟踪。",
        reason="两处描述的是人群，规则无法比较两个人群的范围。",
        codes=(3,),
    ),
    HandNote(
        key="hand-quality-level",
        title="县级以上与县级及以上",
        first=Quote(
            f"{TABLE} · 第8项", "创县级以上优质工程累计数量（个）", "text-indicator-8"
        ),
        second=Quote(
            "二、主要目标（二）", "创县级及以上优质工程50项以上", "text-goals-2"
        ),
        finding="五年目标表写“县级以上”，正文和工作清单第7项写“县级及以上”："
        "严格说前者不含县级。",
        used="系统按工作清单和正文的理解，把县级优质工程计入8号指标；"
        "指标名称照录表中写法。",
        reason="“以上”是否含本级是用语问题，规则无法判断。",
        codes=(8,),
    ),
    HandNote(
        key="hand-market-system",
        title="住房市场体系的五个方面",
        first=Quote(
            "二、主要目标（四）",
            "供需平衡、结构合理、价格稳定、治理完善、健康发展的住房市场体系",
            "text-goals-4",
        ),
        second=Quote(
            "三、重点任务（四）",
            "供需平衡、结构合理、价格稳定、产业平稳、健康发展的住房市场体系",
            "text-tasks-section-4",
        ),
        finding="同一句话，主要目标写“治理完善”，重点任务写“产业平稳”。",
        used="不影响任何判定；系统照录两处原文。",
        reason="两处是列举，规则不比较列举中的词语。",
        codes=(14,),
    ),
]

# Said by hand about something a rule found.
HAND_REMARKS: dict[str, str] = {
    "year-goals-3-task-9": "任务9还写“对全省城乡危房”：区级方案写了全省的目标。",
}


def hand_noted(facts: PlanFacts) -> list[Inconsistency]:
    """Return the hand notes as inconsistencies."""
    return [
        Inconsistency(
            key=n.key,
            kind=Kind.HAND,
            title=n.title,
            first=n.first,
            second=n.second,
            finding=n.finding,
            used=n.used,
            codes=n.codes,
            reason=n.reason,
        )
        for n in HAND_NOTES
    ]


RULES: list[Callable[[PlanFacts], list[Inconsistency]]] = [
    entry_figure_differs,
    goal_figure_differs,
    goal_comparator_differs,
    goal_new_vs_cumulative,
    goal_unit_differs,
    entry_unit_differs,
    entry_beyond_final_target,
    indicator_without_entry,
    goal_without_indicator,
    year_differs,
    document_named_twice,
    hand_noted,
]


def find_inconsistencies(facts: PlanFacts) -> list[Inconsistency]:
    """Run every rule; one inconsistency per key, in the rules' order."""
    found: dict[str, Inconsistency] = {}
    for rule in RULES:
        for item in rule(facts):
            if item.key in HAND_REMARKS:
                item = _with_remark(item, HAND_REMARKS[item.key])
            found.setdefault(item.key, item)
    return list(found.values())


def _with_remark(item: Inconsistency, remark: str) -> Inconsistency:
    return replace(item, finding=f"{item.finding}{remark}")
