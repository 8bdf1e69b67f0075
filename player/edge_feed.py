"""The live-edge feed: a loopback HTTP server that streams the live segments to libVLC as one MPEG-TS.

Why: measured on the lab, VLC 3's own HLS client cannot play closer than about two segments + 0.2 s
behind the live edge without stalling, whatever it is told: it learns of a new segment up to a target
duration late (it refreshes a live playlist only once a target duration has passed, and its download
thread sleeps 1 s when it has nothing to fetch: ``HLSRepresentation::needsUpdate``, ``PlaylistManager::Run``),
and its adaptive demuxer plays with a fixed 1 s PTS delay on top of its own buffering (libvlc.md §1).
Handing it a rewritten playlist the moment the origin's grew (a long poll, tried and measured) left that
floor at 4.2 s with 2 s segments.

So the feed is the HLS client. It polls the playlist around each segment's expected arrival, downloads
every new segment as soon as it is listed, and streams the segments back to back over HTTP
(``/live.ts``). VLC plays that with its ordinary TS demuxer and a network cache the player chooses,
starting at the newest ``start_segments`` segments: one segment + ~1 s behind live.

The stream ends (EOF to VLC, the player restarts or waits) at a discontinuity (new timestamps after a
publisher restart), when the media sequence goes back, or when the origin fails for ``ORIGIN_GONE_S``.
A segment that answers an error is skipped and counted. A master playlist: the first variant is
followed. A GAP segment (``EXT-X-GAP``) is not fetched: it is counted as skipped. Encrypted or fMP4 segments
cannot be concatenated into one TS: the player checks ``not_streamable_reason`` (via its playlist watcher) and
plays those streams through VLC's own client instead. The playlist is parsed by ``monitor.parse`` and read with
``player.playlist_watch.fetch_playlist`` (timeouts, a size cap after decompression; one Session per stream
connection); ``next_poll_at`` and ``start_floor`` are pure.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from monitor.parse import PlaylistError, parse_media
from monitor.records import PlaylistSnapshot, SegmentEntry, VariantList
from player.playlist_watch import fetch_playlist, not_streamable_reason

log = logging.getLogger(__name__)

SEGMENT_TIMEOUT_S = (3.0, 10.0)  # connect, read
STREAM_PATH = "/live.ts"
ORIGIN_GONE_S = 10.0  # the stream ends (EOF to VLC) when the origin fails this long


@dataclass(frozen=True, kw_only=True)
class EdgeFeedConfig:
    start_segments: int = 1  # how many of the newest segments VLC starts with
    poll_s: float = 0.1  # origin polls once the next segment is due
    early_s: float = 0.15  # start polling this long before the next segment is due


DEFAULT_CONFIG = EdgeFeedConfig()


@dataclass(frozen=True, kw_only=True)
class EdgeFeedStats:
    connections: int  # stream connections from the player
    origin_fetches: int  # playlist fetches from the origin
    segments_fed: int  # segments streamed to the player
    segments_skipped: int  # listed segments that could not be fetched or fell out of the window
    current_segment: str | None  # the segment being streamed
    fed_media_s: float  # media seconds streamed on the current connection
    newest_fed_seen_t: float | None  # when the newest streamed segment was first listed (monotonic)


def next_poll_at(now: float, newest_seen_t: float | None, duration_s: float | None, cfg: EdgeFeedConfig) -> float:
    """When to ask the origin again: not before the next segment is due, then every poll_s."""
    if newest_seen_t is None or not duration_s:
        return now + cfg.poll_s
    return max(now + cfg.poll_s, newest_seen_t + duration_s - cfg.early_s)


def start_floor(playlist: PlaylistSnapshot, start_segments: int) -> int | None:
    """The first media sequence number the feed streams at start: the newest ``start_segments`` segments."""
    if not playlist.segments:
        return None
    keep = max(1, start_segments)
    return playlist.segments[max(0, len(playlist.segments) - keep)].msn


def _newest(playlist: PlaylistSnapshot) -> int | None:
    return playlist.last_msn if playlist.segments else None


@dataclass(frozen=True)
class OriginError:
    status: int
    reason: str


class OriginPoller:
    """Fetches the media playlist and remembers when its newest segment appeared (one thread)."""

    def __init__(self, url: str, clock: Callable[[], float]) -> None:
        self.url = url
        self._clock = clock
        self._session = requests.Session()
        self._media_url: str | None = None  # the first variant, when ``url`` is a master playlist
        self.fetches = 0
        self.last_ok: tuple[float, str, str] | None = None  # (monotonic time, text, final URL) of the last 200
        self.newest: int | None = None
        self.newest_seen_t: float | None = None

    def close(self) -> None:
        self._session.close()

    def fetch(self) -> PlaylistSnapshot | OriginError:
        self.fetches += 1
        got = fetch_playlist(self._session, self._media_url or self.url)
        if got.status is None:
            return OriginError(0, f"origin unreachable: {got.error}")
        if got.error:
            return OriginError(got.status, got.error)
        t = self._clock()
        self.last_ok = (t, got.text, got.url)
        try:
            playlist = parse_media(got.text, got.url, t)
        except PlaylistError as exc:
            return OriginError(200, f"unparsable playlist: {exc}")
        if isinstance(playlist, VariantList):
            if self._media_url is not None:
                return OriginError(200, "the first variant is itself a master playlist")
            self._media_url = playlist.variants[0].uri
            return self.fetch()
        if _newest(playlist) != self.newest:
            self.newest = _newest(playlist)
            self.newest_seen_t = self._clock()
        return playlist

    def get_segment(self, uri: str) -> requests.Response:
        return self._session.get(uri, timeout=SEGMENT_TIMEOUT_S, stream=True)


class LiveEdgeFeed:
    """Serve one origin to one player on ``http://127.0.0.1:<port>/live.ts``."""

    def __init__(
        self,
        origin_url: str,
        config: EdgeFeedConfig | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.origin_url = origin_url
        self.config = config or DEFAULT_CONFIG
        self._clock = clock
        self._lock = threading.Lock()  # guards the counters below (server threads write, the player reads)
        self._closed = threading.Event()
        self._connections = self._fed = self._skipped = 0
        self._fetches_done = 0  # origin fetches of closed stream connections
        self._pump_poller: OriginPoller | None = None
        self._stream_generation = 0  # a new connection from the player retires the older one
        self._current: str | None = None
        self._fed_media_s = 0.0
        self._newest_fed_seen_t: float | None = None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="hlsmon-edge-feed", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{STREAM_PATH}"

    def start(self) -> LiveEdgeFeed:
        self._thread.start()
        log.info("live-edge feed for %s on %s", self.origin_url, self.url)
        return self

    def close(self) -> None:
        self._closed.set()
        self._server.shutdown()
        self._server.server_close()

    def latest_playlist(self) -> tuple[float, str, str] | None:
        """The streaming connection's newest playlist fetch ``(monotonic time, text, URL)``, to share it."""
        with self._lock:
            poller = self._pump_poller
        return poller.last_ok if poller is not None else None

    def stats(self) -> EdgeFeedStats:
        with self._lock:
            return EdgeFeedStats(
                connections=self._connections,
                origin_fetches=self._fetches_done + (self._pump_poller.fetches if self._pump_poller else 0),
                segments_fed=self._fed,
                segments_skipped=self._skipped,
                current_segment=self._current,
                fed_media_s=self._fed_media_s,
                newest_fed_seen_t=self._newest_fed_seen_t,
            )

    def pump(self, write: Callable[[bytes], object]) -> None:
        """Stream the live segments back to back until the player disconnects or the stream ends."""
        with self._lock:
            self._connections += 1
            self._stream_generation += 1
            generation = self._stream_generation
            self._fed_media_s = 0.0
        poller = OriginPoller(self.origin_url, self._clock)
        with self._lock:
            self._pump_poller = poller
        next_seq: int | None = None
        fed_any = False
        failing_since: float | None = None
        try:
            while not self._closed.is_set() and generation == self._stream_generation:
                result = poller.fetch()
                now = self._clock()
                if isinstance(result, OriginError):
                    failing_since = failing_since or now
                    if now - failing_since > ORIGIN_GONE_S:
                        log.info(
                            "feed: origin failing for %.0f s (%s): ending the stream", ORIGIN_GONE_S, result.reason
                        )
                        return
                    self._closed.wait(0.5)
                    continue
                failing_since = None
                playlist = result
                reason = not_streamable_reason(playlist)
                if reason:
                    log.warning("feed: %s cannot be streamed as one TS: ending the stream", reason)
                    return
                if not playlist.segments:
                    self._closed.wait(0.5)
                    continue
                if next_seq is None:
                    next_seq = start_floor(playlist, self.config.start_segments)
                elif playlist.last_msn < next_seq - 1:
                    log.info("feed: the origin's media sequence went back (publisher restart): ending the stream")
                    return
                for segment in [s for s in playlist.segments if s.msn >= next_seq]:
                    if segment.discontinuity and fed_any:
                        # new timestamps (publisher restart): end this stream; the player restarts cleanly
                        log.info("feed: discontinuity at %s: ending the stream", segment.uri)
                        return
                    if segment.msn > next_seq:
                        self._count_skipped(segment.msn - next_seq)
                    next_seq = segment.msn + 1
                    if segment.gap:  # a gap on purpose: there is nothing to fetch
                        self._count_skipped(1)
                        continue
                    self._send_segment(poller, segment, write)
                    fed_any = True
                    with self._lock:
                        self._newest_fed_seen_t = poller.newest_seen_t if segment.msn == poller.newest else None
                if playlist.endlist:
                    return
                last_duration = playlist.segments[-1].duration
                wake = next_poll_at(self._clock(), poller.newest_seen_t, last_duration, self.config)
                self._closed.wait(max(0.0, wake - self._clock()))
        except (BrokenPipeError, ConnectionResetError):
            log.debug("feed: the player closed the stream")
        finally:
            with self._lock:
                self._fetches_done += poller.fetches
                if self._pump_poller is poller:
                    self._pump_poller = None
            poller.close()

    def _count_skipped(self, count: int) -> None:
        with self._lock:
            self._skipped += count

    def _send_segment(self, poller: OriginPoller, segment: SegmentEntry, write: Callable[[bytes], object]) -> None:
        with self._lock:
            self._current = segment.uri.rsplit("/", 1)[-1]
        try:
            response = poller.get_segment(segment.uri)
        except requests.RequestException as exc:
            log.info("feed: segment %s failed (%s): skipped", segment.uri, type(exc).__name__)
            self._count_skipped(1)
            return
        with response:
            if response.status_code != 200:
                log.info("feed: segment %s answered HTTP %s: skipped", segment.uri, response.status_code)
                self._count_skipped(1)
                return
            for chunk in response.iter_content(64 * 1024):
                write(chunk)
        with self._lock:
            self._fed += 1
            self._fed_media_s += segment.duration


def _handler_for(feed: LiveEdgeFeed) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?", 1)[0] != STREAM_PATH:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "video/mp2t")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()  # no length: the stream ends when the connection closes (HTTP/1.0)
            try:
                feed.pump(self._write)
            except Exception:
                log.exception("feed: stream failed")

        def _write(self, data: bytes) -> None:
            self.wfile.write(data)
            self.wfile.flush()

        def log_message(self, format: str, *args: object) -> None:
            log.debug("feed: %s", format % args)

    return Handler
