"""Scripted origins for tests: segment lives computed from each server's rule with an injected clock."""

from __future__ import annotations

import math

from monitor.models import Interval, Observation


def nginx_lives(
    fragment: float,
    playlist: float,
    count: int,
    *,
    tick_phase: float = 0.5,
    poll: float = 0.25,
    duration: float | None = None,
) -> list[Observation]:
    """nginx-rtmp: segment k closes at C_k = (k+1)D, listed W entries, deleted at the first tick >= C_k + 2P.

    Observations carry a poll-width uncertainty, like the monitor's windows.
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
            Observation(
                msn=k,
                uri=f"http://127.0.0.1/hls/test-{k}.ts",
                extinf=d,
                first_seen=Interval(close, close + poll),
                left=Interval(leave, leave + poll),
                gone=Interval(tick, tick + poll),
                closed_at=close,
                deleted_at=tick,
            )
        )
    return lives


def ffmpeg_lives(hls_time: float, list_size: int, threshold: int, count: int, poll: float = 0.1) -> list[Observation]:
    kept = min(threshold, list_size + 1)
    lives = []
    for k in range(count):
        close = (k + 1) * hls_time
        leave = close + list_size * hls_time
        gone = leave + kept * hls_time
        lives.append(
            Observation(
                msn=k,
                uri=f"index{k}.ts",
                extinf=hls_time,
                first_seen=Interval(close, close + poll),
                left=Interval(leave, leave + poll),
                gone=Interval(gone - poll, gone),
            )
        )
    return lives
