"""Ingest drift: media seconds the origin publishes per wall-clock second, over a sliding window.

An encoder that falls behind (CPU starved, dropping frames without stretching timestamps) publishes
less than one media second per second; one that bursts after a stall publishes more. The rate is the
least-squares slope of (media end time) against (wall time the segment appeared), which smooths out
the polling jitter of "first seen". Pure: times are passed in.
"""

from __future__ import annotations

from collections import deque

from monitor.content import findings as F
from monitor.content.findings import Finding, finding


class IngestRate:
    def __init__(self, *, window_s: float = 60.0, min_span_s: float = 30.0, tolerance: float = 0.02) -> None:
        self.window_s, self.min_span_s, self.tolerance = window_s, min_span_s, tolerance
        self._points: deque[tuple[float, float]] = deque()  # (wall, media end)

    def reset(self) -> None:
        """Forget the window (a discontinuity or a timestamp jump: media time restarted)."""
        self._points.clear()

    def note(self, media_end_s: float, wall_s: float) -> Finding | None:
        """Add one segment (its media end, the wall time it appeared); a finding while outside ±tolerance."""
        self._points.append((wall_s, media_end_s))
        while self._points and wall_s - self._points[0][0] > self.window_s:
            self._points.popleft()
        rate = self.rate
        if rate is None or abs(rate - 1) <= self.tolerance:
            return None
        span = self._points[-1][0] - self._points[0][0]
        pace = "behind" if rate < 1 else "ahead of"
        return finding(F.INGEST_DRIFT,
                       f"the origin publishes {rate:.3f} media seconds per second over the last {span:.0f} s: "
                       f"the encoder runs {abs(rate - 1) * 100:.1f} % {pace} the clock",
                       rate=round(rate, 4), window_s=round(span, 1))

    @property
    def rate(self) -> float | None:
        """Media seconds per wall second, once the window spans ``min_span_s``."""
        points = self._points
        if len(points) < 3 or points[-1][0] - points[0][0] < self.min_span_s:
            return None
        n = len(points)
        mean_w = sum(w for w, _ in points) / n
        mean_m = sum(m for _, m in points) / n
        var = sum((w - mean_w) ** 2 for w, _ in points)
        cov = sum((w - mean_w) * (m - mean_m) for w, m in points)
        return cov / var if var > 0 else None
