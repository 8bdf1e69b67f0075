"""libVLC player for a native window, with health, glass-to-glass latency and live-edge control. Qt-free.

``VlcPlayer()`` (when ``is_available()``); ``bind_window(int(widget.winId()))`` once the widget is shown;
``play(url)``; ``health()``, ``latency()``, ``live_edge()`` from any thread (frozen dataclasses); ``close()``
before the window is destroyed. A facade over ``vlc_binding`` (every libVLC call), ``liveness`` (start, wait,
restart, stop), ``health``, ``live_edge`` (rate, seek), ``player_latency`` (strip or estimate) and
``playback_path`` (live-edge feed or VLC's own HLS client). Its ``hlsmon-player`` thread runs the commands, feeds
libVLC's events, log and picture counts (~10 Hz) to the tracker, applies the decisions and publishes the status.
``close()`` stops the threads, then libVLC, then the feed, and releases libVLC last (libvlc.md §4).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from enum import Enum, auto
from functools import partial
from typing import Any

from player.edge_feed import DEFAULT_CONFIG as DEFAULT_FEED_CONFIG
from player.edge_feed import EdgeFeedConfig, EdgeFeedStats
from player.health import HealthTracker, LogLine, PlaybackState, PlayerHealth
from player.latency import LatencySample
from player.live_edge import EdgeMode, LiveEdgeConfig, LiveEdgeController, LiveEdgeStatus
from player.liveness import Action, LivenessPolicy, Playback
from player.playback_path import PlaybackPath
from player.player_latency import LatencyStatus, PlayerLatency
from player.playlist_watch import PlaylistView, PlaylistWatcher
from player.vlc_binding import LibVlc, audio_output_available, install_hint, instance_options, is_available

__all__ = ["LatencyStatus", "VlcPlayer", "install_hint", "is_available"]

log = logging.getLogger(__name__)

CONTROL_PERIOD_S = 0.25  # live-edge control and latency estimate


class Command(Enum):  # what the public API asks of the supervisor thread, with its value
    PLAY = auto()  # (url, monotonic time of the request)
    STOP = auto()  # None
    TARGET = auto()  # seconds, or None for automatic
    FEED = auto()  # EdgeFeedConfig, or None for VLC's own HLS client


class VlcPlayer:
    """One libVLC instance + media player bound to a native window. See the module docstring."""

    def __init__(
        self,
        *,
        options: Sequence[str] = (),
        live_edge: LiveEdgeConfig | None = None,
        measure_latency: bool = True,
        snapshot_hz: float = 3.0,
        snapshot_locked_hz: float | None = 1.0,
        snapshot_width: int = 320,
        audio: bool | None = None,
        trust_pcr: bool = False,
        edge_feed: EdgeFeedConfig | None = DEFAULT_FEED_CONFIG,
    ) -> None:
        audio = audio_output_available() if audio is None else audio
        self._vlc = LibVlc(instance_options(options, trust_pcr=trust_pcr, audio=audio))
        self._tracker = HealthTracker()
        self._controller = LiveEdgeController(live_edge)
        self._liveness = LivenessPolicy()
        self._path = PlaybackPath(edge_feed)
        self._controller.set_edge_feed(self._path.feed_in_use)
        snapshot = partial(self._vlc.snapshot, width=max(0, int(snapshot_width)))  # 0: source size
        self._latency = PlayerLatency(
            snapshot if measure_latency else None, rate_hz=snapshot_hz, locked_hz=snapshot_locked_hz
        )
        # the supervisor thread owns the tracker and the controller; other threads read what it published
        self._health = PlayerHealth(t_mono=time.monotonic(), state=PlaybackState.IDLE)
        self._edge = self._controller.status()
        self._url: str | None = None
        self._play_t: float | None = None
        self._request_t: float | None = None  # when play() was called, until the first start
        self._first_frame_t: float | None = None
        self._waiting_reason: str | None = None
        self._watcher: PlaylistWatcher | None = None
        self._pending: queue.Queue[tuple[Command, Any]] = queue.Queue()
        self._stop = threading.Event()
        self._closed = False
        self._supervisor = threading.Thread(target=self._run, name="hlsmon-player", daemon=True)
        self._supervisor.start()
        self._latency.start()

    # --- public API (any thread) --------------------------------------------------------------------
    def bind_window(self, handle: int) -> None:
        """Render into the native window ``handle`` (X11 window id, HWND or NSView*). Call before play()."""
        self._vlc.bind_window(handle)

    def play(self, url: str) -> None:
        """Play ``url``; if it is not live yet (404, empty, ended) wait and start when it is."""
        self._pending.put((Command.PLAY, (url, time.monotonic())))

    def stop(self) -> None:
        self._pending.put((Command.STOP, None))

    def set_target_latency(self, seconds: float | None) -> None:
        """Live-edge target in seconds, ``None`` for automatic (closest without stalling)."""
        self._pending.put((Command.TARGET, seconds))

    def set_edge_feed(self, config: EdgeFeedConfig | None) -> None:
        """The live-edge feed (``config``) or VLC's own HLS client (``None``); a playing stream restarts."""
        self._pending.put((Command.FEED, config))

    @property
    def edge_feed_config(self) -> EdgeFeedConfig | None:
        return self._path.config

    @property
    def feed_in_use(self) -> bool:
        """libVLC reads the live-edge feed's TS (not the origin's playlist) in the current playback."""
        return self._path.feed_in_use

    def edge_feed_stats(self) -> EdgeFeedStats | None:
        return self._path.stats()

    def health(self) -> PlayerHealth:
        return self._health

    def latency(self) -> LatencyStatus:
        return self._latency.status(time.monotonic())

    def latency_samples(self) -> list[LatencySample]:
        """All strip-measured samples so far (thread-safe copy)."""
        return self._latency.samples()

    def live_edge(self) -> LiveEdgeStatus:
        return self._edge

    def playlist(self) -> PlaylistView | None:
        return self._watcher.latest() if self._watcher else None

    def close(self) -> None:
        """Stop everything in an order that does not crash (libvlc.md §4). Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        self._latency.close()
        if self._supervisor.is_alive() and threading.current_thread() is not self._supervisor:
            self._supervisor.join(5.0)
        if self._watcher is not None:
            self._watcher.close()
        self._vlc.stop()
        self._path.close()
        self._vlc.release()
        log.info("player closed")

    # --- supervisor thread --------------------------------------------------------------------------
    def _run(self) -> None:
        next_control = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            try:
                self._handle_pending()
                self._drain_inbox()
                if self._vlc.playing:
                    self._sample_pictures(now)
                self._supervise_liveness(now)
                if self._vlc.playing and now >= next_control:
                    next_control = now + CONTROL_PERIOD_S
                    self._control(now)
                self._publish(now)
            except Exception:
                log.exception("player supervisor step failed")
            self._stop.wait(0.02 if self._vlc.playing and self._first_frame_t is None else 0.1)

    def _handle_pending(self) -> None:
        while True:
            try:
                command, value = self._pending.get_nowait()
            except queue.Empty:
                return
            if command is Command.PLAY:
                self._stop_vlc()
                self._url, self._request_t = value
                self._tracker.restarts = 0
                self._path.close()
                if self._watcher is not None:
                    self._watcher.close()
                self._watcher = PlaylistWatcher(self._url, borrow=self._path.shared_playlist).start()
                self._liveness.reset()
                self._waiting_reason = "checking the playlist"
            elif command is Command.STOP:
                self._url = None
                self._stop_vlc()
                self._path.close()
                if self._watcher is not None:
                    self._watcher.close()
                    self._watcher = None
                self._tracker.set_state(PlaybackState.STOPPED)
            elif command is Command.TARGET:
                self._controller.set_target(value)
            elif command is Command.FEED and value != self._path.config:
                was_playing = self._vlc.playing
                self._stop_vlc()
                self._path.set_config(value)
                self._controller.set_edge_feed(self._path.feed_in_use)
                if was_playing and self._url is not None:
                    self._start_vlc()

    def _start_vlc(self) -> None:
        assert self._url is not None
        media_url = self._path.media_url(self._url, self.playlist())
        self._controller.set_edge_feed(self._path.feed_in_use)
        self._play_t = time.monotonic()
        self._first_frame_t = None
        # time to first frame counts from the user's play() when the stream was live right away
        self._tracker.reset(self._request_t if self._request_t is not None else self._play_t)
        self._request_t = None
        self._vlc.open(media_url, network_caching_ms=self._path.network_caching_ms)
        self._controller.reset(None)
        self._waiting_reason = None
        self._latency.pause(False)
        log.info("playing %s", self._url)

    def _stop_vlc(self) -> None:
        self._latency.pause(True)
        self._vlc.stop()
        self._first_frame_t = None

    def _drain_inbox(self) -> None:
        before = self._tracker.snapshot(time.monotonic()).rebuffer_count
        for item in self._vlc.drain():
            if isinstance(item, LogLine):
                self._tracker.on_log(item)
            else:
                self._tracker.on_event(item)
        if self._tracker.snapshot(time.monotonic()).rebuffer_count > before:
            self._controller.on_stall(time.monotonic())

    def _sample_pictures(self, now: float) -> None:
        pictures = self._vlc.displayed_pictures()
        if pictures is None:
            return
        self._tracker.on_pictures(now, pictures)
        if self._first_frame_t is None and self._tracker.last_picture_t is not None:
            self._first_frame_t = self._tracker.last_picture_t
            self._controller.reset(self._first_frame_t)

    def _supervise_liveness(self, now: float) -> None:
        view = self.playlist()
        if self._url is None or view is None:
            return
        lost = self._tracker.snapshot(now).lost_reason if self._tracker.lost else None
        picture_t = self._tracker.last_picture_t
        playback = Playback(
            playing=self._vlc.playing, started_t=self._play_t, last_picture_t=picture_t, lost_reason=lost
        )
        decision = self._liveness.decide(now, view, playback)
        if decision.action is Action.START:
            self._start_vlc()
        elif decision.action is Action.WAIT:
            self._request_t = None  # it waited: time to first frame counts from when it came
            self._waiting_reason = decision.reason
            self._tracker.set_state(PlaybackState.WAITING)
        elif decision.action in (Action.RESTART, Action.STOP):
            log.warning("restarting playback: %s", decision.reason)
            self._stop_vlc()
            self._tracker.restarts += 1
            self._tracker.set_state(PlaybackState.WAITING)
            self._waiting_reason = decision.reason
            if decision.action is Action.RESTART:
                self._start_vlc()

    def _control(self, now: float) -> None:
        if self._first_frame_t is None:
            return
        view = self.playlist()
        feed = self._path.stats() if self._path.feed_in_use else None
        self._latency.update_estimate(now, time.time(), view, self._vlc.position(), feed)
        sample = self._latency.latest(now)
        if view is not None:
            self._controller.set_fragment(view.last_duration_s or view.target_duration_s)
        latency_s, source = (sample.latency_s, sample.source) if sample else (None, None)
        for command in self._controller.update(now, latency_s, source, seekable=self._vlc.seekable()):
            self._vlc.apply(command)
        self._latency.set_busy(self._controller.status().mode not in (EdgeMode.HOLDING, EdgeMode.OFF))

    def _publish(self, now: float) -> None:
        health = self._tracker.snapshot(now, waiting_reason=self._waiting_reason)
        sample = self._latency.latest(now) if self._vlc.playing else None
        self._edge = edge = self._controller.status()
        feed = self._path.stats() if self._path.feed_in_use else None
        if feed is not None:  # VLC reads one TS: the segment comes from the feed, not from VLC's log
            health = replace(health, current_segment=feed.current_segment, segments_fetched=feed.segments_fed)
        self._health = replace(
            health,
            latency_s=sample.latency_s if sample else None,
            latency_source=sample.source if sample else None,
            target_latency_s=edge.target_s,
            playback_rate=edge.rate,
        )
