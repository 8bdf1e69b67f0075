"""One endpoint poller: a named daemon thread with its own requests Session.

It reloads the playlist when the planner says so (deadline scheduling, interruptible waits), feeds the
lifecycle tracker and the checks, probes removed segments for deletion, and emits every record through
``emit`` (called from this thread).
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from monitor.checks import EndpointChecker, cdn_stale_alert, segment_size_alert
from monitor.clock import Clock
from monitor.fetch import Fetched, fetch, new_session
from monitor.measures import MeasureAggregator
from monitor.models.fingerprint import fingerprint
from monitor.parse import PlaylistError, decode_body, parse
from monitor.records import (
    EndpointConfig,
    EndpointState,
    EndpointStatus,
    Event,
    MonitorConfig,
    PlaylistSnapshot,
    RequestKind,
    RequestRecord,
    SegmentLifecycle,
    VariantList,
    Window,
)
from monitor.redact import redact_url
from monitor.scheduler import DeletionPlanner, FastPlanner, PollOutcome, RfcPlanner
from monitor.tracker import GONE_STATUSES, LifecycleTracker

log = logging.getLogger(__name__)

LISTED_PROBE_STEP_S = 4.0  # probe spacing for the oldest *listed* segment when nothing removed is pending
MEASURES_EVERY_S = 1.0  # Measures also at this period while the playlist does not change (staleness, Age)


@dataclass
class SharedState:
    """Cross-endpoint facts (origin first-seen times for propagation and CDN staleness).

    Keyed by (generation, msn): after a restart the media sequence starts again, and comparing a CDN
    segment with the previous session's segment of the same number gave false "stale CDN" alerts."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    first_seen: dict[str, dict[tuple[int, int], Window]] = field(default_factory=dict)
    sizes: dict[str, dict[tuple[int, int], int]] = field(default_factory=dict)  # bytes (HEAD/GET) per segment

    def note_first_seen(self, endpoint: str, msn: int, window: Window, generation: int = 0) -> None:
        with self.lock:
            self.first_seen.setdefault(endpoint, {})[(generation, msn)] = window

    def lookup(self, endpoint: str, msn: int, generation: int = 0) -> Window | None:
        with self.lock:
            return self.first_seen.get(endpoint, {}).get((generation, msn))

    def note_size(self, endpoint: str, msn: int, size: int, generation: int = 0) -> None:
        with self.lock:
            sizes = self.sizes.setdefault(endpoint, {})
            sizes[(generation, msn)] = size
            if len(sizes) > 2000:  # bounded: only recent segments are ever compared
                for key in sorted(sizes)[:1000]:
                    del sizes[key]

    def size_of(self, endpoint: str, msn: int, generation: int = 0) -> int | None:
        with self.lock:
            return self.sizes.get(endpoint, {}).get((generation, msn))


class EndpointPoller:
    """Polls one playlist URL. ``run_once``-style stepping via :meth:`step` keeps it testable."""

    def __init__(
        self,
        endpoint: EndpointConfig,
        config: MonitorConfig,
        emit: Callable[[Event], None],
        *,
        clock: Clock,
        stop: threading.Event,
        shared: SharedState | None = None,
        on_variants: Callable[[EndpointPoller, VariantList], str | None] | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.name = endpoint.name
        self.url = endpoint.url
        self.config = config
        self.emit = emit
        self.clock = clock
        self.stop_event = stop
        self.shared = shared or SharedState()
        self.on_variants = on_variants
        self.planner = RfcPlanner() if config.strategy == "rfc" else FastPlanner(step_s=config.dense_step_s)
        now = clock.mono()
        self.deletions = DeletionPlanner(
            rate=config.probe_rate_per_s,
            limit_s=config.probe_limit_s,
            now=now,
            budget_per_s=config.request_budget_per_s,
        )
        self.tracker = LifecycleTracker(self.name)
        self.checker = EndpointChecker(self.name, self._now, is_cdn=endpoint.reference is not None)
        # fast strategy: first-seen windows opened by a long-past reload end within a step of the arrival
        self.arrival_step_s = config.arrival_step_s
        self.measures = MeasureAggregator(self.name, now, self.arrival_step_s)
        self.state = EndpointState.STARTING
        self.last_snapshot: PlaylistSnapshot | None = None
        self._head_ok = True
        self._blocking_failures = 0
        self._measures_at = -math.inf
        self._pending_propagation: dict[tuple[int, int], Window] = {}
        self._blocking_ready = False  # the last blocking reload was useful: issue the next one at once
        self.server_guess: str | None = None  # fingerprint of the first media playlist (monitor.models)
        self._thread: threading.Thread | None = None
        self._session: requests.Session | None = None

    # ---- thread ------------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"poll-{self.name}", daemon=True)
        self._thread.start()

    def join(self, timeout: float) -> None:
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _run(self) -> None:
        self._session = new_session(self.config.user_agent)
        try:
            while not self.stop_event.is_set():
                wait = self.step()
                if wait > 0 and self.clock.wait(self.stop_event, wait):
                    break
        except Exception:  # a bug must not silently kill monitoring: log it and say so
            log.exception("poller %s crashed", self.name)
            self._set_state(EndpointState.ERROR, "internal error, see the log")
        finally:
            self._set_state(EndpointState.STOPPED, "")
            self._session.close()

    # ---- scheduling ------------------------------------------------------------------------------------
    def step(self) -> float:
        """Do the action that is due, if any; return seconds until the next one."""
        if self._session is None:
            self._session = new_session(self.config.user_agent)
        now = self.clock.mono()
        t_poll = self.planner.next_poll_at()
        if self._blocking_ready:
            t_poll = now  # LL-HLS: the next blocking request goes out at once; the server holds it
        probe = self._next_probe(now)
        t_probe = probe[0] if probe else math.inf
        if min(t_poll, t_probe) > now:
            return min(t_poll, t_probe) - now
        if probe is not None and t_probe <= t_poll:
            self._probe(probe[1])
        else:
            self._poll()
        return 0.0

    def _next_probe(self, now: float) -> tuple[float, SegmentLifecycle] | None:
        if not self.config.probe_deletions:
            return None
        candidates = self.tracker.removed_not_gone()
        while candidates and self.deletions.expired(candidates[0], now):
            life = self.tracker.give_up(candidates[0].msn, candidates[0].generation)
            if life is not None:
                self.emit(life)
            candidates = candidates[1:]
        planned = self.deletions.next_probe(candidates, now, self.checker.max_playlist_s)
        if planned is not None:
            return planned
        # Nothing removed is pending: check the oldest listed segment now and then (404 while listed).
        # Not after a stop (GONE/ENDED/STALLED): a 404 then is the cleanup, which the checks ignore anyway.
        if self.state in (EndpointState.GONE, EndpointState.ENDED, EndpointState.STALLED):
            return None
        listed = self.tracker.oldest_listed_not_gone()
        if listed is None or self.tracker.previous is None or listed.msn == self.tracker.previous.last_msn:
            return None
        return max(self.deletions.last_probe + LISTED_PROBE_STEP_S, self.deletions.ready_at(now)), listed

    def _now(self) -> tuple[float, object]:
        mono = self.clock.mono()
        return mono, self.clock.utc(mono)

    def _timeout(self, blocking: bool = False) -> tuple[float, float]:
        read = self.config.read_timeout_s
        snap = self.last_snapshot
        if blocking and snap is not None and snap.target_duration:
            read = max(read, 3 * snap.target_duration + 2)
        return (self.config.connect_timeout_s, read)

    # ---- playlist ---------------------------------------------------------------------------------------
    def _poll_url(self) -> tuple[str, bool]:
        snap = self.last_snapshot
        if (
            self.config.blocking_reload
            and snap is not None
            and snap.can_block_reload
            and not snap.endlist
            and self._blocking_failures < 3
        ):
            parts = urlsplit(self.url)
            query = [*parse_qsl(parts.query, keep_blank_values=True), ("_HLS_msn", str(snap.last_msn + 1))]
            return urlunsplit(parts._replace(query=urlencode(query))), True
        return self.url, False

    def _poll(self) -> None:
        url, blocking = self._poll_url()
        got = fetch(
            self._session,
            url,
            endpoint=self.name,
            kind=RequestKind.PLAYLIST,
            clock=self.clock,
            timeout=self._timeout(blocking),
            max_bytes=self.config.max_playlist_bytes,
            blocking=blocking,
        )
        rec = got.record
        self.measures.on_request()
        self.deletions.charge(rec.sent_mono)
        self.emit(rec)
        snap, error = self._parse(got)
        self._blocking_ready = False
        if blocking and (rec.status is None or rec.status >= 400):
            self._blocking_failures += 1
        td = snap.target_duration if isinstance(snap, PlaylistSnapshot) else None
        td = td or (self.last_snapshot.target_duration if self.last_snapshot else None)
        for alert in self.checker.on_playlist_request(rec, error, td):
            self.emit(alert)
        if isinstance(snap, VariantList):
            self._handle_variants(snap)
            self.planner.after_poll(PollOutcome(sent=rec.sent_mono, first_byte=rec.first_byte_mono, ok=False))
            return
        if snap is None:
            self._on_failure(rec, error)
            self.planner.after_poll(PollOutcome(sent=rec.sent_mono, first_byte=rec.first_byte_mono, ok=False))
            self._tick()
            return
        self._on_snapshot(snap, rec)

    def _parse(self, got: Fetched) -> tuple[PlaylistSnapshot | VariantList | None, str | None]:
        rec = got.record
        if rec.status is None:
            return None, rec.error
        if rec.status >= 400:
            return None, f"HTTP {rec.status}"
        if got.truncated:
            return None, rec.error or "truncated body"
        fetched = Window(
            lo=rec.sent_mono,
            hi=rec.first_byte_mono or rec.end_mono,
            lo_utc=rec.sent_utc,
            hi_utc=self.clock.utc(rec.first_byte_mono or rec.end_mono),
        )
        age = rec.headers.get("age")
        try:
            age_s = float(age) if age is not None else None
        except ValueError:
            age_s = None
        try:
            snap = parse(
                decode_body(got.body or b""),
                url=rec.final_url or rec.url,
                endpoint=self.name,
                fetched=fetched,
                previous=self.last_snapshot,
                age_s=age_s,
            )
        except PlaylistError as exc:
            log.warning("%s: %s (%s)", self.name, exc, redact_url(rec.url))
            return None, str(exc)
        return snap, None

    def _handle_variants(self, variants: VariantList) -> None:
        self.emit(variants)
        chosen = self.on_variants(self, variants) if self.on_variants else variants.variants[0].uri
        if chosen:
            log.info("%s: master playlist, following variant %s", self.name, redact_url(chosen))
            self.url = chosen

    def _on_failure(self, rec: RequestRecord, error: str | None) -> None:
        if rec.status in (404, 410) and self.state in (EndpointState.LIVE, EndpointState.STALLED, EndpointState.ENDED):
            self._set_state(EndpointState.GONE, f"HTTP {rec.status}")
        elif self.state != EndpointState.GONE:
            self._set_state(EndpointState.ERROR, error or "request failed")

    def _deletion_prior(self, snap: PlaylistSnapshot, rec: RequestRecord) -> None:
        """nginx-rtmp's cleaner runs every 2 x hls_playlist_length, and W entries of D seconds ≈ that length:
        the deletion planner predicts the next batch from the first one it sees (a hypothesis only)."""
        if self.server_guess is None and len(snap.segments) >= 2:
            try:
                self.server_guess = fingerprint(snap, rec.headers).name
            except Exception:  # the prior is an optimisation: never let it stop monitoring
                log.exception("%s: fingerprint failed", self.name)
                self.server_guess = "generic"
        if self.server_guess == "nginx-rtmp" and snap.segments:
            durations = sorted(s.duration for s in snap.segments)
            self.deletions.period_hint = 2 * len(durations) * durations[len(durations) // 2]
        else:
            self.deletions.period_hint = None

    def _on_snapshot(self, snap: PlaylistSnapshot, rec: RequestRecord) -> None:
        prev = self.tracker.previous
        self._deletion_prior(snap, rec)
        upd = self.tracker.observe(snap)
        self.last_snapshot = snap
        self.emit(snap)
        if upd.reset is not None:  # old URLs may be reused by the new generation: stop probing them
            for old in self.tracker.removed_not_gone():
                if old.generation < self.tracker.generation:
                    given = self.tracker.give_up(old.msn, old.generation)
                    if given is not None:
                        self.emit(given)
        if rec.blocking and not snap.endlist:
            held = (rec.first_byte_mono or rec.end_mono) - rec.sent_mono
            self._blocking_ready = bool(upd.new) or held > (snap.target_duration or 1.0) / 4
        for life in upd.changed:
            self.emit(life)
            if life.missed:
                self.measures.on_missed()
        real_new = [lf for lf in upd.new if not lf.missed]
        for life in real_new:
            self.shared.note_first_seen(self.name, life.msn, life.first_seen, life.generation)
        self.measures.on_snapshot(snap, real_new)
        self._propagation(real_new)
        for alert in self.checker.on_snapshot(snap, prev, upd.new, upd.reset is not None, upd.uri_changed):
            self.emit(alert)
        self._cdn_check(snap)
        state = EndpointState.ENDED if snap.endlist else EndpointState.LIVE
        if self.checker.stalled() and not real_new:
            state = EndpointState.STALLED
        self._set_state(state, "")
        newest = max((lf for lf in real_new if not lf.initial), key=lambda lf: lf.msn, default=None)
        self.planner.after_poll(
            PollOutcome(
                sent=rec.sent_mono,
                first_byte=rec.first_byte_mono,
                ok=True,
                changed=snap.changed,
                new_segments=len(real_new) if prev is not None else 0,
                arrival=newest.first_seen.mid if newest else None,
                arrival_width=newest.first_seen.width if newest else None,
                target_duration=snap.target_duration,
                last_duration=snap.segments[-1].duration if snap.segments else None,
                endlist=snap.endlist,
            )
        )
        now = self.clock.mono()
        if snap.changed or real_new or now - self._measures_at >= MEASURES_EVERY_S:
            # also periodically: a frozen (stale CDN) playlist must still report its growing staleness/Age
            self._measures_at = now
            self.emit(self.measures.build(snap, now, self.clock.utc()))
        self._tick()
        if prev is not None and real_new and (self.config.head_new_segments or self.config.download_segments):
            self._check_segment(max(real_new, key=lambda lf: lf.msn))

    def _tick(self) -> None:
        snap = self.last_snapshot
        if snap is None:
            return
        for alert in self.checker.on_tick(self.clock.mono(), snap.target_duration, snap.endlist):
            self.emit(alert)
            self._set_state(EndpointState.STALLED, alert.message)
            self.emit(self.measures.build(snap, self.clock.mono(), self.clock.utc()))

    def _propagation(self, new: list[SegmentLifecycle]) -> None:
        ref = self.endpoint.reference
        if not ref:
            return
        # Segments this endpoint listed before the reference did wait here: measuring only the others
        # biased propagation upwards (a CDN ahead of the origin poller gives a negative sample).
        for life in new:
            if not life.initial:
                self._pending_propagation[(life.generation, life.msn)] = life.first_seen
        for key, window in sorted(self._pending_propagation.items()):
            origin = self.shared.lookup(ref, key[1], key[0])
            if origin is not None:
                step = self.arrival_step_s
                self.measures.on_propagation(window.estimate(step) - origin.estimate(step))
                del self._pending_propagation[key]
            elif window.hi < self.clock.mono() - 60.0:
                del self._pending_propagation[key]  # never listed by the reference

    def _cdn_check(self, snap: PlaylistSnapshot) -> None:
        ref = self.endpoint.reference
        if not ref or snap.endlist:
            return
        ahead = self.shared.lookup(ref, snap.last_msn + 1, self.tracker.generation)
        alert = cdn_stale_alert(
            self.checker, cdn=snap, origin_first_seen_hi=ahead.hi if ahead else None, now=snap.fetched.lo, reference=ref
        )
        if alert is not None:
            self.emit(alert)

    # ---- segments ---------------------------------------------------------------------------------------
    def _segment_request(self, life: SegmentLifecycle, kind: RequestKind, *, body: bool = False) -> Fetched:
        method, headers = ("HEAD", None) if self._head_ok and not body else ("GET", None)
        if method == "GET" and not body:
            headers = {"Range": "bytes=0-0"}
        got = fetch(
            self._session,
            life.uri,
            endpoint=self.name,
            kind=kind,
            clock=self.clock,
            timeout=self._timeout(),
            method=method,
            headers=headers,
            msn=life.msn,
            max_bytes=64_000_000,
        )
        if method == "HEAD" and got.record.status in (405, 501):
            self._head_ok = False
            return self._segment_request(life, kind, body=body)
        return got

    def _check_segment(self, life: SegmentLifecycle) -> None:
        got = self._segment_request(life, RequestKind.SEGMENT, body=self.config.download_segments)
        rec = got.record
        self.deletions.charge(rec.sent_mono)
        self.emit(rec)
        self.measures.on_request()
        changed = self.tracker.note_download(life.msn, rec)
        if changed is not None:
            if rec.status in GONE_STATUSES:
                self.measures.on_error_while_listed()
            self.emit(changed)
        for alert in self.checker.on_segment_response(changed, rec, listed=True):
            self.emit(alert)
        if changed is not None and changed.size is not None and 200 <= (rec.status or 0) < 300:
            self._size_check(changed, changed.size)

    def _size_check(self, life: SegmentLifecycle, size: int) -> None:
        """Compare with the reference endpoint's size of the same segment (truncated S3 copies)."""
        self.shared.note_size(self.name, life.msn, size, life.generation)
        ref = self.endpoint.reference
        ref_size = self.shared.size_of(ref, life.msn, life.generation) if ref else None
        if ref and ref_size is not None:
            alert = segment_size_alert(self.checker, life=life, size=size, reference_size=ref_size, reference=ref)
            if alert is not None:
                self.emit(alert)

    def _probe(self, life: SegmentLifecycle) -> None:
        now = self.clock.mono()
        if not self.deletions.take(now):
            return
        got = self._segment_request(life, RequestKind.PROBE)
        rec = got.record
        self.emit(rec)
        self.measures.on_request()
        listed = self.tracker.is_listed(life.msn, life.generation)
        anchor = self.deletions.anchor
        not_before = anchor.gone.lo if anchor is not None and anchor.gone and anchor.msn < life.msn else None
        updated = self.tracker.observe_probe(life.msn, rec, life.generation, not_before=not_before)
        gone = updated is not None and updated.gone is not None
        self.deletions.note_probe(now, gone, life.msn)
        if updated is None:
            return
        if gone and listed:
            self.measures.on_error_while_listed()
            for alert in self.checker.on_segment_response(updated, rec, listed=True):
                self.emit(alert)
            self.emit(updated)
        elif gone:
            self._inferred_between(anchor, updated)
            self._gone_found(updated)
        elif rec.status == 200:
            for alert in self.checker.on_segment_response(updated, rec, listed=False):
                self.emit(alert)
            if updated.probes == 1:
                self.emit(updated)

    def _gone_found(self, life: SegmentLifecycle) -> None:
        self.deletions.note_gone(life)
        self.measures.on_gone(life)
        for alert in self.checker.on_gone(life):
            self.emit(alert)
        self.emit(life)

    def _inferred_between(self, anchor: SegmentLifecycle | None, found: SegmentLifecycle) -> None:
        """Deletion in order: removed segments between the last one found gone and ``found`` are gone too."""
        if anchor is None or anchor.gone is None or found.gone is None:
            return
        window = Window(lo=anchor.gone.lo, hi=found.gone.hi, lo_utc=anchor.gone.lo_utc, hi_utc=found.gone.hi_utc)
        for cand in self.tracker.removed_not_gone():
            if cand.generation == found.generation and anchor.msn < cand.msn < found.msn:
                inferred = self.tracker.infer_gone(cand.msn, cand.generation, window, found.gone_status)
                if inferred is not None:
                    self._gone_found(inferred)

    def _set_state(self, state: EndpointState, detail: str) -> None:
        if state == self.state:
            return
        self.state = state
        mono = self.clock.mono()
        self.emit(EndpointStatus(endpoint=self.name, state=state, mono=mono, utc=self.clock.utc(mono), detail=detail))
