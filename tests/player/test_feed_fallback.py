"""Streams the live-edge feed cannot carry (fMP4, encrypted) play through VLC's own HLS client instead."""

from __future__ import annotations

import time

import pytest

from player.vlc_player import is_available
from tests.monitor.fakeserver import M3U8, FakeServer, Reply

pytestmark = [pytest.mark.vlc, pytest.mark.skipif(not is_available(), reason="libVLC is not installed")]


def _live_playlist(extra_header: str) -> str:
    first = int(time.monotonic())  # a live window that moves, so the player sees it as live
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-TARGETDURATION:1", f"#EXT-X-MEDIA-SEQUENCE:{first}"]
    lines += [extra_header] if extra_header else []
    for seq in range(first, first + 3):
        lines += ["#EXTINF:1.000,", f"seg-{seq}.m4s"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("header", "reason"),
    [('#EXT-X-MAP:URI="init.mp4"', "fMP4"), ('#EXT-X-KEY:METHOD=AES-128,URI="k.bin"', "encrypted")],
)
def test_not_streamable_playlists_bypass_the_feed(header: str, reason: str) -> None:
    from player.vlc_player import VlcPlayer

    with FakeServer() as server:
        server.routes["/live.m3u8"] = lambda method, path: Reply(200, _live_playlist(header), {"Content-Type": M3U8})
        player = VlcPlayer(audio=False, measure_latency=False)
        try:
            player.play(server.url("/live.m3u8"))
            deadline = time.monotonic() + 10
            while player.health().state in ("idle", "waiting") and time.monotonic() < deadline:
                time.sleep(0.05)
            assert player.health().state not in ("idle", "waiting"), player.health()
            assert reason in (player.playlist().not_streamable or "")
            assert not player.feed_in_use
            assert player.edge_feed_stats() is None  # no feed was started
        finally:
            player.close()


def test_a_plain_ts_playlist_goes_through_the_feed() -> None:
    from player.vlc_player import VlcPlayer

    with FakeServer() as server:
        server.routes["/live.m3u8"] = lambda method, path: Reply(200, _live_playlist(""), {"Content-Type": M3U8})
        player = VlcPlayer(audio=False, measure_latency=False)
        try:
            player.play(server.url("/live.m3u8"))
            deadline = time.monotonic() + 10
            while player.edge_feed_stats() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert player.feed_in_use and player.edge_feed_stats() is not None
        finally:
            player.close()
