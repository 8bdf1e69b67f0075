"""A small playlist watcher for the player: is the stream there, how long is its window, how old is its edge.

The player cannot use ``monitor/`` (layer rule), and needs little from the playlist: whether it answers
(for waiting on a stream that is not live yet), the window length, target duration, the newest segment's
first-seen time (to estimate latency without a clock strip) and its program date-time when present.
One daemon thread, one ``requests.Session``, timeouts on every request, ``stop_event.wait`` between polls.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import m3u8
import requests

from player.feed_playlist import not_streamable_reason

log = logging.getLogger(__name__)

REQUEST_TIMEOUT_S = 3.0


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
    newest_uri: str | None = None
    newest_first_seen: float | None = None  # monotonic time this poller first saw the newest segment
    newest_end_pdt: datetime | None = None  # program date-time of the newest segment's end, if tagged
    endlist: bool = False
    not_streamable: str | None = None  # why the live-edge feed cannot carry it (encrypted, fMP4), if so

    @property
    def live(self) -> bool:
        """The playlist answers with at least one segment and is not finished."""
        return self.status == 200 and self.segment_count > 0 and not self.endlist


def parse_media_playlist(text: str, url: str) -> m3u8.M3U8:
    return m3u8.loads(text, uri=url)


def view_from_playlist(
    playlist: m3u8.M3U8,
    *,
    url: str,
    t_mono: float,
    first_seen: dict[str, float],
    not_streamable: str | None = None,
) -> PlaylistView:
    """Summarise a parsed media playlist; ``first_seen`` (uri -> time) is updated in place."""
    segments = list(playlist.segments)
    for seg in segments:
        first_seen.setdefault(seg.uri, t_mono)
    live_uris = {seg.uri for seg in segments}
    for uri in [u for u in first_seen if u not in live_uris]:
        del first_seen[uri]
    newest = segments[-1] if segments else None
    end_pdt = None
    if newest is not None and newest.current_program_date_time is not None:
        end_pdt = newest.current_program_date_time + timedelta(seconds=float(newest.duration or 0))
    return PlaylistView(
        t_mono=t_mono,
        url=url,
        status=200,
        target_duration_s=float(playlist.target_duration) if playlist.target_duration else None,
        media_sequence=playlist.media_sequence,
        segment_count=len(segments),
        window_s=float(sum(float(s.duration or 0) for s in segments)),
        last_duration_s=float(newest.duration) if newest is not None and newest.duration else None,
        newest_uri=newest.uri if newest is not None else None,
        newest_first_seen=first_seen.get(newest.uri) if newest is not None else None,
        newest_end_pdt=end_pdt,
        endlist=bool(playlist.is_endlist),
        not_streamable=not_streamable,
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
            return self._view(parse_media_playlist(text, url), text, url, t)
        except Exception:  # m3u8 raises assorted errors on garbage: poll ourselves instead
            return None

    def _view(self, playlist: m3u8.M3U8, text: str, url: str, t: float) -> PlaylistView:
        lines = [line.strip() for line in text.splitlines()]
        return view_from_playlist(
            playlist, url=url, t_mono=t, first_seen=self._first_seen, not_streamable=not_streamable_reason(lines)
        )

    def _poll(self, session: requests.Session) -> PlaylistView:
        self.fetches += 1
        t = self._clock()
        url = self._media_url or self.url
        try:
            response = session.get(url, timeout=REQUEST_TIMEOUT_S)
        except requests.RequestException as exc:
            return PlaylistView(t_mono=t, url=url, status=None, error=type(exc).__name__)
        if response.status_code != 200:
            self._media_url = None
            return PlaylistView(t_mono=t, url=url, status=response.status_code, error=f"HTTP {response.status_code}")
        try:
            playlist = parse_media_playlist(response.text, response.url)
            if playlist.is_variant and playlist.playlists:
                self._media_url = playlist.playlists[0].absolute_uri
                return self._poll(session)
        except Exception as exc:  # m3u8 raises assorted errors on garbage
            return PlaylistView(t_mono=t, url=url, status=200, error=f"unparsable playlist: {exc}")
        return self._view(playlist, response.text, response.url, t)
