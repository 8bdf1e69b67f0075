"""Derived measures of one endpoint (pure): intervals, window, staleness, deletion lag, propagation.

Instants of a segment's life are uncertain windows (``monitor.records.Window``). The single estimates
used everywhere (Measures, the probe summary, the server models' verdicts) are defined here:

* *first seen* and *left* are bounded by two playlist reloads. The fast poller's reload that closes
  such a window goes out one step after the expected change, so the change most likely lies within a
  step of the window's end: :meth:`Window.estimate` (the middle for narrow windows and the RFC poller).
* *gone* is bounded by two probes (the last 2xx, the first 4xx), spaced evenly by the deletion planner:
  its middle, but never before the segment left the playlist (a server deletes what it no longer lists;
  a deletion while listed is counted apart, as ``errors_while_listed``).

So time listed, deletion lag and lifetime are never negative, and ``gone`` is never before ``left``.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, deque
from collections.abc import Iterable
from datetime import datetime, timedelta

from monitor.records import (
    ContentReport,
    Fingerprint,
    Measures,
    PlaylistSnapshot,
    RequestKind,
    SegmentLifecycle,
    Window,
)

#: Lateness of the poller's own wake-ups is summarised over this trailing period.
LATENESS_PERIOD_S = 60.0


def _median(values: Iterable[float]) -> float | None:
    vals = list(values)
    return statistics.median(vals) if vals else None


def seen_at(window: Window, step: float) -> float:
    """Best instant of a reload-bounded window (first seen, left); ``step``: MonitorConfig.arrival_step_s."""
    return window.estimate(step)


def gone_at(life: SegmentLifecycle, step: float) -> float | None:
    """Best instant of the deletion: the middle of the part of the gone window after the segment left."""
    if life.gone is None:
        return None
    gone = life.gone
    if life.left is None or gone.hi < life.left.lo:  # still listed, or deleted while listed
        return gone.mid
    lo = min(max(gone.lo, seen_at(life.left, step)), gone.hi)
    return (lo + gone.hi) / 2


def listed_s(life: SegmentLifecycle, step: float) -> float | None:
    """Left − first seen (None while listed or when already listed at the first poll)."""
    if life.left is None or life.initial or life.missed:
        return None
    return max(0.0, seen_at(life.left, step) - seen_at(life.first_seen, step))


def deletion_lag_s(life: SegmentLifecycle, step: float) -> float | None:
    """Gone − left: the grace after removal from the playlist (None when deleted while still listed)."""
    if life.gone is None or life.left is None or life.gone.hi < life.left.lo:
        return None
    gone = gone_at(life, step)
    assert gone is not None
    return max(0.0, gone - seen_at(life.left, step))


def lifetime_s(life: SegmentLifecycle, step: float) -> float | None:
    """Gone − first seen (None when first seen at the first poll: its appearance is unknown)."""
    gone = gone_at(life, step)
    if gone is None or life.initial or life.missed:
        return None
    return max(0.0, gone - seen_at(life.first_seen, step))


def still_available_after_s(life: SegmentLifecycle, step: float) -> float | None:
    """Probing stopped while the segment still answered: its last 2xx probe, seconds after it left.

    None unless a probe really answered 2xx after it left (a segment given up unprobed, e.g. the previous
    publish's after a restart, proves nothing)."""
    if not life.gave_up or life.last_available_mono is None or life.left is None:
        return None
    after = life.last_available_mono - seen_at(life.left, step)
    return after if after >= 0 else None


def pdt_latency_s(life: SegmentLifecycle, step: float) -> float | None:
    """UTC when the segment was first seen − the end of its media (PROGRAM-DATE-TIME + EXTINF).

    UTC to UTC: the instant comes from the window's own UTC stamps (the wall clock and the monotonic
    clock drift apart, so it is not derived from the monotonic estimate)."""
    if life.pdt is None or life.initial or life.missed:
        return None
    seen: datetime = life.first_seen.estimate_utc(step)
    return (seen - (life.pdt + timedelta(seconds=life.extinf))).total_seconds()


class MeasureAggregator:
    """Keeps running statistics for one endpoint and builds :class:`Measures` on demand."""

    def __init__(self, endpoint: str, start_mono: float, arrival_step_s: float = math.inf) -> None:
        self.endpoint = endpoint
        self.start = start_mono
        self.arrival_step_s = arrival_step_s  # see Window.estimate (inf: the middle of the window)
        self.requests: Counter[str] = Counter()
        self.fingerprint: Fingerprint | None = None  # set once by the poller from its first media playlist
        self._arrivals: deque[float] = deque(maxlen=200)
        self._arrival_generation = 0  # publish of the last arrival (MSNs restart after a republish)
        self._interarrivals: deque[float] = deque(maxlen=200)
        self._lags: deque[float] = deque(maxlen=200)
        self._lifetimes: deque[float] = deque(maxlen=200)
        self._propagation: deque[float] = deque(maxlen=200)
        self._pdt_latency: deque[float] = deque(maxlen=200)
        self._lateness: deque[tuple[float, float]] = deque(maxlen=2000)  # (mono, seconds late)
        self._last_change: float | None = None
        self._seen = 0
        self._gone = 0
        self._missed = 0
        self._errors_listed = 0
        self._max_overrun: float | None = None
        self._content: ContentReport | None = None  # the latest analysed segment
        self._content_dropped = 0

    def on_request(self, kind: RequestKind) -> None:
        self.requests[kind.value] += 1

    def on_lateness(self, now: float, late_s: float) -> None:
        """The poller woke ``late_s`` after the instant it planned (CPU starvation, GIL)."""
        self._lateness.append((now, max(0.0, late_s)))

    def on_snapshot(self, snap: PlaylistSnapshot, new: list[SegmentLifecycle]) -> None:
        if snap.changed:
            self._last_change = snap.fetched.mid
        for life in new:
            if life.missed:
                continue
            self._seen += 1
            if not life.initial:
                arrival = seen_at(life.first_seen, self.arrival_step_s)
                if self._arrivals and life.generation == self._arrival_generation:  # never across a restart
                    self._interarrivals.append(arrival - self._arrivals[-1])
                self._arrivals.append(arrival)
                self._arrival_generation = life.generation
            if snap.target_duration:
                over = life.extinf - snap.target_duration
                if self._max_overrun is None or over > self._max_overrun:
                    self._max_overrun = over
        dated = [lf for lf in new if pdt_latency_s(lf, self.arrival_step_s) is not None]
        if dated:
            newest = max(dated, key=lambda lf: lf.msn)
            self._pdt_latency.append(pdt_latency_s(newest, self.arrival_step_s))  # type: ignore[arg-type]

    def on_missed(self, life: SegmentLifecycle) -> None:
        self._missed += life.missed_count  # one record may stand for a range of media sequence numbers

    def on_gone(self, life: SegmentLifecycle) -> None:
        self._gone += 1
        lag = deletion_lag_s(life, self.arrival_step_s)
        if lag is not None:
            self._lags.append(lag)
        lifetime = lifetime_s(life, self.arrival_step_s)
        if lifetime is not None:
            self._lifetimes.append(lifetime)

    def on_error_while_listed(self) -> None:
        self._errors_listed += 1

    def on_propagation(self, seconds: float) -> None:
        self._propagation.append(seconds)

    def on_content(self, report: ContentReport | None, dropped: int) -> None:
        """A segment analysed (monitor.content; None: unreadable) and how many the analysis dropped before it."""
        self._content = report or self._content
        self._content_dropped += dropped

    def _lateness_now(self, now: float) -> tuple[float | None, float | None]:
        recent = sorted(late for t, late in self._lateness if t >= now - LATENESS_PERIOD_S)
        if not recent:
            return None, None
        return recent[min(len(recent) - 1, round(0.95 * (len(recent) - 1)))], recent[-1]

    def build(self, snap: PlaylistSnapshot, now: float, utc: datetime) -> Measures:
        elapsed = max(1e-6, now - self.start)
        total = sum(self.requests.values())
        late_p95, late_max = self._lateness_now(now)
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
            requests=total,
            request_rate=round(total / elapsed, 3),
            max_overrun_s=self._max_overrun,
            fingerprint=self.fingerprint,
            pdt_latency_s=self._pdt_latency[-1] if self._pdt_latency else None,
            pdt_latency_p50_s=_median(self._pdt_latency),
            requests_by_kind=dict(self.requests),
            loop_lateness_p95_s=late_p95,
            loop_lateness_max_s=late_max,
            **self._content_measures(),
        )

    def _content_measures(self) -> dict[str, float | int | None]:
        c = self._content
        return {
            "keyint_measured_s": c.keyint_s if c else None,
            "keyint_expected_s": c.keyint_expected_s if c else None,
            "av_drift_ms": c.av_drift_ms if c else None,
            "level_dbfs": c.level_dbfs if c else None,
            "bitrate_bps": c.bitrate_bps if c else None,
            "ingest_rate": c.ingest_rate if c else None,
            "content_dropped": self._content_dropped,
        }
