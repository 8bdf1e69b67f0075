"""Min/max pyramids for drawing long series fast (Qt-free).

A 24-hour session has 86 400 points per series; a chart is a few hundred pixels wide. Instead of
reducing every visible point on each pan (pyqtgraph's peak downsampling: a min and max over all of them
per frame, and ~5 samples per pixel to draw), each series keeps precomputed levels: level k holds, for
each run of 2**k consecutive points, the min and max of its y (drawn at the x of its first point). A
view then draws from the level with one to two runs per pixel (two vertices each: max and min), so the work per
frame depends on the chart's width, not on the length of the session. Appends update only the tail.
"""

from __future__ import annotations

import math

import numpy as np

MIN_LEVEL_LEN = 64  # the coarsest level stops around this many runs


class MinMaxPyramid:
    """Levels of (min y, max y) over an append-only series with sorted x.

    ``update(x, y)`` is given the whole series each time (views of a growing buffer); when it only grew
    (``edits`` unchanged), only the runs that contain new points are recomputed."""

    def __init__(self) -> None:
        self._x = np.empty(0)
        self._y = np.empty(0)
        self._edits = -1
        # level k >= 1: (min, max) per run of 2**k points; index k - 1
        self._levels: list[tuple[np.ndarray, np.ndarray]] = []
        self._n = 0

    def __len__(self) -> int:
        return self._n

    @property
    def levels(self) -> int:
        return len(self._levels)

    def update(self, x: np.ndarray, y: np.ndarray, edits: int = 0) -> None:
        """Take the series as it is now; ``edits`` changes whenever old points were changed or removed."""
        n = len(x)
        start = self._n if (edits == self._edits and n >= self._n) else 0
        self._x, self._y, self._edits, self._n = x, y, edits, n
        if start == 0:
            self._levels = []
        if n == start and self._levels:
            return
        src_lo, src_hi = y, y
        k = 1
        while True:
            runs = (n + (1 << k) - 1) >> k
            if (n >> (k - 1)) <= MIN_LEVEL_LEN and k > 1:
                del self._levels[k - 1 :]
                break
            first = start >> k if len(self._levels) >= k else 0  # the first run that may have changed
            llo, lhi = self._level_arrays(k, runs)
            s = 2 * first
            a_lo, a_hi = src_lo[s:], src_hi[s:]
            pairs = len(a_lo) // 2
            llo[first : first + pairs] = np.fmin(a_lo[0 : 2 * pairs : 2], a_lo[1 : 2 * pairs : 2])
            lhi[first : first + pairs] = np.fmax(a_hi[0 : 2 * pairs : 2], a_hi[1 : 2 * pairs : 2])
            if len(a_lo) % 2:  # a last run with one source entry
                llo[first + pairs] = a_lo[2 * pairs]
                lhi[first + pairs] = a_hi[2 * pairs]
            src_lo, src_hi = llo[:runs], lhi[:runs]
            k += 1

    def _level_arrays(self, k: int, runs: int) -> tuple[np.ndarray, np.ndarray]:
        """Level k's arrays with room for ``runs`` entries (grown by doubling, old entries kept)."""
        if len(self._levels) < k:
            cap = max(16, runs)
            self._levels.append((np.empty(cap), np.empty(cap)))
        llo, lhi = self._levels[k - 1]
        if len(llo) < runs:
            cap = max(runs, 2 * len(llo))
            grown = (np.empty(cap), np.empty(cap))
            grown[0][: len(llo)] = llo
            grown[1][: len(lhi)] = lhi
            self._levels[k - 1] = grown
            llo, lhi = grown
        return llo, lhi

    def index_range(self, x0: float, x1: float) -> tuple[int, int]:
        """Indices [i0, i1) of the points inside [x0, x1] plus one on each side (lines reach the edges)."""
        i0 = int(np.searchsorted(self._x, x0, "left")) - 1  # the last point before x0
        i1 = int(np.searchsorted(self._x, x1, "right")) + 1  # up to the first point after x1
        return max(0, i0), min(self._n, i1)

    def visible_count(self, x0: float, x1: float) -> int:
        i0, i1 = self.index_range(x0, x1)
        return i1 - i0

    def window(self, x0: float, x1: float, pixels: float) -> tuple[np.ndarray, np.ndarray, bool]:
        """Points to draw [x0, x1] on ``pixels`` pixels: the raw points when there are at most two per
        pixel, else one (max, min) pair per run of the coarsest level with at least one run per pixel
        (at most four vertices per pixel). Returns (x, y, raw)."""
        i0, i1 = self.index_range(x0, x1)
        m = i1 - i0
        px = max(1.0, float(pixels))
        if m <= 2 * px or not self._levels:
            return self._x[i0:i1], self._y[i0:i1], True
        # at least one run per pixel (between 1 and 2): with fewer, the zigzag from one run's min to the next
        # run's max leaves notches in a dense band
        k = min(len(self._levels), max(1, math.floor(math.log2(m / px))))
        llo, lhi = self._levels[k - 1]
        b0, b1 = i0 >> k, ((i1 - 1) >> k) + 1
        n = b1 - b0
        first_x = self._x[b0 << k : i1 : 1 << k]  # x of each run's first point
        xs = np.empty(2 * n)
        ys = np.empty(2 * n)
        xs[0::2] = first_x
        xs[1::2] = first_x
        ys[0::2] = lhi[b0:b1]
        ys[1::2] = llo[b0:b1]
        return xs, ys, False
