"""Containment and self-health in the poller, against a scripted origin on 127.0.0.1 and a fake clock: a body
is believed only when consistent, every failure is a failure in the session with its reason, and a poller
that wakes up late concludes nothing from its late samples."""

from __future__ import annotations

import threading
from collections.abc import Callable

from monitor.clock import FakeClock
from monitor.poller import EndpointPoller
from monitor.records import (
    Alert,
    EndpointConfig,
    Event,
    Measures,
    MonitorConfig,
    PlaylistSnapshot,
    RequestKind,
    RequestRecord,
    SegmentLifecycle,
    Severity,
)
from tests.monitor.fakeserver import M3U8, FakeServer, Reply, playlist

HEADERS = {"Content-Type": M3U8, "Cache-Control": "no-cache", "Access-Control-Allow-Origin": "*"}
FULL = playlist(10, [2.0] * 4, td=2)


def scripted(bodies: list[str]) -> Callable[[str, str], Reply]:
    """Answer the n-th playlist request with bodies[n] (the last one repeats)."""
    count = [0]

    def route(method: str, path: str) -> Reply:
        body = bodies[min(count[0], len(bodies) - 1)]
        count[0] += 1
        return Reply(200, body, dict(HEADERS))

    return route


def drive(bodies: list[str], polls: int) -> list[Event]:
    events: list[Event] = []
    with FakeServer() as srv:
        srv.routes["/live.m3u8"] = scripted(bodies)
        srv.fallback = lambda m, p: Reply(200, b"\x47" * 188, {"Content-Type": "video/mp2t"})
        cfg = MonitorConfig(
            endpoints=(EndpointConfig(name="o", url=srv.url("/live.m3u8")),),
            probe_deletions=False,
            head_new_segments=False,
        )
        clock = FakeClock()
        poller = EndpointPoller(cfg.endpoints[0], cfg, events.append, clock=clock, stop=threading.Event())
        for _ in range(polls):
            clock.advance(max(poller.step(), 0.0))
    return events


def requests_of(events: list[Event]) -> list[RequestRecord]:
    return [e for e in events if isinstance(e, RequestRecord) and e.kind == RequestKind.PLAYLIST]


def test_a_playlist_that_loses_its_newest_entry_is_fetched_again_and_not_believed():
    shrunk = playlist(10, [2.0] * 3, td=2)
    events = drive([FULL, shrunk, FULL, FULL], polls=4)
    reqs = requests_of(events)
    assert len(reqs) >= 3 and "not believed" in (reqs[1].error or ""), [r.error for r in reqs]
    assert reqs[2].sent_mono - reqs[1].end_mono < 0.5  # fetched again at once
    removed = [e for e in events if isinstance(e, SegmentLifecycle) and e.left is not None]
    assert removed == [], "a suspect body must never mark segments as removed"
    (alert,) = [e for e in events if isinstance(e, Alert) and e.code == "playlist_shrank"]
    assert alert.severity == Severity.WARNING  # the second look had them back
    assert all(s.last_msn == 13 for s in events if isinstance(s, PlaylistSnapshot))


def test_html_and_a_body_cut_mid_tag_are_failures_with_their_reason():
    cut = FULL[: FULL.index("#EXTINF") + 5]  # stops inside a tag
    html = "<html><body>503 Service Unavailable</body></html>"
    events = drive([FULL, cut, html, FULL], polls=4)
    errors = [r.error for r in requests_of(events) if r.status == 200 and r.error]
    assert len(errors) == 2, [r.error for r in requests_of(events)]  # each was a plain 200 in the session
    assert "truncated" in errors[0].lower() and "html" in errors[1].lower()
    snaps = [e for e in events if isinstance(e, PlaylistSnapshot)]
    assert snaps and all(s.media_sequence == 10 and len(s.segments) == 4 for s in snaps)
    assert not [e for e in events if isinstance(e, SegmentLifecycle) and e.left is not None]


class LateClock(FakeClock):
    """A clock whose waits overshoot: the poller's own thread starved of CPU."""

    def __init__(self, late_s: float) -> None:
        super().__init__()
        self.late_s = late_s

    def wait(self, event: threading.Event, seconds: float) -> bool:
        self._now += max(0.0, seconds) + self.late_s
        return event.is_set()


def test_a_late_poller_says_so_measures_it_and_does_not_call_the_stream_stale():
    events: list[Event] = []
    stop = threading.Event()

    def collect(event: Event) -> None:
        events.append(event)
        if sum(isinstance(e, RequestRecord) for e in events) >= 12:
            stop.set()

    with FakeServer() as srv:
        srv.routes["/live.m3u8"] = scripted([FULL])  # frozen: the stream does stall, but the monitor is late
        cfg = MonitorConfig(
            endpoints=(EndpointConfig(name="o", url=srv.url("/live.m3u8")),),
            probe_deletions=False,
            head_new_segments=False,
        )
        poller = EndpointPoller(cfg.endpoints[0], cfg, collect, clock=LateClock(5.0), stop=stop)
        poller._run()  # on this thread: the loop under test
    alerts = [e for e in events if isinstance(e, Alert)]
    assert [a.code for a in alerts if a.recovers is None] == ["monitor_late"], alerts
    late = [e.loop_lateness_max_s for e in events if isinstance(e, Measures) and e.loop_lateness_max_s]
    assert late and max(late) >= 5.0
