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
  token bucket bounds the probe rate; the endpoint's total (monitor.budget.RequestBudget) is the poller's.

Every input is sanity-bounded (monitor.budget.bounded_duration) and every planned instant lies in
[now, now + 1.5 × max(TD, 1 s)] for playlist reloads.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, replace

from monitor.budget import TokenBucket, bounded_duration, clamp_wait, reload_bound_s
from monitor.cleaner import CleanerPhase
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
    new_durations: tuple[float, ...] = ()  # EXTINF of every new segment, oldest first
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
        self._td = bounded_duration(out.target_duration) or self._td
        bound = reload_bound_s(self._td)
        if not out.ok:
            self._errors += 1
            backoff = max(self._td / 2, 0.5 * 2 ** min(self._errors - 1, 5))
            self._next = clamp_wait(out.sent, out.sent + backoff, bound)
            return
        self._errors = 0
        self._next = clamp_wait(out.sent, out.sent + (self._td if out.changed else self._td / 2), bound)


def predict_durations(durations: Sequence[float], count: int = 1, max_period: int = 8) -> list[float]:
    """The next ``count`` EXTINF values, from the periodic pattern of the recent ones.

    The shortest period p for which every recent duration repeats the one p before it (period 1:
    constant durations; period 2: GOP cuts alternating 4 s and 2 s; ...) continues the sequence; without
    one, the median of the recent durations stands for each."""
    d = list(durations)
    n = len(d)
    if not n:
        return []
    for p in range(1, min(max_period, n - 1) + 1):
        span = min(n - p, max(2 * p, 4))
        if all(abs(d[i] - d[i - p]) <= max(0.05, 0.03 * d[i]) for i in range(n - span, n)):
            return [d[n - p + (k % p)] for k in range(count)]
    return [statistics.median(d[-8:])] * count


class FastPlanner:
    """Cadence-learning planner: dense polling around the predicted arrival, idle in between.

    The next arrival is predicted by two models, and the one that predicted the recent precise arrivals
    better is used: the EXTINF pattern (a segment appears one duration after the previous one, and the
    next duration continues the periodic pattern of the recent ones) and the median interval between
    arrivals (a server whose cadence does not follow its EXTINF). When an arrival does not come, the
    prediction moves to the next beat (up to ``MAX_SKIPPED_BEATS``) with coarse polls in between, then
    backs off. Every input is sanity-bounded and every wait is at most 1.5 × max(TD, 1 s)."""

    name = "fast"
    MAX_SKIPPED_BEATS = 2

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
        self._td = bounded_duration(default_td) or 6.0
        self._next = 0.0
        self._intervals: deque[float] = deque(maxlen=12)
        self._durations: deque[float] = deque(maxlen=32)  # EXTINF of each new segment, in order
        self._residuals: deque[float] = deque(maxlen=30)
        self._model_errors: dict[str, deque[float]] = {m: deque(maxlen=8) for m in ("pattern", "grid", "interval")}
        self._seq = 0  # segments whose EXTINF is known
        self._elapsed = 0.0  # their total EXTINF
        self._grid: dict[int, float] = {}  # segment number -> total EXTINF up to it (the recent ones)
        self._anchors: deque[tuple[int, float]] = deque(maxlen=6)  # (segment number, precise arrival)
        self._model_predictions: dict[str, float] = {}
        self._last_precise: float | None = None  # the last precisely bracketed arrival
        self._since_precise = 0  # segments seen since then
        self._predicted: float | None = None
        self._skipped = 0  # beats the prediction moved on since the last arrival
        self._sync_width = 0.0  # the last arrival is only known within this width: search that wide
        self._window_early = False  # the current window started at the earliest plausible arrival
        self._window_start = -math.inf
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
        td = bounded_duration(out.target_duration)
        if td is not None:
            self._td = td
        now = out.first_byte if out.first_byte is not None and math.isfinite(out.first_byte) else out.sent
        bound = reload_bound_s(self._td)
        if not out.ok:
            self._errors += 1
            self._next = clamp_wait(now, now + 0.25 * 2 ** min(self._errors - 1, 6), bound)
            return
        self._errors = 0
        if out.endlist:
            self._next = clamp_wait(now, now + max(self._td, 1.0), bound)
            return
        if out.new_segments:
            self._note_durations(out)
            if out.arrival is not None and math.isfinite(out.arrival):
                self._learn(out)
        self._plan(now)
        self._next = clamp_wait(now, self._next, bound)

    # -- internals ------------------------------------------------------------------------------------
    def _note_durations(self, out: PollOutcome) -> None:
        """Extend the EXTINF sequence (and its running sum, which maps arrivals onto one time grid)."""
        durations = [d for d in map(bounded_duration, out.new_durations) if d is not None]
        if not durations and out.last_duration is not None:
            durations = [d for d in (bounded_duration(out.last_duration),) if d is not None]
        if out.new_segments > len(durations) or not durations:
            self._anchors.clear()  # segments of unknown duration: earlier arrivals no longer map onto the grid
        for d in durations[-self._durations.maxlen :]:
            self._durations.append(d)
            self._seq += 1
            self._elapsed += d
            self._grid[self._seq] = self._elapsed
        while len(self._grid) > 64:
            del self._grid[next(iter(self._grid))]

    def _learn(self, out: PollOutcome) -> None:
        assert out.arrival is not None
        width = out.arrival_width if out.arrival_width is not None and math.isfinite(out.arrival_width) else 0.0
        lo, hi = out.arrival - width / 2, out.arrival + width / 2
        predicted = self._predicted if not self._skipped else None
        if self._sync_width > 0 and predicted is not None and lo < predicted - self._sync_width / 2 < hi:
            # A search: the arrival was known to lie within the searched interval, seen or not.
            lo = predicted - self._sync_width / 2
            width = hi - lo
            out = replace(out, arrival=(lo + hi) / 2, arrival_width=width)
        precise = width <= max(0.3, 3 * self.step_s)
        # Search the arrival (a window as wide as the uncertainty, halved at each segment) when it is
        # unknown: nothing predicted, already there at the first poll of a window that started early on
        # purpose, seen only after the window (late), or still being searched.
        early = predicted is not None and self._window_early and lo < self._window_start and hi < predicted
        late = predicted is not None and lo >= predicted - self.step_s  # a poll at the prediction missed it
        # a poll inside the window missed it and the next came late (held back by the request budget)
        gapped = not precise and lo >= self._window_start
        searching = predicted is None or early or late or gapped or self._sync_width > 0
        self._sync_width = min(width, self._td / 2) if not precise and searching else 0.0
        if (late or early) and not precise:
            self._residuals.append(max(0.0, lo - predicted) if late else hi - predicted)
            self._anchors.clear()  # the phase moved: earlier arrivals no longer tell the next ones
        if not precise and out.new_segments == 1:
            for model, when in self._model_predictions.items():
                if not lo <= when <= hi:  # the window rules this prediction out by at least this much
                    self._model_errors[model].append(min(abs(when - lo), abs(when - hi)))
        if precise:
            arrival = out.arrival
            if predicted is not None:
                self._residuals.append(arrival - predicted)
            if out.new_segments == 1:
                for model, when in self._model_predictions.items():
                    self._model_errors[model].append(abs(arrival - when))
        elif predicted is not None and not searching:
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
            if self._seq:
                self._anchors.append((self._seq, arrival))
        self._misses = 0
        self._skipped = 0
        self._model_predictions = self._predictions(arrival)
        best = self._best_model()
        self._predicted = self._model_predictions[best]
        if best == "grid":
            self._sync_width = 0.0  # the grid of earlier precise arrivals does not depend on this one

    def _predictions(self, arrival: float) -> dict[str, float]:
        out = {}
        durations = predict_durations(self._durations)
        if durations:
            # "last": one duration after the newest arrival; "grid": the same from each recent precise
            # arrival, through the durations listed since (the median ignores one late or early segment).
            out["pattern"] = arrival + durations[0]
            ahead = self._elapsed + durations[0]
            grid = [a + ahead - self._grid[i] for i, a in self._anchors if i in self._grid]
            if len(grid) >= 3:
                out["grid"] = statistics.median(grid)
        if len(self._intervals) >= 3:
            out["interval"] = arrival + statistics.median(self._intervals)
        if not out:
            out["pattern"] = arrival + self._td
        return out

    def _best_model(self) -> str:
        available = self._model_predictions
        scored = {m: statistics.median(self._model_errors[m]) for m in available if len(self._model_errors[m]) >= 2}
        if scored:  # on a tie the grid (one late segment does not move it), then the newest arrival
            order = ("grid", "pattern", "interval")
            return min(scored, key=lambda m: (round(scored[m], 3), order.index(m)))
        return "pattern" if "pattern" in available else next(iter(available))

    def _beat_after(self, skipped: int) -> float:
        """The interval from the beat that did not come to the next one."""
        if self._best_model() == "interval":
            return statistics.median(self._intervals)
        durations = predict_durations(self._durations, skipped + 1)
        return durations[-1] if durations else self._td

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
        search = self._sync_width > 0
        lead = self._lead() + self._sync_width / 2
        step = max(self.step_s, self._sync_width / 2)  # a search polls the middle, then the end
        # dense polls go on past the prediction by twice the lead: a late arrival within the jitter is
        # no missed beat
        late = now - (self._predicted + max(2 * lead, 3 * step))
        if late > 0 and self._skipped < self.MAX_SKIPPED_BEATS:
            # A missed beat: the segment may still come late, or the next one on time. Expect the next
            # beat and poll coarsely until its window.
            self._skipped += 1
            self._predicted += self._beat_after(self._skipped)
            late = now - (self._predicted + max(2 * lead, 3 * step))
        if late > 0:
            # A stall: back off (step x 1.5 per miss) up to TD/2, so a stalled stream costs little.
            self._misses += 1
            self._next = now + min(max(self._td / 2, self.step_s), self.step_s * 1.5 ** min(self._misses, 40))
            return
        start = self._predicted - (0.0 if search else lead)
        self._window_early = self._calibrating() or self._skipped > 0 or search
        if not self._window_early:
            start += self.step_s  # an arrival at the earliest plausible instant is still seen within a step
        self._window_start = start
        if now < start:
            coarse = max(self.step_s, min(self._td / 4, 0.5))
            self._next = min(start, now + coarse) if self._skipped else start
            return
        self._next = now + step


MAX_CLEANER_PERIOD_S = 3600.0  # a longer cleaner period prior is no cleaner worth timing


class DeletionPlanner:
    """Plans probes of removed segments; learns when this server deletes."""

    def __init__(
        self,
        *,
        rate: float = 1.0,
        burst: float = 4.0,
        learn_step_s: float = 0.25,
        dense_step_s: float = 0.15,
        idle_step_s: float = 2.0,
        limit_s: float = 300.0,
        now: float = 0.0,
    ) -> None:
        # Bounds the probe rate on its own (the endpoint's RequestBudget bounds the total); it starts
        # with one token, so probes never burst at the start.
        self.bucket = TokenBucket(rate, burst, now, tokens=1.0)
        self._period_hint: float | None = None
        self.cleaner: CleanerPhase | None = None  # the phase of a periodic cleaner (with a period prior)
        self._target: SegmentLifecycle | None = None  # the last one planned (its answer teaches the phase)
        self._tick_probe = False  # the next probe goes just after a predicted cleaner tick
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
        cleaner = self._learning_cleaner()
        if cleaner is not None and not life.gone_inferred and not life.initial:
            cleaner.note(life.first_seen.lo, life.first_seen.hi, alive_at=life.gone.lo, gone_at=life.gone.hi)
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
        self._trim()
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
    def period_hint(self) -> float | None:
        """Prior cleaner period (s), e.g. nginx-rtmp: 2 x playlist length. Only a clearly longer one replaces
        it (the window grows while the stream warms up; the estimate from listed durations may flicker)."""
        return self._period_hint

    @period_hint.setter
    def period_hint(self, value: float | None) -> None:
        if value is None or not math.isfinite(value) or not 0.5 < value <= MAX_CLEANER_PERIOD_S:
            self._period_hint, self.cleaner = None, None
        elif self._period_hint is None or value > 1.25 * self._period_hint:  # the window grew (warm-up)
            self._period_hint, self.cleaner = value, CleanerPhase(value)

    def _learning_cleaner(self) -> CleanerPhase | None:
        """The cleaner model being taught (every probe answer), while its prior still holds."""
        return self.cleaner if self.cleaner is not None and self.cleaner.usable else None

    def _phase_known(self) -> CleanerPhase | None:
        """The cleaner model plans probes once a deletion batch of a cleaner's size was seen (a server
        taken for nginx-rtmp that deletes one file at a time keeps the general learner)."""
        cleaner = self._learning_cleaner()
        if cleaner is None or not self._gone or self._period_hint is None:
            return None
        extinf = max(self._gone[-1].extinf, 0.05)
        return cleaner if max(self._batch_sizes, default=0) >= max(2.0, 0.75 * self._period_hint / extinf) else None

    def _trim(self, keep: int = 32) -> None:
        """Bounded over days: only the recent deletions and batches ever inform a prediction."""
        if len(self._gone) > 2 * keep:
            del self._gone[:-keep]
        if len(self._batches) > 2 * keep:
            for history in (self._batches, self._batch_sizes, self._batch_youngest, self._batch_widths):
                del history[:-keep]

    @property
    def chaining(self) -> bool:
        """Resolving a deletion batch just found (a handful of probes)."""
        return self._chain

    @property
    def urgent(self) -> bool:
        """The next probe times a deletion (just after a predicted cleaner tick, or resolving a batch just
        found): one or a handful per batch, worth going before the budget has saved up for probes."""
        return self._chain or self._tick_probe

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
        cleaner, target = self._learning_cleaner(), self._target
        if not gone and cleaner is not None and target is not None and target.msn == msn and not target.initial:
            cleaner.note(target.first_seen.lo, target.first_seen.hi, alive_at=now)
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
        self._tick_probe = False
        cleaner = self._phase_known()
        if cleaner is not None and not target.initial:
            self._end_chain()  # the phase model chooses (it knows which segments a tick deleted)
            at, target = self._cleaner_probe(cleaner, candidates, now)
        elif self._chain and (chained := self._chain_target(candidates)) is not None:
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
        self._target = target
        return max(at, self.ready_at(now)), target

    def _cleaner_probe(
        self, cleaner: CleanerPhase, candidates: list[SegmentLifecycle], now: float
    ) -> tuple[float, SegmentLifecycle]:
        """A periodic cleaner: the youngest segment a tick surely deleted answers for the older ones (the
        poller infers them: deletion in order), at once; else the oldest is probed where the ticks may fall
        (bisection while the phase is unknown, then just after each tick)."""
        # surely gone is monotonic in age (oldest first): the youngest such by bisection
        lo, hi = 0, len(candidates)
        while lo < hi:
            mid = (lo + hi) // 2
            c = candidates[mid]
            if not c.initial and cleaner.surely_gone(c.first_seen.lo, c.first_seen.hi, now):
                lo = mid + 1
            else:
                hi = mid
        if lo > 0 and not candidates[lo - 1].initial:
            self._tick_probe = True
            return now, candidates[lo - 1]
        target = candidates[0]
        at, _ = cleaner.probe_at(target.first_seen.lo, target.first_seen.hi, target.last_available_mono, now)
        self._tick_probe = True  # a tick probe or a bisection step: a few per cleaner period at most
        return at, target

    def ready_at(self, now: float) -> float:
        """Earliest instant a probe may go out (the probe rate bound)."""
        return self.bucket.ready_at(now)

    def take(self, now: float) -> bool:
        """Spend a token for a probe, if the probe rate allows it."""
        return self.bucket.take(now)

    def expired(self, life: SegmentLifecycle, now: float) -> bool:
        ref = life.left.hi if life.left else life.first_seen.hi
        return now - ref > self.limit_s
