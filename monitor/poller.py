"""One endpoint poller: a named daemon thread with its own requests Session.

It reloads the playlist when the planner says so (deadline scheduling, interruptible waits), believes a
body only when it is consistent (a doubtful one is fetched again at once), feeds the lifecycle tracker,
owns the endpoint's state and passes it to the rules (monitor.rules), probes removed segments for
deletion, and emits every record through ``emit`` (called from this thread).
"""

from __future__ import annotations

import collections
import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from monitor.budget import MAX_WAIT_S, RequestBudget
from monitor.clock import Clock
from monitor.content import ContentWorker
from monitor.content_feed import ContentFeed, to_record
from monitor.fetch import Fetched, fetch, new_session
from monitor.measures import MeasureAggregator
from monitor.models.base import ServerProfile
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
from monitor.rules.cdn import cdn_signs, is_hit
from monitor.rules.endpoint import EndpointRules
from monitor.rules.facts import Facts
from monitor.rules.latch import Stamp
from monitor.rules.playlist import suspicion
from monitor.rules.transport import LATE_S
from monitor.scheduler import DeletionPlanner, FastPlanner, PollOutcome, RfcPlanner
from monitor.stream_state import Liveness, after_failure
from monitor.tracker import GONE_STATUSES, LifecycleTracker

log = logging.getLogger(__name__)

LISTED_PROBE_STEP_S = 4.0  # probe spacing for the oldest *listed* segment when nothing removed is pending
MEASURES_EVERY_S = 1.0  # Measures also at this period while the playlist does not change (staleness, Age)
AGE_SLACK_S = 1.0  # Age is in whole seconds
PENDING_CHECKS = 4  # new segments waiting for their GET (content analysis): beyond it the oldest are dropped


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
            seen = self.first_seen.setdefault(endpoint, {})
            seen[(generation, msn)] = window
            if len(seen) > 2000:  # bounded over days: only recent segments are ever looked up
                for key in sorted(seen)[:1000]:
                    del seen[key]

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


def _copy_taken_at(snap: PlaylistSnapshot | None) -> float | None:
    """When a cache took this copy from the origin (fetch instant minus Age); None when not a cached copy."""
    return None if snap is None or snap.age_s is None else snap.fetched.lo - snap.age_s


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
        content: ContentWorker | None = None,
        server: ServerProfile | None = None,
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
        )
        # every request of this endpoint (reloads, HEADs, probes) fits one budget (monitor.budget)
        self.budget = RequestBudget(now, config.request_budget_per_s)
        # new segments to check, oldest first, when the budget allows: with content analysis every new one (its
        # continuity needs the one before), else only the newest of a reload (one HEAD)
        self._pending: collections.deque[SegmentLifecycle] = collections.deque()
        self._pending_dropped = 0  # not fetched (the queue was full) since the last content result
        self.tracker = LifecycleTracker(self.name)
        # the rules read the state this poller owns (Facts); ``server``: the configured server model
        self.rules = EndpointRules(self.name, server=server, arrival_step_s=config.arrival_step_s)
        # segment analysis (None: off), its results back here
        self.content = ContentFeed(self.name, content, config.arrival_step_s)
        self.liveness = Liveness()
        self._signs: dict[str, str] = {}  # cache headers of the latest playlist response
        self._cdn_seen = False  # a response carried cache signs: a CDN even without --cdn
        self._late_s = 0.0  # how late this poller woke up last (its own starvation)
        # fast strategy: first-seen windows opened by a long-past reload end within a step of the arrival
        self.arrival_step_s = config.arrival_step_s
        self.measures = MeasureAggregator(self.name, now, self.arrival_step_s)
        self.state = EndpointState.STARTING
        self.last_snapshot: PlaylistSnapshot | None = None
        self._head_ok = True
        self._blocking_failures = 0
        self._skip_failures = 0
        self._measures_at = -math.inf
        self._pending_propagation: dict[tuple[int, int], Window] = {}
        self._blocking_ready = False  # the last blocking reload was useful: issue the next one at once
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
                planned = self.clock.mono() + wait
                if wait > 0 and self.clock.wait(self.stop_event, wait):
                    break
                self._loop_late(self.clock.mono() - planned)
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
        self._content_results()
        now = self.clock.mono()
        t_poll = self.budget.reload_at(self.planner.next_poll_at(), now)
        if self._blocking_ready:
            t_poll = now  # LL-HLS: the next blocking request goes out at once; the server holds it
        t_head = self.budget.ready_at(RequestKind.SEGMENT, now) if self._pending else math.inf
        probe = self._next_probe(now)
        t_probe = max(probe[0], self._probe_ready_at(now)) if probe else math.inf
        first = min(t_poll, t_head, t_probe)
        if first > now:
            return min(first - now, MAX_WAIT_S)
        if t_poll <= now:
            self._poll()
        elif t_head <= now and self._pending:
            self._check_segment(self._pending.popleft())
        elif probe is not None:
            self._probe(probe[1])
        return 0.0

    def _probe_ready_at(self, now: float) -> float:
        return self.budget.ready_at(RequestKind.PROBE, now, urgent=self.deletions.urgent)

    def _next_probe(self, now: float) -> tuple[float, SegmentLifecycle] | None:
        if not self.config.probe_deletions:
            return None
        candidates = self.tracker.removed_not_gone()
        while candidates and self.deletions.expired(candidates[0], now):
            life = self.tracker.give_up(candidates[0].msn, candidates[0].generation)
            if life is not None:
                self.emit(life)
            candidates = candidates[1:]
        planned = self.deletions.next_probe(candidates, now, self.rules.segments.lengths.max_s)
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

    def _loop_late(self, late_s: float) -> None:
        """Self-health: a wake-up well after the planned instant makes the next samples uncertain."""
        now = self.clock.mono()
        self._late_s = max(0.0, late_s)
        self.measures.on_lateness(now, self._late_s)
        self.rules.transport.on_loop(self._facts(), self._late_s)
        self._emit_alerts()

    def _facts(self, snap: PlaylistSnapshot | None = None) -> Facts:
        """What the rules need to know now: the state (owned here) and the stream's facts."""
        snap = snap or self.last_snapshot
        mono = self.clock.mono()
        return Facts(
            at=Stamp(mono=mono, utc=self.clock.utc(mono)),
            state=self.state,
            target_duration=snap.target_duration if snap else None,
            playlist_type=snap.playlist_type if snap else None,
            last_new_hi=self.liveness.last_new_hi,
            is_cdn=self.endpoint.reference is not None or self._cdn_seen,
            reference=self.endpoint.reference,
            cdn_signs=self._signs,
            uncertain=self._late_s > LATE_S,
        )

    def _emit_alerts(self) -> None:
        for alert in self.rules.drain():
            self.emit(alert)

    def _timeout(self, blocking: bool = False) -> tuple[float, float]:
        read = self.config.read_timeout_s
        snap = self.last_snapshot
        if blocking and snap is not None and snap.target_duration:
            read = max(read, 3 * snap.target_duration + 2)
        return (self.config.connect_timeout_s, read)

    # ---- playlist ---------------------------------------------------------------------------------------
    def _poll_url(self) -> tuple[str, bool]:
        """The reload URL with the delivery directives the server offers: a blocking reload for the next
        segment (CAN-BLOCK-RELOAD) and a delta update (CAN-SKIP-UNTIL: fewer bytes; the parser rebuilds the
        skipped entries from the previous snapshot)."""
        snap = self.last_snapshot
        if snap is None or snap.endlist:
            return self.url, False
        directives = []
        blocking = self.config.blocking_reload and snap.can_block_reload and self._blocking_failures < 3
        if blocking:
            directives.append(("_HLS_msn", str(snap.last_msn + 1)))
        if snap.can_skip_until and self._skip_failures < 3:
            directives.append(("_HLS_skip", "YES"))
        if not directives:
            return self.url, False
        parts = urlsplit(self.url)
        query = [*parse_qsl(parts.query, keep_blank_values=True), *directives]
        return urlunsplit(parts._replace(query=urlencode(query))), blocking

    def _fetch_playlist(self, url: str, blocking: bool) -> Fetched:
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
        self.measures.on_request(got.record.kind)
        self.budget.charge(RequestKind.PLAYLIST, got.record.sent_mono)
        return got

    def _poll(self) -> None:
        url, blocking = self._poll_url()
        got = self._fetch_playlist(url, blocking)
        self._blocking_ready = False
        if blocking and (got.record.status is None or got.record.status >= 400):
            self._blocking_failures += 1
        snap, failure, suspect = self._read(got, None)
        if failure is not None and failure.startswith("delta update") and "_HLS_skip=YES" in url:
            self._skip_failures += 1  # the server's delta cannot be applied: after three, ask for whole playlists
        if failure is not None and got.record.status is not None and got.record.status < 400:
            # Containment: a 200 that is not a believable playlist is fetched again at once, before
            # anything (a removal, a restart, a stale stream) is concluded from it.
            self._playlist_request(got.record, failure)
            got = self._fetch_playlist(self.url, False)
            snap, failure, _ = self._read(got, suspect)
        rec = got.record
        self._playlist_request(rec, failure, snap if isinstance(snap, PlaylistSnapshot) else None)
        if isinstance(snap, VariantList):
            self._handle_variants(snap)
            self.planner.after_poll(PollOutcome(sent=rec.sent_mono, first_byte=rec.first_byte_mono, ok=False))
            return
        if snap is None:
            self.tracker.note_playlist_failure(rec)
            self._set_state(after_failure(self.state, rec.status), failure or "request failed", status=rec.status)
            self.planner.after_poll(PollOutcome(sent=rec.sent_mono, first_byte=rec.first_byte_mono, ok=False))
            return
        self._on_snapshot(snap, rec)

    def _playlist_request(self, rec: RequestRecord, failure: str | None, snap: PlaylistSnapshot | None = None) -> None:
        """Record a playlist request in the session (a failure with its reason) and run the transport rules."""
        if failure is not None and rec.error is None:
            rec = replace(rec, error=failure)  # an HTML page or a cut-off body with 200 is a failure too
        self.emit(rec)
        if failure is None and rec.status is not None:
            self._signs = cdn_signs(rec.headers)
            self._cdn_seen = self._cdn_seen or bool(self._signs)
        self.rules.transport.on_playlist(self._facts(snap), rec, failure)
        self._emit_alerts()

    def _read(
        self, got: Fetched, suspect: PlaylistSnapshot | None
    ) -> tuple[PlaylistSnapshot | VariantList | None, str | None, PlaylistSnapshot | None]:
        """The playlist in ``got`` if it can be believed, else None and the plain reason why not; and the
        snapshot to doubt. ``suspect``: the doubtful snapshot of the first look when this is the second."""
        snap, failure = self._parse(got)
        if not isinstance(snap, PlaylistSnapshot):
            return snap, failure, None
        prev = self.tracker.previous
        doubt = suspicion(prev, snap) or self._went_back(prev, snap)
        if doubt is None:
            if suspect is not None and prev is not None:
                self._odd_one_out(suspect, prev)
            else:
                self.rules.playlist.consistent(self._facts(snap))
            return snap, None, None
        if suspect is None:
            return None, f"not believed: {doubt}", snap
        assert prev is not None  # a doubt needs a previous playlist
        facts = self._facts(snap)
        if snap.media_sequence >= prev.media_sequence:  # lost its newest entries twice in a row: the server's
            if snap.segments:  # an emptied live playlist is empty_live_playlist
                self.rules.playlist.shrank(facts, snap, prev, confirmed=True)
            return snap, None, None
        if self._older_copy(snap, got.record):
            self.rules.playlist.went_back(facts, snap, prev, confirmed=True)
            return None, f"an older copy of the playlist: {doubt}", None
        return snap, None, None  # new segments under lower numbers: a restart (the tracker opens a generation)

    def _odd_one_out(self, suspect: PlaylistSnapshot, prev: PlaylistSnapshot) -> None:
        """The first answer was doubtful, the one made at once after it is consistent: say so (once per
        episode) and believe the second."""
        facts = self._facts(suspect)
        if suspect.media_sequence < prev.media_sequence:
            self.rules.playlist.went_back(facts, suspect, prev, confirmed=False)
        else:
            self.rules.playlist.shrank(facts, suspect, prev, confirmed=False)

    def _went_back(self, prev: PlaylistSnapshot | None, snap: PlaylistSnapshot) -> str | None:
        if prev is None or prev.endlist or self.state == EndpointState.GONE:
            return None  # after a stop anything may follow: a new session
        if snap.media_sequence >= prev.media_sequence:
            return None
        return f"media sequence went back from {prev.media_sequence} to {snap.media_sequence}"

    def _older_copy(self, snap: PlaylistSnapshot, rec: RequestRecord) -> bool:
        """A cache copy taken from the origin before the copy already seen (fetch instant minus Age is
        earlier, and the cache says Hit). Without such evidence a lower sequence confirmed by a second
        request is a restart: the same names, even the very same text, come back after a restart (NMS)."""
        taken, before = _copy_taken_at(snap), _copy_taken_at(self.tracker.previous)
        older = taken is not None and before is not None and taken < before - AGE_SLACK_S
        return older and is_hit(cdn_signs(rec.headers))

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
        self.content.bandwidth = next((v.bandwidth for v in variants.variants if v.uri == chosen), None)
        if chosen:
            log.info("%s: master playlist, following variant %s", self.name, redact_url(chosen))
            self.url = chosen

    def _deletion_prior(self, snap: PlaylistSnapshot, rec: RequestRecord) -> None:
        """nginx-rtmp's cleaner runs every 2 x hls_playlist_length, and W entries of D seconds ≈ that length:
        the deletion planner predicts the next batch from the first one it sees (a hypothesis only)."""
        if self.measures.fingerprint is None and len(snap.segments) >= 2:  # once per endpoint; published in Measures
            self.measures.fingerprint = fingerprint(snap, rec.headers)
        server = self.measures.fingerprint
        if server is not None and server.name == "nginx-rtmp" and snap.segments:
            durations = sorted(s.duration for s in snap.segments)
            self.deletions.period_hint = 2 * len(durations) * durations[len(durations) // 2]
        else:
            self.deletions.period_hint = None

    def _on_snapshot(self, snap: PlaylistSnapshot, rec: RequestRecord) -> None:
        prev = self.tracker.previous
        facts = self._facts(snap)  # the state before this playlist
        self._deletion_prior(snap, rec)
        upd = self.tracker.observe(snap)
        self.last_snapshot = snap
        self.emit(snap)
        recent = sorted(s.duration for s in snap.segments[-5:])
        extinf = recent[len(recent) // 2] if recent else None
        self.budget.set_target_duration(snap.target_duration, rec.sent_mono, extinf)
        if rec.blocking and not snap.endlist:
            held = (rec.first_byte_mono or rec.end_mono) - rec.sent_mono
            self._blocking_ready = bool(upd.new) or held > (snap.target_duration or 1.0) / 4
        for life in upd.changed:
            self.emit(life)
            if life.missed:
                self.measures.on_missed(life)
        real_new = [lf for lf in upd.new if not lf.missed]
        for life in real_new:
            self.shared.note_first_seen(self.name, life.msn, life.first_seen, life.generation)
        self.measures.on_snapshot(snap, real_new)
        self._propagation(real_new, snap, facts)
        self._snapshot_rules(facts, snap, prev, upd.new, restarted=upd.reset is not None)
        newest_hi = max((lf.first_seen.hi for lf in real_new), default=None)
        state = self.liveness.after_snapshot(
            self.state, snap, newest_hi, at_cdn=facts.is_cdn, uncertain=facts.uncertain
        )
        since = self.liveness.since_new_s(snap)
        detail = f"no new segment for {since:.1f} s" if state == EndpointState.STALLED and since is not None else ""
        self._set_state(state, detail, snap=snap)
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
                new_durations=tuple(lf.extinf for lf in sorted(real_new, key=lambda lf: lf.msn)[-32:]),
                endlist=snap.endlist,
            )
        )
        now = self.clock.mono()
        if snap.changed or real_new or now - self._measures_at >= MEASURES_EVERY_S:
            # also periodically: a frozen (stale CDN) playlist must still report its growing staleness/Age
            self._measures_at = now
            self.emit(self.measures.build(snap, now, self.clock.utc()))
        checked = self.config.head_new_segments or self.config.download_segments or self.content.enabled
        if prev is not None and real_new and checked:
            self._queue_checks(real_new, restarted=upd.reset is not None)

    def _queue_checks(self, new: list[SegmentLifecycle], *, restarted: bool) -> None:
        """Queue the new segments' checks. Without content analysis only the newest is checked (one HEAD
        per reload); with it every one is, oldest first, so that each segment is read against the one
        before it. A GAP segment is missing on purpose."""
        ordered = sorted(new, key=lambda lf: (lf.generation, lf.msn))
        if not self.content.enabled:
            self._pending.clear()
            ordered = ordered[-1:]
        elif restarted:
            self._pending.clear()  # the previous publish's segments: no continuity left to keep
        self._pending.extend(lf for lf in ordered if not lf.gap)
        while len(self._pending) > PENDING_CHECKS:
            old = self._pending.popleft()
            self._pending_dropped += 1
            log.warning("%s: segment %d not fetched for analysis: %d newer ones wait (request budget)",
                        self.name, old.msn, PENDING_CHECKS)

    def _snapshot_rules(
        self,
        facts: Facts,
        snap: PlaylistSnapshot,
        prev: PlaylistSnapshot | None,
        new: list[SegmentLifecycle],
        *,
        restarted: bool,
    ) -> None:
        self.rules.segments.lengths.note(snap, self.tracker.generation)
        if restarted and prev is not None:
            self.rules.stream.restarted(facts, snap, prev)
        self.rules.playlist.on_snapshot(facts, snap, None if restarted else prev, new)
        self._cdn_check(snap, facts)
        self._emit_alerts()

    def _propagation(self, new: list[SegmentLifecycle], snap: PlaylistSnapshot, facts: Facts) -> None:
        ref = self.endpoint.reference
        if not ref:
            if facts.is_cdn and snap.age_s is not None and any(not lf.initial for lf in new):
                # no origin given: the edge fetched this copy Age seconds ago, so the origin listed these
                # segments at least that long before this endpoint did
                self.measures.on_propagation(snap.age_s)
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

    def _cdn_check(self, snap: PlaylistSnapshot, facts: Facts) -> None:
        ref = self.endpoint.reference
        if not ref or snap.endlist:
            return
        ahead = self.shared.lookup(ref, snap.last_msn + 1, self.tracker.generation)
        self.rules.cdn.behind_reference(facts, snap, ahead.hi if ahead else None, ref)

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
        # content analysis needs the bytes: a GET instead of the HEAD, the same one request of the budget
        body = self.config.download_segments or self.content.enabled
        got = self._segment_request(life, RequestKind.SEGMENT, body=body)
        rec = got.record
        self.content.submit(life, got, self.last_snapshot.target_duration if self.last_snapshot else None)
        self.budget.charge(RequestKind.SEGMENT, rec.sent_mono)
        self.emit(rec)
        self.measures.on_request(rec.kind)
        changed = self.tracker.note_download(life.msn, rec)
        if changed is not None:
            if rec.status in GONE_STATUSES:
                self.measures.on_error_while_listed()
            self.emit(changed)
        self._segment_rules(changed or life, rec, listed=True)
        if changed is not None and changed.size is not None and 200 <= (rec.status or 0) < 300:
            self._size_check(changed, changed.size)

    def _content_results(self) -> None:
        """What segment analysis found since the last step: records, measures and the content rules."""
        for result, thumbnail in self.content.drain():
            report = to_record(result, self.clock.utc(result.mono), thumbnail, self.content.bandwidth)
            if report is not None:
                self.emit(report)
            dropped, self._pending_dropped = self._pending_dropped, 0
            self.measures.on_content(report, result.skipped + dropped)
            self.rules.content.on_result(self._facts(), result)
        self._emit_alerts()

    def _size_check(self, life: SegmentLifecycle, size: int) -> None:
        """Compare with the reference endpoint's size of the same segment (truncated S3 copies)."""
        self.shared.note_size(self.name, life.msn, size, life.generation)
        ref = self.endpoint.reference
        ref_size = self.shared.size_of(ref, life.msn, life.generation) if ref else None
        if ref and ref_size is not None:
            self.rules.cdn.size(self._facts(), life, size, ref_size, ref)
            self._emit_alerts()

    def _segment_rules(self, life: SegmentLifecycle, rec: RequestRecord, *, listed: bool) -> None:
        facts = self._facts()
        self.rules.transport.on_segment(facts, rec)
        self.rules.segments.on_response(facts, rec, listed=listed, gap=life.gap)
        self.rules.cdn.old_copy(facts, life, rec)
        self._emit_alerts()

    def _probe(self, life: SegmentLifecycle) -> None:
        now = self.clock.mono()
        if self._probe_ready_at(now) > now or not self.deletions.take(now):
            return
        got = self._segment_request(life, RequestKind.PROBE)
        rec = got.record
        self.budget.charge(RequestKind.PROBE, rec.sent_mono)
        self.emit(rec)
        self.measures.on_request(rec.kind)
        listed = self.tracker.is_listed(life.msn, life.generation)
        anchor = self.deletions.anchor
        not_before = anchor.gone.lo if anchor is not None and anchor.gone and anchor.msn < life.msn else None
        updated = self.tracker.observe_probe(life.msn, rec, life.generation, not_before=not_before)
        gone = updated is not None and updated.gone is not None
        self.deletions.note_probe(now, gone, life.msn)
        if updated is None:
            return
        if listed and rec.status in GONE_STATUSES:  # 404 while listed (the tracker does not call it gone)
            self.measures.on_error_while_listed()
            self._segment_rules(updated, rec, listed=True)
            self.emit(updated)
        elif gone:
            self._inferred_between(anchor, updated)
            self._gone_found(updated)
        elif rec.status == 200:
            self._segment_rules(updated, rec, listed=False)
            if updated.probes == 1:
                self.emit(updated)

    def _gone_found(self, life: SegmentLifecycle) -> None:
        self.deletions.note_gone(life)
        self.measures.on_gone(life)
        self.rules.segments.on_gone(self._facts(), life)
        self._emit_alerts()
        self.emit(life)

    def _inferred_between(self, anchor: SegmentLifecycle | None, found: SegmentLifecycle) -> None:
        """Deletion in order: removed segments older than ``found`` (and younger than the last one found
        gone, when chaining) are gone too; without an anchor, each from when it left."""
        if found.gone is None:
            return
        floor = anchor.msn if anchor is not None and anchor.gone is not None else None
        for cand in self.tracker.removed_not_gone():
            outside = cand.msn >= found.msn or (floor is not None and cand.msn <= floor)
            if cand.generation != found.generation or outside:
                continue
            since = anchor.gone if anchor is not None and anchor.gone is not None else (cand.left or cand.first_seen)
            window = Window(lo=since.lo, hi=found.gone.hi, lo_utc=since.lo_utc, hi_utc=found.gone.hi_utc)
            inferred = self.tracker.infer_gone(cand.msn, cand.generation, window, found.gone_status)
            if inferred is not None:
                self._gone_found(inferred)

    def _set_state(
        self, state: EndpointState, detail: str, *, snap: PlaylistSnapshot | None = None, status: int | None = None
    ) -> None:
        """The one place the endpoint's state changes; the stream rules say what the change means."""
        if state == self.state:
            return
        self.rules.stream.on_state(self._facts(snap), state, snap=snap, status=status)
        self._emit_alerts()
        self.state = state
        mono = self.clock.mono()
        self.emit(EndpointStatus(endpoint=self.name, state=state, mono=mono, utc=self.clock.utc(mono), detail=detail))
