"""Expectancy card: the edge in $ and R, the rollback watch, and the charts that show it.

Charts use float dollars (statistics over many trades); the gate itself is decided in Decimal.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from components.card import cockpit_card
from components.context import CockpitContext
from components.formatting import fall, number, percent, r_multiple, ratio, usd
from utils.judge.evidence import CockpitEvidence
from utils.judge.curves import extreme_points, histogram_counts
from utils.judge.metrics import METRIC_DEFINITIONS, daily_pnl, equity_curve
from utils.judge.pnl_calendar import WEEKDAYS, calendar_grid


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


def equity_figure(closed: pd.DataFrame, unit: str) -> go.Figure:
    """Cumulative P&L after each closed trade, in $ or in R."""
    curve = equity_curve(closed)
    if unit == "R":
        y = np.cumsum(closed["r_multiple"].to_numpy(dtype="float64"))
        title = "cumulative R"
    else:
        y = curve["equity_usd"].to_numpy()
        title = "equity ($)"
    mode = "lines+markers" if len(y) < SPARSE_TRADES else "lines"
    shown = extreme_points(y)  # a long history is thinned to its extremes
    figure = go.Figure(go.Scatter(x=shown + 1, y=y[shown], mode=mode, line_shape="hv", name=title))
    figure.add_hline(y=0, line_color="grey", line_width=1)
    figure.update_layout(
        title=dict(text="Equity curve", font_size=13),
        xaxis_title="closed trade #",
        yaxis_title=title,
        height=220,
        margin=dict(l=45, r=10, t=30, b=35),
    )
    return figure


def distribution_figure(closed: pd.DataFrame, unit: str) -> go.Figure:
    """Histogram of R multiples (or of $ P&L), counted on the server."""
    column, label = ("r_multiple", "R multiple") if unit == "R" else ("net_pnl_usd", "P&L ($)")
    centers, counts, width = histogram_counts(closed[column].to_numpy(dtype="float64"), bins=30)
    figure = go.Figure(go.Bar(x=centers, y=counts, width=width, name=label))
    figure.update_layout(
        title=dict(text=f"{label} distribution", font_size=13),
        xaxis_title=label,
        yaxis_title="trades",
        height=220,
        margin=dict(l=45, r=10, t=30, b=35),
        bargap=0.05,
    )
    return figure


def calendar_figure(closed: pd.DataFrame) -> go.Figure:
    """P&L per New York session on a weeks x weekdays grid spanning the closes (4 to 52 weeks,
    ending with the last close's week)."""
    grid = calendar_grid(daily_pnl(closed))
    weeks, z = list(grid.weeks), grid.pnl_usd
    count = len(weeks)
    text = [["" for _ in weeks] for _ in range(WEEKDAYS)]
    for row, column, session, pnl in grid.cells():
        text[row][column] = f"{session}: {usd(pnl)}"
    limit = float(np.nanmax(np.abs(z))) if np.isfinite(z).any() else 1.0
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=weeks,
            y=["Mon", "Tue", "Wed", "Thu", "Fri"],
            text=text,
            hoverinfo="text",
            colorscale="RdYlGn",
            zmid=0,
            zmin=-limit,
            zmax=limit,
            xgap=2,
            ygap=2,
            colorbar=dict(title="$", thickness=10),
        )
    )
    figure.update_layout(
        title=dict(text="P&L calendar (New York sessions)", font_size=13),
        height=200,
        margin=dict(l=45, r=10, t=30, b=30),
        yaxis_autorange="reversed",
    )
    labelled = weeks[:: -(-count // CALENDAR_WEEK_LABELS)]  # at most 12 labels, from the first
    figure.update_xaxes(tickvals=labelled, ticktext=[f"{w:%b} {w.day}" for w in labelled])
    return figure


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
