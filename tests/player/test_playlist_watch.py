"""The player's playlist view from scripted playlists (first-seen times, PDT, window)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from player.playlist_watch import PlaylistView, parse_media_playlist, view_from_playlist

URL = "http://127.0.0.1:9/hls/test.m3u8"


def _playlist(first: int, count: int, *, pdt: bool = False, endlist: bool = False) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-MEDIA-SEQUENCE:{first}", "#EXT-X-TARGETDURATION:2"]
    for n in range(first, first + count):
        if pdt:
            lines.append(f"#EXT-X-PROGRAM-DATE-TIME:2026-11-25T12:00:{2 * n:02d}.000Z")
        lines += ["#EXTINF:2.000,", f"test-{n}.ts"]
    if endlist:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def test_newest_segment_first_seen_time_and_window() -> None:
    seen: dict[str, float] = {}
    view = view_from_playlist(parse_media_playlist(_playlist(0, 3), URL), url=URL, t_mono=10.0, first_seen=seen)
    assert view.live and view.segment_count == 3 and view.window_s == pytest.approx(6.0)
    assert view.newest_uri == "test-2.ts" and view.newest_first_seen == 10.0
    view = view_from_playlist(parse_media_playlist(_playlist(0, 3), URL), url=URL, t_mono=11.0, first_seen=seen)
    assert view.newest_first_seen == 10.0  # unchanged playlist: still first seen at 10.0
    view = view_from_playlist(parse_media_playlist(_playlist(1, 3), URL), url=URL, t_mono=12.1, first_seen=seen)
    assert view.newest_uri == "test-3.ts" and view.newest_first_seen == 12.1
    assert "test-0.ts" not in seen  # forgotten once it left the playlist
    assert view.newest_end_pdt is None and view.media_sequence == 1


def test_program_date_time_gives_newest_end() -> None:
    text = _playlist(5, 3, pdt=True)
    view = view_from_playlist(parse_media_playlist(text, URL), url=URL, t_mono=0.0, first_seen={})
    assert view.newest_end_pdt == datetime(2026, 11, 25, 12, 0, 16, tzinfo=UTC)


def test_endlist_and_errors_are_not_live() -> None:
    ended = view_from_playlist(
        parse_media_playlist(_playlist(0, 3, endlist=True), URL), url=URL, t_mono=0.0, first_seen={}
    )
    assert not ended.live
    assert not PlaylistView(t_mono=0.0, url=URL, status=404, error="HTTP 404").live
    empty = view_from_playlist(parse_media_playlist(_playlist(0, 0), URL), url=URL, t_mono=0.0, first_seen={})
    assert not empty.live


def test_watcher_reads_a_fresh_shared_fetch_instead_of_asking_again() -> None:
    import time

    from player.playlist_watch import PlaylistWatcher
    from tests.monitor.fakeserver import M3U8, FakeServer, Reply

    def text(n: int) -> str:
        return "#EXTM3U\n#EXT-X-TARGETDURATION:1\n" + "".join(f"#EXTINF:1.0,\ns{i}.ts\n" for i in range(n))

    shared: dict[str, tuple[float, str, str] | None] = {"fetch": None}
    with FakeServer() as server:
        server.routes["/p.m3u8"] = lambda method, path: Reply(200, text(2), {"Content-Type": M3U8})
        url = server.url("/p.m3u8")
        watcher = PlaylistWatcher(url, interval_s=0.1, borrow=lambda: shared["fetch"]).start()
        try:
            deadline = time.monotonic() + 3
            while watcher.latest() is None and time.monotonic() < deadline:
                time.sleep(0.01)
            assert watcher.latest().segment_count == 2  # its own first poll
            shared["fetch"] = (time.monotonic() + 60, text(5), url)  # "fresh" for the next minute
            while watcher.latest().segment_count != 5 and time.monotonic() < deadline:
                time.sleep(0.01)
            requests_before = watcher.fetches
            time.sleep(0.5)
            assert watcher.latest().segment_count == 5
            assert watcher.fetches == requests_before  # no request of its own while the shared one is fresh
            shared["fetch"] = (time.monotonic() - 10, text(5), url)  # stale: it asks the origin again
            while watcher.latest().segment_count != 2 and time.monotonic() < deadline + 2:
                time.sleep(0.01)
            assert watcher.latest().segment_count == 2 and watcher.fetches > requests_before
        finally:
            watcher.close()
