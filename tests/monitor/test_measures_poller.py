"""Derived measures (pure) and the poller's deadline scheduling with an injected clock."""

from __future__ import annotations

import threading

import pytest

from monitor.clock import FakeClock
from monitor.measures import MeasureAggregator
from monitor.poller import EndpointPoller
from monitor.records import (
    EndpointConfig,
    EndpointState,
    MonitorConfig,
    PlaylistSnapshot,
    RequestKind,
    RequestRecord,
)
from monitor.tracker import LifecycleTracker
from tests.monitor.fakeserver import M3U8, FakeServer, LiveStream, Reply, playlist
from tests.monitor.helpers import request, snap, utc


def test_measures_window_interarrival_lag_staleness():
    agg = MeasureAggregator("origin", 0.0)
    tr = LifecycleTracker("origin")
    prev = None
    for k in range(5):
        prev = snap(2.0 * k, k, 3, previous=prev)
        upd = tr.observe(prev)
        agg.on_snapshot(prev, [lf for lf in upd.new if not lf.missed])
        agg.on_request()
    life = tr.observe_probe(0, request(9.0, 404, msn=0))
    agg.on_gone(life)
    m = agg.build(prev, 9.0, utc(9.0))
    assert m.window_segments == 3 and m.window_s == 6.0 and m.media_sequence == 4
    assert m.interarrivals_p50_s == pytest.approx(2.0)
    assert m.segments_seen == 7 and m.segments_gone == 1 and m.requests == 5
    assert m.staleness_s == pytest.approx(9.0 - prev.fetched.mid)
    assert m.deletion_lag_p50_s == pytest.approx(life.gone.mid - life.left.mid)


def test_poller_rfc_deadline_from_start_of_load_with_fake_clock():
    stream = LiveStream(interval=0.5, window=3, td=1)
    events: list = []
    with FakeServer() as srv:
        url = stream.install(srv)
        clock = FakeClock()
        cfg = MonitorConfig(
            endpoints=(EndpointConfig(name="o", url=url),),
            strategy="rfc",
            probe_deletions=False,
            head_new_segments=False,
        )
        poller = EndpointPoller(cfg.endpoints[0], cfg, events.append, clock=clock, stop=threading.Event())
        assert poller.step() == 0.0  # first load at once
        assert any(isinstance(e, PlaylistSnapshot) for e in events)
        sent = next(e for e in events if isinstance(e, RequestRecord)).sent_mono
        clock.advance(0.3)
        wait = poller.step()  # changed (first) load: wait TD = 1 s from the start of the load
        assert wait == pytest.approx(sent + 1.0 - clock.mono())


def test_no_listed_segment_probes_once_the_stream_ended():
    """After ENDLIST the listed segments are the stop's (NMS deletes them, segment_missing is muted): probing
    them now and then only spent the request budget."""
    ended = playlist(0, [2.0] * 4, td=2, endlist=True)
    events: list = []
    with FakeServer() as srv:
        srv.routes["/live.m3u8"] = lambda method, path: Reply(200, ended, {"Content-Type": M3U8})
        srv.fallback = lambda method, path: Reply(200, b"x" * 188, {"Content-Type": "video/mp2t"})
        clock = FakeClock()
        cfg = MonitorConfig(endpoints=(EndpointConfig(name="o", url=srv.url("/live.m3u8")),), strategy="rfc")
        poller = EndpointPoller(cfg.endpoints[0], cfg, events.append, clock=clock, stop=threading.Event())
        for _ in range(40):  # 40 s of fake time
            clock.advance(max(poller.step(), 0.0) or 0.0)
            clock.advance(1.0)
        assert poller.state == EndpointState.ENDED
        probes = [e for e in events if isinstance(e, RequestRecord) and e.kind == RequestKind.PROBE]
        assert probes == []
