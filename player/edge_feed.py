"""The live-edge feed: a loopback HTTP server between libVLC and the origin that keeps VLC at the live edge.

Why: measured on the lab, VLC 3's own HLS client cannot play closer than about two segments + 0.2 s
behind the live edge without stalling, whatever it is told: it learns of a new segment up to a target
duration late (it refreshes a live playlist only once a target duration has passed, and its download
thread sleeps 1 s when it has nothing to fetch: ``HLSRepresentation::needsUpdate``, ``PlaylistManager::Run``),
and its adaptive demuxer plays with a fixed 1 s PTS delay on top of its own buffering (libvlc.md §1).
Even with the playlist handed over the moment it grows (mode ``playlist`` below), the floor stayed at
4.2 s with 2 s segments.

Two modes (``EdgeFeedConfig.mode``):

* ``ts`` (default): the feed is the HLS client. It polls the playlist around each segment's expected
  arrival, downloads every new segment as soon as it is listed, and streams the segments back to back as
  one MPEG-TS over HTTP (``/live.ts``). VLC plays that with its ordinary TS demuxer and a network cache
  the player chooses, starting at the newest ``start_segments`` segments. This is what reaches one
  segment + ~1 s.
* ``playlist``: VLC stays the HLS client; the feed rewrites the playlist (``/live.m3u8``): a short first
  window (VLC starts at the first segment of a short window), a 1 s target duration (VLC asks again about
  a second after each update) and a long poll (the feed holds that request until the origin lists a new
  segment). Segment URIs become absolute, so segments still come straight from the origin.

A master playlist is not followed: ``playlist`` mode redirects VLC to the origin; ``ts`` mode follows the
first variant. The origin is fetched with ``requests`` (timeouts; one Session per thread). The polling
decisions (``next_poll_at``, ``hold_deadline``) are pure and take the clock as an argument.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urljoin

import requests

from player.feed_playlist import (
    FeedPlaylist,
    FeedSegment,
    NotAMediaPlaylist,
    parse_feed_playlist,
    render_feed_playlist,
    start_floor,
)

log = logging.getLogger(__name__)

REQUEST_TIMEOUT_S = 3.0
SEGMENT_TIMEOUT_S = (3.0, 10.0)  # connect, read
PLAYLIST_PATH = "/live.m3u8"
STREAM_PATH = "/live.ts"
M3U8_TYPE = "application/vnd.apple.mpegurl"
ORIGIN_GONE_S = 10.0  # the stream ends (EOF to VLC) when the origin fails this long


@dataclass(frozen=True, kw_only=True)
class EdgeFeedConfig:
    mode: str = "ts"  # ts | playlist (see the module docstring)
    start_segments: int = 1  # how many of the newest segments VLC starts with
    announce_target_s: int = 1  # playlist mode: the target duration VLC is told
    poll_s: float = 0.1  # origin polls once the next segment is due
    early_s: float = 0.15  # start polling this long before the next segment is due


DEFAULT_CONFIG = EdgeFeedConfig()


@dataclass(frozen=True, kw_only=True)
class EdgeFeedStats:
    mode: str
    requests: int  # playlist requests (playlist mode) or stream connections (ts mode) from the player
    origin_fetches: int  # playlist fetches from the origin
    segments_fed: int  # ts mode: segments streamed to the player
    segments_skipped: int  # ts mode: listed segments that could not be fetched (404) or fell out of the window
    holds: int  # playlist mode: requests held until the origin listed a new segment
    mean_hold_s: float | None
    current_segment: str | None  # ts mode: the segment being streamed
    fed_media_s: float  # ts mode: media seconds streamed on the current connection
    newest_fed_seen_t: float | None  # ts mode: when the newest streamed segment was first listed (monotonic)
    redirected: bool  # a master playlist in playlist mode: the feed stepped aside


def next_poll_at(now: float, newest_seen_t: float | None, duration_s: float | None, cfg: EdgeFeedConfig) -> float:
    """When to ask the origin again while waiting: not before the next segment is due, then every poll_s."""
    if newest_seen_t is None or not duration_s:
        return now + cfg.poll_s
    return max(now + cfg.poll_s, newest_seen_t + duration_s - cfg.early_s)


def hold_deadline(now: float, newest_seen_t: float | None, duration_s: float | None) -> float:
    """Give up holding once the next segment is half a segment late (≥ 1 s): answer with what there is."""
    duration = duration_s or 2.0
    base = newest_seen_t if newest_seen_t is not None else now
    return max(now + 1.0, base + 1.5 * duration)


@dataclass(frozen=True)
class OriginError:
    status: int
    body: bytes
    location: str | None = None


class OriginPoller:
    """Fetches the media playlist (one thread at a time) and remembers when its newest segment appeared."""

    def __init__(self, url: str, clock: Callable[[], float]) -> None:
        self.url = url
        self._clock = clock
        self._session = requests.Session()
        self._media_url: str | None = None  # the first variant, when ``url`` is a master playlist
        self.follow_master = False
        self.fetches = 0
        self.newest: int | None = None
        self.newest_seen_t: float | None = None

    def close(self) -> None:
        self._session.close()

    def fetch(self) -> FeedPlaylist | OriginError:
        self.fetches += 1
        try:
            response = self._session.get(self._media_url or self.url, timeout=REQUEST_TIMEOUT_S)
        except requests.RequestException as exc:
            log.debug("feed: origin fetch failed: %s", exc)
            return OriginError(502, f"origin unreachable: {type(exc).__name__}\n".encode())
        if response.status_code != 200:
            return OriginError(response.status_code, response.content)
        try:
            playlist = parse_feed_playlist(response.text, response.url)
        except NotAMediaPlaylist as exc:
            variant = _first_variant(response.text, response.url)
            if self.follow_master and variant and self._media_url is None:
                self._media_url = variant
                return self.fetch()
            return OriginError(302 if variant else 502, str(exc).encode(), location=response.url)
        except ValueError as exc:
            return OriginError(502, f"unparsable playlist: {exc}\n".encode())
        if playlist.newest_sequence != self.newest:
            self.newest = playlist.newest_sequence
            self.newest_seen_t = self._clock()
        return playlist

    def get_segment(self, uri: str) -> requests.Response:
        return self._session.get(uri, timeout=SEGMENT_TIMEOUT_S, stream=True)


def _first_variant(text: str, base_url: str) -> str | None:
    lines = [line.strip() for line in text.splitlines()]
    for i, line in enumerate(lines):
        if line.startswith("#EXT-X-STREAM-INF"):
            uri = next((u for u in lines[i + 1 :] if u and not u.startswith("#")), None)
            return urljoin(base_url, uri) if uri else None
    return None


class LiveEdgeFeed:
    """Serve one origin to one player on ``http://127.0.0.1:<port>/live.ts`` (or ``/live.m3u8``)."""

    def __init__(
        self,
        origin_url: str,
        config: EdgeFeedConfig | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.origin_url = origin_url
        self.config = config or DEFAULT_CONFIG
        if self.config.mode not in ("ts", "playlist"):
            raise ValueError(f"unknown feed mode {self.config.mode!r} (ts or playlist)")
        self._clock = clock
        self._lock = threading.Lock()  # playlist mode: one request at a time; guards the counters below
        self._closed = threading.Event()
        self._playlist_poller = OriginPoller(origin_url, clock)
        self._floor: int | None = None
        self._served_newest: int | None = None
        self._requests = self._holds = self._fed = self._skipped = 0
        self._hold_total_s = 0.0
        self._fetches_done = 0  # origin fetches of closed stream connections
        self._pump_poller: OriginPoller | None = None
        self._stream_generation = 0  # a new connection from the player retires the older one
        self._current: str | None = None
        self._fed_media_s = 0.0
        self._newest_fed_seen_t: float | None = None
        self._redirected = False
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="hlsmon-edge-feed", daemon=True)

    @property
    def url(self) -> str:
        path = STREAM_PATH if self.config.mode == "ts" else PLAYLIST_PATH
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def start(self) -> LiveEdgeFeed:
        self._thread.start()
        log.info("live-edge feed (%s) for %s on %s", self.config.mode, self.origin_url, self.url)
        return self

    def reset(self) -> None:
        """A new playback: pick a new start position at the next request."""
        with self._lock:
            self._floor = None
            self._served_newest = None

    def close(self) -> None:
        self._closed.set()
        self._server.shutdown()
        self._server.server_close()
        self._playlist_poller.close()

    def stats(self) -> EdgeFeedStats:
        with self._lock:
            return EdgeFeedStats(
                mode=self.config.mode,
                requests=self._requests,
                origin_fetches=self._fetches_done
                + self._playlist_poller.fetches
                + (self._pump_poller.fetches if self._pump_poller else 0),
                segments_fed=self._fed,
                segments_skipped=self._skipped,
                holds=self._holds,
                mean_hold_s=self._hold_total_s / self._holds if self._holds else None,
                current_segment=self._current,
                fed_media_s=self._fed_media_s,
                newest_fed_seen_t=self._newest_fed_seen_t,
                redirected=self._redirected,
            )

    # --- playlist mode: one player request -------------------------------------------------------------
    def answer_playlist(self) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body for one playlist request (runs on a server thread)."""
        with self._lock:
            self._requests += 1
            result = self._playlist_poller.fetch()
            if isinstance(result, FeedPlaylist):
                result = self._hold_until_new(result)
            if isinstance(result, OriginError):
                if result.location:
                    self._redirected = True
                    return 302, {"Location": result.location}, b""
                return result.status, {"Content-Type": "text/plain"}, result.body
            playlist = result
            if self._floor is None or (playlist.newest_sequence or 0) < self._floor:
                self._floor = start_floor(playlist, self.config.start_segments)
            self._served_newest = playlist.newest_sequence
            target = None if playlist.ended else min(playlist.target_duration or 1, self.config.announce_target_s)
            text = render_feed_playlist(playlist, floor=self._floor, target_duration=target)
        return 200, {"Content-Type": M3U8_TYPE, "Cache-Control": "no-cache"}, text.encode()

    def _hold_until_new(self, playlist: FeedPlaylist) -> FeedPlaylist | OriginError:
        served = self._served_newest
        newest = playlist.newest_sequence or 0
        if served is None or playlist.ended or newest != served:
            return playlist  # something new (or the origin went back after a restart): answer at once
        poller = self._playlist_poller
        start = self._clock()
        self._holds += 1
        deadline = hold_deadline(start, poller.newest_seen_t, playlist.last_duration_s)
        result: FeedPlaylist | OriginError = playlist
        while not self._closed.is_set():
            now = self._clock()
            wake = next_poll_at(now, poller.newest_seen_t, playlist.last_duration_s, self.config)
            if wake >= deadline:
                break
            self._closed.wait(max(0.0, wake - now))
            result = poller.fetch()
            if isinstance(result, OriginError) or result.ended or result.newest_sequence != served:
                break
        self._hold_total_s += self._clock() - start
        return result

    # --- ts mode: one long response ----------------------------------------------------------------------
    def pump(self, write: Callable[[bytes], object]) -> None:
        """Stream the live segments back to back until the player disconnects or the stream ends."""
        with self._lock:
            self._requests += 1
            self._stream_generation += 1
            generation = self._stream_generation
            self._fed_media_s = 0.0
        poller = OriginPoller(self.origin_url, self._clock)
        poller.follow_master = True
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
                        log.info("feed: origin failing for %.0f s (HTTP %s): ending the stream", ORIGIN_GONE_S,
                                 result.status)
                        return
                    self._closed.wait(0.5)
                    continue
                failing_since = None
                playlist = result
                if not playlist.segments:
                    self._closed.wait(0.5)
                    continue
                if next_seq is None:
                    next_seq = start_floor(playlist, self.config.start_segments)
                elif (playlist.newest_sequence or 0) < next_seq - 1:
                    log.info("feed: the origin's media sequence went back (publisher restart): ending the stream")
                    return
                for segment in [s for s in playlist.segments if s.sequence >= next_seq]:
                    if segment.discontinuity and fed_any:
                        # new timestamps (publisher restart): end this stream; the player restarts cleanly
                        log.info("feed: discontinuity at %s: ending the stream", segment.uri)
                        return
                    if segment.sequence > next_seq:
                        self._count_skipped(segment.sequence - next_seq)
                    self._send_segment(poller, segment, write)
                    fed_any = True
                    next_seq = segment.sequence + 1
                    with self._lock:
                        self._newest_fed_seen_t = poller.newest_seen_t if segment.sequence == poller.newest else None
                if playlist.ended:
                    return
                wake = next_poll_at(self._clock(), poller.newest_seen_t, playlist.last_duration_s, self.config)
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

    def _send_segment(self, poller: OriginPoller, segment: FeedSegment, write: Callable[[bytes], object]) -> None:
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
            self._fed_media_s += segment.duration_s


def _handler_for(feed: LiveEdgeFeed) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == STREAM_PATH:
                self._stream()
            elif path == PLAYLIST_PATH:
                self._playlist()
            else:
                self.send_error(404)

        def _playlist(self) -> None:
            try:
                status, headers, body = feed.answer_playlist()
            except Exception:
                log.exception("feed: request failed")
                status, headers, body = 500, {"Content-Type": "text/plain"}, b"feed error\n"
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _stream(self) -> None:
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
