"""A small playlist watcher for the player: is the stream there, how long is its window, how old is its edge.

The player parses with ``monitor.parse`` (the project's one playlist parser; the layer rule lets ``player/``
import that leaf and ``monitor.records``, nothing else of ``monitor/``). It needs little from the playlist:
whether it answers (for waiting on a stream that is not live yet), the window length, target duration, the
newest segment's first-seen time (to estimate latency without a clock strip) and its program date-time.
One daemon thread, one ``requests.Session``, timeouts on every request, ``stop_event.wait`` between polls.
A playlist body is read at most :data:`MAX_PLAYLIST_BYTES` after decompression: a small gzip body that
inflates to gigabytes is refused, not read into memory.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests

from monitor.parse import PlaylistError, decode_body, parse_media
from monitor.records import PlaylistSnapshot, VariantList

log = logging.getLogger(__name__)

REQUEST_TIMEOUT_S = 3.0
MAX_PLAYLIST_BYTES = 4_000_000  # after decompression; the monitor's default cap too
_CHUNK = 16 * 1024  # one compressed read inflates at most ~1000x: 16 MB at worst before the cap is checked


@dataclass(frozen=True, kw_only=True)
class PlaylistFetch:
    """One GET of a playlist: its text and final URL, or why there is none."""

    status: int | None  # None: no HTTP response
    text: str = ""
    url: str = ""
    error: str | None = None


def fetch_playlist(session: requests.Session, url: str, timeout: float = REQUEST_TIMEOUT_S) -> PlaylistFetch:
    """GET ``url`` and read its body up to :data:`MAX_PLAYLIST_BYTES` of decompressed bytes."""
    try:
        with session.get(url, timeout=timeout, stream=True) as response:
            if response.status_code != 200:
                return PlaylistFetch(
                    status=response.status_code, url=response.url, error=f"HTTP {response.status_code}"
                )
            body = bytearray()
            for chunk in response.iter_content(_CHUNK):  # decoded bytes (gzip, deflate)
                body += chunk
                if len(body) > MAX_PLAYLIST_BYTES:
                    limit = MAX_PLAYLIST_BYTES // 1_000_000
                    return PlaylistFetch(
                        status=200, url=response.url, error=f"playlist larger than {limit} MB: not read"
                    )
            return PlaylistFetch(status=200, text=decode_body(bytes(body)), url=response.url)
    except requests.Timeout:
        return PlaylistFetch(status=None, url=url, error=f"no answer within {timeout:g} s")
    except requests.ConnectionError:
        return PlaylistFetch(status=None, url=url, error="cannot connect to the server")
    except requests.RequestException:
        return PlaylistFetch(status=None, url=url, error="the response could not be read")


def not_streamable_reason(playlist: PlaylistSnapshot) -> str | None:
    """Why the live-edge feed cannot hand these segments to VLC as one concatenated TS (fMP4, encrypted), if so."""
    if any(s.map_uri for s in playlist.segments):
        return "fMP4 segments (#EXT-X-MAP)"
    if any(s.key_method for s in playlist.segments):
        return "encrypted segments (#EXT-X-KEY)"
    return None


@dataclass(frozen=True, kw_only=True)
class PlaylistView:
    """The newest poll of the media playlist; times are ``time.monotonic()`` of this process."""

    t_mono: float
    url: str
    status: int | None  # HTTP status, None when the request failed
    error: str | None = None
    target_duration_s: float | None = None
    media_sequence: int | None = None
    segment_count: int = 0
    window_s: float = 0.0
    last_duration_s: float | None = None
    newest_uri: str | None = None  # absolute
    newest_first_seen: float | None = None  # monotonic time this poller first saw the newest segment
    newest_end_pdt: datetime | None = None  # program date-time of the newest segment's end, if tagged
    endlist: bool = False
    not_streamable: str | None = None  # why the live-edge feed cannot carry it (encrypted, fMP4), if so

    @property
    def live(self) -> bool:
        """The playlist answers with at least one segment and is not finished."""
        return self.status == 200 and self.segment_count > 0 and not self.endlist


def view_from_playlist(
    playlist: PlaylistSnapshot, *, url: str, t_mono: float, first_seen: dict[str, float]
) -> PlaylistView:
    """Summarise a parsed media playlist; ``first_seen`` (uri -> time) is updated in place."""
    segments = playlist.segments
    for seg in segments:
        first_seen.setdefault(seg.uri, t_mono)
    live_uris = {seg.uri for seg in segments}
    for uri in [u for u in first_seen if u not in live_uris]:
        del first_seen[uri]
    newest = segments[-1] if segments else None
    end_pdt = newest.pdt + timedelta(seconds=newest.duration) if newest is not None and newest.pdt else None
    return PlaylistView(
        t_mono=t_mono,
        url=url,
        status=200,
        target_duration_s=playlist.target_duration or None,
        media_sequence=playlist.media_sequence,
        segment_count=len(segments),
        window_s=playlist.duration_s,
        last_duration_s=(newest.duration or None) if newest is not None else None,
        newest_uri=newest.uri if newest is not None else None,
        newest_first_seen=first_seen.get(newest.uri) if newest is not None else None,
        newest_end_pdt=end_pdt,
        endlist=playlist.endlist,
        not_streamable=not_streamable_reason(playlist),
    )


class PlaylistWatcher:
    """Polls ``url`` on a daemon thread; ``latest()`` returns the newest ``PlaylistView`` (or None).

    ``on_view`` (optional) is called from the watcher thread after each poll. ``borrow`` (optional) returns
    another poller's newest fetch of the same playlist ``(monotonic time, text, URL)``: when it is younger
    than a target duration + 0.5 s (or one interval), the watcher reads it instead of asking the origin
    again (the live-edge feed polls the playlist anyway while it streams).
    """

    def __init__(
        self,
        url: str,
        *,
        interval_s: float | None = None,
        on_view: Callable[[PlaylistView], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        borrow: Callable[[], tuple[float, str, str] | None] | None = None,
    ) -> None:
        self.url = url
        self._fixed_interval = interval_s
        self._on_view = on_view
        self._clock = clock
        self._borrow = borrow
        self.fetches = 0  # requests this watcher made itself
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._latest: PlaylistView | None = None
        self._first_seen: dict[str, float] = {}
        self._media_url: str | None = None
        self._thread = threading.Thread(target=self._run, name="hlsmon-player-playlist", daemon=True)

    def start(self) -> PlaylistWatcher:
        self._thread.start()
        return self

    def close(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def latest(self) -> PlaylistView | None:
        with self._lock:
            return self._latest

    def _interval(self, view: PlaylistView) -> float:
        if self._fixed_interval is not None:
            return self._fixed_interval
        if view.status != 200 or not view.target_duration_s:
            return 1.0
        # half a target duration: the first-seen times only feed the ±1 s estimate and the liveness checks
        # (patience ≥ 6 s), and each poll costs a few ms of CPU (requests + m3u8 parsing)
        return min(1.0, max(0.5, view.target_duration_s / 2))

    def _run(self) -> None:
        session = requests.Session()
        try:
            view: PlaylistView | None = None
            while not self._stop.is_set():
                view = self._borrowed(view) or self._poll(session)
                with self._lock:
                    self._latest = view
                if self._on_view is not None:
                    try:
                        self._on_view(view)
                    except Exception:
                        log.exception("playlist view callback failed")
                self._stop.wait(self._interval(view))
        finally:
            session.close()

    def _borrowed(self, previous: PlaylistView | None) -> PlaylistView | None:
        shared = self._borrow() if self._borrow is not None and previous is not None else None
        if shared is None:
            return None
        t, text, url = shared
        # the live-edge feed asks at least once per segment, right after each one appears
        fresh_s = max(self._interval(previous), (previous.target_duration_s or 1.0) + 0.5)
        if self._clock() - t > fresh_s:
            return None
        try:
            playlist = parse_media(text, url, t)
        except PlaylistError:
            return None  # poll ourselves instead
        if not isinstance(playlist, PlaylistSnapshot):
            return None
        return view_from_playlist(playlist, url=url, t_mono=t, first_seen=self._first_seen)

    def _poll(self, session: requests.Session) -> PlaylistView:
        self.fetches += 1
        t = self._clock()
        url = self._media_url or self.url
        got = fetch_playlist(session, url)
        if got.status != 200 or got.error:
            if got.status is not None and got.status != 200:
                self._media_url = None
            return PlaylistView(t_mono=t, url=url, status=got.status, error=got.error)
        try:
            playlist = parse_media(got.text, got.url, t)
        except PlaylistError as exc:
            return PlaylistView(t_mono=t, url=url, status=200, error=f"unparsable playlist: {exc}")
        if isinstance(playlist, VariantList):
            if self._media_url is not None:  # a master that lists masters (or itself): start over next time
                self._media_url = None
                return PlaylistView(t_mono=t, url=url, status=200, error="the variant is itself a master playlist")
            self._media_url = playlist.variants[0].uri
            return self._poll(session)
        return view_from_playlist(playlist, url=got.url, t_mono=t, first_seen=self._first_seen)
