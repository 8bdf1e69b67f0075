"""Derived measures of one endpoint (pure): intervals, window, staleness, deletion lag, propagation."""

from __future__ import annotations

import statistics
from collections import deque

from monitor.records import Measures, PlaylistSnapshot, SegmentLifecycle


def _median(values) -> float | None:
    vals = list(values)
    return statistics.median(vals) if vals else None


class MeasureAggregator:
    """Keeps running statistics for one endpoint and builds :class:`Measures` on demand."""

    def __init__(self, endpoint: str, start_mono: float, arrival_step_s: float = float("inf")) -> None:
        self.endpoint = endpoint
        self.start = start_mono
        self.arrival_step_s = arrival_step_s  # see Window.estimate (inf: the middle of the window)
        self.requests = 0
        self._arrivals: deque[float] = deque(maxlen=200)
        self._interarrivals: deque[float] = deque(maxlen=200)
        self._lags: deque[float] = deque(maxlen=200)
        self._lifetimes: deque[float] = deque(maxlen=200)
        self._propagation: deque[float] = deque(maxlen=200)
        self._last_change: float | None = None
        self._seen = 0
        self._gone = 0
        self._missed = 0
        self._errors_listed = 0
        self._max_overrun: float | None = None

    def on_request(self) -> None:
        self.requests += 1

    def on_snapshot(self, snap: PlaylistSnapshot, new: list[SegmentLifecycle]) -> None:
        if snap.changed:
            self._last_change = snap.fetched.mid
        for life in new:
            if life.missed:
                continue
            self._seen += 1
            if not life.initial:
                arrival = life.first_seen.estimate(self.arrival_step_s)
                if self._arrivals:
                    self._interarrivals.append(arrival - self._arrivals[-1])
                self._arrivals.append(arrival)
            if snap.target_duration:
                over = life.extinf - snap.target_duration
                if self._max_overrun is None or over > self._max_overrun:
                    self._max_overrun = over

    def on_missed(self) -> None:
        self._missed += 1

    def on_gone(self, life: SegmentLifecycle) -> None:
        self._gone += 1
        if life.deletion_lag_s is not None:
            self._lags.append(life.deletion_lag_s)
        if life.lifetime_s is not None and not life.initial:
            self._lifetimes.append(life.lifetime_s)

    def on_error_while_listed(self) -> None:
        self._errors_listed += 1

    def on_propagation(self, seconds: float) -> None:
        self._propagation.append(seconds)

    def build(self, snap: PlaylistSnapshot, now: float, utc) -> Measures:
        elapsed = max(1e-6, now - self.start)
        return Measures(
            endpoint=self.endpoint,
            mono=now,
            utc=utc,
            media_sequence=snap.media_sequence,
            window_segments=len(snap.segments),
            window_s=round(snap.duration_s, 3),
            target_duration=snap.target_duration,
            staleness_s=round(now - (self._last_change if self._last_change is not None else now), 3),
            age_s=snap.age_s,
            last_interarrival_s=self._interarrivals[-1] if self._interarrivals else None,
            interarrivals_p50_s=_median(self._interarrivals),
            deletion_lag_p50_s=_median(self._lags),
            lifetime_p50_s=_median(self._lifetimes),
            propagation_s=self._propagation[-1] if self._propagation else None,
            propagation_p50_s=_median(self._propagation),
            segments_seen=self._seen,
            segments_gone=self._gone,
            missed=self._missed,
            errors_while_listed=self._errors_listed,
            requests=self.requests,
            request_rate=round(self.requests / elapsed, 3),
            max_overrun_s=self._max_overrun,
        )
