"""Derived measures (pure) and the poller's deadline scheduling with an injected clock."""

from __future__ import annotations

import dataclasses
import json
import threading
from datetime import timedelta

import pytest

from monitor import poller as poller_module
from monitor.clock import FakeClock
from monitor.measures import (
    MeasureAggregator,
    deletion_lag_s,
    gone_at,
    lifetime_s,
    listed_s,
    pdt_latency_s,
)
from monitor.models.fingerprint import fingerprint
from monitor.poller import EndpointPoller
from monitor.probe_cli import EndpointFacts, _endpoint_summary
from monitor.records import (
    EndpointConfig,
    EndpointState,
    Fingerprint,
    Measures,
    MonitorConfig,
    PlaylistSnapshot,
    RequestKind,
    RequestRecord,
    SegmentLifecycle,
    Window,
)
from monitor.session import decode_record, encode
from monitor.tracker import LifecycleTracker
from tests.monitor.fakeserver import M3U8, FakeServer, LiveStream, Reply, playlist
from tests.monitor.helpers import request, snap, utc, window


def test_measures_window_interarrival_lag_staleness():
    agg = MeasureAggregator("origin", 0.0)
    tr = LifecycleTracker("origin")
    prev = None
    for k in range(5):
        prev = snap(2.0 * k, k, 3, previous=prev)
        upd = tr.observe(prev)
        agg.on_snapshot(prev, [lf for lf in upd.new if not lf.missed])
        agg.on_request(RequestKind.PLAYLIST)
    life = tr.observe_probe(0, request(9.0, 404, msn=0))
    agg.on_gone(life)
    m = agg.build(prev, 9.0, utc(9.0))
    assert m.window_segments == 3 and m.window_s == 6.0 and m.media_sequence == 4
    assert m.interarrivals_p50_s == pytest.approx(2.0)
    assert m.segments_seen == 7 and m.segments_gone == 1 and m.requests == 5
    assert m.staleness_s == pytest.approx(9.0 - prev.fetched.mid)
    assert m.deletion_lag_p50_s == pytest.approx(deletion_lag_s(life, agg.arrival_step_s))


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


# ---- truthful numbers: estimates, PDT latency, requests by kind, fingerprint, summary sentences ---------------

STEP = 0.06  # MonitorConfig.dense_step_s


def _life(msn: int, first: tuple[float, float], left=None, gone=None, **extra) -> SegmentLifecycle:
    return SegmentLifecycle(
        endpoint="origin",
        msn=msn,
        uri=f"http://127.0.0.1:8080/hls/seg-{msn}.ts",
        extinf=2.0,
        first_seen=window(*first),
        left=None if left is None else window(*left),
        gone=None if gone is None else window(*gone),
        **extra,
    )


def test_lag_lifetime_and_time_listed_come_from_the_window_estimates():
    """The fast poller's windows are one-sided: opened by the reload ~2 s before, closed 0.03 s after the change.
    Truth: appeared at 10, left at 16, deleted at 20 (lag 4 s, lifetime 10 s); the middles say 4.97 and 10.0."""
    life = _life(5, (8.03, 10.03), left=(14.03, 16.03), gone=(19.9, 20.1))
    assert listed_s(life, STEP) == pytest.approx(6.0)
    assert deletion_lag_s(life, STEP) == pytest.approx(4.0)
    assert lifetime_s(life, STEP) == pytest.approx(10.0)
    agg = MeasureAggregator("origin", 0.0, STEP)
    agg.on_gone(life)
    m = agg.build(snap(20.0, 5, 3), 20.0, utc(20.0))
    assert m.deletion_lag_p50_s == pytest.approx(4.0) and m.lifetime_p50_s == pytest.approx(10.0)


def test_deletion_lag_is_never_negative_and_gone_never_before_left():
    """A probe sent while the left window was still open found the segment gone: the lag lies within the
    measurement's uncertainty of zero, and is reported as zero (the middles gave −0.5 s)."""
    life = _life(5, (8.03, 10.03), left=(14.0, 16.03), gone=(14.0, 15.0))
    assert life.gone.lo <= gone_at(life, STEP) <= life.gone.hi
    assert deletion_lag_s(life, STEP) == 0.0
    deleted_while_listed = _life(6, (8.03, 10.03), left=(20.0, 22.0), gone=(15.0, 16.0))
    assert deletion_lag_s(deleted_while_listed, STEP) is None  # counted as errors_while_listed instead
    for lf in (life, deleted_while_listed):
        lag, whole = deletion_lag_s(lf, STEP), lifetime_s(lf, STEP)
        assert (lag is None or lag >= 0) and (whole is None or whole >= 0)


def test_pdt_latency_compares_utc_with_utc_from_the_window_itself():
    """The window's UTC stamps are 100 s away from the helpers' mono→UTC mapping (wall clock drift): the
    latency must come from the window's own UTC fields."""
    drifted = Window(lo=10.0, hi=12.0, lo_utc=utc(110.0), hi_utc=utc(112.0))
    pdt = utc(112.0) - timedelta(seconds=5.0)  # media starts 5 s before the window closed, lasts 2 s
    life = dataclasses.replace(_life(3, (10.0, 12.0)), first_seen=drifted, pdt=pdt)
    assert pdt_latency_s(life, STEP) == pytest.approx(5.0 - 2.0 - STEP / 2)
    agg = MeasureAggregator("origin", 0.0, STEP)
    older = dataclasses.replace(life, msn=2, pdt=pdt - timedelta(seconds=2.0))
    agg.on_snapshot(snap(10.0, 0, 4), [older, life])  # the newest segment of the reload counts
    m = agg.build(snap(12.0, 0, 4), 12.0, utc(12.0))
    assert m.pdt_latency_s == pytest.approx(3.0 - STEP / 2) and m.pdt_latency_p50_s == m.pdt_latency_s
    assert MeasureAggregator("o", 0.0).build(snap(1.0, 0), 1.0, utc(1.0)).pdt_latency_s is None


def test_requests_by_kind_and_the_monitors_own_lateness():
    agg = MeasureAggregator("origin", 0.0)
    for kind in (RequestKind.PLAYLIST, RequestKind.PLAYLIST, RequestKind.SEGMENT, RequestKind.PROBE):
        agg.on_request(kind)
    agg.on_lateness(1.0, 0.9)  # more than a minute before the build: forgotten
    agg.on_lateness(70.0, 0.02)
    agg.on_lateness(75.0, 0.3)
    m = agg.build(snap(80.0, 0), 80.0, utc(80.0))
    assert m.requests == 4 and m.request_rate == pytest.approx(0.05)
    assert m.requests_by_kind == {"playlist": 2, "segment": 1, "probe": 1}
    assert m.loop_lateness_max_s == pytest.approx(0.3)
    back = decode_record(Measures, json.loads(encode(m)))  # the session keeps them
    assert back.requests_by_kind == m.requests_by_kind


NGINX_LIKE = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:{ms}\n#EXT-X-TARGETDURATION:2\n" + "".join(
    f"#EXTINF:2.000,\nlive-{{s{i}}}.ts\n" for i in range(3)
)


def test_the_fingerprint_is_computed_once_and_published_in_measures(monkeypatch):
    calls = []

    def counting(snapshot, headers):
        calls.append(snapshot.media_sequence)
        return fingerprint(snapshot, headers)

    monkeypatch.setattr(poller_module, "fingerprint", counting)
    seq = {"n": 0}

    def route(method, path):
        ms = seq["n"] // 2
        seq["n"] += 1
        body = NGINX_LIKE.format(ms=ms, **{f"s{i}": ms + i for i in range(3)})
        return Reply(200, body, {"Content-Type": M3U8, "Server": "nginx/1.24.0", "ETag": '"6745a1b2-1f4c"'})

    events: list = []
    with FakeServer() as srv:
        srv.routes["/live.m3u8"] = route
        clock = FakeClock()
        cfg = MonitorConfig(
            endpoints=(EndpointConfig(name="o", url=srv.url("/live.m3u8")),),
            probe_deletions=False,
            head_new_segments=False,
        )
        poller = EndpointPoller(cfg.endpoints[0], cfg, events.append, clock=clock, stop=threading.Event())
        for _ in range(12):
            clock.advance(max(poller.step(), 0.0))
            clock.advance(0.5)
    measures = [e for e in events if isinstance(e, Measures)]
    assert measures and all(m.fingerprint == measures[0].fingerprint for m in measures)
    assert (
        measures[0].fingerprint.name == "nginx-rtmp"
        and "MEDIA-SEQUENCE before TARGETDURATION" in measures[0].fingerprint.reason
    )
    assert len(calls) == 1


def _facts(lifecycles, measures=None, requests=None, elapsed=20.0, state="live") -> EndpointFacts:
    return EndpointFacts(
        name="origin",
        lifecycles=lifecycles,
        measures=measures,
        state=state,
        requests=requests or {},
        elapsed_s=elapsed,
    )


def test_summary_never_claims_an_unprobed_segment_still_available():
    """After a restart the previous publish's removed segments are given up without a 2xx probe: nothing may
    say they were "still available after N s"."""
    cfg = MonitorConfig(endpoints=())
    given_up = _life(3, (8.03, 10.03), left=(14.03, 16.03), gave_up=True)
    text = "\n".join(_endpoint_summary(_facts([given_up]), cfg))
    assert "still" not in text.replace("not yet", "")
    assert "1 removed segment(s) were not probed until gone (given up unanswered)" in text
    probed = dataclasses.replace(given_up, msn=4, last_available_mono=30.0)
    text = "\n".join(_endpoint_summary(_facts([given_up, probed]), cfg))
    assert "1 removed segment(s) still answered when probing stopped, the longest 14 s after leaving" in text


def test_summary_keeps_each_publish_apart_after_a_restart():
    cfg = MonitorConfig(endpoints=())
    old = [_life(k, (2.0 * k - 1.97, 2.0 * k + 0.03), left=(2.0 * k + 5.0, 2.0 * k + 6.03)) for k in range(1, 8)]
    new = [dataclasses.replace(_life(k, (40 + 2.0 * k - 1.97, 40 + 2.0 * k + 0.03)), generation=1) for k in range(0, 3)]
    lines = _endpoint_summary(_facts(old + new), cfg)
    text = "\n".join(lines)
    assert "publish 1 of 2 (media sequence 1-7, before the publisher restarted):" in text
    assert "publish 2 of 2 (media sequence 0-2, current):" in text
    intervals = [line for line in lines if "new-segment intervals" in line]
    assert len(intervals) == 2 and all("max 2.00" in line for line in intervals), intervals


def test_summary_says_what_was_not_measured():
    cfg = MonitorConfig(endpoints=(), probe_deletions=False)
    lives = [_life(k, (2.0 * k - 1.97, 2.0 * k + 0.03), left=(2.0 * k + 5.0, 2.0 * k + 6.03)) for k in range(1, 5)]
    text = "\n".join(_endpoint_summary(_facts(lives), cfg))
    assert "deletion lag after leaving the playlist: not measured (deletion probes off)" in text
    assert "not measured (no EXT-X-PROGRAM-DATE-TIME in the playlist)" in text
    assert "server: not identified (no playlist with two segments was read)" in text
    assert " -\n" not in text + "\n"
    probing_on = MonitorConfig(endpoints=())
    text = "\n".join(_endpoint_summary(_facts(lives, requests={"playlist": 20}), probing_on))
    assert "deletion lag after leaving the playlist: not measured (no deletion probe was sent)" in text


def test_summary_shows_the_fingerprint_pdt_latency_and_request_rate_by_kind():
    cfg = MonitorConfig(endpoints=())
    agg = MeasureAggregator("origin", 0.0, STEP)
    agg.fingerprint = Fingerprint(name="nginx-rtmp", reason="looks like nginx-rtmp: Server: nginx")
    life = dataclasses.replace(_life(3, (10.0, 12.0)), pdt=utc(12.0) - timedelta(seconds=4.0))
    agg.on_snapshot(snap(12.0, 0, 4), [life])
    m = agg.build(snap(12.0, 0, 4), 12.0, utc(12.0))
    text = "\n".join(_endpoint_summary(_facts([life], m, {"playlist": 30, "segment": 10, "probe": 5}), cfg))
    assert "server looks like nginx-rtmp: Server: nginx" in text
    assert "latency from PROGRAM-DATE-TIME (first seen - end of the segment's media): last 1.97 s" in text
    assert "requests 45 (2.25/s) in 20 s: reloads 1.50/s, new-segment HEAD/GET 0.50/s, deletion probes 0.25/s" in text


def test_no_new_segment_interval_spans_a_publisher_restart():
    agg = MeasureAggregator("origin", 0.0, STEP)
    old = [_life(k, (2.0 * k - 1.97, 2.0 * k + 0.03)) for k in (1, 2)]
    new = dataclasses.replace(_life(0, (30.0 - 1.97, 30.03)), generation=1)
    for life in [*old, new]:
        agg.on_snapshot(snap(life.first_seen.hi, 0), [life])
    m = agg.build(snap(40.0, 0), 40.0, utc(40.0))
    assert m.interarrivals_p50_s == pytest.approx(2.0)  # the outage before the new publish is not an interval
    assert m.last_interarrival_s == pytest.approx(2.0)


def test_a_missed_range_counts_every_media_sequence_number_it_stands_for():
    missed = _life(10, (1.0, 3.0), left=(1.0, 3.0), missed=True, missed_through=14)
    agg = MeasureAggregator("origin", 0.0)
    agg.on_missed(missed)
    assert agg.build(snap(3.0, 15), 3.0, utc(3.0)).missed == 5
    text = "\n".join(_endpoint_summary(_facts([missed]), MonitorConfig(endpoints=())))
    assert "missed 5" in text


def test_summary_says_when_deletions_were_only_bracketed_loosely():
    lives = [
        _life(
            k,
            (2.0 * k - 1.97, 2.0 * k + 0.03),
            left=(2.0 * k + 4.0, 2.0 * k + 6.03),
            gone=(2.0 * k + 8.0, 2.0 * k + 11.0),
        )
        for k in (1, 2, 3)
    ]
    text = "\n".join(_endpoint_summary(_facts(lives, requests={"probe": 6}), MonitorConfig(endpoints=())))
    assert "deletions were bracketed by probes 3.0 s apart (median)" in text
