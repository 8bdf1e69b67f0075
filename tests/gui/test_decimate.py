"""Min/max pyramids (gui/decimate.py): what a zoomed-out chart draws must keep every peak and dip."""

from __future__ import annotations

import numpy as np
import pytest

from gui.decimate import MinMaxPyramid


def _series(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = 1_795_000_000.0 + np.cumsum(rng.uniform(0.5, 1.5, n))
    y = rng.normal(size=n)
    y[rng.random(n) < 0.03] = np.nan  # gaps
    return x, y


def _brute(y: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    r = 1 << k
    runs = [y[i : i + r] for i in range(0, len(y), r)]
    lo = np.array([np.nan if np.isnan(s).all() else np.nanmin(s) for s in runs])
    hi = np.array([np.nan if np.isnan(s).all() else np.nanmax(s) for s in runs])
    return lo, hi


@pytest.mark.parametrize("n", [0, 1, 2, 3, 64, 65, 1000, 4097])
def test_levels_are_the_min_and_max_of_each_run(n):
    x, y = _series(n)
    p = MinMaxPyramid()
    p.update(x, y)
    assert len(p) == n
    for k in range(1, p.levels + 1):
        runs = (n + (1 << k) - 1) >> k
        lo, hi = p._levels[k - 1]
        blo, bhi = _brute(y, k)
        np.testing.assert_array_equal(lo[:runs], blo)
        np.testing.assert_array_equal(hi[:runs], bhi)


def test_growing_in_chunks_gives_the_same_levels_as_building_at_once():
    x, y = _series(20_000, seed=3)
    grown = MinMaxPyramid()
    rng = np.random.default_rng(4)
    n = 0
    while n < len(x):
        n = min(len(x), n + int(rng.integers(1, 900)))
        grown.update(x[:n], y[:n])
    once = MinMaxPyramid()
    once.update(x, y)
    assert grown.levels == once.levels
    for k in range(1, once.levels + 1):
        runs = (len(x) + (1 << k) - 1) >> k
        for a, b in zip(grown._levels[k - 1], once._levels[k - 1], strict=True):
            np.testing.assert_array_equal(a[:runs], b[:runs])


def test_edits_rebuild_from_scratch():
    x, y = _series(5000)
    p = MinMaxPyramid()
    p.update(x, y, edits=0)
    y = y.copy()
    y[10] = 1e6  # an old point changed: the caller's edit counter moves
    p.update(x, y, edits=1)
    assert p._levels[0][1][5] == 1e6


def test_window_is_raw_when_zoomed_in_and_one_or_two_pairs_per_pixel_when_zoomed_out():
    x, y = _series(86_400)
    p = MinMaxPyramid()
    p.update(x, y)
    # zoomed in: 100 points on 500 px -> the raw points (plus one each side)
    xs, ys, raw = p.window(x[1000], x[1099], 500)
    assert raw and len(xs) == 102 and xs[1] == x[1000]
    # zoomed out: everything on 500 px -> one or two (max, min) pairs per pixel, every peak and dip kept
    xs, ys, raw = p.window(x[0], x[-1], 500)
    assert not raw and 2 * 500 <= len(xs) <= 4 * 500 + 4
    assert np.nanmax(ys) == np.nanmax(y) and np.nanmin(ys) == np.nanmin(y)
    assert (np.diff(xs) >= 0).all() and xs[0] == x[0]
    # a span in the middle: covers the visible points' extremes, x inside the data
    i0, i1 = 30_000, 50_000
    xs, ys, raw = p.window(x[i0], x[i1], 400)
    assert not raw and len(xs) <= 4 * 400 + 4
    assert np.nanmax(ys) >= np.nanmax(y[i0:i1]) and np.nanmin(ys) <= np.nanmin(y[i0:i1])
    assert xs[0] <= x[i0] and xs[-1] <= x[i1 + 1]
