"""Issue 11, class "long runs and hostile origins": a stream frozen for many minutes, absurd EXTINF, a 20,000
segment EVENT playlist, a server dripping bytes, a gzip bomb, a master listing itself, a media sequence jump
of 10,000, two out-of-sync origins behind one URL. Scripted origins: tests/monitor/origins."""

from __future__ import annotations

import itertools
import threading
import time
import tracemalloc

import requests

from monitor.monitor import Monitor
from monitor.records import (
    Alert,
    EndpointConfig,
    EndpointState,
    EndpointStatus,
    MonitorConfig,
    RequestKind,
    RequestRecord,
    Severity,
)
from tests.monitor.fakeserver import M3U8, FakeServer, Reply
from tests.monitor.origins import faults
from tests.monitor.origins.clocks import SkipClock
from tests.monitor.origins.hostile import DripServer, self_listing_master
from tests.monitor.origins.judge import coded, problems, watch
from tests.monitor.origins.live import LiveOrigin


def test_frozen_stream_is_reloaded_forever():
    origin = LiveOrigin(durations=(1.0,), window=4, view_faults=[faults.frozen()])
    clock = SkipClock()
    with FakeServer() as server:
        url = origin.install(server)
        events: list = []
        mon = Monitor(MonitorConfig(endpoints=(EndpointConfig(name="o", url=url),)), events.append, clock=clock)
        start = clock.mono()
        mon.start()
        wall = time.monotonic() + 15.0
        while clock.mono() - start < 1000 and time.monotonic() < wall:
            time.sleep(0.2)
        simulated = clock.mono() - start
        mon.close()
    polls = [e.sent_mono for e in events if isinstance(e, RequestRecord) and e.kind == RequestKind.PLAYLIST]
    assert simulated >= 960, f"only {simulated:.0f} s simulated: reloads slowed down or stopped"
    gaps = [b - a for a, b in itertools.pairwise(polls)]
    assert max(gaps) <= 1.5 * 1 + 0.1, f"a frozen stream went {max(gaps):.0f} s without a reload"
    stalled = coded([e for e in events if isinstance(e, Alert)], "playlist_stale")
    assert len(stalled) == 1, [a.message for a in stalled]  # latched, not one per reload
    assert not [e for e in events if isinstance(e, EndpointStatus) and "internal error" in e.detail]


def test_absurd_extinf_is_an_alert_and_reloads_go_on():
    t0 = time.monotonic()
    values = {"e1e6": 1e6, "e1e308": 1e308, "einf": float("inf")}
    origins = {
        name: LiveOrigin(durations=(0.5,), window=6, view_faults=[faults.huge_extinf(t0 + 2, value)])
        for name, value in values.items()
    }
    with FakeServer() as a, FakeServer() as b, FakeServer() as c:
        urls = {name: o.install(s) for (name, o), s in zip(origins.items(), (a, b, c), strict=True)}
        run = watch(urls, 7.0)
    for name in values:
        late = [r for r in run.requests(name, RequestKind.PLAYLIST) if r.sent_mono > run.ended - 2.5]
        assert len(late) >= 3, f"{name}: reloads stopped after the absurd EXTINF"
        assert coded(run.alerts(name, Severity.WARNING), "extinf_out_of_bounds"), run.alerts(name)


def test_long_event_playlist_reloads_fast_and_is_not_called_stale():
    origin = LiveOrigin(durations=(1.0,), window=20_000, playlist_type="EVENT", pdt=False)
    with FakeServer() as server:
        run = watch({"o": origin.install(server)}, 6.0)
    assert not coded(run.alerts("o"), "playlist_stale", "event_not_growing"), run.alerts("o")
    fresh = [lf for lf in run.lifecycles("o") if not lf.initial and not lf.missed]
    assert len(fresh) >= 4
    late = sorted(lf.first_seen.hi - origin.truth(lf.msn)[0] for lf in fresh)
    assert late[len(late) // 2] < 0.5, late


def test_dripping_server_hits_a_total_deadline():
    with DripServer(interval_s=0.2) as drip:
        run = watch({"o": drip.url()}, 6.0, connect_timeout_s=1.0, read_timeout_s=1.5)
    polls = run.requests("o", RequestKind.PLAYLIST)
    assert len(polls) >= 2, "one dripping reload must not hang the poller"
    deadline = 1.0 + 1.5 + 0.5  # connect + read timeouts, and some slack: a total deadline, not per read
    assert all(p.error and p.total_s < deadline for p in polls), [(p.total_s, p.error) for p in polls]
    assert EndpointState.ERROR in run.states("o") or run.alerts("o", Severity.WARNING)


def test_gzip_bomb_is_capped_after_decompression():
    origin = LiveOrigin(durations=(1.0,), window=4, reply_faults=[faults.gzip_bomb(1_000_000)])
    with FakeServer() as server:
        url = origin.install(server)
        tracemalloc.start()
        try:
            run = watch({"o": url}, 2.5)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    polls = run.requests("o", RequestKind.PLAYLIST)
    assert polls and all(p.error and p.size <= 5_000_000 for p in polls), [(p.size, p.error) for p in polls]
    assert peak < 80_000_000, f"peak {peak / 1e6:.0f} MB while reading a 1 MB gzip playlist"


def test_gzip_bomb_player_read_is_capped():
    from player.playlist_watch import fetch_playlist  # the player's playlist read (issue 11 gave it a cap)

    origin = LiveOrigin(durations=(1.0,), window=4, reply_faults=[faults.gzip_bomb(1_000_000)])
    with FakeServer() as server, requests.Session() as session:
        tracemalloc.start()
        try:
            got = fetch_playlist(session, origin.install(server))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert got.error and not got.text, "the player refuses a playlist over its cap"
    assert peak < 80_000_000, f"peak {peak / 1e6:.0f} MB while reading a 1 MB gzip playlist"


def test_master_listing_itself_is_an_alert_not_a_thread_storm():
    media = LiveOrigin(durations=(1.0,), window=4)
    with FakeServer() as server:
        media.install(server)
        master = self_listing_master("/master.m3u8", "live.m3u8")
        server.routes["/master.m3u8"] = lambda m, p: Reply(200, master, {"Content-Type": M3U8})
        threads_before = threading.active_count()
        run = watch({"o": server.url("/master.m3u8")}, 4.0, variants="all")
        peak_threads = threading.active_count()
    assert len(run.monitor.pollers) <= 3, f"{len(run.monitor.pollers)} pollers for a 2-variant master"
    assert peak_threads - threads_before < 10
    assert len(coded(run.alerts(at_least=Severity.WARNING), "master_self_reference")) == 1, run.alerts()


def test_media_sequence_jump_is_one_alert_and_bounded_records():
    t0 = time.monotonic()
    origin = LiveOrigin(durations=(0.5,), window=6, view_faults=[faults.msn_jump(t0 + 2.0, 10_000)])
    with FakeServer() as server:
        run = watch({"o": origin.install(server)}, 5.0)
    missed = [e for e in run.lifecycle_events("o") if e.missed]
    assert len(missed) <= 100, f"{len(missed)} 'missed' records for one jump (store ranges, not segments)"
    assert len(coded(run.alerts("o", Severity.WARNING), "msn_jump")) == 1, run.alerts("o")


def test_flipping_between_out_of_sync_origins_is_one_latched_alert():
    origin = LiveOrigin(durations=(0.5,), window=6)
    origin.view_faults.append(faults.out_of_sync_twin(origin, behind_s=2.5))
    with FakeServer() as server:
        run = watch({"o": origin.install(server)}, 7.0)
    said = problems(run.alerts("o", Severity.WARNING))
    assert 1 <= len(coded(said, "sequence_went_back")) <= 2, [a.message for a in said]
    assert not coded(said, "msn_back"), "an older copy is not a restart"
