"""One request budget per endpoint, and the sanity bounds every planner applies to its inputs (pure).

Every request the monitor sends to an endpoint (playlist reloads, the HEAD of each new segment, deletion
probes) is charged to one token bucket. The default rate is a function of the segment cadence D, the
target duration TD or, when the segments are shorter (TD is an integer: 0.5 s segments have TD 1), the
median of the recent EXTINFs:

    default_budget_per_s(D) = min(6, 3 / max(D, 0.5 s))      (1.5/s for 2 s segments, 0.5/s for 6 s)

that is three requests per segment: a reload, a share of calibration reloads and deletion probes, and the
HEAD of the new segment. ``--request-budget R`` (``MonitorConfig.request_budget_per_s``) sets it to R
instead (a lower value caps what the monitor sends; a higher one buys precision on short segments).
The bucket holds at most ``BURST`` tokens (enough for one dense reload window) and starts with
``START_TOKENS``, so the budget holds from the first second.

Priorities inside the budget: a request of a kind goes out only when the bucket holds its threshold. A
reload may overdraw the bucket by ``OVERDRAFT`` tokens (a dense window around an expected arrival is
never cut in the middle), a HEAD needs one whole token, a deletion probe two (one kept for the next HEAD):
reloads come first, then HEADs of new segments, then deletion probes, and whatever the reloads overdraw
is paid back by the others waiting. From the start an endpoint sends at most 1 + rate × T requests in
its first T seconds, and over any later stretch at most rate × T + BURST + OVERDRAFT. One exception
keeps monitoring alive whatever the budget: a playlist is reloaded at least every
``reload_bound_s(TD)`` = 1.5 × max(TD, 1 s), even when that overdraws the bucket (a tiny
``--request-budget``).
"""

from __future__ import annotations

import math
import threading

from monitor.records import RequestKind

MIN_DURATION_S = 0.05  # shorter EXTINF/TD values are not a cadence (LL-HLS parts are ~0.2 s)
MAX_DURATION_S = 60.0  # longer ones are treated as this (1e6, 1e308 or inf must never stop reloads)
MAX_WAIT_S = min(3600.0, threading.TIMEOUT_MAX)  # no planner ever waits longer than this

BURST = 4.0  # tokens held at most (saved while idle)
OVERDRAFT = 3.0  # a dense reload window may borrow this much
START_TOKENS = 1.0 - OVERDRAFT  # the first reload goes at once; nothing saved or borrowed at the start
THRESHOLD = {RequestKind.PLAYLIST: 1.0 - OVERDRAFT, RequestKind.SEGMENT: 1.0, RequestKind.PROBE: 2.0}
URGENT_PROBE_THRESHOLD = -1.0  # a probe that times a deletion may borrow two tokens (a few per cleaner tick)


def bounded_duration(value: float | None) -> float | None:
    """A sane EXTINF/target duration in [MIN_DURATION_S, MAX_DURATION_S], or None when it is unusable."""
    if value is None or math.isnan(value) or value <= 0:
        return None
    return min(MAX_DURATION_S, max(MIN_DURATION_S, value))


def reload_bound_s(target_duration: float | None) -> float:
    """The longest gap between two reloads of a live playlist: 1.5 × max(TD, 1 s)."""
    td = bounded_duration(target_duration) or 1.0
    return 1.5 * max(td, 1.0)


def default_budget_per_s(cadence_s: float | None) -> float:
    """Three requests per segment duration, at most 6 per second (1.5/s for 2 s segments)."""
    d = bounded_duration(cadence_s) or 2.0
    return min(6.0, 3.0 / max(d, 0.5))


def clamp_wait(now: float, at: float, bound: float = MAX_WAIT_S) -> float:
    """``at`` as an instant in [now, now + bound] (NaN counts as now)."""
    if math.isnan(at):
        return now
    return min(max(at, now), now + min(bound, MAX_WAIT_S))


EPSILON = 1e-9  # tokens: a refill computed from float instants may fall short by rounding


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` held; the balance may be overdrawn by ``charge``."""

    def __init__(self, rate: float, burst: float, now: float, tokens: float | None = None) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = burst if tokens is None else min(burst, tokens)
        self._t = now

    @property
    def tokens(self) -> float:
        return self._tokens

    def _refill(self, now: float) -> None:
        if now > self._t:
            self._tokens = min(self.burst, self._tokens + (now - self._t) * self.rate)
            self._t = now

    def available(self, now: float) -> float:
        self._refill(now)
        return self._tokens

    def take(self, now: float) -> bool:
        self._refill(now)
        if self._tokens >= 1.0 - EPSILON:
            self._tokens -= 1.0
            return True
        return False

    def charge(self, now: float) -> None:
        """Account for a request that went out: the balance may go negative (a debt the others pay back)."""
        self._refill(now)
        self._tokens -= 1.0

    def ready_at(self, now: float, need: float = 1.0) -> float:
        """Earliest instant the bucket holds ``need`` tokens (bounded: never past MAX_WAIT_S)."""
        self._refill(now)
        if self._tokens >= need - EPSILON:
            return now
        if self.rate <= 0 or need > self.burst:
            return now + MAX_WAIT_S
        if not math.isfinite(self._tokens):
            return now
        return now + min(MAX_WAIT_S, (need - self._tokens) / self.rate)


class RequestBudget:
    """The request budget of one endpoint. Owned by the poller thread."""

    def __init__(self, now: float, per_s: float | None = None) -> None:
        self.per_s = per_s if per_s and per_s > 0 and math.isfinite(per_s) else None
        self.start = now
        self._td: float | None = None
        self._cadence: float | None = None
        self.bucket = TokenBucket(self.rate, BURST, now, tokens=START_TOKENS)
        self.last_reload: float | None = None

    @property
    def rate(self) -> float:
        """Requests per second: ``--request-budget`` when given, else the default for the cadence."""
        return self.per_s or default_budget_per_s(self._cadence)

    def set_target_duration(self, target_duration: float | None, now: float, extinf: float | None = None) -> None:
        """The playlist's target duration and the typical EXTINF of its recent segments."""
        td = bounded_duration(target_duration)
        d = bounded_duration(extinf)
        cadence = min(td, d) if td is not None and d is not None else td or d
        if cadence is not None and (td, cadence) != (self._td, self._cadence):
            self.bucket.available(now)  # refill at the old rate up to now
            self._td = td if td is not None else self._td
            self._cadence = cadence
            self.bucket.rate = self.rate

    def ready_at(self, kind: RequestKind, now: float, urgent: bool = False) -> float:
        """Earliest instant a request of ``kind`` fits the budget (keeping the higher priorities' reserve).
        ``urgent``: a deletion probe that times a deletion (it may borrow a token, as a reload may)."""
        need = URGENT_PROBE_THRESHOLD if urgent and kind == RequestKind.PROBE else THRESHOLD[kind]
        return self.bucket.ready_at(now, need)

    def reload_at(self, planned: float, now: float) -> float:
        """When the next reload goes out: as planned, when the budget allows, and never later than the
        reload bound after the previous one."""
        at = max(planned, self.ready_at(RequestKind.PLAYLIST, now))
        if self.last_reload is not None:
            at = min(at, self.last_reload + reload_bound_s(self._td))
        return clamp_wait(now, at)

    def charge(self, kind: RequestKind, now: float) -> None:
        """Account for a request that went out (every request is charged, whatever its priority; the count
        by kind is MeasureAggregator's)."""
        self.bucket.charge(now)
        if kind == RequestKind.PLAYLIST:
            self.last_reload = now
