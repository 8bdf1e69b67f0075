"""A scripted origin in simulated time, for driving EndpointPoller.step() with a FakeClock (no threads,
no sockets): ``fetch`` stands in for monitor.fetch.fetch and answers from the origin's state at the
fake clock's instant, advancing the clock by the request's duration."""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from monitor.clock import FakeClock
from monitor.fetch import Fetched
from monitor.poller import EndpointPoller
from monitor.records import EndpointConfig, Event, MonitorConfig, RequestKind, RequestRecord, SegmentLifecycle

BASE = "http://origin.test/live"


@dataclass
class Segment:
    msn: int
    gen: int
    arrival: float
    extinf: float  # as written in the playlist (may be absurd)
    deleted_at: float = math.inf


@dataclass
class SimOrigin:
    """Segments appear every ``duration(k)`` seconds and stay listed for ``window`` of them.

    Deletion: ``cleaner_period`` set: nginx-rtmp's cleaner, ticks every period (from ``cleaner_phase``)
    deleting files that arrived at least ``max_age`` before; else ``delete_after`` s after leaving."""

    clock: FakeClock
    duration: Callable[[int], float] = lambda k: 2.0
    window: int = 3
    td: float = 2.0
    cleaner_period: float | None = None
    cleaner_phase: float = 0.0
    max_age: float = 12.0
    delete_after: float = 4.0
    rng: random.Random = field(default_factory=lambda: random.Random(1))
    fault_rate: float = 0.0  # share of requests answered badly (503, HTML, truncation, timeouts)
    timeout_s: float = 13.05
    segments: list[Segment] = field(default_factory=list)
    gen: int = 0
    msn_offset: int = 0  # added to the media sequence (jumps)
    frozen: tuple[str, float] | None = None  # (text, until): a stale copy is served
    outage_until: float = -math.inf  # the playlist answers 404
    skip_faults_until: float = -math.inf
    extinf_override: Callable[[int], float] | None = None  # the EXTINF written for segment k
    _next_arrival: float = 0.0
    _k: int = 0
    on_arrival: Callable[[SimOrigin], None] | None = None  # hook: random events at each arrival

    def __post_init__(self) -> None:
        self._next_arrival = self.clock.mono() + 0.37

    # ---- the origin's state -------------------------------------------------------------------------
    def advance(self, now: float) -> None:
        while self._next_arrival <= now:
            written = self.extinf_override(self._k) if self.extinf_override else self.duration(self._k)
            seg = Segment(msn=self._k + self.msn_offset, gen=self.gen, arrival=self._next_arrival, extinf=written)
            self.segments.append(seg)
            self._schedule_deletion()
            self._k += 1
            self._next_arrival += max(0.05, min(self.duration(self._k), 30.0))
            if self.on_arrival is not None:
                self.on_arrival(self)
        if len(self.segments) > 4 * self.window + 400:
            del self.segments[: len(self.segments) - 4 * self.window - 200]

    def _schedule_deletion(self) -> None:
        if len(self.segments) <= self.window:
            return
        leaving = self.segments[-self.window - 1]
        left = self.segments[-1].arrival
        if self.cleaner_period:
            due = leaving.arrival + self.max_age
            ticks = math.ceil((due - self.cleaner_phase) / self.cleaner_period)
            leaving.deleted_at = self.cleaner_phase + ticks * self.cleaner_period
        else:
            leaving.deleted_at = left + self.delete_after

    def restart(self) -> None:
        """The publisher restarts: numbering from 0 again, same names, after the files were removed."""
        now = self.clock.mono()
        for seg in self.segments:
            seg.deleted_at = min(seg.deleted_at, now)
        self.segments = []
        self.gen += 1
        self._k = 0
        self.msn_offset = 0

    def listed(self) -> list[Segment]:
        return self.segments[-self.window :]

    def playlist_text(self) -> str:
        listed = self.listed()
        ms = listed[0].msn if listed else self.msn_offset + self._k
        lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-MEDIA-SEQUENCE:{ms}", f"#EXT-X-TARGETDURATION:{self.td:g}"]
        for seg in listed:
            lines += [f"#EXTINF:{seg.extinf:.3f},", f"seg-{seg.gen}-{seg.msn}.ts"]
        return "\n".join(lines) + "\n"

    # ---- HTTP ---------------------------------------------------------------------------------------------
    def fetch(
        self,
        session: object,
        url: str,
        *,
        endpoint: str,
        kind: RequestKind,
        clock: FakeClock,
        timeout: tuple[float, float],
        method: str = "GET",
        headers: dict[str, str] | None = None,
        msn: int | None = None,
        blocking: bool = False,
        **_: object,
    ) -> Fetched:
        sent = clock.mono()
        self.advance(sent)
        fault = self.rng.random() < self.fault_rate and sent >= self.skip_faults_until
        if fault and self.rng.random() < 0.25:
            clock.advance(self.timeout_s)
            return self._record(url, endpoint, kind, method, sent, None, b"", msn, "timeout after 10 s")
        rtt = self.rng.uniform(0.004, 0.03)
        clock.advance(rtt)
        if kind == RequestKind.PLAYLIST:
            status, body = self._playlist(sent, fault)
        else:
            status, body = self._segment(url, sent + rtt / 2, fault), b""
        return self._record(url, endpoint, kind, method, sent, status, body, msn, None)

    def _playlist(self, now: float, fault: bool) -> tuple[int, bytes]:
        if now < self.outage_until:
            return 404, b"not found"
        if fault:
            choice = self.rng.random()
            if choice < 0.4:
                return 503, b"busy"
            if choice < 0.7:
                return 200, b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>"
            text = self.playlist_text()
            return 200, text[: self.rng.randrange(1, max(2, len(text)))].encode()
        if self.frozen is not None:
            if now < self.frozen[1]:
                return 200, self.frozen[0].encode()
            self.frozen = None
        return 200, self.playlist_text().encode()

    def _segment(self, url: str, at: float, fault: bool) -> int:
        if fault:
            return 503
        name = url.rsplit("/", 1)[-1]
        try:
            _, gen, msn = name.removesuffix(".ts").split("-")
            key = (int(gen), int(msn))
        except ValueError:  # a name cut off by a truncated playlist
            return 404
        for seg in reversed(self.segments):
            if (seg.gen, seg.msn) == key:
                return 200 if at < seg.deleted_at else 404
        return 404

    def _record(
        self,
        url: str,
        endpoint: str,
        kind: RequestKind,
        method: str,
        sent: float,
        status: int | None,
        body: bytes,
        msn: int | None,
        error: str | None,
    ) -> Fetched:
        end = self.clock.mono()
        rec = RequestRecord(
            endpoint=endpoint,
            kind=kind,
            method=method,
            url=url,
            final_url=url if status is not None else None,
            sent_mono=sent,
            sent_utc=self.clock.utc(sent),
            first_byte_mono=None if status is None else end,
            end_mono=end,
            end_utc=self.clock.utc(end),
            status=status,
            size=len(body),
            headers={"content-type": "application/vnd.apple.mpegurl"} if kind == RequestKind.PLAYLIST else {},
            error=error,
            blocking=blocking_of(url),
            msn=msn,
        )
        return Fetched(record=rec, body=body if method != "HEAD" and status is not None else None)


def blocking_of(url: str) -> bool:
    return "_HLS_msn" in url


@dataclass
class Run:
    """What one simulated run showed."""

    requests: list[RequestRecord] = field(default_factory=list)
    lifecycles: dict[tuple[int, int], SegmentLifecycle] = field(default_factory=dict)
    events: int = 0
    keep: bool = True  # keep requests and lifecycles (else only count, and call on_request)
    on_request: Callable[[RequestRecord], None] | None = None

    def emit(self, event: Event) -> None:
        self.events += 1
        if isinstance(event, RequestRecord) and self.on_request is not None:
            self.on_request(event)
        if not self.keep:
            return
        if isinstance(event, RequestRecord):
            self.requests.append(event)
            if len(self.requests) > 200_000:
                del self.requests[:100_000]
        elif isinstance(event, SegmentLifecycle):
            self.lifecycles[(event.generation, event.msn)] = event
            if len(self.lifecycles) > 20_000:
                for key in list(self.lifecycles)[:10_000]:
                    del self.lifecycles[key]


def make_poller(origin: SimOrigin, run: Run, **config: object) -> EndpointPoller:
    endpoint = EndpointConfig(name="origin", url=f"{BASE}/index.m3u8")
    cfg = MonitorConfig(endpoints=(endpoint,), **config)  # type: ignore[arg-type]
    return EndpointPoller(endpoint, cfg, run.emit, clock=origin.clock, stop=threading.Event())


def drive(poller: EndpointPoller, clock: FakeClock, until: float, check: Callable[[float], None] | None = None) -> None:
    """Step the poller until the fake clock reaches ``until``; every wait is finite and bounded."""
    idle_steps = 0
    while clock.mono() < until:
        before = clock.mono()
        wait = poller.step()
        assert math.isfinite(wait) and 0.0 <= wait <= threading.TIMEOUT_MAX, wait
        if wait > 0:
            clock.advance(min(wait, until - clock.mono() + 1e-6))
        idle_steps = idle_steps + 1 if clock.mono() == before else 0
        assert idle_steps <= 5, "the poller spins without doing anything"
        if check is not None:
            check(clock.mono())
