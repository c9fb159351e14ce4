"""Expectancy card: the edge in $ and R, the rollback watch, and the charts that show it.

Charts use float dollars (statistics over many trades); the gate itself is decided in Decimal.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import dcc, html

from components.card import cockpit_card
from components.charts import named_colorscale, plain_figure
from components.context import CockpitContext
from components.formatting import fall, number, percent, r_multiple, ratio, usd
from utils.judge.evidence import CockpitEvidence
from utils.judge.curves import extreme_points, histogram_counts
from utils.judge.metrics import METRIC_DEFINITIONS, daily_pnl
from utils.judge.pnl_calendar import WEEKDAYS, calendar_grid, shown_closes


class Ids:
    """Every id the Expectancy card puts on the page."""

    CARD = "card-expectancy"
    BODY = "expectancy-body"
    UNIT = "expectancy-unit"
    EXPECTANCY = "stat-expectancy"
    R_EXPECTANCY = "stat-r"
    LAST_10 = "stat-last10"
    WIN_RATE = "stat-winrate"
    WIN_RATE_EXCL_BREAKEVEN = "stat-winrate-ex"
    PROFIT_FACTOR = "stat-pf"
    MAX_DRAWDOWN = "stat-dd"
    SQN = "stat-sqn"
    SPARSE_NOTE = "expectancy-sparse-note"


CALENDAR_WEEK_LABELS = 12
SPARSE_TRADES = 5  # below this many closed trades the charts say why they look empty
CHART_CONFIG = {"displayModeBar": False}
CHART_MARGIN = {"l": 45, "r": 10, "t": 30, "b": 35}


def _stat(label: str, value: str, definition_key: str, stat_id: str) -> dbc.Col:
    """A headline figure whose tooltip is its formula."""
    return dbc.Col(
        html.Div(
            [
                html.Div(value, className="fs-5 fw-semibold", id=stat_id),
                html.Abbr(label, title=METRIC_DEFINITIONS[definition_key], className="small"),
            ]
        ),
        xs=6,
        md=3,
        className="mb-2",
    )


def stats(evidence: CockpitEvidence) -> dbc.Row:
    """The headline figures."""
    m, last = evidence.metrics, evidence.last_10
    last_text = usd(last.expectancy_usd) + ("" if last.complete else f" ({last.trades_used}/10)")
    sqn = number(m.sqn) + (" (n<30)" if m.sqn_small_sample and m.sqn is not None else "")
    return dbc.Row(
        [
            _stat("$ expectancy", usd(m.expectancy_usd), "expectancy_usd", Ids.EXPECTANCY),
            _stat(
                "R expectancy",
                r_multiple(m.r_expectancy),
                "r_expectancy",
                Ids.R_EXPECTANCY,
            ),
            _stat("Last 10 (rollback)", last_text, "rolling_expectancy_usd", Ids.LAST_10),
            _stat("Win rate", percent(m.win_rate), "win_rate", Ids.WIN_RATE),
            _stat(
                "Win rate excl. BE",
                percent(m.win_rate_excl_breakeven),
                "win_rate_excl_breakeven",
                Ids.WIN_RATE_EXCL_BREAKEVEN,
            ),
            _stat("Profit factor", ratio(m.profit_factor), "profit_factor", Ids.PROFIT_FACTOR),
            _stat(
                "Max drawdown (fall from peak)",
                fall(m.max_drawdown_usd),
                "max_drawdown_usd",
                Ids.MAX_DRAWDOWN,
            ),
            _stat("SQN", sqn, "sqn", Ids.SQN),
        ],
        className="g-1",
    )


def equity_figure(closed: pd.DataFrame, unit: str) -> dict:
    """Cumulative P&L after each closed trade (`closed` in close order), in $ or in R."""
    column, title = ("r_multiple", "cumulative R") if unit == "R" else ("net_pnl_usd", "equity ($)")
    y = np.cumsum(closed[column].to_numpy(dtype="float64"))
    mode = "lines+markers" if len(y) < SPARSE_TRADES else "lines"
    shown = extreme_points(y)  # a long history is thinned to its extremes
    trace = {
        "type": "scatter",
        "x": shown + 1,
        "y": y[shown],
        "mode": mode,
        "line": {"shape": "hv"},
        "name": title,
    }
    zero = {  # a horizontal line at 0 across the plot
        "type": "line",
        "line": {"color": "grey", "width": 1},
        "x0": 0,
        "x1": 1,
        "xref": "x domain",
        "y0": 0,
        "y1": 0,
        "yref": "y",
    }
    return plain_figure(
        [trace],
        {
            "shapes": [zero],
            "title": {"text": "Equity curve", "font": {"size": 13}},
            "xaxis": {"title": {"text": "closed trade #"}},
            "yaxis": {"title": {"text": title}},
            "height": 220,
            "margin": CHART_MARGIN,
        },
    )


def distribution_figure(closed: pd.DataFrame, unit: str) -> dict:
    """Histogram of R multiples (or of $ P&L), counted on the server."""
    column, label = ("r_multiple", "R multiple") if unit == "R" else ("net_pnl_usd", "P&L ($)")
    centers, counts, width = histogram_counts(closed[column].to_numpy(dtype="float64"), bins=30)
    return plain_figure(
        [{"type": "bar", "x": centers, "y": counts, "width": width, "name": label}],
        {
            "title": {"text": f"{label} distribution", "font": {"size": 13}},
            "xaxis": {"title": {"text": label}},
            "yaxis": {"title": {"text": "trades"}},
            "height": 220,
            "margin": CHART_MARGIN,
            "bargap": 0.05,
        },
    )


def calendar_figure(closed: pd.DataFrame) -> dict:
    """P&L per New York session on a weeks x weekdays grid spanning the closes (4 to 52 weeks,
    ending with the last close's week)."""
    grid = calendar_grid(daily_pnl(shown_closes(closed)))
    weeks, z = [week.isoformat() for week in grid.weeks], grid.pnl_usd
    text = [["" for _ in weeks] for _ in range(WEEKDAYS)]
    for row, column, session, pnl in grid.cells():
        text[row][column] = f"{session}: {usd(pnl)}"
    limit = float(np.nanmax(np.abs(z))) if np.isfinite(z).any() else 1.0
    heatmap = {
        "type": "heatmap",
        "z": z,
        "x": weeks,
        "y": ["Mon", "Tue", "Wed", "Thu", "Fri"],
        "text": text,
        "hoverinfo": "text",
        "colorscale": named_colorscale("RdYlGn"),
        "zmid": 0,
        "zmin": -limit,
        "zmax": limit,
        "xgap": 2,
        "ygap": 2,
        "colorbar": {"title": {"text": "$"}, "thickness": 10},
    }
    step = -(-len(weeks) // CALENDAR_WEEK_LABELS)  # at most 12 labels, from the first
    labelled = grid.weeks[::step]
    return plain_figure(
        [heatmap],
        {
            "title": {"text": "P&L calendar (New York sessions)", "font": {"size": 13}},
            "height": 200,
            "margin": {**CHART_MARGIN, "b": 30},
            "yaxis": {"autorange": "reversed"},
            "xaxis": {
                "tickvals": weeks[::step],
                "ticktext": [f"{w:%b} {w.day}" for w in labelled],
            },
        },
    )


def sparse_note(closed_count: int) -> html.P | None:
    """Why the charts look empty with only a few closed trades (None when there are enough)."""
    if closed_count >= SPARSE_TRADES:
        return None
    trades = "1 closed trade" if closed_count == 1 else f"{closed_count} closed trades"
    return html.P(
        f"{trades}: the curve and the distribution take shape from {SPARSE_TRADES} closed trades.",
        className="small text-muted mb-1",
        id=Ids.SPARSE_NOTE,
    )


def render(evidence: CockpitEvidence, unit: str) -> list:
    """The card's body for one reading of the evidence, charts in $ or R."""
    closed = evidence.closed
    if closed.empty:
        return [
            stats(evidence),
            html.P(
                "No closed trade yet: journal trades (or import a CSV) to see your edge.",
                className="text-muted",
            ),
        ]
    return [
        stats(evidence),
        sparse_note(len(closed)),
        dbc.Row(
            [
                dbc.Col(dcc.Graph(figure=equity_figure(closed, unit), config=CHART_CONFIG), md=6),
                dbc.Col(
                    dcc.Graph(figure=distribution_figure(closed, unit), config=CHART_CONFIG), md=6
                ),
            ],
            className="g-1",
        ),
        dcc.Graph(figure=calendar_figure(closed), config=CHART_CONFIG),
    ]


def layout(ctx: CockpitContext) -> dbc.Card:
    """The card frame with its $/R toggle; the body is filled by the evidence refresh."""
    toggle = dbc.RadioItems(
        id=Ids.UNIT,
        options=[{"label": "$", "value": "USD"}, {"label": "R", "value": "R"}],
        value="USD",
        inline=True,
        className="small mb-1",
    )
    return cockpit_card(Ids.CARD, "Expectancy", [toggle, html.Div(id=Ids.BODY)])
