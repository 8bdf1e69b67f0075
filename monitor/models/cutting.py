"""Where each server cuts segments, given the publisher's keyframe interval (servers.md §1.2, §2.2, §5, §7).

Keyframes are assumed at 0, G, 2G, ... (seconds of stream time from the first keyframe). Each function
returns ``(start, duration, discontinuity)`` for the first ``count`` segments. ``keyint=None`` means
"unknown: assume the keyframe interval divides the fragment length" (so D = F).
"""

from __future__ import annotations

import math

Cut = tuple[float, float, bool]
_EPS = 1e-6


def next_keyframe(t: float, keyint: float) -> float:
    """The first keyframe at or after ``t``."""
    return math.ceil(t / keyint - _EPS) * keyint


def _clean(value: float) -> float:
    return round(value, 6)


def cuts_from_segment_start(
    fragment: float,
    keyint: float | None,
    count: int,
    *,
    forced_after: float | None = None,
    forced_marks_discontinuity: bool = True,
) -> list[Cut]:
    """nginx-rtmp (plain slicing), SRS and gohlslib: cut at the first keyframe with ``t - start >= F``.

    ``forced_after``: a cut happens even without a keyframe once the segment reaches this length
    (nginx ``hls_max_fragment`` = 10F, marked discontinuity; SRS ``hls_aof_ratio`` x F on an audio frame,
    not marked). The first segment of a publish is not marked here (callers add the publish rule).
    """
    raw: list[Cut] = []
    start = 0.0
    for _ in range(count):
        forced = False
        if keyint is None or keyint <= 0:
            end = start + fragment
        else:
            end = next_keyframe(start + fragment, keyint)
            if forced_after is not None and end - start > forced_after + _EPS:
                end, forced = start + forced_after, True
        raw.append((_clean(start), _clean(end - start), forced))
        start = end
    return _shift_forced_marks(raw, forced_marks_discontinuity)


def _shift_forced_marks(cuts: list[Cut], marks: bool) -> list[Cut]:
    """A forced cut marks the *next* segment as a discontinuity; recompute marks cleanly."""
    result: list[Cut] = []
    previous_forced = False
    for start, duration, forced in cuts:
        result.append((start, duration, previous_forced and marks))
        previous_forced = forced
    return result


def cuts_ffmpeg(hls_time: float, keyint: float | None, count: int) -> list[Cut]:
    """FFmpeg hlsenc: cut n (1-based) at the first keyframe with ``t >= n*T`` and after the previous cut.

    The grid is anchored to the first packet, not to the previous cut: G | T gives D = T; G < T not dividing
    T gives alternating durations averaging T (T=4, G=3: 6, 3, 3, 6, ...); G > T gives D = G.
    """
    cuts: list[Cut] = []
    start = 0.0
    for number in range(1, count + 1):
        if keyint is None or keyint <= 0:
            end = number * hls_time
        else:
            end = next_keyframe(max(number * hls_time, start + _EPS * 10), keyint)
        cuts.append((_clean(start), _clean(end - start), False))
        start = end
    return cuts


def steady_pattern(durations: list[float]) -> tuple[float, ...]:
    """The repeating pattern of segment durations (``(4.0,)`` or ``(6.0, 3.0, 3.0)``)."""
    if not durations:
        return ()
    tail = durations[len(durations) // 3 :] or durations
    for period in range(1, len(tail) // 2 + 1):
        if all(abs(tail[i] - tail[i % period]) < 1e-3 for i in range(len(tail))):
            return tuple(tail[:period])
    return tuple(tail)
