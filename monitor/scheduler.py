"""When to reload a playlist and when to probe a removed segment (pure policies, injected times).

* :class:`RfcPlanner` — the RFC 8216 §6.3.4 client rule players follow (the benchmark baseline): after a
  changed playlist wait one target duration, after an unchanged one half of it, measured from the start
  of the previous load.
* :class:`FastPlanner` — learns the publishing cadence (segment arrival instants) and polls densely
  (every ``step_s``) only around the expected arrival of the next segment, idle otherwise. Its first
  poll of a window goes out one step after the earliest plausible arrival (``predicted − lead``), so a
  segment arriving on time is seen by one request and none arrives more than one step before it is
  seen; every ``calibrate_every``-th segment the window starts at ``predicted − lead`` instead, which
  brackets the arrival and keeps the cadence estimate honest. When the prediction fails it widens its
  polling with back-off, so a stall costs few requests.
* :class:`DeletionPlanner` — which removed segment to probe next and when: the oldest one not yet gone
  (servers delete in order). It learns when deletions happen (periodic cleaner ticks, a fixed lifetime
  after first appearance, or a fixed lag after leaving the playlist) and probes densely around the
  predicted instant; before it has learned, it probes at a modest rate. A server-specific prior
  (``period_hint``: nginx-rtmp's cleaner runs every 2 × playlist length) predicts the next batch from the
  first one observed; within a batch it jumps to the expected boundary (the previous batch's size). A
  token bucket bounds the probe rate; an optional second one, charged by every request of the endpoint
  (``request_budget_per_s``), bounds its total rate.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections import deque
from dataclasses import dataclass

from monitor.records import SegmentLifecycle


def _percentile(values: list[float], q: float) -> float:
    vals = sorted(values)
    if not vals:
        return 0.0
    idx = min(len(vals) - 1, max(0, round(q * (len(vals) - 1))))
    return vals[idx]


@dataclass(frozen=True, kw_only=True)
class PollOutcome:
    """What one playlist request showed, as the planners need it."""

    sent: float
    first_byte: float | None
    ok: bool  # parsed a media playlist
    changed: bool = False  # new version (sha differs)
    new_segments: int = 0
    arrival: float | None = None  # estimated instant the newest segment appeared (when new_segments)
    arrival_width: float | None = None
    target_duration: float | None = None
    last_duration: float | None = None  # EXTINF of the newest segment
    endlist: bool = False


class RfcPlanner:
    """RFC 8216 §6.3.4: TD after a changed (or first) load, TD/2 after an unchanged one."""

    name = "rfc"

    def __init__(self, default_td: float = 6.0) -> None:
        self._next = 0.0
        self._td = default_td
        self._errors = 0

    def next_poll_at(self) -> float:
        return self._next

    def after_poll(self, out: PollOutcome) -> None:
        if out.target_duration:
            self._td = out.target_duration
        if not out.ok:
            self._errors += 1
            self._next = out.sent + min(10.0, max(self._td / 2, 0.5 * 2 ** min(self._errors - 1, 5)))
            return
        self._errors = 0
        self._next = out.sent + (self._td if out.changed else self._td / 2)


class FastPlanner:
    """Cadence-learning planner: dense polling around the predicted arrival, idle in between."""

    name = "fast"

    def __init__(
        self,
        *,
        step_s: float = 0.06,
        min_lead_s: float = 0.04,
        max_lead_s: float = 0.6,
        default_td: float = 6.0,
        calibrate_every: int = 3,
    ) -> None:
        self.step_s = step_s
        self.min_lead_s = min_lead_s
        self.max_lead_s = max_lead_s
        self.calibrate_every = max(1, calibrate_every)
        self._td = default_td
        self._next = 0.0
        self._arrivals: deque[float] = deque(maxlen=12)  # precise arrival estimates
        self._intervals: deque[float] = deque(maxlen=12)
        self._residuals: deque[float] = deque(maxlen=30)
        self._last_arrival: float | None = None
        self._last_arrival_precise = False
        self._last_precise: float | None = None  # the last precisely bracketed arrival
        self._since_precise = 0  # segments seen since then
        self._last_duration: float | None = None
        self._predicted: float | None = None
        self._misses = 0
        self._errors = 0
        self._unlearned_since: float | None = None  # first poll while nothing was learned yet

    # -- public ---------------------------------------------------------------------------------------
    def next_poll_at(self) -> float:
        return self._next

    @property
    def predicted_arrival(self) -> float | None:
        return self._predicted

    def after_poll(self, out: PollOutcome) -> None:
        if out.target_duration:
            self._td = out.target_duration
        now = out.first_byte if out.first_byte is not None else out.sent
        if not out.ok:
            self._errors += 1
            self._next = now + min(10.0, 0.25 * 2 ** min(self._errors - 1, 6))
            return
        self._errors = 0
        if out.endlist:
            self._next = now + max(self._td, 1.0)
            return
        if out.new_segments and out.arrival is not None:
            self._learn(out)
        self._plan(now)

    # -- internals ------------------------------------------------------------------------------------
    def _learn(self, out: PollOutcome) -> None:
        width = out.arrival_width or 0.0
        lo, hi = out.arrival - width / 2, out.arrival + width / 2
        precise = width <= max(0.3, 3 * self.step_s)
        predicted = self._predicted
        if precise:
            arrival = out.arrival
            if predicted is not None:
                self._residuals.append(arrival - predicted)
        elif predicted is not None:
            # Seen by the first poll of a dense window: it came earlier than we looked. The most likely
            # instant is the predicted one if the window allows it; widen the lead by what we know.
            arrival = min(hi, max(lo, predicted))
            if hi < predicted:
                self._residuals.append(hi - predicted - self.step_s / 2)
        else:
            arrival = out.arrival
        self._since_precise += max(1, out.new_segments)
        if precise:
            # Intervals also span the segments seen by a late-started window (one per calibration).
            n = self._since_precise
            if self._last_precise is not None and n <= 4:
                interval = (arrival - self._last_precise) / n
                if 0.05 < interval < 3 * self._td:
                    self._intervals.append(interval)
            self._last_precise = arrival
            self._since_precise = 0
        self._last_arrival = arrival
        self._last_arrival_precise = precise
        self._last_duration = out.last_duration
        self._misses = 0
        self._predicted = arrival + self._expected_interval()

    def _expected_interval(self) -> float:
        if len(self._intervals) >= 3:
            return statistics.median(self._intervals)
        if self._last_duration:
            return self._last_duration
        return self._td

    def _lead(self) -> float:
        if len(self._residuals) < 3:
            return min(self.max_lead_s, max(0.15, self.min_lead_s))
        spread = _percentile([abs(r) for r in self._residuals], 0.9)
        return min(self.max_lead_s, max(self.min_lead_s, spread + 0.02))

    def _calibrating(self) -> bool:
        """Start this window early enough to bracket the arrival (residuals, cadence)?"""
        return len(self._residuals) < 3 or self._since_precise >= self.calibrate_every - 1

    def _plan(self, now: float) -> None:
        if self._predicted is None:
            # Nothing learned yet: poll densely until the first change shows the phase; a playlist that has
            # not changed for 1.5 x TD (a frozen CDN copy: 10 req/s for hours) is polled every TD/2.
            if self._unlearned_since is None:
                self._unlearned_since = now
            dense = now - self._unlearned_since <= 1.5 * self._td
            self._next = now + (max(self.step_s, 0.1) if dense else max(self._td / 2, self.step_s))
            return
        lead = self._lead()
        start = self._predicted - lead
        if not self._calibrating():
            start += self.step_s  # an arrival at the earliest plausible instant is still seen within a step
        if now < start:
            self._next = start
            return
        late = now - (self._predicted + max(lead, self.step_s))
        if late <= 0:
            self._next = now + self.step_s
            return
        # Prediction failed: back off (step x 1.5 per miss) up to TD/2 — a stalled stream costs little.
        self._misses += 1
        self._next = now + min(max(self._td / 2, self.step_s), self.step_s * 1.5**self._misses)


class TokenBucket:
    """Bounds the extra request rate of deletion probes: ``rate`` per second, bursts up to ``burst``."""

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = burst
        self._t = now

    def _refill(self, now: float) -> None:
        self._tokens = min(self.burst, self._tokens + (now - self._t) * self.rate)
        self._t = now

    def take(self, now: float) -> bool:
        self._refill(now)
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False

    def charge(self, now: float) -> None:
        """Account for a request that is never held back (a playlist reload): the balance may go
        negative (down to −burst), which then delays what does wait for tokens."""
        self._refill(now)
        self._tokens = max(-self.burst, self._tokens - 1.0)

    def ready_at(self, now: float) -> float:
        self._refill(now)
        if self._tokens >= 1.0 or self.rate <= 0:
            return now
        return now + (1.0 - self._tokens) / self.rate


MAX_BUDGET_WAIT_S = 5.0  # the request budget never delays a deletion probe longer than this


class DeletionPlanner:
    """Plans probes of removed segments; learns when this server deletes."""

    def __init__(
        self,
        *,
        rate: float = 1.0,
        burst: float = 60.0,
        learn_step_s: float = 0.25,
        dense_step_s: float = 0.15,
        idle_step_s: float = 2.0,
        limit_s: float = 300.0,
        now: float = 0.0,
        budget_per_s: float | None = None,
        budget_burst: float = 60.0,
    ) -> None:
        self.bucket = TokenBucket(rate, burst, now)
        # Every request of the endpoint is charged here (playlist reloads included, see charge()); probes
        # wait for it, so the endpoint's total request rate stays at or below budget_per_s in the long run.
        self.budget = TokenBucket(budget_per_s, budget_burst, now) if budget_per_s else None
        self.period_hint: float | None = None  # prior cleaner period (s), e.g. nginx-rtmp: 2 x playlist length
        self.learn_step_s = learn_step_s
        self.dense_step_s = dense_step_s
        self.idle_step_s = idle_step_s
        self.limit_s = limit_s
        self._gone: list[SegmentLifecycle] = []
        self._batches: list[float] = []  # instants of deletion batches (gone window mid of the first member)
        self._batch_sizes: list[int] = []
        self._batch_youngest: list[float] = []  # latest first-seen among each batch's members
        self._batch_widths: list[float] = []  # gone-window width of each batch's first member
        self._guess: int | None = None  # in the current chain: the MSN expected to be the batch's youngest
        self._last_probe: float = -1e9
        self._chain = False  # the last probe found a segment gone: probe the next one at once
        self._anchor: SegmentLifecycle | None = None  # the last segment found gone in the current chain
        self._alive_from: int | None = None  # in the current chain: this MSN (and younger) still answer

    def note_gone(self, life: SegmentLifecycle) -> None:
        assert life.gone is not None
        self._gone.append(life)
        gone = life.gone
        new_chain = not life.gone_inferred and (
            not self._chain or (self._alive_from is not None and life.msn >= self._alive_from)
        )
        t = gone.mid
        new_batch = not self._batches or t - self._batches[-1] > 1.0
        if new_batch:
            self._batches.append(t)
            self._batch_sizes.append(0)
            self._batch_youngest.append(-math.inf)
            self._batch_widths.append(min(gone.width, 1.0))
        self._batch_sizes[-1] += 1
        if not life.initial:
            self._batch_youngest[-1] = max(self._batch_youngest[-1], life.first_seen.mid)
        if life.gone_inferred:
            return
        if new_chain:
            self._alive_from = None  # a new chain (the old bound is stale)
            # The previous batch deleted n segments: expect this one to end n − 1 after its first member.
            prev = self._batch_sizes[-2] if new_batch and len(self._batch_sizes) >= 2 else 0
            if new_batch and not prev and self.period_hint and life.extinf > 0:
                prev = round(self.period_hint / life.extinf)  # first batch: one period of segments
            self._guess = life.msn + prev - 1 if prev > 1 else None
        self._chain = True
        self._anchor = life

    @property
    def anchor(self) -> SegmentLifecycle | None:
        """While chaining after a deletion: the segment found gone last (younger ones went after it)."""
        return self._anchor if self._chain else None

    def _bisecting(self) -> bool:
        """Batch deleter (the previous batch removed several at once): look for the youngest gone
        segment by bisection instead of walking one by one (fewer probes)."""
        return len(self._batch_sizes) >= 2 and self._batch_sizes[-2] > 1

    def _chain_target(self, candidates: list[SegmentLifecycle]) -> SegmentLifecycle | None:
        below = [c for c in candidates if self._alive_from is None or c.msn < self._alive_from]
        if not below:
            self._end_chain()
            return None
        if self._guess is not None:
            # Walk from the expected boundary: its neighbour decides (gone → the next younger, alive → older).
            t = self._guess
            if self._anchor is not None and t <= self._anchor.msn:
                t = self._anchor.msn + 1
            if self._alive_from is not None and t >= self._alive_from:
                t = self._alive_from - 1
            chosen = next((c for c in below if c.msn == t), None)
            if chosen is None and t > below[-1].msn:
                chosen = below[-1]  # the boundary lies beyond the removed ones: are they all gone?
            if chosen is not None:
                return chosen
        if self._bisecting() and len(below) > 1:
            return below[-1] if self._alive_from is None else below[len(below) // 2]
        return below[0]

    def _end_chain(self) -> None:
        self._chain = False
        self._anchor = None
        self._alive_from = None
        self._guess = None

    def _age_period_hypothesis(self, target: SegmentLifecycle, now: float) -> tuple[float, float] | None:
        """After one batch deletion: guess that the cleaner runs every "age threshold" (nginx-rtmp's
        cleaner runs every 2 x playlist length and deletes files older than that). The threshold lies in
        [batch − youngest deleted first seen − segment duration, batch − youngest deleted first seen].
        Only a guess to probe densely in one short window; if nothing goes then, it is dropped."""
        if len(self._batches) != 1 or self._batch_sizes[0] < 2 or self._batch_youngest[0] == -math.inf:
            return None
        age = self._batches[0] - self._batch_youngest[0]
        half = max(target.extinf, 0.5) / 2
        when = self._batches[0] + age - half
        if now > when + half + 0.7:
            return None
        return when, half

    def _hinted_tick(self, now: float) -> tuple[float, float, float] | None:
        """With a prior cleaner period: the next tick after the last batch seen, as (spread, when, lead)."""
        if not self.period_hint or not self._batches:
            return None
        extinf = self._gone[-1].extinf if self._gone else 0.0
        expected = self.period_hint / extinf if extinf > 0 else 2.0
        if self._batch_sizes[-1] < max(2.0, 0.75 * expected):
            return None  # a cleaner batch removes about a period's worth of segments: not this server
        spread = min(0.5, self._batch_widths[-1] / 2) + 0.05
        nxt = self._batches[-1] + self.period_hint
        while nxt + max(0.1, spread + 0.05) + 0.5 < now:
            nxt += self.period_hint
        return spread, nxt, spread

    @property
    def last_probe(self) -> float:
        return self._last_probe

    def note_probe(self, now: float, gone: bool, msn: int | None = None) -> None:
        self._last_probe = now
        if not gone:
            if self._chain and msn is not None:
                self._alive_from = msn if self._alive_from is None else min(self._alive_from, msn)
            else:
                self._end_chain()

    def predict(self, target: SegmentLifecycle, now: float) -> tuple[float, float] | None:
        """(predicted deletion instant, uncertainty) from the best-fitting model, or None."""
        candidates: list[tuple[float, float, float]] = []  # (spread, prediction, lead)
        batches = self._batches[-8:]
        if len(batches) >= 2:
            diffs = [b - a for a, b in itertools.pairwise(batches)]
            period = statistics.median(diffs)
            if period > 0.5:
                spread = max(abs(d - period * max(1, round(d / period))) for d in diffs)
                nxt = batches[-1] + period
                while nxt + max(0.1, spread + 0.05) + 0.5 < now:
                    nxt += period
                candidates.append((spread, nxt, spread))
        recent = self._gone[-12:]
        lifetimes = [g.gone.mid - g.first_seen.mid for g in recent if g.gone and not g.initial]
        if len(lifetimes) >= 3 and not target.initial:
            med = statistics.median(lifetimes)
            spread = _percentile([abs(v - med) for v in lifetimes], 0.9)
            candidates.append((spread, target.first_seen.mid + med, spread))
        lags = [g.gone.mid - g.left.mid for g in recent if g.gone and g.left]
        if len(lags) >= 3 and target.left is not None:
            med = statistics.median(lags)
            spread = _percentile([abs(v - med) for v in lags], 0.9)
            candidates.append((spread, target.left.mid + med, spread))
        hinted = self._hinted_tick(now)
        if hinted is not None and len(batches) < 2:
            candidates.append(hinted)
        good = [c for c in candidates if c[0] < 1.0]
        if not good:
            return self._age_period_hypothesis(target, now)
        spread, when, _ = min(good)
        return when, spread

    def next_probe(
        self, candidates: list[SegmentLifecycle], now: float, playlist_s: float = 0.0
    ) -> tuple[float, SegmentLifecycle] | None:
        """When to probe which segment (the oldest not yet gone), or None when there is nothing to do.

        Before a deletion model is learned, probe every ``learn_step_s`` once the RFC 8216 §6.2.2
        deadline (left + duration + playlist duration) is near, and every ``idle_step_s`` before (early
        deletions are still caught, with less precision).
        """
        if not candidates:
            self._end_chain()
            return None
        target = candidates[0]
        chained = self._chain_target(candidates) if self._chain else None
        if chained is not None:
            target, at = chained, now
        else:
            pred = self.predict(target, now)
            if pred is not None and now > pred[0] + max(0.1, pred[1] + 0.05) + 0.5:
                pred = None  # the predicted instant passed without a deletion: learn again
            if pred is None:
                deadline = (target.left.lo if target.left else target.first_seen.hi) + target.extinf + playlist_s
                step = self.learn_step_s if now >= deadline - 1.0 else self.idle_step_s / 2
                at = min(self._last_probe + step, max(deadline - 1.0, self._last_probe + self.learn_step_s))
            else:
                when, spread = pred
                lead = max(0.1, spread + 0.05)
                # Dense probing from the earliest plausible instant (a probe before the deletion brackets
                # the batch instant, which keeps the period estimate sharp).
                at = when - lead if now < when - lead else self._last_probe + self.dense_step_s
        return max(at, self.ready_at(now)), target

    def _budget_ready_at(self, now: float) -> float:
        """The endpoint budget holds back probes, except those resolving a deletion batch just found (a
        handful, and they are charged) and one every MAX_BUDGET_WAIT_S (reloads alone may exceed it)."""
        if self.budget is None or self._chain:
            return now
        return min(self.budget.ready_at(now), max(now, self._last_probe + MAX_BUDGET_WAIT_S))

    def ready_at(self, now: float) -> float:
        """Earliest instant a probe may go out (the probe bucket and the endpoint budget)."""
        return max(self.bucket.ready_at(now), self._budget_ready_at(now))

    def take(self, now: float) -> bool:
        """Spend a token for a probe (from the probe bucket; the endpoint budget is charged), if allowed."""
        if self._budget_ready_at(now) > now or not self.bucket.take(now):
            return False
        if self.budget is not None:
            self.budget.charge(now)
        return True

    def charge(self, now: float) -> None:
        """Account for a request that does not wait for tokens (playlist reload, segment HEAD)."""
        if self.budget is not None:
            self.budget.charge(now)

    def expired(self, life: SegmentLifecycle, now: float) -> bool:
        ref = life.left.hi if life.left else life.first_seen.hi
        return now - ref > self.limit_s
