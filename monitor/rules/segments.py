"""Segment rules: 404 while listed, deleted too early (RFC 8216 §6.2.2), URL reuse (validators)."""

from __future__ import annotations

import math

from monitor.models.base import ServerProfile
from monitor.models.explain import explain_deletion
from monitor.records import PlaylistSnapshot, RequestRecord, SegmentLifecycle
from monitor.rules.facts import Facts
from monitor.rules.latch import Alerter

MAX_TRACKED = 20_000  # per-URL validators and per-segment playlist lengths kept (oldest forgotten first)
GONE_STATUSES = frozenset({403, 404, 410})
EPISODE_HOLD_S = 60.0
#: The episode of deletions the server model expects: a property of the settings, said once, never "cleared".
EXPECTED_KEY = "expected"


class PlaylistLengths:
    """RFC 8216 §6.2.2 counts, for each segment, the longest playlist *containing that segment*: a long
    playlist of an earlier session (or of a settings change) must not raise the bar for later segments."""

    def __init__(self) -> None:
        self.max_s = 0.0  # longest playlist of the current generation
        self._generation = 0
        self._by_segment: dict[tuple[int, int], float] = {}

    def note(self, snap: PlaylistSnapshot, generation: int) -> None:
        if generation != self._generation:
            self.max_s = 0.0
            self._generation = generation
        length = snap.duration_s
        self.max_s = max(self.max_s, length)
        lengths = self._by_segment
        for seg in snap.segments:
            key = (generation, seg.msn)
            lengths[key] = max(lengths.get(key, 0.0), length)
        while len(lengths) > MAX_TRACKED:
            del lengths[next(iter(lengths))]

    def for_segment(self, life: SegmentLifecycle) -> float:
        """The longest playlist that listed ``life`` (the current generation's longest if never seen)."""
        return self._by_segment.get((life.generation, life.msn), self.max_s)


class SegmentRules:
    """``server``: the configured server model; where it explains a fact, the alert says so at its level."""

    def __init__(self, alerter: Alerter, server: ServerProfile | None = None, arrival_step_s: float = math.inf) -> None:
        self.al = alerter
        self.server = server
        self.arrival_step_s = arrival_step_s  # the run's MonitorConfig.arrival_step_s, as the verdicts use
        self.lengths = PlaylistLengths()
        self._validators: dict[str, tuple[str | None, str | None, str | None]] = {}

    def on_gone(self, facts: Facts, life: SegmentLifecycle) -> None:
        """RFC 8216 §6.2.2: available for (segment duration + longest playlist containing it) after removal.

        Conservative bounds: a fault only if even the latest instant it could have been deleted is before
        the earliest deadline. When the server model predicts the deletion (nginx-rtmp's batch cleaner), one
        INFO alert says so for the whole run, as the verdicts do. Otherwise a shortfall of less than one
        segment (+1 s of whole-second mtimes) is a WARNING; more is an ERROR."""
        if life.left is None or life.gone is None or life.missed:
            return
        if facts.stopped or facts.uncertain:
            return  # the cleanup after a stop, or a late monitor: no live-window fault concluded
        required = life.extinf + self.lengths.for_segment(life)
        available_at_most = life.gone.hi - life.left.lo
        if available_at_most >= required:
            self.al.clear(facts.at, "deleted_too_early", hold_s=EPISODE_HOLD_S)
            return
        shortfall = required - available_at_most
        evidence = {
            "msn": life.msn,
            "uri": life.uri,
            "available_s": round(available_at_most, 3),
            "required_s": round(required, 3),
            "status": life.gone_status,
        }
        if self._expected(facts, life, evidence, playlist_s=required - life.extinf):
            return
        variant = None if shortfall > life.extinf + 1.0 else "batch"
        self.al.fire(facts.at, "deleted_too_early", evidence, variant=variant, msn=life.msn)

    def _expected(
        self, facts: Facts, life: SegmentLifecycle, evidence: dict[str, object], *, playlist_s: float
    ) -> bool:
        """The server model predicts this early deletion: one INFO alert with the server's reason and what a
        player meets (a player that far behind the live edge gets a 404), never cleared."""
        explained = None if self.server is None else explain_deletion(self.server, life, self.arrival_step_s)
        if explained is None or not explained.expected:
            return False
        available = float(evidence["available_s"])  # type: ignore[arg-type]
        evidence.update(
            server=explained.server,
            behaviour=explained.behaviour,
            behind_s=round(available + playlist_s, 1),
            server_advice=explained.advice,
        )
        self.al.fire(facts.at, "deleted_too_early", evidence, key=EXPECTED_KEY, variant="expected", msn=life.msn)
        return True

    def on_response(self, facts: Facts, rec: RequestRecord, *, listed: bool, gap: bool) -> None:
        """A HEAD/GET of a segment; ``gap``: listed with EXT-X-GAP (missing on purpose, never a fault)."""
        if listed and not gap and rec.status in GONE_STATUSES:
            # After a stop the origin cleans up what the last playlist listed (NMS at once, nginx-rtmp at its
            # cleanup tick, together with the playlist): playlist_gone / stream_ended / playlist_stale say so.
            if not facts.stopped:
                evidence = {"msn": rec.msn, "url": rec.url, "status": rec.status}
                self.al.fire(facts.at, "segment_missing", evidence, msn=rec.msn)
        elif listed and rec.status is not None and 200 <= rec.status < 300:
            self.al.clear(facts.at, "segment_missing", hold_s=EPISODE_HOLD_S)
        if rec.status == 200 and rec.url:
            self._reuse(facts, rec)

    def _reuse(self, facts: Facts, rec: RequestRecord) -> None:
        validators = (rec.headers.get("etag"), rec.headers.get("content-length"), rec.headers.get("last-modified"))
        if validators == (None, None, None):
            return
        old = self._validators.get(rec.url)
        self._validators[rec.url] = validators
        while len(self._validators) > MAX_TRACKED:  # unique names (hls_fragment_naming system) grow forever
            del self._validators[next(iter(self._validators))]
        changed = [
            name
            for name, a, b in zip(("etag", "size", "last-modified"), old or validators, validators, strict=True)
            if a is not None and b is not None and a != b
        ]
        if not changed:
            self.al.clear(facts.at, "uri_reused", hold_s=EPISODE_HOLD_S)
            return
        # a restart reuses every name (index0.ts, ...): one episode
        evidence = {"url": rec.url, "before": list(old or ()), "after": list(validators), "changed": ", ".join(changed)}
        self.al.fire(facts.at, "uri_reused", evidence, msn=rec.msn)
