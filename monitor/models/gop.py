"""The publisher's keyframe interval, inferred from observed segment durations through a server's cutting rule.

Servers cut only at keyframes (monitor.models.cutting). With keyframes every K seconds, nginx-rtmp, SRS and
MediaMTX cut at the first keyframe at least F after the previous cut, so every segment lasts
``ceil(F/K)·K``: equal durations. FFmpeg cuts at the first keyframe at or after each multiple of
``hls_time`` (a grid anchored at the first packet), so a K that does not divide T gives durations that
alternate around T (T = 3 s, K = 2 s: 4, 2, 4, 2). The inference simulates the profile's own rule for
each candidate K and keeps those that reproduce the observed repeating pattern.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from monitor.models.base import ServerProfile
from monitor.models.cutting import steady_pattern
from monitor.models.units import fmt_s
from monitor.records import SegmentLifecycle

#: Observed EXTINFs within this of each other are the same duration (timestamps, 3-decimal rounding).
DURATION_TOLERANCE_S = 0.1
_SIMULATED = 60
_MAX_PERIOD = 8


def observed_pattern(durations: Sequence[float], tol: float = DURATION_TOLERANCE_S) -> tuple[float, ...] | None:
    """The shortest repeating pattern of ``durations`` (each phase averaged), seen at least twice in full.

    None when the durations do not repeat (too few, or irregular)."""
    for period in range(1, min(_MAX_PERIOD, len(durations) // 2) + 1):
        if all(abs(durations[i] - durations[i % period]) <= tol for i in range(len(durations))):
            phases = [durations[j::period] for j in range(period)]
            return tuple(round(sum(p) / len(p), 3) for p in phases)
    return None


def same_cycle(a: Sequence[float], b: Sequence[float], tol: float = DURATION_TOLERANCE_S) -> bool:
    """True when ``b`` is a rotation of ``a`` (the observed phase is arbitrary)."""
    if len(a) != len(b):
        return False
    return any(all(abs(a[i] - b[(i + r) % len(b)]) <= tol for i in range(len(a))) for r in range(len(b)))


def _candidates(pattern: Sequence[float]) -> list[float]:
    """Keyframe intervals worth simulating: the durations, their sums over the cycle and their divisors."""
    values = {round(d / n, 3) for d in (*pattern, sum(pattern)) for n in range(1, 9)}
    values |= {q / 4 for q in range(1, int(4 * max(pattern)) + 1)}
    return sorted((v for v in values if v >= 0.1), reverse=True)


def keyframe_intervals(profile: ServerProfile, pattern: Sequence[float]) -> list[float]:
    """Every fixed keyframe interval that makes ``profile`` cut ``pattern`` (longest first); [] when none."""
    found = []
    for keyint in _candidates(pattern):
        cuts = dataclasses.replace(profile, keyint_s=keyint).cuts(_SIMULATED)
        simulated = steady_pattern([d for _, d, _ in cuts])
        if same_cycle(pattern, simulated):
            found.append(keyint)
    return found


def steady_durations(lives: Sequence[SegmentLifecycle]) -> list[float]:
    """EXTINFs of the longest run of consecutive MSNs without a discontinuity (a cutting pattern's evidence)."""
    best: list[float] = []
    run: list[float] = []
    previous: int | None = None
    for life in lives:
        if life.discontinuity or (previous is not None and life.msn != previous + 1):
            run = []
        if not life.discontinuity:
            run.append(life.extinf)
        previous = life.msn
        if len(run) > len(best):
            best = list(run)
    return best


def durations_words(pattern: Sequence[float]) -> str:
    """``4/2 s``, ``3 s``."""
    return "/".join(fmt_s(d).removesuffix(" s") for d in pattern) + " s"
