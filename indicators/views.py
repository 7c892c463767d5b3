import hashlib
from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django_tables2 import RequestConfig
from django_tables2.paginators import LazyPaginator

from indicators import charts
from indicators.exports import dashboard_workbook
from indicators.models import PLAN_YEARS, PlanSettings
from indicators.selectors import (
    IndicatorRow,
    indicator_detail,
    indicator_progress,
    status_summary,
)
from indicators.status import LABELS, ORDER
from indicators.tables import IndicatorValueTable
from indicators.years import year_from_request
from units.selectors import reporting_summary
from yuecheng_housing.periods import add_months, current_month


@login_required
def home(request: HttpRequest) -> HttpResponse:
    year = year_from_request(request)
    include_pending = request.GET.get("pending") == "1"
    settings_row = PlanSettings.load()
    rows = indicator_progress(
        year=year, include_pending=include_pending, settings_row=settings_row
    )
    bars, sparklines = _home_figures(rows)
    reporting_period = add_months(current_month(), -1)
    for row in rows:
        row.sparkline = sparklines.get(row.indicator.code)
    domains = [
        (domain, list(items))
        for domain, items in groupby(rows, key=lambda r: r.indicator.domain)
    ]
    return render(
        request,
        "indicators/home.html",
        {
            "year": year,
            "years": list(PLAN_YEARS),
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
        },
    )


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
    year = year_from_request(request)
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
    year = year_from_request(request)
    detail = indicator_detail(code=code, year=year)
    if detail is None:
        raise Http404(f"没有序号为{code}的指标。")
    table = IndicatorValueTable(detail.values)
    RequestConfig(
        request, paginate={"per_page": 24, "paginator_class": LazyPaginator}
    ).configure(table)
    figure = charts.indicator_history(
        name=detail.indicator.name,
        unit=detail.indicator.unit,
        targets={t.year: t.value for t in detail.targets},
        series=detail.series,
        expected=detail.expected,
        revisions=detail.revisions,
    )
    return render(
        request,
        "indicators/detail.html",
        {
            "year": year,
            "years": list(PLAN_YEARS),
            "detail": detail,
            "indicator": detail.indicator,
            "table": table,
            "figure": figure,
        },
    )


@login_required
def status_help(request: HttpRequest) -> HttpResponse:
    return render(request, "indicators/status_help.html")
