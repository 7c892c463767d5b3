import hashlib
from collections import Counter
from datetime import date
from decimal import Decimal
from itertools import groupby
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig
from django_tables2.paginators import LazyPaginator

from dashboard import charts
from dashboard.boards import unit_board, unit_index
from dashboard.charts import ranking_bars
from dashboard.exports import dashboard_workbook
from dashboard.forms import NoticeIssueForm, PlanNoteForm
from dashboard.notice_document import NOTICE_NAMES, NOTICE_ROWS, notice_ranking
from dashboard.ranking import (
    LIST_TITLES,
    list_of,
    monthly_notice,
    notice_month,
    unit_ranking,
)
from dashboard.screen import screen_board
from dashboard.selectors import (
    IndicatorDetail,
    IndicatorRow,
    UnitShare,
    indicator_detail,
    indicator_progress,
    plan_page,
    status_summary,
)
from dashboard.tables import IndicatorValueTable
from documents.models import IssuedNotice
from hazards.access import visible_towns
from hazards.rates import RATE_CODES, RULE, register_comparison
from hazards.selectors import late_rows
from indicators.forecast import TOO_FEW, needed_figure
from indicators.models import PlanSettings
from indicators.selectors import plan_inconsistencies
from indicators.services import plan_note_save
from indicators.status import LABELS, ORDER
from projects.counts import ledger_counts
from projects.kinds import LEDGER_CODES
from projects.selectors import behind_schedule_rows, board_stages, ledger_by_town
from projects.views import town_counts_paged
from reporting.fingerprint import cached_for_data
from reporting.return_state import LABELS as RETURN_LABELS
from reporting.return_state import LATE, MISSING, SENT_BACK
from reporting.selectors import (
    default_plan_year,
    plan_years_content,
    reporting_summary,
    work_list_missing,
)
from supervision.selectors import BUCKET_LABELS, open_summary, unit_open_items
from tasks.item_deadlines import (
    CLOSED,
    DONE,
    DONE_LATE,
    DUE_SOON,
    OPEN,
    OVERDUE,
    STATE_LABELS,
)
from units.models import Unit
from units.roles import is_admin
from yuecheng_housing.lib.numbers import round_figure
from yuecheng_housing.lib.periods import (
    PLAN_LAST_YEAR,
    PLAN_YEARS,
    day_label,
    format_period,
    period_label,
    reporting_month,
)
from yuecheng_housing.lib.query import check_page, id_param, year_from_request
from yuecheng_housing.lib.xlsx import Signed, sheet_response


def _year_context(year: int) -> dict:
    """The year selector's choices, and whether the year shown has anything yet
    (no work list and no data: the page says why its tables are empty)."""
    with_content, with_list = plan_years_content()
    return {
        "year": year,
        "years": list(PLAN_YEARS),
        "year_empty": year not in with_content,
        "work_list_missing": work_list_missing(year, with_list, timezone.localdate()),
        "latest_year": max(with_content, default=None),
    }


@login_required
def home(request: HttpRequest) -> HttpResponse:
    include_pending = request.GET.get("pending") == "1"
    # The year the page opens on depends on the data alone (default_plan_year),
    # so it is kept with the content: a view asks no query for it.
    asked = year_from_request(request) if request.GET.get("year", "").strip() else 0
    year, content = home_content(
        asked=asked, include_pending=include_pending, today=timezone.localdate()
    )
    return render(
        request, "dashboard/home.html", {"year": year, "content": mark_safe(content)}
    )


def home_content(*, asked: int, include_pending: bool, today: date) -> tuple[int, str]:
    """(year, the page's content) for a year asked (0: the year it opens on). The
    same for every reader of the same data: drawn once per data fingerprint, so a
    view costs a few queries, not the figures and the table again."""
    return cached_for_data(
        "home",
        year=asked,
        today=today,
        key=(include_pending,),
        compute=lambda: _home_content(asked or default_plan_year(), include_pending),
    )


def _home_content(year: int, include_pending: bool) -> tuple[int, str]:
    html = render_to_string(
        "dashboard/home_content.html", _home_context(year, include_pending)
    )
    return year, html


def _home_context(year: int, include_pending: bool) -> dict:
    settings_row = PlanSettings.load()
    rows = indicator_progress(
        year=year, include_pending=include_pending, settings_row=settings_row
    )
    bars, sparklines = _home_figures(rows)
    # The viewed year's returns: its December for a past year, the month being
    # collected for this one (a later year has none yet: that month, said so).
    reporting_period = min(reporting_month(), date(year, 12, 1))
    for row in rows:
        row.sparkline = sparklines.get(row.indicator.code)
    domains = [
        (domain, list(items))
        for domain, items in groupby(rows, key=lambda r: r.indicator.domain)
    ]
    return {
        **_year_context(year),
        "include_pending": include_pending,
        "domains": domains,
        "summary": status_summary(rows),
        "status_names": [LABELS[s] for s in ORDER],
        "bars": bars,
        "reporting_period": reporting_period,
        "reporting": reporting_summary(
            period=reporting_period,
            deadline_day=settings_row.entry_deadline_day,
        ),
        # Counts only (no titles): the same for every reader, as the page is.
        "supervision": open_summary(today=timezone.localdate()),
    }


def _home_figures(rows: list[IndicatorRow]) -> tuple[dict, dict]:
    """Return the completion chart and the trend lines, cached by the data they show.

    Building Plotly figures costs far more than reading the data, and the data
    changes monthly; the cache key is a digest of everything drawn, so a new value
    or a revised target makes a new key and stale figures are never served.
    """
    drawn = [
        (
            r.indicator.code,
            r.indicator.name,
            r.progress.status,
            r.progress.completion,
            r.series,
        )
        for r in rows
    ]
    key = "home-figures:" + hashlib.sha256(repr(drawn).encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return cached
    bars = charts.completion_bars(
        [
            charts.Bar(
                label=f"{row.indicator.code} {row.indicator.name}",
                completion=row.progress.completion,
                status=row.progress.status,
                status_label=row.progress.label,
            )
            for row in rows
        ]
    )
    sparklines = {
        row.indicator.code: charts.sparkline(
            row.series, charts.COLOURS[row.progress.status]
        )
        for row in rows
        if len(row.series) > 1
    }
    cache.set(key, (bars, sparklines), timeout=24 * 3600)
    return bars, sparklines


@login_required
def home_export(request: HttpRequest) -> HttpResponse:
    year = year_from_request(request, default=default_plan_year)
    rows = indicator_progress(year=year, include_pending=False)
    response = HttpResponse(
        dashboard_workbook(year=year, rows=rows),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = content_disposition_header(
        True, f"住有宜居指标进度-{year}年.xlsx"
    )
    return response


@login_required
def detail(request: HttpRequest, code: int) -> HttpResponse:
    year = year_from_request(request, default=default_plan_year)
    # A ledger's counts of the whole plan, read once for the verdict, the chart
    # and the count by town: in a year its ledger drives, each shows the count.
    # Kept for the data they are made of: a province's 300 000 projects are
    # counted once per change, not on every view (reporting/fingerprint.py).
    counts = (
        cached_for_data(
            "ledger-counts",
            year=PLAN_LAST_YEAR,
            today=timezone.localdate(),
            key=(code,),
            compute=lambda: ledger_counts(year=PLAN_LAST_YEAR, codes=(code,)),
        )
        if code in LEDGER_CODES
        else None
    )
    detail = indicator_detail(code=code, year=year, ledgers=counts)
    if detail is None:
        raise Http404(f"没有序号为{code}的指标。")
    table = IndicatorValueTable(detail.values)
    check_page(request)
    RequestConfig(
        request, paginate={"per_page": 24, "paginator_class": LazyPaginator}
    ).configure(table)
    series, claimed = detail.series, None
    if counts is not None:
        series, claimed = counts.plan_series(
            detail.indicator, detail.series, timezone.localdate()
        )
    figure = charts.indicator_history(
        name=detail.indicator.name,
        unit=detail.indicator.unit,
        targets={t.year: t.value for t in detail.targets},
        series=series,
        claimed=claimed,
        expected=detail.expected,
        revisions=detail.revisions,
        projection=_projection(detail),
    )
    # Indicators 11–13 are checked against the 危房台账, month by month.
    register = (
        register_comparison(
            code=code,
            year=year,
            reported={p: v for p, v in detail.series if p.year == year},
            today=timezone.localdate(),
        )
        if code in RATE_CODES
        else None
    )
    return render(
        request,
        "dashboard/indicator_detail.html",
        {
            "register": register,
            "register_rule": RULE,
            # The counts' ledgers by town, against each town's share (3 queries),
            # kept for the data too: at a province's size, 0.3 s a view.
            "by_town": town_counts_paged(
                request,
                cached_for_data(
                    "ledger-by-town",
                    year=year,
                    today=timezone.localdate(),
                    key=(code,),
                    compute=lambda: ledger_by_town(
                        indicator=detail.indicator,
                        year=year,
                        today=timezone.localdate(),
                        counts=counts,
                    ),
                ),
            )
            if code in LEDGER_CODES
            else None,
            "year": year,
            "years": list(PLAN_YEARS),
            "breakdown": _breakdown(request, detail.breakdown, year),
            "detail": detail,
            "indicator": detail.indicator,
            "table": table,
            "figure": figure,
            "too_few": TOO_FEW,
        },
    )


def _projection(detail: IndicatorDetail) -> charts.Projection | None:
    forecast = detail.forecast
    if forecast is None:
        return None
    return charts.Projection(
        start=forecast.basis,
        start_value=dict(detail.series)[forecast.basis],
        end=date(forecast.year, 12, 1),
        value=forecast.value,
        low=forecast.low,
        high=forecast.high,
    )


def _breakdown(request: HttpRequest, values: list[UnitShare], year: int) -> list[dict]:
    """The latest month's figures by unit: units on their own, then each group with
    its subtotal and its members 50 to a page (`?bpage<group id>=`)."""
    alone, groups = [], {}
    for value in values:
        if value.group_id is None:
            alone.append(value)
        else:
            groups.setdefault((value.group_id, value.group), []).append(value)
    sections = [{"group": None, "rows": alone}] if alone else []
    for (group_id, group), members in groups.items():
        param = f"bpage{group_id}"
        page = Paginator(members, PAGE_SIZE).get_page(request.GET.get(param))
        sections.append(
            {
                "group": group,
                "total": sum(v.value for v in members),
                "count": len(members),
                "rows": page,
                "page": page,
                "param": param,
                "query": urlencode({"year": year}),
            }
        )
    return sections


@login_required
def status_help(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/status_help.html")


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    """Every unit with its counts. A group with more members than fit a page is
    folded: its row links to `?group=<id>`, its members 50 at a time, searchable."""
    year = year_from_request(request, default=default_plan_year)
    rows = unit_index(year=year, today=timezone.localdate())
    group_id = id_param(request.GET.get("group"))
    q = request.GET.get("q", "").strip()[:50]
    context = {**_year_context(year), "q": q}
    if group_id is not None:
        group = next((r for r in rows if r.unit.pk == group_id), None)
        if group is None or not group.unit.is_group:
            raise Http404("没有这个单位组。")
        members = [m for m in group.members if q in m.unit.name]
        page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
        query = urlencode({"year": year, "group": group_id, "q": q})
        context.update(group=group, page=page, query=query)
        return render(request, "dashboard/unit_group.html", context)
    for row in rows:
        row.folded = len(row.members) > PAGE_SIZE
    context["rows"] = rows
    return render(request, "dashboard/unit_list.html", context)


@login_required
def unit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = Unit.objects.select_related("parent").filter(pk=unit_id).first()
    if unit is None:
        raise Http404(f"没有编号为{unit_id}的单位。")
    year = year_from_request(request, default=default_plan_year)
    board = unit_board(unit=unit, year=year, today=timezone.localdate())
    # Most urgent first: what is overdue, then due soon, … then what is done.
    order = (OVERDUE, DUE_SOON, OPEN, DONE_LATE, DONE, CLOSED)
    columns = [
        (state, STATE_LABELS[state], [i for i in board.items if i.state == state])
        for state in order
    ]
    # A town's own cases behind the plan's clocks (危房台账), as far as the reader
    # may see them.
    late_cases = (
        late_rows(user=request.user, today=timezone.localdate(), town=unit)
        if unit.kind == Unit.Kind.TOWN
        and visible_towns(request.user).filter(pk=unit.pk).exists()
        else None
    )
    # Its projects behind or due at a stage (项目台账), as far as the reader may see.
    ledger_stages = (
        board_stages(user=request.user, unit=unit, today=timezone.localdate())
        if unit.kind in (Unit.Kind.TOWN, Unit.Kind.COMPANY)
        else None
    )
    return render(
        request,
        "dashboard/unit_detail.html",
        {
            "late_cases": late_cases,
            # Its open 督办事项, as far as the reader may see them.
            "supervision_rows": unit_open_items(
                user=request.user, unit=unit, today=timezone.localdate()
            ),
            "ledger_stages": ledger_stages,
            **_year_context(year),
            "board": board,
            "unit": unit,
            "columns": columns,
        },
    )


def _ranking_rows(ranking) -> list[list]:
    parts = ("work", "returns", "indicators")
    return [
        [
            s.rank,
            s.unit.name,
            s.score,
            *[s.detail.get(p, "—") for p in parts],
            s.change_text,
        ]
        for s in ranking.ranked
    ]


RANKING_HEADERS = [
    "名次",
    "单位",
    "得分",
    "事项按期完成",
    "按时报送",
    "指标状态",
    "较上月",
]


def _target_cell(target) -> Decimal | str:
    """A target as a number ("92.5" is 92.5 to Excel, no text cell) unless the
    plan writes it with a comparator ("＞220")."""
    if target is None:
        return ""
    return target.value.normalize() if target.comparator == "eq" else target.display


def _notice_sections(draft) -> list[tuple[str, list[str], list[list]]]:
    """The notice's sections for its Excel, under the page's own headings, its
    figures as numbers in each indicator's places (round_figure)."""
    heading = draft.headings
    return [
        (
            heading["overdue"],
            ["牵头单位", "事项", "完成期限", "逾期天数"],
            [
                [o["unit"].name, o["item"].text, o["item"].deadline_label, o["days"]]
                for o in draft.overdue
            ],
        ),
        (
            heading["returns"],
            ["情况", "单位"],
            [[RETURN_LABELS[LATE], u.name] for u in draft.late]
            + [[RETURN_LABELS[MISSING], u.name] for u in draft.missing]
            + [[RETURN_LABELS[SENT_BACK], u.name] for u in draft.sent_back],
        ),
        (
            heading["behind"],
            ["指标", "状态"],
            [[row.indicator.name, LABELS[s]] for row, s in draft.behind],
        ),
        (
            heading["unlikely"],
            [
                "指标",
                "计量单位",
                "年度目标",
                "年底预计",
                "区间下限",
                "区间上限",
                "还需每月",
            ],  # fmt: skip
            [
                [
                    row.indicator.name,
                    row.indicator.unit,
                    _target_cell(row.target),
                    *(
                        round_figure(v, row.indicator.decimals)
                        for v in (f.value, f.low, f.high)
                    ),
                    "—"
                    if f.needed_per_month is None
                    else Signed(
                        needed_figure(f.needed_per_month, row.indicator.decimals)
                    ),
                ]
                for row, f in draft.unlikely
            ],
        ),
        (
            heading["praised"],
            ["榜单", "单位", "得分"],
            [
                [title, s.unit.name, s.score]
                for title, scores, _ in draft.praised
                for s in scores
            ]
            + [
                [title, why_none, ""]
                for title, scores, why_none in draft.praised
                if not scores
            ],  # fmt: skip
        ),
        (heading["ranking"], RANKING_HEADERS, _ranking_rows(draft.ranking)),
        (
            heading["hazards"],
            ["状态", "镇街", "处数"],
            [
                [section.state.label, town.name, n]
                for section in draft.hazards
                for town, n in section.towns
            ],
        ),
        (
            heading["supervision"],
            ["责任单位", *BUCKET_LABELS.values()],
            [
                [row.unit.name, *(row.counts[b] for b in BUCKET_LABELS)]
                for row in draft.supervision.units
            ]
            if draft.supervision
            else [],
        ),
        (
            heading["projects"],
            ["台账", "镇街/平台", "项目", "滞后阶段", "计划日期", "滞后天数"],
            # Every project behind, however many the notice names.
            [list(line) for line in behind_schedule_rows(as_of=draft.as_of)],
        ),
    ]


PAGE_SIZE = 50


@login_required
def ranking(request: HttpRequest) -> HttpResponse:
    year = year_from_request(request, default=default_plan_year)
    result = unit_ranking(year=year, today=timezone.localdate())
    if request.GET.get("format") == "xlsx":
        return sheet_response(
            filename=f"住有宜居晾晒排名-{year}年.xlsx",
            title=f"越城区“住有宜居”责任单位晾晒排名（{year}年，"
            f"截至{day_label(result.as_of)}）",
            sheet_name=f"晾晒排名（{year}年）",
            sections=[("", RANKING_HEADERS, _ranking_rows(result))],
        )
    # A province ranks thousands of units: the page shows 50 at a time, findable by
    # name; the Excel export has them all.
    q = request.GET.get("q", "").strip()[:50]
    rows = [s for s in result.ranked if q in s.unit.name] if q else result.ranked
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    # Departments and towns are ranked apart: each list has its own chart.
    sections = [
        (
            kind,
            title,
            shown,
            f"fig-{kind}",
            ranking_bars([(s.unit.name, s.score) for s in shown]),
        )
        for kind, title in LIST_TITLES.items()
        if (shown := [s for s in page if list_of(s.unit) == kind])
    ]
    return render(
        request,
        "dashboard/ranking.html",
        {
            **_year_context(year),
            "ranking": result,
            "page": page,
            "sections": sections,
            "q": q,
            "query": urlencode({"year": year, "q": q}),
            "apart": result.apart[:PAGE_SIZE],
            "apart_more": max(0, len(result.apart) - PAGE_SIZE),
        },
    )


@login_required
def notice_latest(request: HttpRequest) -> HttpResponse:
    """通报 in the navigation: last month's, the one a meeting discusses."""
    return redirect("dashboard:notice", period=format_period(reporting_month()))


@login_required
def notice(request: HttpRequest, period: str) -> HttpResponse:
    try:
        month = notice_month(period)
    except ValueError as e:
        raise Http404(str(e)) from None
    draft = monthly_notice(period=month)
    if request.GET.get("format") == "xlsx":
        return sheet_response(
            filename=f"住有宜居工作通报-{period}.xlsx",
            title=f"“住有宜居”工作通报（{period_label(month)}）",
            sheet_name=f"工作通报（{period_label(month)}）",
            sections=_notice_sections(draft),
        )
    return render(
        request,
        "dashboard/notice.html",
        {
            "notice": draft,
            "period": month,
            "period_value": period,
            # The month's issued notice and what replaced it, newest first.
            "issued": IssuedNotice.objects.filter(period=month).order_by(
                "-issued_at", "-pk"
            )[:5],
            "can_issue": is_admin(request.user),
            "issue_form": NoticeIssueForm(),
            "labels": LABELS,
            # A province's notice names at most a page of each; the Excel has all.
            "praise_limit": PlanSettings.load().notice_praise_limit,
            "overdue": draft.overdue[:NOTICE_ROWS],
            "overdue_more": max(0, len(draft.overdue) - NOTICE_ROWS),
            "returns": [
                (label, units[:NOTICE_NAMES], max(0, len(units) - NOTICE_NAMES))
                for label, units in (
                    ("迟报单位", draft.late),
                    ("未报送单位", draft.missing),
                    ("退回待改单位", draft.sent_back),
                )
            ],
            # Each list's top and bottom, as the issued notice freezes them.
            "rank_lists": notice_ranking(draft),
        },
    )


@login_required
def plan(request: HttpRequest) -> HttpResponse:
    """方案原文: the plan's full text, searchable, each passage linked to the
    indicators it names and to the inconsistencies that quote it."""
    query = request.GET.get("q", "").strip()[:100]
    return render(
        request, "dashboard/plan.html", {"page": plan_page(query=query), "q": query}
    )


@login_required
def plan_inconsistencies_view(request: HttpRequest) -> HttpResponse:
    """Every place where the plan disagrees with itself, both passages quoted."""
    found = plan_inconsistencies()
    return render(
        request,
        "dashboard/plan_inconsistencies.html",
        {
            "inconsistencies": found,
            "kinds": list(Counter(i.kind_label for i in found).items()),
            "can_edit": is_admin(request.user),
        },
    )


@login_required
@require_POST
def plan_note(request: HttpRequest, key: str) -> HttpResponse:
    if not is_admin(request.user):
        raise PermissionDenied("只有管理员可以填写方案不一致说明。")
    form = PlanNoteForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "；".join(e for errs in form.errors.values() for e in errs)
        )
    else:
        try:
            plan_note_save(key=key, user=request.user, **form.cleaned_data)
            messages.success(request, "说明已保存。")
        except ValidationError as e:
            messages.error(request, "；".join(e.messages))
    return redirect(reverse("dashboard:plan_inconsistencies") + f"#{key}")


# The wall display reloads itself this often, and turns to the next domain this
# often (both in milliseconds, read by static/js/screen.js).
SCREEN_REFRESH_MS = 5 * 60 * 1000
SCREEN_ROTATE_MS = 20 * 1000


@login_required
def screen(request: HttpRequest) -> HttpResponse:
    """驾驶舱: the year's state on one 1920×1080 screen, for the monthly meeting."""
    today = timezone.localdate()
    return render(
        request,
        "dashboard/screen.html",
        {
            "board": screen_board(year=default_plan_year(), today=today),
            "refresh_ms": SCREEN_REFRESH_MS,
            "rotate_ms": SCREEN_ROTATE_MS,
            "status_labels": LABELS,
        },
    )
