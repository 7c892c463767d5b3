"""The ranking's bar chart: plain data in, a Plotly figure dict out."""

import plotly.graph_objects as go

from indicators.charts import base_layout, figure_dict


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
