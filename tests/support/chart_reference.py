"""The Expectancy card's charts as first built, with plotly.graph_objects (validated, slow).

The card now writes the same figures as plain JSON data (`components.charts`); property tests
show the browser gets exactly the JSON these give. Nothing outside tests/ imports this module.
"""

from __future__ import annotations

import base64
import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from components.cards.expectancy import CALENDAR_WEEK_LABELS, SPARSE_TRADES
from components.formatting import usd
from utils.judge.curves import extreme_points, histogram_counts
from utils.judge.metrics import daily_pnl, equity_curve
from utils.judge.pnl_calendar import WEEKDAYS, calendar_grid


def as_sent(figure: go.Figure | dict) -> dict:
    """The figure as the browser receives it (JSON data; a dict as Dash serialises it)."""
    if isinstance(figure, go.Figure):
        return json.loads(pio.to_json(figure))
    return json.loads(pio.json.to_json_plotly(figure))


def decoded(values: object) -> object:
    """A Plotly typed array (`{"dtype", "bdata"[, "shape"]}`) as a numpy array; else as is."""
    if not isinstance(values, dict) or "bdata" not in values:
        return values
    array = np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    shape = values.get("shape")
    return array.reshape([int(n) for n in shape.split(",")]) if shape else array


def reference_equity_figure(closed: pd.DataFrame, unit: str) -> go.Figure:
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


def reference_distribution_figure(closed: pd.DataFrame, unit: str) -> go.Figure:
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


def reference_calendar_figure(closed: pd.DataFrame) -> go.Figure:
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
