"""Long series made small enough to draw: an equity curve thinned to its extremes, a histogram
counted on the server. A page never receives more points than it can show.

    keep = extreme_points(equity, 2_000)     # indices: first, last, each bucket's low and high
    centers, counts, width = histogram_counts(pnl, bins=30)
"""

from __future__ import annotations

import numpy as np

MAX_CURVE_POINTS = 2_000


def extreme_points(values: np.ndarray, max_points: int = MAX_CURVE_POINTS) -> np.ndarray:
    """Indices (ascending) of at most `max_points` values that keep the curve's shape: the first
    and last, and each of `max_points // 2 - 1` equal buckets' lowest and highest value (so the
    overall high and low stay, and every swing wider than a bucket). All indices when short."""
    if max_points < 4:
        raise ValueError("a thinned curve keeps at least 4 points")
    series = np.asarray(values, dtype="float64")
    count = series.size
    if count <= max_points:
        return np.arange(count)
    buckets = max_points // 2 - 1
    edges = np.linspace(0, count, buckets + 1).astype("int64")
    starts, ends = edges[:-1], edges[1:]
    lows = np.minimum.reduceat(series, starts)
    highs = np.maximum.reduceat(series, starts)
    keep = [np.array([0, count - 1])]
    for extreme in (lows, highs):
        # The first index in each bucket where its extreme is reached.
        hits = np.flatnonzero(series == np.repeat(extreme, ends - starts))
        bucket_of_hit = np.searchsorted(ends, hits, side="right")
        keep.append(hits[np.unique(bucket_of_hit, return_index=True)[1]])
    return np.unique(np.concatenate(keep))


def histogram_counts(values: np.ndarray, bins: int = 30) -> tuple[np.ndarray, np.ndarray, float]:
    """Bin centers, counts and the bin width of `bins` equal bins over the values' range."""
    data = np.asarray(values, dtype="float64")
    data = data[np.isfinite(data)]
    counts, edges = np.histogram(data, bins=bins)
    return (edges[:-1] + edges[1:]) / 2, counts, float(edges[1] - edges[0])
