"""A scripted driver for the rules: the state keeping a poller does, on scripted snapshots and requests
(injected times, no I/O)."""

from __future__ import annotations

from dataclasses import replace

from monitor.records import Alert, EndpointState, PlaylistSnapshot, RequestKind, RequestRecord, SegmentLifecycle
from monitor.rules.endpoint import EndpointRules
from monitor.rules.facts import Facts
from monitor.rules.latch import Stamp
from monitor.stream_state import Liveness, after_failure
from monitor.tracker import LifecycleTracker
from tests.monitor.helpers import request, utc

GOOD = {
    "content-type": "application/vnd.apple.mpegurl",
    "cache-control": "no-cache",
    "access-control-allow-origin": "*",
}


def stamp(t: float) -> Stamp:
    return Stamp(mono=t, utc=utc(t))


def pl_req(t: float, status: int | None = 200, headers: dict | None = None, error: str | None = None) -> RequestRecord:
    rec = request(
        t,
        status,
        kind=RequestKind.PLAYLIST,
        method="GET",
        headers=GOOD if headers is None else headers,
        url="http://127.0.0.1/live.m3u8",
    )
    return rec if error is None else replace(rec, error=error)


def codes(alerts: list[Alert]) -> list[str]:
    return [a.code for a in alerts]


class Driver:
    """Rules + tracker + liveness, as the poller wires them."""

    def __init__(self, *, is_cdn: bool = False, signs: dict[str, str] | None = None) -> None:
        self.rules = EndpointRules("origin")
        self.tracker = LifecycleTracker("origin")
        self.liveness = Liveness()
        self.state = EndpointState.STARTING
        self.is_cdn = is_cdn
        self.signs = signs or {}
        self.uncertain = False
        self.alerts: list[Alert] = []
        self.last: PlaylistSnapshot | None = None

    def facts(self, t: float, snap: PlaylistSnapshot | None = None) -> Facts:
        snap = snap or self.last
        return Facts(
            at=stamp(t),
            state=self.state,
            target_duration=snap.target_duration if snap else None,
            playlist_type=snap.playlist_type if snap else None,
            last_new_hi=self.liveness.last_new_hi,
            is_cdn=self.is_cdn or bool(self.signs),
            cdn_signs=self.signs,
            uncertain=self.uncertain,
        )

    def _drain(self) -> list[Alert]:
        out = self.rules.drain()
        self.alerts += out
        return out

    def set_state(self, t: float, new: EndpointState, *, snap=None, status=None) -> list[Alert]:
        if new != self.state:
            self.rules.stream.on_state(self.facts(t, snap), new, snap=snap, status=status)
            self.state = new
        return self._drain()

    def playlist(self, snap: PlaylistSnapshot, rec: RequestRecord | None = None) -> list[Alert]:
        t = snap.fetched.lo
        rec = rec or pl_req(t)
        self.rules.transport.on_playlist(self.facts(t, snap), rec, None)
        prev = self.tracker.previous
        facts = self.facts(t, snap)
        upd = self.tracker.observe(snap)
        self.rules.segments.lengths.note(snap, self.tracker.generation)
        restarted = upd.reset is not None
        if restarted and prev is not None:
            self.rules.stream.restarted(facts, snap, prev)
        self.rules.playlist.on_snapshot(facts, snap, None if restarted else prev, upd.new)
        self.last = snap
        real_new = [lf for lf in upd.new if not lf.missed]
        newest = max((lf.first_seen.hi for lf in real_new), default=None)
        state = self.liveness.after_snapshot(self.state, snap, newest, at_cdn=facts.is_cdn, uncertain=self.uncertain)
        out = self._drain()
        return out + self.set_state(t, state, snap=snap)

    def failure(self, t: float, status: int | None, reason: str, headers: dict | None = None) -> list[Alert]:
        rec = pl_req(t, status, headers=headers or {}, error=reason if status is None else None)
        self.rules.transport.on_playlist(self.facts(t), rec, reason)
        out = self._drain()
        return out + self.set_state(t, after_failure(self.state, status), status=status)

    def segment(
        self, rec: RequestRecord, life: SegmentLifecycle | None = None, *, listed: bool = True, gap: bool = False
    ) -> list[Alert]:
        facts = self.facts(rec.sent_mono)
        self.rules.transport.on_segment(facts, rec)
        self.rules.segments.on_response(facts, rec, listed=listed, gap=gap)
        if life is not None:
            self.rules.cdn.old_copy(facts, life, rec)
        return self._drain()

    def gone(self, t: float, life: SegmentLifecycle) -> list[Alert]:
        self.rules.segments.on_gone(self.facts(t), life)
        return self._drain()

    def run(self, snaps: list[PlaylistSnapshot]) -> list[Alert]:
        out: list[Alert] = []
        for s in snaps:
            out += self.playlist(s)
        return out


__all__ = ["GOOD", "Driver", "codes", "pl_req", "request", "stamp"]
