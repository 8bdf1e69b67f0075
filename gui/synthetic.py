"""Synthetic sessions built from the core's record types (for the long-session benchmark, tests and
demos without a network). Qt-free; yields events lazily so 24 hours do not sit in memory.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from monitor.records import (
    Alert,
    EndpointState,
    EndpointStatus,
    Measures,
    SegmentLifecycle,
    Severity,
    Window,
)

START = datetime(2026, 11, 25, 0, 0, 0, tzinfo=UTC)


def _w(t0: datetime, mono0: float, lo: float, hi: float) -> Window:
    return Window(lo=mono0 + lo, hi=mono0 + hi, lo_utc=t0 + timedelta(seconds=lo), hi_utc=t0 + timedelta(seconds=hi))


def synthetic_events(
    segments: int = 600,
    fragment_s: float = 1.0,
    playlist_len_s: float = 6.0,
    start: datetime = START,
    cdn: bool = True,
    seed: int = 1,
    stale_every: int = 0,
) -> Iterator[object]:
    """Events of a healthy nginx-rtmp-like stream (optionally with stale-playlist episodes)."""
    rnd = random.Random(seed)
    mono0 = 1000.0
    per_window = max(1, round(playlist_len_s / fragment_s))
    yield EndpointStatus(endpoint="origin", state=EndpointState.LIVE, mono=mono0, utc=start, detail="")
    pending: list[tuple[float, SegmentLifecycle]] = []
    for i in range(segments):
        t = (i + 1) * fragment_s + rnd.uniform(-0.02, 0.02)
        extinf = fragment_s + rnd.choice((0.0, 0.0, 0.033, -0.033))
        for ep, delay in (("origin", 0.0), ("cdn", 0.4 + rnd.uniform(0, 0.5)))[: 2 if cdn else 1]:
            seen = t + delay
            first = _w(start, mono0, seen - 0.05, seen)
            lc = SegmentLifecycle(
                endpoint=ep, msn=i, uri=f"http://127.0.0.1/hls/stream-{i}.ts", extinf=extinf, first_seen=first
            )
            yield lc
            left_t = seen + per_window * fragment_s + rnd.uniform(0, 0.1)
            lc_left = _replace(lc, left=_w(start, mono0, left_t - 0.05, left_t))
            gone_t = (
                left_t
                + (2 * playlist_len_s if ep == "origin" else 4 * playlist_len_s)
                + ((i % (2 * per_window)) * fragment_s)
            )
            lc_gone = _replace(lc_left, gone=_w(start, mono0, gone_t - 0.1, gone_t), gone_status=404)
            pending.append((left_t, lc_left))
            pending.append((gone_t, lc_gone))
            yield Measures(
                endpoint=ep,
                mono=mono0 + seen,
                utc=start + timedelta(seconds=seen),
                media_sequence=max(0, i - per_window + 1),
                window_segments=min(i + 1, per_window),
                window_s=min(i + 1, per_window) * fragment_s,
                target_duration=math.ceil(fragment_s),
                staleness_s=rnd.uniform(0, fragment_s),
                last_interarrival_s=fragment_s,
                segments_seen=i + 1,
            )
        if stale_every and i and i % stale_every == 0:
            yield Alert(
                endpoint="cdn",
                severity=Severity.WARNING,
                code="stale_cdn_playlist",
                message=f"The CDN served a playlist {3 * fragment_s:.0f} s old.",
                mono=mono0 + t,
                utc=start + timedelta(seconds=t),
                msn=i,
                advice="Do not cache playlists: send Cache-Control: max-age=1 from the origin.",
            )
        # release updates that are due
        due = [p for p in pending if p[0] <= t]
        pending = [p for p in pending if p[0] > t]
        yield from (lc for _, lc in sorted(due, key=lambda p: p[0]))
    yield from (lc for _, lc in sorted(pending, key=lambda p: p[0]))


def _replace(lc: SegmentLifecycle, **kw: object) -> SegmentLifecycle:
    from dataclasses import replace

    return replace(lc, **kw)
