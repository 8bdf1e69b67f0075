"""Where the ticks of a periodic cleaner fall, learned from every deletion-probe answer (pure).

nginx-rtmp's cleaner runs every ``period`` (2 × hls_playlist_length) and deletes the files older than
``age`` (the same 2 × hls_playlist_length; whole seconds). A segment first seen at f is therefore deleted
at the first tick at or after its due instant f + age. Which phase the ticks have is kept as a set of
feasible phases (bins of ``RES_S``): a probe that finds a segment still there rules out every phase that
would have deleted it by then, one that finds it gone every phase that could not have. Probes are placed
to halve the feasible set (a bisection, one probe per tick at most) until the phase is known within a
step; then one probe just after each predicted tick finds each batch. When the answers contradict every
phase (a tick missed, a wrong prior), the set starts over: a bounded cost, never a fallback to dense
probing; after ``MAX_RESETS`` contradictions, or a file deleted younger than ``age``, the prior is dropped.
"""

from __future__ import annotations

import bisect
import math

RES_S = 0.05  # phase resolution
DUE_SLACK_S = 1.0  # the cleaner compares whole seconds
MARGIN_S = 0.03  # a probe goes out this long after the latest predicted tick
MAX_RESETS = 3
MAX_BINS = 4800  # a longer period gets coarser phases (bounded work per probe)


class CleanerPhase:
    """The feasible phases of a cleaner that runs every ``period`` and deletes files older than ``age``."""

    def __init__(self, period: float, age: float | None = None) -> None:
        self.period = period
        self.age = period if age is None else age
        self._bins = max(1, min(MAX_BINS, round(period / RES_S)))
        self._res = period / self._bins
        self._feasible = [True] * self._bins
        self._cache: list[float] | None = None
        self.resets = 0

    @property
    def usable(self) -> bool:
        return self.resets < MAX_RESETS

    def _phases(self) -> list[float]:
        if self._cache is None:
            self._cache = [i * self.period / self._bins for i, ok in enumerate(self._feasible) if ok]
        return self._cache

    def _ticks(self, t: float) -> tuple[float, float, float] | None:
        """Over the feasible phases, the first tick at or after ``t``: the earliest, median and latest."""
        phases = self._phases()
        n = len(phases)
        if not n:
            return None
        base = math.floor(t / self.period) * self.period
        k = bisect.bisect_left(phases, t - base - 1e-9)  # these phases tick in this period, the others next

        def nth(j: int) -> float:
            i = k + j
            return base + phases[i % n] + (self.period if i >= n else 0.0)

        return nth(0), nth(n // 2), nth(n - 1)

    def _tick_at_or_after(self, t: float, phase: float) -> float:
        return phase + math.ceil((t - phase) / self.period - 1e-9) * self.period

    def _due(self, first_seen_lo: float, first_seen_hi: float) -> tuple[float, float]:
        return first_seen_lo + self.age - DUE_SLACK_S, first_seen_hi + self.age + DUE_SLACK_S

    def note(
        self, first_seen_lo: float, first_seen_hi: float, *, alive_at: float | None = None, gone_at: float | None = None
    ) -> None:
        """The segment (first seen in the given window) was still there at ``alive_at`` and/or gone at
        ``gone_at``: keep the phases that agree."""
        due_lo, due_hi = self._due(first_seen_lo, first_seen_hi)
        self._cache = None
        if gone_at is not None and gone_at < due_lo - self._res:
            self.resets = MAX_RESETS  # deleted younger than the cleaner's age: not such a cleaner at all
            return
        for i, ok in enumerate(self._feasible):
            if not ok:
                continue
            phase = i * self.period / self._bins
            if gone_at is not None and self._tick_at_or_after(due_lo, phase) > gone_at + self._res / 2:
                self._feasible[i] = False
            if alive_at is not None and self._tick_at_or_after(due_hi, phase) <= alive_at - self._res / 2:
                self._feasible[i] = False
        if not any(self._feasible):  # every phase contradicted: start over (bounded)
            self._feasible = [True] * self._bins
            self.resets += 1

    def probe_at(
        self, first_seen_lo: float, first_seen_hi: float, alive_at: float | None, now: float
    ) -> tuple[float, bool]:
        """When to probe a segment (first seen in the given window, last found there at ``alive_at``): just
        after the next tick that may delete it once the phase is known (True: a tick probe), else at the
        instant that halves the feasible phases (False: a learning probe)."""
        due_lo, _ = self._due(first_seen_lo, first_seen_hi)
        after = max(due_lo, alive_at - self._res / 2 if alive_at is not None else -math.inf)  # as note() tolerates
        ticks = self._ticks(after)
        if ticks is None:
            return now, False
        first, median, last = ticks
        if last - first <= 3 * self._res + 1e-6:
            return max(now, last + MARGIN_S), True
        return max(now, median), False

    def surely_gone(self, first_seen_lo: float, first_seen_hi: float, at: float) -> bool:
        """Whatever the feasible phase, a tick deleted the segment by ``at``."""
        _, due_hi = self._due(first_seen_lo, first_seen_hi)
        ticks = self._ticks(due_hi)
        return ticks is not None and ticks[2] <= at
