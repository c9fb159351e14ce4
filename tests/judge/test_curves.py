"""Thinned curves keep their extremes and never exceed the page's budget; histograms count every
finite value once."""

from __future__ import annotations

import numpy as np
import pytest

from utils.judge.curves import MAX_CURVE_POINTS, extreme_points, histogram_counts


def random_walk(count: int, seed: int = 3) -> np.ndarray:
    return np.cumsum(np.random.default_rng(seed).normal(0, 100, count))


def test_a_short_curve_is_kept_whole():
    curve = random_walk(MAX_CURVE_POINTS)
    assert extreme_points(curve).tolist() == list(range(MAX_CURVE_POINTS))


@pytest.mark.parametrize("count", [2_001, 10_000, 100_003, 1_000_000])
def test_a_long_curve_keeps_its_ends_high_low_and_worst_drawdown(count):
    curve = random_walk(count)
    keep = extreme_points(curve)
    assert keep.size <= MAX_CURVE_POINTS
    assert np.all(np.diff(keep) > 0), "ascending, no repeats"
    assert keep[0] == 0 and keep[-1] == count - 1
    thinned = curve[keep]
    assert thinned.max() == curve.max() and thinned.min() == curve.min()
    drawdown = np.max(np.maximum.accumulate(curve) - curve)
    assert np.max(np.maximum.accumulate(thinned) - thinned) == drawdown


def test_every_bucket_keeps_its_own_low_and_high():
    curve = random_walk(50_000)
    keep = set(extreme_points(curve, 100).tolist())
    edges = np.linspace(0, curve.size, 100 // 2 - 1 + 1).astype(int)
    for start, end in zip(edges[:-1], edges[1:]):
        bucket = curve[start:end]
        assert start + int(np.argmin(bucket)) in keep and start + int(np.argmax(bucket)) in keep


def test_a_flat_curve_and_too_small_a_budget():
    assert extreme_points(np.zeros(10_000), 10).size <= 10
    with pytest.raises(ValueError, match="at least 4"):
        extreme_points(np.zeros(10), 3)


def test_histogram_counts_every_finite_value_once():
    values = np.array([-2.0, -1.0, 0.0, 0.0, 1.0, 3.0, np.nan])
    centers, counts, width = histogram_counts(values, bins=5)
    assert counts.sum() == 6 and counts.tolist() == [1, 1, 2, 1, 1]
    assert width == 1.0 and centers.tolist() == [-1.5, -0.5, 0.5, 1.5, 2.5]
