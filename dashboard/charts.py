"""Plotly figures for the dashboard: plain data in, a JSON-ready figure dict out.

No ORM here. plotly.js (served from our own static files) draws what these return.
"""

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import plotly.graph_objects as go

from indicators.status import (
    BEHIND,
    MET,
    NO_DATA,
    NOT_MET,
    ON_TRACK,
    UNJUDGED,
    WARNING,
)
from yuecheng_housing.lib.text import bracketed

FONT = (
    '"Microsoft YaHei","PingFang SC","Noto Sans CJK SC","Source Han Sans SC",sans-serif'
)


COLOURS = {
    MET: "#1a7f37",
    ON_TRACK: "#2563eb",
    WARNING: "#b45309",
    BEHIND: "#b91c1c",
    NOT_MET: "#7f1d1d",
    UNJUDGED: "#6b7280",
    NO_DATA: "#9ca3af",
}


@dataclass(frozen=True)
class Bar:
    label: str
    completion: Decimal | None
    status: str
    status_label: str


@dataclass(frozen=True)
class Revision:
    when: date
    year: int
    value: Decimal
    reason: str


@dataclass(frozen=True)
class Projection:
    """A year-end forecast as drawn: from the latest value to December's range."""

    start: date
    start_value: Decimal
    end: date
    value: Decimal
    low: Decimal
    high: Decimal


def figure_dict(fig: go.Figure) -> dict:
    # to_json handles dates and Decimals; the template embeds the dict with json_script.
    return json.loads(fig.to_json())


def base_layout(**extra) -> dict:
    return {
        "template": "none",
        "font": {"family": FONT, "size": 13, "color": "#1f2933"},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        **extra,
    }


def completion_bars(bars: list[Bar]) -> dict:
    """Return a horizontal bar chart of every indicator's completion (%)."""
    shown = list(reversed(bars))  # plotly draws the first bar at the bottom
    x = [float(b.completion * 100) if b.completion is not None else 0 for b in shown]
    text = [
        f"{x_:.0f}%　{b.status_label}" if b.completion is not None else b.status_label
        for x_, b in zip(x, shown, strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=[min(v, 150) for v in x],
            y=[b.label for b in shown],
            orientation="h",
            marker={"color": [COLOURS[b.status] for b in shown]},
            text=text,
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}<br>完成度 %{text}<extra></extra>",
        )
    )
    fig.update_layout(
        base_layout(
            height=90 + 30 * len(bars),
            margin={"l": 10, "r": 90, "t": 10, "b": 40},
            xaxis={
                "title": {"text": "完成度（%）"},
                "range": [0, 160],
                "ticksuffix": "%",
                "gridcolor": "#e5e7eb",
            },
            yaxis={"automargin": True},
            shapes=[
                {
                    "type": "line",
                    "x0": 100,
                    "x1": 100,
                    "yref": "paper",
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": "#6b7280", "dash": "dot", "width": 1},
                }
            ],
            showlegend=False,
            # charts.js swaps in these labels on a phone, where names do not fit.
            meta={"short_labels": [b.label.split(" ")[0] for b in shown]},
        )
    )
    return figure_dict(fig)


def sparkline(points: list[tuple[date, Decimal]], colour: str) -> dict:
    """Return a small static trend line of the year's monthly values."""
    fig = go.Figure(
        go.Scatter(
            x=[p for p, _ in points],
            y=[float(v) for _, v in points],
            mode="lines+markers",
            line={"color": colour, "width": 2},
            marker={"size": 4},
            hoverinfo="skip",
        )
    )
    fig.update_layout(
        base_layout(
            height=36,
            width=120,
            margin={"l": 2, "r": 2, "t": 2, "b": 2},
            xaxis={"visible": False},
            yaxis={"visible": False},
            showlegend=False,
        )
    )
    return figure_dict(fig)


def indicator_history(
    *,
    name: str,
    unit: str,
    targets: dict[int, Decimal],
    series: list[tuple[date, Decimal]],
    expected: list[tuple[date, Decimal]],
    revisions: list[Revision],
    projection: Projection | None = None,
    claimed: list[tuple[date, Decimal]] | None = None,
) -> dict:
    """Return the yearly targets, monthly values and expected path across the plan,
    and the year-end forecast as a dashed line within its shaded range.

    `claimed`: in years a ledger drives, `series` holds the ledger's count (the
    figure judged) and these the units' typed figures, drawn dotted and named
    as their claim, never as the figure."""
    fig = go.Figure()
    target_x: list = []
    target_y: list = []
    for year, value in sorted(targets.items()):
        target_x += [date(year, 1, 1), date(year, 12, 1), None]
        target_y += [float(value), float(value), None]
    fig.add_trace(
        go.Scatter(
            x=target_x,
            y=target_y,
            name="年度目标",
            mode="lines",
            line={"color": "#9b1c1c", "width": 3},
            hovertemplate="%{x|%Y年}目标：%{y}" + unit + "<extra></extra>",
        )
    )
    if expected:
        fig.add_trace(
            go.Scatter(
                x=[p for p, _ in expected],
                y=[float(v) for _, v in expected],
                name="进度预期",
                mode="lines",
                line={"color": "#6b7280", "dash": "dash", "width": 1.5},
                hovertemplate="%{x|%Y年%-m月}预期：%{y:.4~f}"
                + unit
                + "<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[p for p, _ in series],
            y=[float(v) for _, v in series],
            name="月度实际（按台账计数的年度为台账数）" if claimed else "月度实际",
            mode="lines+markers",
            line={"color": "#2563eb", "width": 2},
            marker={"size": 6},
            hovertemplate="%{x|%Y年%-m月}：%{y}" + unit + "<extra></extra>",
        )
    )
    if claimed:
        fig.add_trace(
            go.Scatter(
                x=[p for p, _ in claimed],
                y=[float(v) for _, v in claimed],
                name="单位填报数（报数，不作判定）",
                mode="lines+markers",
                line={"color": "#9ca3af", "dash": "dot", "width": 1.5},
                marker={"size": 4, "symbol": "circle-open"},
                hovertemplate="%{x|%Y年%-m月}单位报数：%{y}" + unit + "<extra></extra>",
            )
        )
    if projection is not None:
        p = projection
        fig.add_trace(
            go.Scatter(
                x=[p.start, p.end, p.end, p.start],
                y=[float(v) for v in (p.start_value, p.high, p.low, p.start_value)],
                name="预计区间",
                mode="lines",
                fill="toself",
                fillcolor="rgba(124,58,237,0.15)",
                line={"width": 0},
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[p.start, p.end],
                y=[float(p.start_value), float(p.value)],
                name="年底预计",
                mode="lines+markers",
                line={"color": "#7c3aed", "dash": "dash", "width": 2},
                marker={"size": [0, 8]},
                text=["最新数值", f"区间 {float(p.low):g}—{float(p.high):g}{unit}"],
                hovertemplate="%{x|%Y年%-m月}：%{y:.4~f}"
                + unit
                + "（%{text}）<extra></extra>",
            )
        )
    for revision in revisions:
        fig.add_annotation(
            x=date(revision.year, 6, 1),
            y=float(revision.value),
            text=f"目标修订（{revision.when:%Y-%m-%d}）：{revision.reason}",
            showarrow=True,
            arrowhead=2,
            ax=0,
            ay=-36,
            bgcolor="#fff7ed",
            bordercolor="#b45309",
            font={"size": 12},
        )
    fig.update_layout(
        base_layout(
            height=380,
            margin={"l": 50, "r": 20, "t": 30, "b": 50},
            legend={"orientation": "h", "y": -0.18},
            xaxis={
                "tickformat": "%Y年%-m月",
                "gridcolor": "#e5e7eb",
                "range": ["2022-12-01", "2028-01-01"],
            },
            yaxis={
                "title": {"text": f"{name}{bracketed(unit)}"},
                "gridcolor": "#e5e7eb",
            },
            hovermode="x unified",
        )
    )
    return figure_dict(fig)


def ranking_bars(scores: list[tuple[str, float]]) -> dict:
    """Return a horizontal bar chart of unit scores, best at the top."""
    shown = list(reversed(scores))
    fig = go.Figure(
        go.Bar(
            x=[s for _, s in shown],
            y=[name for name, _ in shown],
            orientation="h",
            marker={"color": "#9b1c1c"},
            text=[f"{s:g}" for _, s in shown],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}：%{x}分<extra></extra>",
        )
    )
    fig.update_layout(
        base_layout(
            height=80 + 26 * len(scores),
            margin={"l": 10, "r": 40, "t": 10, "b": 40},
            xaxis={
                "title": {"text": "得分"},
                "range": [0, 105],
                "gridcolor": "#e5e7eb",
            },
            yaxis={"automargin": True},
            showlegend=False,
        )
    )
    return figure_dict(fig)
