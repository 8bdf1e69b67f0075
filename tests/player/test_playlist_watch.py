"""The player's playlist view from scripted playlists (first-seen times, PDT, window) and its bounded reads."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.parse import parse_media
from monitor.records import PlaylistSnapshot
from player.playlist_watch import PlaylistView, view_from_playlist

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


def parse_media_playlist(text: str, url: str) -> PlaylistSnapshot:
    snap = parse_media(text, url, 0.0)
    assert isinstance(snap, PlaylistSnapshot)
    return snap


def test_newest_segment_first_seen_time_and_window() -> None:
    seen: dict[str, float] = {}
    view = view_from_playlist(parse_media_playlist(_playlist(0, 3), URL), url=URL, t_mono=10.0, first_seen=seen)
    assert view.live and view.segment_count == 3 and view.window_s == pytest.approx(6.0)
    assert view.newest_uri == "http://127.0.0.1:9/hls/test-2.ts" and view.newest_first_seen == 10.0
    view = view_from_playlist(parse_media_playlist(_playlist(0, 3), URL), url=URL, t_mono=11.0, first_seen=seen)
    assert view.newest_first_seen == 10.0  # unchanged playlist: still first seen at 10.0
    view = view_from_playlist(parse_media_playlist(_playlist(1, 3), URL), url=URL, t_mono=12.1, first_seen=seen)
    assert view.newest_uri == "http://127.0.0.1:9/hls/test-3.ts" and view.newest_first_seen == 12.1
    assert "http://127.0.0.1:9/hls/test-0.ts" not in seen  # forgotten once it left the playlist
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


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ('#EXT-X-KEY:METHOD=AES-128,URI="k.bin"', "encrypted segments (#EXT-X-KEY)"),
        ('#EXT-X-MAP:URI="init.mp4"', "fMP4 segments (#EXT-X-MAP)"),
        ("#EXT-X-KEY:METHOD=NONE", None),
    ],
)
def test_encrypted_or_fmp4_playlists_are_not_streamable_as_one_ts(extra: str, reason: str | None) -> None:
    text = _playlist(1, 2).replace("#EXTINF", f"{extra}\n#EXTINF", 1)
    view = view_from_playlist(parse_media_playlist(text, URL), url=URL, t_mono=0.0, first_seen={})
    assert view.not_streamable == reason


def _wait_for(watcher, predicate, timeout: float = 5.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        view = watcher.latest()
        if view is not None and predicate(view):
            return view
        time.sleep(0.01)
    raise AssertionError(f"no such view; latest {watcher.latest()}")


def test_a_gzip_bomb_playlist_is_refused_after_decompression_not_read_into_memory() -> None:
    import gzip

    from player.playlist_watch import MAX_PLAYLIST_BYTES, PlaylistWatcher, fetch_playlist
    from tests.monitor.fakeserver import M3U8, FakeServer, Reply

    inflated = _playlist(0, 3).encode() + b"#" * (4 * MAX_PLAYLIST_BYTES)  # a valid head, then 16 MB of comment
    bomb = gzip.compress(inflated, compresslevel=9)
    assert len(bomb) < MAX_PLAYLIST_BYTES // 100
    with FakeServer() as server:
        server.routes["/bomb.m3u8"] = lambda method, path: Reply(
            200, bomb, {"Content-Type": M3U8, "Content-Encoding": "gzip"}
        )
        import requests

        with requests.Session() as session:
            got = fetch_playlist(session, server.url("/bomb.m3u8"))
        assert got.status == 200 and got.text == ""
        assert got.error == f"playlist larger than {MAX_PLAYLIST_BYTES // 1_000_000} MB: not read"
        watcher = PlaylistWatcher(server.url("/bomb.m3u8"), interval_s=0.1).start()
        try:
            view = _wait_for(watcher, lambda v: v.error is not None)
            assert not view.live and "larger than" in view.error
        finally:
            watcher.close()


def test_a_master_that_lists_itself_is_an_error_not_an_endless_recursion() -> None:
    from player.playlist_watch import PlaylistWatcher
    from tests.monitor.fakeserver import M3U8, FakeServer, Reply

    master = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=500000\nmaster.m3u8\n"
    with FakeServer() as server:
        server.routes["/master.m3u8"] = lambda method, path: Reply(200, master, {"Content-Type": M3U8})
        watcher = PlaylistWatcher(server.url("/master.m3u8"), interval_s=0.1).start()
        try:
            view = _wait_for(watcher, lambda v: v.error is not None)
            assert view.error == "the variant is itself a master playlist" and not view.live
        finally:
            watcher.close()
