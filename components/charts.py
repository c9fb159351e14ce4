"""Plotly figures as the plain JSON data the browser receives, built without graph_objects.

`go.Figure` validates every property on the way in and deep-copies it on the way out (tens of
milliseconds for a card's charts); a card that redraws on every change of the journal writes
the same JSON directly: traces and layout in Plotly's own nesting (`{"title": {"text": ...}}`,
never the `title_text` shorthand), numbers as numpy arrays sent as Plotly's typed arrays, and
the default template, exactly as `json.loads(pio.to_json(go.Figure(...)))` would give.

    figure = plain_figure([{"type": "bar", "x": centers, "y": counts}], {"height": 220})
"""

from __future__ import annotations

import json
from functools import cache

import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.utils import convert_to_base64  # Plotly's own array encoding (to_dict's)


@cache
def _template() -> dict:
    """The default template as JSON data (read once; shared by every figure, never changed)."""
    return json.loads(pio.json.to_json_plotly(pio.templates[pio.templates.default]))


@cache
def _colorscale(name: str) -> tuple[tuple[float, str], ...]:
    """A named colorscale as the stops Plotly expands it to (plotly.js knows few names)."""
    return tuple(tuple(stop) for stop in go.Heatmap(colorscale=name).colorscale)


def named_colorscale(name: str) -> list[list]:
    """The stops of a named colorscale, as `colorscale=name` sends them."""
    return [list(stop) for stop in _colorscale(name)]


def plain_figure(traces: list[dict], layout: dict) -> dict:
    """A figure of `traces` (JSON data, numpy arrays sent as typed arrays) and `layout` (JSON
    data) with the default template: what the browser would get from `go.Figure`."""
    data = [dict(trace) for trace in traces]
    convert_to_base64(data)  # numpy arrays -> {"dtype", "bdata"[, "shape"]}, as Plotly sends
    return {"data": data, "layout": {**layout, "template": _template()}}
