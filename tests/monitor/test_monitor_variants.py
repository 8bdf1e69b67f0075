"""Followed variants are bounded: a master that lists itself (or a loop of masters) spawns no pollers."""

from __future__ import annotations

import threading
import time

from monitor.monitor import MAX_FOLLOWED_VARIANTS, Monitor
from monitor.records import EndpointConfig, MonitorConfig
from tests.monitor.fakeserver import M3U8, FakeServer, LiveStream, Reply


def _master(uris: list[str]) -> str:
    lines = ["#EXTM3U"]
    for i, uri in enumerate(uris):
        lines += [f"#EXT-X-STREAM-INF:BANDWIDTH={100_000 * (i + 1)}", uri]
    return "\n".join(lines) + "\n"


def test_a_master_listing_itself_and_a_loop_is_bounded_and_reported():
    stream = LiveStream(interval=0.5)
    with FakeServer() as srv:
        stream.install(srv)
        # the master lists itself, a second master that lists the first (a loop), and 40 media playlists
        root = _master(["master.m3u8", "other.m3u8"] + [f"live.m3u8?v={i}" for i in range(40)])
        srv.routes["/master.m3u8"] = lambda m, p: Reply(200, root, {"Content-Type": M3U8})
        srv.routes["/other.m3u8"] = lambda m, p: Reply(200, _master(["master.m3u8"]), {"Content-Type": M3U8})
        config = MonitorConfig(endpoints=(EndpointConfig(name="o", url=srv.url("/master.m3u8")),), variants="all")
        mon = Monitor(config).start()
        time.sleep(2.0)
        pollers = len(mon.pollers)
        threads = sum(1 for t in threading.enumerate() if t.name.startswith("poll-"))
        mon.close()
    assert pollers <= MAX_FOLLOWED_VARIANTS and threads <= MAX_FOLLOWED_VARIANTS
    codes = [a.code for a in mon.alerts()]
    assert "master_self_reference" in codes and "variants_capped" in codes
    assert codes.count("master_self_reference") <= 2  # once per master, not once per reload
