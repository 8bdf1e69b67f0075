"""Scripted origins for tests: segment lives computed from each server's rule with an injected clock."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from monitor.models import FileTruth
from monitor.records import SegmentLifecycle, Window

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def window(lo: float, hi: float | None = None) -> Window:
    """A window on the scripted clock (monotonic seconds from T0)."""
    hi = lo if hi is None else hi
    return Window(lo=lo, hi=hi, lo_utc=T0 + timedelta(seconds=lo), hi_utc=T0 + timedelta(seconds=hi))


def life(
    msn: int,
    uri: str,
    extinf: float,
    first_seen: tuple[float, float],
    left: tuple[float, float] | None = None,
    gone: tuple[float, float] | None = None,
    **extra: object,
) -> SegmentLifecycle:
    return SegmentLifecycle(
        endpoint="origin",
        msn=msn,
        uri=uri,
        extinf=extinf,
        first_seen=window(*first_seen),
        left=None if left is None else window(*left),
        gone=None if gone is None else window(*gone),
        **extra,  # type: ignore[arg-type]
    )


def nginx_lives(
    fragment: float,
    playlist: float,
    count: int,
    *,
    tick_phase: float = 0.5,
    poll: float = 0.25,
    duration: float | None = None,
) -> list[SegmentLifecycle]:
    """nginx-rtmp: segment k closes at C_k = (k+1)D, listed W entries, deleted at the first tick >= C_k + 2P.

    Lives carry a poll-width uncertainty, like the monitor's windows.
    """
    d = duration or fragment
    w = int(playlist * 1000) // int(fragment * 1000)
    period = 2 * playlist
    lives = []
    for k in range(count):
        close = (k + 1) * d
        leave = close + w * d
        tick = tick_phase + math.ceil((close + 2 * playlist - tick_phase) / period) * period
        lives.append(
            life(
                k,
                f"http://127.0.0.1/hls/test-{k}.ts",
                d,
                (close, close + poll),
                (leave, leave + poll),
                (tick, tick + poll),
            )
        )
    return lives


def nginx_truth(fragment: float, playlist: float, count: int, **kwargs: float) -> dict[int, FileTruth]:
    """The file instants of :func:`nginx_lives` (closed at C_k, deleted at the tick)."""
    lives = nginx_lives(fragment, playlist, count, **kwargs)
    return {lf.msn: FileTruth(closed_at=lf.first_seen.lo, deleted_at=lf.gone.lo) for lf in lives if lf.gone}


def ffmpeg_lives(
    hls_time: float, list_size: int, threshold: int, count: int, poll: float = 0.1
) -> list[SegmentLifecycle]:
    kept = min(threshold, list_size + 1)
    lives = []
    for k in range(count):
        close = (k + 1) * hls_time
        leave = close + list_size * hls_time
        gone = leave + kept * hls_time
        lives.append(
            life(k, f"index{k}.ts", hls_time, (close, close + poll), (leave, leave + poll), (gone - poll, gone))
        )
    return lives
