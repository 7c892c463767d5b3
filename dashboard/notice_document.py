"""The 通报 as a document: every sentence, list and figure of a month's notice,
written out from the one `Notice` (dashboard.ranking.monthly_notice).

An issued notice keeps this as its frozen copy; the live draft is written out the
same way to say which figures have changed since. Plain data only (text and
lists), so that it is stored as JSON and printed as a page, a .docx or a PDF.
"""

from datetime import date
from typing import NamedTuple

from dashboard.ranking import Notice, UnitScore, ranking_ends
from indicators.status import LABELS
from reporting.return_state import LABELS as RETURN_LABELS
from reporting.return_state import LATE, MISSING, SENT_BACK
from supervision.selectors import BUCKET_LABELS
from yuecheng_housing.lib.periods import day_label, format_period, period_label

# How much of each list a notice prints before "等N个" (the Excel export has all);
# the ranking: the top and bottom NOTICE_ENDS places of each list, at most
# NOTICE_TIE units named at an end (a bigger tie there is one line).
NOTICE_ROWS, NOTICE_NAMES, NOTICE_ENDS, NOTICE_TIE = 100, 50, 20, 40
NUMERALS = "一二三四五六七八九十"
# Sections the notice gained after the first copies were issued.
ADDED_SECTIONS = ("supervision",)


def _day(value: date) -> str:
    return f"{value.month}月{value.day}日"


def _full(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


class Line(NamedTuple):
    """A row of the ranking table that stands for units it does not name."""

    place: str
    text: str


def _tie_line(place: int, units: int) -> Line:
    return Line(str(place), f"并列第{place}名的{units}个单位，名单见排名页")


def notice_ranking(notice: Notice) -> list[tuple[str, list[UnitScore | Line]]]:
    """The notice's 晾晒排名: per list (departments, towns), its heading and its
    rows, all of it or, over 2 × NOTICE_ENDS units, its top and bottom places.
    Ranks restart in each list, so a cut from the combined list would show only
    departments at the top and only towns at the bottom; a tie is never split
    between the two, and one too big to name is a line of its own."""
    lists = []
    for index, (_, title, scores) in enumerate(notice.ranking.lists):
        ends = ranking_ends(title, scores, NOTICE_ENDS, NOTICE_TIE)
        rows: list[UnitScore | Line] = [*ends.top]
        if ends.top_tie:
            rows.append(_tie_line(*ends.top_tie))
        if ends.gap:
            rows.append(Line("……", f"中间{ends.left_out}个单位的名次见排名页"))
        if ends.bottom_tie:
            rows.append(_tie_line(*ends.bottom_tie))
        rows += ends.bottom
        lists.append(
            (f"（{NUMERALS[index]}）{title}（{len(scores)}个单位参与排名）", rows)
        )
    return lists


def notice_title(period: date) -> str:
    return f"关于{period_label(period)}“住有宜居”专项工作推进情况的通报"


def notice_content(notice: Notice) -> dict:
    """Return the notice's blocks (headings, paragraphs, tables) and its figures
    (key → label and value, as printed), both written from `notice`."""
    blocks: list[dict] = []
    figures: dict[str, dict] = {}

    def p(text: str) -> None:
        blocks.append({"type": "p", "text": text})

    def h1(text: str) -> None:
        blocks.append({"type": "h1", "text": text})

    def h2(text: str) -> None:
        blocks.append({"type": "h2", "text": text})

    def table(headers: list[str], rows: list[list]) -> None:
        blocks.append(
            {
                "type": "table",
                "headers": headers,
                "rows": [[str(c) for c in row] for row in rows],
            }
        )

    def figure(key: str, label: str, value) -> None:
        figures[key] = {"label": label, "value": str(value)}

    period, as_of = notice.period, notice.as_of
    p(
        "根据《越城区公共服务“七优享”工程“住有宜居”专项实施方案（2023—2027年）》"
        f"“晾晒、通报、考核”要求，现将{period_label(period)}工作推进情况通报如下。"
    )
    p(notice.summary)
    figure("summary", "总体情况", notice.summary)
    if notice.work_list_missing:
        p(
            f"{period.year}年工作清单尚未下达：本年没有可跟踪的工作事项，"
            "逾期情况无从判断，请尽快下达。"
        )

    headings = iter(NUMERALS)

    h1(f"{next(headings)}、逾期未完成事项（{len(notice.overdue)}项）")
    figure("overdue", "逾期未完成事项数", len(notice.overdue))
    if notice.overdue:
        rows = []
        for o in notice.overdue[:NOTICE_ROWS]:
            item = o["item"]
            deadline = (
                f"{item.deadline.year}年" if o["carried"] else ""
            ) + f"{item.deadline_label}（{_day(item.deadline)}）"
            if o["carried"]:
                deadline += "，上年度结转"
            rows.append([o["unit"].name, item.text, deadline, o["days"]])
            figure(
                f"overdue:{item.pk}:{o['unit'].pk}",
                f"逾期天数：{o['unit'].name}，{item.text}",
                o["days"],
            )
        table(["牵头单位", "事项", "完成期限", "逾期天数"], rows)
        more = len(notice.overdue) - NOTICE_ROWS
        if more > 0:
            p(f"另有{more}项未列出，见导出的 Excel。")
    else:
        p(f"截至{_day(as_of)}，无逾期未完成事项。")

    h1(
        f"{next(headings)}、{period_label(notice.returns_period)}数据报送情况"
        f"（截止{_day(notice.returns_deadline)}）"
    )
    for code, label, units in (
        (LATE, "迟报单位", notice.late),
        (MISSING, "未报送单位", notice.missing),
        (SENT_BACK, "退回待改单位", notice.sent_back),
    ):
        shown = units[:NOTICE_NAMES]
        names = "、".join(u.name for u in shown) or "无"
        more = len(units) - len(shown)
        p(
            f"{label}（{len(units)}个）：{names}"
            + (f"等，另有{more}个" if more else "")
            + "。"
        )
        figure(f"returns:{code}", f"{RETURN_LABELS[code]}单位", names)
        figure(f"returns:{code}:count", f"{RETURN_LABELS[code]}单位数", len(units))

    h1(f"{next(headings)}、未达标、滞后或预警的指标")
    if notice.behind:
        for row, status in notice.behind:
            p(f"{row.indicator.name}：{LABELS[status]}。")
            figure(
                f"behind:{row.indicator.code}",
                f"{row.indicator.name}状态",
                LABELS[status],
            )
    else:
        p(f"截至{_day(as_of)}，没有未达标、滞后或预警的指标。")

    h1(f"{next(headings)}、预计难以完成的指标")
    if notice.unlikely:
        rows = []
        for row, f in notice.unlikely:
            decimals = row.indicator.decimals
            value, low, high = (
                f"{round(x, decimals):.{decimals}f}" for x in (f.value, f.low, f.high)
            )
            target = f"{row.target.display} {row.indicator.unit}".strip()
            rows.append(
                [row.indicator.name, target, f"{value}（{low}—{high}）", f.needed_label]
            )
            code = row.indicator.code
            figure(f"unlikely:{code}:value", f"{row.indicator.name}年底预计", value)
            figure(
                f"unlikely:{code}:range",
                f"{row.indicator.name}预计区间",
                f"{low}—{high}",
            )
            figure(
                f"unlikely:{code}:needed",
                f"{row.indicator.name}还需每月",
                f.needed_label,
            )
        table(
            ["指标", f"{period.year}年目标", "年底预计（区间）", "达标还需每月"], rows
        )
        p(
            f"按截至{_day(as_of)}已审核的本年月度数据测算（满3个月起）："
            "累计数按今年月均增量，比率和水平值按近几个月趋势推算到12月。"
        )
    else:
        p(
            f"按截至{_day(as_of)}已审核的数据测算，暂无预计难以完成的指标"
            + ("（今年数据不足3个月，暂不预测）" if as_of.month < 3 else "")
            + "。"
        )

    h1(f"{next(headings)}、表现较好的单位")
    if not notice.praised:
        p("暂无。")
    for index, (title, scores, why_none) in enumerate(notice.praised):
        h2(f"（{NUMERALS[index]}）{title}")
        text = "、".join(f"{s.unit.name}（{s.score}分）" for s in scores) or why_none
        p(text)
        figure(f"praised:{title}", f"表现较好的单位：{title}", text)

    h1(f"{next(headings)}、晾晒排名")
    lists = notice_ranking(notice)
    if not lists:
        p("本期暂无参与排名的单位。")
    for heading, lines in lists:
        h2(heading)
        rows = []
        for s in lines:
            if isinstance(s, Line):
                rows.append([s.place, s.text, "", "", "", "", ""])
                continue
            rows.append(
                [
                    s.rank,
                    s.unit.name,
                    s.score,
                    s.detail.get("work") or "—",
                    s.detail.get("returns") or "—",
                    s.detail.get("indicators") or "—",
                    s.change_text,
                ]
            )
            figure(f"rank:{s.unit.pk}", f"{s.unit.name}名次", s.rank)
            figure(f"score:{s.unit.pk}", f"{s.unit.name}得分", s.score)
        table(
            ["名次", "单位", "得分", "事项按期完成", "按时报送", "指标状态", "较上月"],
            rows,
        )

    h1(f"{next(headings)}、危房治理情况（危房台账，截至{_full(as_of)}）")
    for index, section in enumerate(notice.hazards, 1):
        h2(f"{index}. {section.state.label}（{section.total}处）")
        towns = "、".join(f"{town.name} {n}处" for town, n in section.towns)
        p(towns + "。" if towns else "无。")
        figure(
            f"hazards:{section.state.value}",
            f"危房：{section.state.label}",
            section.total,
        )
        for town, n in section.towns:
            figure(
                f"hazards:{section.state.value}:{town.pk}",
                f"危房：{section.state.label}，{town.name}",
                n,
            )

    if notice.supervision is not None:
        _supervision_section(notice.supervision, next(headings), as_of, h1, p,
                             table, figure)  # fmt: skip
    behind = notice.projects_behind
    total = behind.total if behind else 0
    h1(f"{next(headings)}、进度滞后的项目（项目台账，{total}个，截至{_full(as_of)}）")
    if behind and behind.total:
        p(behind.summary)
        table(
            ["台账", "镇街/平台", "项目", "滞后阶段", "计划日期", "滞后天数"],
            [
                [r.kind.label, r.project.town.name, r.project.name, r.stage_label,
                 day_label(r.planned_on), r.days]
                for r in behind.named[:NOTICE_ROWS]
            ],
        )  # fmt: skip
        if total > NOTICE_ROWS:
            p(f"等{total}个项目，其余见项目台账（筛选“只看滞后”）。")
    else:
        p("无。")
    figure("projects_behind", "进度滞后的项目", total)
    for r in behind.named[:NOTICE_ROWS] if behind else []:
        figure(
            f"project_behind:{r.project.pk}",
            f"{r.project.name}（{r.project.town.name}）滞后阶段",
            r.stage_label,
        )

    if notice.never_reported:
        names = "、".join(u.name for u in notice.never_reported)
        p(
            f"截至{_day(as_of)}，本年从未报送数据的单位"
            f"（{len(notice.never_reported)}个）：{names}。"
        )
        figure("never_reported", "本年从未报送数据的单位", names)
    p("请逾期、迟报单位对照清单抓紧整改，于下月报送时说明进展。")
    return {
        "period": format_period(period),
        "period_label": period_label(period),
        "as_of": as_of.isoformat(),
        "title": notice_title(period),
        "blocks": blocks,
        "figures": figures,
    }


def _supervision_section(section, numeral, as_of, h1, p, table, figure) -> None:
    """督办事项办理情况: the totals, each unit's counts and the overdue items."""
    h1(f"{numeral}、督办事项办理情况（截至{_full(as_of)}）")
    totals = section.totals
    p(
        f"本年督办事项{section.total}项：按期办结{totals['on_time']}项，"
        f"逾期办结{totals['late']}项，在办未逾期{totals['open']}项，"
        f"逾期未办结{totals['overdue']}项。"
    )
    for bucket, label in BUCKET_LABELS.items():
        figure(f"supervision:{bucket}", f"督办事项：{label}", totals[bucket])
    if section.units:
        rows = []
        for row in section.units[:NOTICE_ROWS]:
            counts = row.counts
            rows.append([row.unit.name, *(counts[b] for b in BUCKET_LABELS)])
            for bucket, label in BUCKET_LABELS.items():
                figure(
                    f"supervision:{bucket}:{row.unit.pk}",
                    f"督办事项：{label}，{row.unit.name}",
                    counts[bucket],
                )
        table(["责任单位", *BUCKET_LABELS.values()], rows)
    if section.overdue:
        rows = [
            [
                r.item.title,
                r.lead.name if r.lead else "—",
                f"{r.item.deadline:%Y-%m-%d}",
                r.light.days,
            ]
            for r in section.overdue[:NOTICE_ROWS]
        ]
        table(["逾期未办结的督办事项", "牵头单位", "办结期限", "逾期天数"], rows)


def figures_changed(issued: dict, live: dict) -> list[dict]:
    """Return the figures of an issued notice that read otherwise now: each with
    its label, the value as issued and the value today ("—" where one has none)."""
    changed = []
    before, now = issued.get("figures", {}), live.get("figures", {})
    # A section added to the notice after a copy was issued is not a change of
    # that copy's figures: a notice issued before 督办事项 existed has none.
    added = {
        section
        for section in ADDED_SECTIONS
        if not any(k.startswith(f"{section}:") for k in before)
    }
    for key in [*before, *(k for k in now if k not in before)]:
        if key.split(":", 1)[0] in added:
            continue
        old = before.get(key, {}).get("value", "—")
        new = now.get(key, {}).get("value", "—")
        if old != new:
            label = (before.get(key) or now[key])["label"]
            changed.append({"key": key, "label": label, "issued": old, "now": new})
    return changed
