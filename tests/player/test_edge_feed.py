"""The live-edge feed against a scripted origin on 127.0.0.1 (real sockets), and its pure polling rules."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests

from monitor.parse import parse_media
from monitor.records import PlaylistSnapshot
from player.edge_feed import EdgeFeedConfig, LiveEdgeFeed, next_poll_at, start_floor
from tests.monitor.fakeserver import M3U8, FakeServer, Reply

SEGMENT_S = 0.5


class Origin:
    """A live playlist the test grows by hand; segment N's body is ``SEG<N>|`` repeated."""

    def __init__(self, server: FakeServer, first: int = 10, count: int = 3) -> None:
        self.server = server
        self.segments = list(range(first, first + count))
        self.discontinuities: set[int] = set()
        self.missing: set[int] = set()
        self.gaps: set[int] = set()
        server.routes["/hls/stream.m3u8"] = lambda method, path: Reply(200, self.text(), {"Content-Type": M3U8})
        server.fallback = self._segment

    @property
    def url(self) -> str:
        return self.server.url("/hls/stream.m3u8")

    def add(self, discontinuity: bool = False) -> int:
        seq = self.segments[-1] + 1
        if discontinuity:
            self.discontinuities.add(seq)
        self.segments.append(seq)
        return seq

    def text(self) -> str:
        lines = ["#EXTM3U", "#EXT-X-TARGETDURATION:1", f"#EXT-X-MEDIA-SEQUENCE:{self.segments[0]}"]
        for seq in list(self.segments):
            if seq in self.discontinuities:
                lines.append("#EXT-X-DISCONTINUITY")
            if seq in self.gaps:
                lines.append("#EXT-X-GAP")
            lines += [f"#EXTINF:{SEGMENT_S:.3f},", f"stream-{seq}.ts"]
        return "\n".join(lines) + "\n"

    def _segment(self, method: str, path: str) -> Reply:
        name = path.rsplit("/", 1)[-1]
        if not name.startswith("stream-") or not name.endswith(".ts"):
            return Reply(404, "not found")
        seq = int(name[len("stream-") : -3])
        if seq in self.missing or seq not in self.segments:
            return Reply(404, "gone")
        return Reply(200, f"SEG{seq}|" * 8, {"Content-Type": "video/mp2t"})


@pytest.fixture
def origin():
    with FakeServer() as server:
        yield Origin(server)


class StreamReader:
    """Reads the feed's endless HTTP response on a real socket, on its own thread."""

    def __init__(self, url: str) -> None:
        host_port, path = url.removeprefix("http://").split("/", 1)
        host, port = host_port.split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.sock.sendall(f"GET /{path} HTTP/1.0\r\nHost: {host_port}\r\n\r\n".encode())
        self.data = b""
        self.eof = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            while chunk := self.sock.recv(4096):
                self.data += chunk
        except OSError:
            pass
        self.eof.set()

    def wait_for(self, marker: bytes, timeout: float = 5.0) -> float:
        start = time.monotonic()
        while marker not in self.data:
            assert time.monotonic() - start < timeout, f"{marker!r} not streamed; got {self.data[-200:]!r}"
            time.sleep(0.01)
        return time.monotonic() - start

    def close(self) -> None:
        self.sock.close()


def test_next_poll_waits_for_the_due_time_then_polls_every_poll_s() -> None:
    cfg = EdgeFeedConfig(poll_s=0.1, early_s=0.15)
    assert next_poll_at(10.0, newest_seen_t=9.5, duration_s=2.0, cfg=cfg) == pytest.approx(11.35)
    assert next_poll_at(12.0, newest_seen_t=9.5, duration_s=2.0, cfg=cfg) == pytest.approx(12.1)  # overdue
    assert next_poll_at(10.0, newest_seen_t=None, duration_s=None, cfg=cfg) == pytest.approx(10.1)


def test_start_floor_counts_from_the_newest() -> None:
    def snap(text: str) -> PlaylistSnapshot:
        out = parse_media(text, "http://127.0.0.1:9/hls/s.m3u8", 0.0)
        assert isinstance(out, PlaylistSnapshot)
        return out

    lines = ["#EXTM3U", "#EXT-X-TARGETDURATION:2", "#EXT-X-MEDIA-SEQUENCE:5"]
    playlist = snap("\n".join([*lines, *[f"#EXTINF:2.0,\ns{n}.ts" for n in range(5, 9)]]) + "\n")
    assert start_floor(playlist, 1) == 8
    assert start_floor(playlist, 3) == 6
    assert start_floor(playlist, 99) == 5
    assert start_floor(snap("\n".join(lines) + "\n"), 2) is None


def test_ts_mode_streams_the_newest_segment_then_each_new_one_as_it_appears(origin) -> None:
    feed = LiveEdgeFeed(origin.url, EdgeFeedConfig(start_segments=1)).start()
    reader = StreamReader(feed.url)
    try:
        reader.wait_for(b"SEG12|")
        assert b"SEG11|" not in reader.data and b"SEG10|" not in reader.data  # starts at the newest
        time.sleep(0.2)
        origin.add()
        assert reader.wait_for(b"SEG13|") < 0.6  # listed -> streamed within a poll or two
        origin.missing.add(14)  # listed but answers 404: skipped, the stream goes on
        origin.add()
        origin.add()
        reader.wait_for(b"SEG15|")
        assert b"SEG14|" not in reader.data
        deadline = time.monotonic() + 2.0  # the counters follow the last write
        while feed.stats().segments_fed < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        stats = feed.stats()
        assert (stats.segments_fed, stats.segments_skipped) == (3, 1)
        assert stats.current_segment == "stream-15.ts"
        assert stats.fed_media_s == pytest.approx(3 * SEGMENT_S)
        assert stats.origin_fetches >= 3
        assert reader.data.startswith(b"HTTP/1.0 200") and b"video/mp2t" in reader.data
    finally:
        reader.close()
        feed.close()


def test_ts_mode_ends_the_stream_at_a_discontinuity(origin) -> None:
    feed = LiveEdgeFeed(origin.url, EdgeFeedConfig()).start()
    reader = StreamReader(feed.url)
    try:
        reader.wait_for(b"SEG12|")
        origin.add(discontinuity=True)
        assert reader.eof.wait(3.0), "the stream should end so that the player restarts on new timestamps"
        assert b"SEG13|" not in reader.data
    finally:
        reader.close()
        feed.close()


def test_a_master_playlist_is_followed_to_its_first_variant(origin) -> None:
    master = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=500000\nstream.m3u8\n"
    origin.server.routes["/hls/master.m3u8"] = lambda method, path: Reply(200, master, {"Content-Type": M3U8})
    feed = LiveEdgeFeed(origin.server.url("/hls/master.m3u8")).start()
    reader = StreamReader(feed.url)
    try:
        reader.wait_for(b"SEG12|")
    finally:
        reader.close()
        feed.close()


def test_an_encrypted_stream_is_not_streamed(origin) -> None:
    plain = origin.text
    origin.text = lambda: plain().replace("#EXTINF", '#EXT-X-KEY:METHOD=AES-128,URI="k.bin"\n#EXTINF', 1)
    feed = LiveEdgeFeed(origin.url).start()
    reader = StreamReader(feed.url)
    try:
        assert reader.eof.wait(3.0), "VLC cannot play concatenated encrypted segments: the stream must end"
        assert b"SEG" not in reader.data
        assert feed.stats().segments_fed == 0
    finally:
        reader.close()
        feed.close()


def test_a_gap_segment_is_not_fetched_and_counts_as_skipped(origin) -> None:
    feed = LiveEdgeFeed(origin.url, EdgeFeedConfig(start_segments=1)).start()
    reader = StreamReader(feed.url)
    try:
        reader.wait_for(b"SEG12|")
        origin.gaps.add(origin.add())  # 13: listed as a gap on purpose
        origin.add()
        reader.wait_for(b"SEG14|")
        assert not any(path.endswith("/stream-13.ts") for _, _, path in origin.server.log)
        deadline = time.monotonic() + 2.0
        while feed.stats().segments_fed < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert (feed.stats().segments_fed, feed.stats().segments_skipped) == (2, 1)
    finally:
        reader.close()
        feed.close()


def test_other_paths_answer_404(origin) -> None:
    feed = LiveEdgeFeed(origin.url).start()
    try:
        assert requests.get(feed.url.replace("live.ts", "live.m3u8"), timeout=5).status_code == 404
    finally:
        feed.close()
