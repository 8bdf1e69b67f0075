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

    @property
    def live(self) -> bool:
        """The playlist answers with at least one segment and is not finished."""
        return self.status == 200 and self.segment_count > 0 and not self.endlist


def parse_media_playlist(text: str, url: str) -> m3u8.M3U8:
    return m3u8.loads(text, uri=url)


def view_from_playlist(playlist: m3u8.M3U8, *, url: str, t_mono: float, first_seen: dict[str, float]) -> PlaylistView:
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
    )


class PlaylistWatcher:
    """Polls ``url`` on a daemon thread; ``latest()`` returns the newest ``PlaylistView`` (or None).

    ``on_view`` (optional) is called from the watcher thread after each poll.
    """

    def __init__(
        self,
        url: str,
        *,
        interval_s: float | None = None,
        on_view: Callable[[PlaylistView], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._fixed_interval = interval_s
        self._on_view = on_view
        self._clock = clock
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
            while not self._stop.is_set():
                view = self._poll(session)
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

    def _poll(self, session: requests.Session) -> PlaylistView:
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
        return view_from_playlist(playlist, url=response.url, t_mono=t, first_seen=self._first_seen)
