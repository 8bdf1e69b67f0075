"""A publisher restart on Node-Media-Server (ffmpeg hls muxer): the playlist goes away, comes back with the
media sequence restarted, and index0.ts etc. are reused with new content — each of those checks fires."""

from __future__ import annotations

import time

import pytest

from lab.delivery import republish
from lab.nms_origin import nms_available
from monitor.monitor import Monitor
from monitor.records import EndpointConfig, MonitorConfig

pytestmark = [pytest.mark.lab, pytest.mark.skipif(nms_available() is not None, reason=str(nms_available()))]


@pytest.fixture(scope="module")
def nms_lab(module_lab_factory):
    return module_lab_factory(
        origin="nms", size=(320, 180), fps=15, bitrate_kbps=300, fragment_s=1.0, playlist_length_s=3.0
    )


def test_restart_gone_back_reuse(nms_lab):
    cfg = MonitorConfig(
        endpoints=(EndpointConfig(name="origin", url=nms_lab.origin_playlist_url),), probe_deletions=False
    )
    with Monitor(cfg) as mon:
        time.sleep(6)
        republish(nms_lab, gap_s=3.0)
        deadline = time.monotonic() + 25
        while time.monotonic() < deadline:
            codes = {a.code for a in mon.alerts()}
            if {"playlist_gone", "stream_back", "msn_back", "uri_reused"} <= codes:
                break
            time.sleep(0.5)
    codes = [a.code for a in mon.alerts()]
    assert {"playlist_gone", "stream_back", "msn_back", "uri_reused"} <= set(codes), mon.alerts()
    assert codes.index("playlist_gone") < codes.index("stream_back")
