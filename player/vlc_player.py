"""libVLC player for a native window, with health, glass-to-glass latency and live-edge control. Qt-free.

Usage (any toolkit; the GUI's ``VideoPanel`` does exactly this)::

    if not is_available():
        print(install_hint())
    player = VlcPlayer()
    player.bind_window(int(widget.winId()))   # after the widget is shown
    player.play("http://127.0.0.1:8080/hls/stream.m3u8")
    ... player.health(), player.latency(), player.live_edge() from any thread (frozen dataclasses) ...
    player.close()                             # before the window is destroyed

Threads (never call libVLC from its own callbacks, libvlc.md §4):

* libVLC's event and log callbacks only append ``PlayerEvent``/``LogLine`` records to a ``queue.Queue``.
* ``hlsmon-player`` (supervisor) drains that queue into ``HealthTracker``, samples ``displayed_pictures``
  at ~10 Hz, waits for the stream to be live (playlist 404 / ended → wait, start by itself when it comes
  back, restart after a publisher reconnect), and applies the live-edge controller's rate/seek commands.
* ``hlsmon-latency`` takes snapshots (``take_snapshot`` blocks up to 500 ms) and decodes the clock strip.
* ``hlsmon-player-playlist`` polls the playlist (requests, timeouts) for waiting and for estimates.
* ``hlsmon-edge-feed`` (``player/edge_feed.py``, on by default): the loopback server libVLC reads the stream
  from; it fetches each segment as soon as it is listed (VLC's own HLS client stays ≥ 2 segments behind).
  ``edge_feed=None`` (or ``set_edge_feed(None)``) plays through VLC's own HLS client instead.

``close()`` stops those threads first, then ``stop`` → feed close → ``event_detach`` → ``log_unset`` → ``release``
(the order that never crashed in libvlc.md §4). The window must stay valid until ``close()`` returned.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import os
import queue
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

from player.edge_feed import DEFAULT_CONFIG as DEFAULT_FEED_CONFIG
from player.edge_feed import EdgeFeedConfig, EdgeFeedStats, LiveEdgeFeed
from player.health import HealthTracker, LogLine, PlayerEvent, PlayerHealth
from player.latency import (
    VLC_DEMUX_LEAD_S,
    LatencyMeter,
    LatencySample,
    LatencySummary,
    estimate_latency,
    summarize,
)
from player.live_edge import LiveEdgeConfig, LiveEdgeController, LiveEdgeStatus
from player.playlist_watch import PlaylistView, PlaylistWatcher

log = logging.getLogger(__name__)

# Options every instance gets: snapshots without a preview/OSD on the video (libvlc.md §2), no title.
BASE_OPTIONS: tuple[str, ...] = (
    "--no-snapshot-preview",
    "--no-osd",
    "--no-video-title-show",
    "--stats",
)
# nginx-rtmp writes one PCR per keyframe, 1.4 s behind the timestamps (PCR = DTS - 700 ms, PTS/DTS + 700 ms),
# more than the fixed 1 s of PTS delay VLC 3 uses for HLS: VLC then logs "PCR is called too late" and
# rebuffers at segment boundaries. Making VLC's TS demuxer derive its clock from the timestamps instead
# removes the stutter (docs/player.md, bench/vlc_stutter.py). Harmless for well-formed TS.
NO_TRUST_PCR = "--no-ts-trust-pcr"
# on the feed's TS, get_time() runs only ~0.07 s ahead of the displayed picture (lab, 1 s and 2 s fragments:
# with 0.5 s here the playlist estimate read 0.43 s high against the clock strip, range 0.23-0.65 s)
FEED_TIME_LEAD_S = 0.07
FEED_CACHING_MS = 500  # VLC's network cache on the live-edge feed's TS (its PTS delay; 1 s in VLC's own HLS)
STRIP_FRESH_S = 2.5  # a strip sample older than this no longer drives the controller (1 Hz when locked)
STALL_RESTART_S = 6.0  # no new picture for this long while the playlist is live: restart
LOST_GRACE_S = 3.0  # a playlist failing this long (404, unreachable, ended) stops playback

_vlc: ModuleType | None = None
_import_error: str | None = None


def audio_output_available() -> bool:
    """Is there a sound device or server? Without one libVLC logs thousands of ALSA errors a minute."""
    if not sys.platform.startswith("linux"):
        return True
    runtime = os.environ.get("XDG_RUNTIME_DIR", f"/run/user/{os.getuid()}")
    sockets = (Path(runtime) / "pulse" / "native", Path(runtime) / "pipewire-0")
    if os.environ.get("PULSE_SERVER") or any(s.exists() for s in sockets):
        return True
    snd = Path("/dev/snd")
    return snd.is_dir() and any(p.name.startswith("pcm") for p in snd.iterdir())


def _load_vlc() -> ModuleType | None:
    global _vlc, _import_error
    if _vlc is not None or _import_error is not None:
        return _vlc
    try:
        import vlc  # guarded: without libVLC the app runs monitor-only

        vlc.libvlc_get_version()
        _vlc = vlc
    except (ImportError, OSError, AttributeError, NameError) as exc:
        _import_error = f"{type(exc).__name__}: {exc}"
        log.warning("libVLC not available (%s); playback disabled", _import_error)
    return _vlc


def is_available() -> bool:
    """True when python-vlc imports and finds libVLC 3."""
    return _load_vlc() is not None


def unavailable_reason() -> str | None:
    _load_vlc()
    return _import_error


def install_hint() -> str:
    """How to get libVLC on this platform (shown by the GUI when playback is unavailable)."""
    if sys.platform.startswith("linux"):
        return (
            "Video playback needs libVLC 3: sudo apt install libvlc5 vlc-plugin-base vlc-plugin-video-output "
            "(Fedora: sudo dnf install vlc-libs); python-vlc comes with hlsmon. Monitoring works without it."
        )
    if sys.platform == "darwin":
        return "Video playback needs VLC 3: install VLC.app from videolan.org (or brew install --cask vlc)."
    if sys.platform == "win32":
        return "Video playback needs VLC 3 (64-bit, same bitness as Python): install it from videolan.org."
    return "Video playback needs libVLC 3 (https://www.videolan.org/vlc/)."


# --- log callback with correct prototypes (python-vlc's get_context/get_object wrappers are broken) ----
_LOG_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p)
_LOG_BUFFER = 1024
# Debug lines (95-99 % of libVLC's output, ~10 per snapshot) are dropped in the callback before any formatting
# unless their format string holds one of these: the only debug lines HealthTracker and the log view use.
_DEBUG_KEEP = (b"Retrieving", b"too late", b"update")


def _vsnprintf() -> Callable[..., int]:
    if sys.platform == "win32":
        libc = ctypes.cdll.msvcrt
        fn = getattr(libc, "vsnprintf", None) or libc._vsnprintf
    else:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None)
        fn = libc.vsnprintf
    fn.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_void_p]
    fn.restype = ctypes.c_int
    return fn


class _LogBridge:
    """libvlc_log_set callback: format the message once, put a ``LogLine`` on the queue, return."""

    def __init__(self, vlc: ModuleType, out: queue.Queue, min_level: int = 0) -> None:
        lib = vlc.dll
        self._get_context = lib.libvlc_log_get_context
        self._get_context.argtypes = [
            ctypes.c_void_p,
            ctypes.POINTER(ctypes.c_char_p),
            ctypes.POINTER(ctypes.c_char_p),
            ctypes.POINTER(ctypes.c_uint),
        ]
        self._get_context.restype = None
        self._get_object = lib.libvlc_log_get_object
        self._get_object.argtypes = [
            ctypes.c_void_p,
            ctypes.POINTER(ctypes.c_char_p),
            ctypes.POINTER(ctypes.c_char_p),
            ctypes.POINTER(ctypes.c_size_t),
        ]
        self._get_object.restype = None
        self._log_set = lib.libvlc_log_set
        self._log_set.argtypes = [ctypes.c_void_p, _LOG_CB, ctypes.c_void_p]
        self._log_set.restype = None
        self._log_unset = lib.libvlc_log_unset
        self._log_unset.argtypes = [ctypes.c_void_p]
        self._log_unset.restype = None
        self._format = _vsnprintf()
        self._out = out
        self._min_level = min_level
        self._callback = _LOG_CB(self._on_log)  # keep a reference for as long as it is installed
        self._installed_on: int | None = None

    def install(self, instance_ptr: int) -> None:
        self._log_set(instance_ptr, self._callback, None)
        self._installed_on = instance_ptr

    def uninstall(self) -> None:
        if self._installed_on is not None:
            self._log_unset(self._installed_on)
            self._installed_on = None

    def _on_log(self, _data, level, ctx, fmt, args) -> None:  # runs on a VLC thread
        if level < self._min_level:
            return
        if level == 0 and not (fmt and any(key in fmt for key in _DEBUG_KEEP)):
            return
        try:
            buf = ctypes.create_string_buffer(_LOG_BUFFER)
            self._format(buf, _LOG_BUFFER, fmt, args)
            module = ctypes.c_char_p()
            file_ = ctypes.c_char_p()
            line = ctypes.c_uint()
            self._get_context(ctx, ctypes.byref(module), ctypes.byref(file_), ctypes.byref(line))
            name = ctypes.c_char_p()
            header = ctypes.c_char_p()
            obj_id = ctypes.c_size_t()
            self._get_object(ctx, ctypes.byref(name), ctypes.byref(header), ctypes.byref(obj_id))
            self._out.put_nowait(
                LogLine(
                    t_mono=time.monotonic(),
                    level=int(level),
                    module=(module.value or b"").decode(errors="replace"),
                    object_type=(name.value or b"").decode(errors="replace"),
                    text=buf.value.decode(errors="replace"),
                )
            )
        except Exception:  # never raise into C
            pass


_EVENTS = (
    "MediaPlayerOpening",
    "MediaPlayerBuffering",
    "MediaPlayerPlaying",
    "MediaPlayerPaused",
    "MediaPlayerStopped",
    "MediaPlayerEndReached",
    "MediaPlayerEncounteredError",
    "MediaPlayerVout",
    "MediaPlayerSeekableChanged",
)


@dataclass(frozen=True, kw_only=True)
class LatencyStatus:
    """Newest latency and the series summary. ``source``: strip (measured), pdt-estimate, estimate."""

    latest: LatencySample | None
    measured: LatencySummary  # strip samples only
    snapshots: int
    decoded: int


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
        wait_for_live: bool = True,
        keep_log_lines: int = 400,
        trust_pcr: bool = False,
        edge_feed: EdgeFeedConfig | None = DEFAULT_FEED_CONFIG,
        feed_caching_ms: int = FEED_CACHING_MS,
    ) -> None:
        vlc = _load_vlc()
        if vlc is None:
            raise RuntimeError(f"libVLC is not available ({_import_error}). {install_hint()}")
        self._vlc = vlc
        _x_init_threads()
        if audio is None:
            audio = audio_output_available()
        args = [*BASE_OPTIONS, *([] if trust_pcr else [NO_TRUST_PCR]), *([] if audio else ["--aout=adummy"]), *options]
        self._instance = vlc.Instance(args)
        if self._instance is None:
            raise RuntimeError(f"libvlc_new failed with options {args}")
        self._mp = self._instance.media_player_new()
        self._mp.video_set_mouse_input(False)
        self._mp.video_set_key_input(False)
        self._media = None
        self._generation = 0  # bumped at each start: events of an older media are dropped
        self._inbox: queue.Queue = queue.Queue(maxsize=20000)
        self._log_bridge = _LogBridge(vlc, self._inbox)
        self._log_bridge.install(self._instance._as_parameter_.value)
        self._event_manager = self._mp.event_manager()
        self._attached: list = []
        for name in _EVENTS:
            event_type = getattr(vlc.EventType, name)
            self._event_manager.event_attach(event_type, self._on_event, name)
            self._attached.append(event_type)
        # serialises media changes (supervisor) against snapshots (latency thread); reads need no lock
        self._vlc_lock = threading.RLock()
        self._state_lock = threading.Lock()
        self._recent_log: deque[LogLine] = deque(maxlen=keep_log_lines)
        self._events_out: deque[PlayerEvent | LogLine] = deque(maxlen=2000)
        self._tracker = HealthTracker()
        self._controller = LiveEdgeController(live_edge)
        self._health = PlayerHealth(t_mono=time.monotonic(), state="idle")
        self._estimate: LatencySample | None = None
        self._measured_cache: tuple[int, LatencySummary] | None = None  # (decoded count, summary)
        self._url: str | None = None
        self._wait_for_live = wait_for_live
        self._playing = False  # libVLC has a media playing (or starting)
        self._play_t: float | None = None
        self._request_t: float | None = None  # when play() was called, until the first start
        self._first_frame_t: float | None = None
        self._last_media_seq: int | None = None
        self._not_live_since: float | None = None
        self._waiting_reason: str | None = None
        self._watcher: PlaylistWatcher | None = None
        self._feed_config = edge_feed
        self._feed_caching_ms = int(feed_caching_ms)
        self._feed: LiveEdgeFeed | None = None
        self._feed_in_use = edge_feed is not None  # decided again at each start (_media_url)
        self._controller.set_edge_feed(self._feed_in_use)
        self._stop = threading.Event()
        self._closed = False
        self._pending: queue.Queue = queue.Queue()  # commands from any thread for the supervisor
        self._snapshot_width = max(0, int(snapshot_width))  # 0: source size
        self._meter: LatencyMeter | None = None
        if measure_latency:
            self._meter = LatencyMeter(self._take_snapshot, rate_hz=snapshot_hz, locked_hz=snapshot_locked_hz)
            self._meter.pause(True)
        self._supervisor = threading.Thread(target=self._run, name="hlsmon-player", daemon=True)
        self._supervisor.start()
        if self._meter is not None:
            self._meter.start()

    # --- public API (any thread) --------------------------------------------------------------------
    def bind_window(self, handle: int) -> None:
        """Render into the native window ``handle`` (X11 window id, HWND or NSView*). Call before play()."""
        if sys.platform.startswith("linux") or sys.platform.startswith("freebsd"):
            self._mp.set_xwindow(int(handle))
        elif sys.platform == "win32":
            _ensure_clip_children(int(handle))
            self._mp.set_hwnd(int(handle))
        elif sys.platform == "darwin":
            self._mp.set_nsobject(int(handle))
        else:
            raise RuntimeError(f"no libVLC window embedding on {sys.platform}")

    def play(self, url: str) -> None:
        """Play ``url``; if it is not live yet (404, empty, ended) wait and start when it is."""
        self._pending.put(("play", (url, time.monotonic())))

    def stop(self) -> None:
        self._pending.put(("stop", None))

    def set_mute(self, muted: bool) -> None:
        self._mp.audio_set_mute(bool(muted))

    def set_volume(self, percent: int) -> None:
        self._mp.audio_set_volume(max(0, min(200, int(percent))))

    def set_target_latency(self, seconds: float | None) -> None:
        """Live-edge target in seconds, ``None`` for automatic (closest without stalling)."""
        self._pending.put(("target", seconds))

    def set_live_edge_enabled(self, enabled: bool) -> None:
        self._pending.put(("live_edge", enabled))

    def set_edge_feed(self, config: EdgeFeedConfig | None) -> None:
        """Play through the live-edge feed (``config``) or through VLC's own HLS client (``None``).

        Takes effect at once: a playing stream restarts on the new path.
        """
        self._pending.put(("feed", config))

    @property
    def edge_feed_config(self) -> EdgeFeedConfig | None:
        return self._feed_config

    def health(self) -> PlayerHealth:
        with self._state_lock:
            return self._health

    def latency(self) -> LatencyStatus:
        latest = self._latest_latency(time.monotonic())
        decoded = self._meter.decoded if self._meter else 0
        cached = self._measured_cache
        if cached is None or cached[0] != decoded:  # the GUI polls at 4 Hz: summarise only new data
            strip = self._meter.samples() if self._meter else []
            cached = self._measured_cache = (decoded, summarize([s.latency_s for s in strip]))
        return LatencyStatus(
            latest=latest,
            measured=cached[1],
            snapshots=self._meter.attempts if self._meter else 0,
            decoded=self._meter.decoded if self._meter else 0,
        )

    def latency_samples(self) -> list[LatencySample]:
        """All strip-measured samples so far (thread-safe copy)."""
        return self._meter.samples() if self._meter else []

    def live_edge(self) -> LiveEdgeStatus:
        with self._state_lock:
            return self._controller.status()

    def recent_log(self) -> list[LogLine]:
        with self._state_lock:
            return list(self._recent_log)

    def drain_events(self) -> list[PlayerEvent | LogLine]:
        """Events and log lines since the last call (for a GUI log view), oldest first."""
        with self._state_lock:
            items = list(self._events_out)
            self._events_out.clear()
        return items

    def playlist(self) -> PlaylistView | None:
        return self._watcher.latest() if self._watcher else None

    def close(self) -> None:
        """Stop everything in an order that does not crash (libvlc.md §4). Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        if self._meter is not None:
            self._meter.close()
        if self._supervisor.is_alive() and threading.current_thread() is not self._supervisor:
            self._supervisor.join(5.0)
        if self._watcher is not None:
            self._watcher.close()
        with self._vlc_lock:
            self._mp.stop()
        self._close_feed()
        with self._vlc_lock:
            for event_type in self._attached:
                with contextlib.suppress(Exception):
                    self._event_manager.event_detach(event_type)
            self._log_bridge.uninstall()
            self._mp.release()
            if self._media is not None:
                self._media.release()
                self._media = None
            self._instance.release()
        log.info("player closed")

    # --- libVLC callbacks (VLC threads): enqueue only ---------------------------------------------
    def _on_event(self, event, name: str) -> None:
        value: float | None = None
        if name == "MediaPlayerBuffering":
            value = float(event.u.new_cache)
        elif name == "MediaPlayerVout":
            value = float(event.u.new_count & 0xFFFFFFFF)
        with contextlib.suppress(queue.Full):
            self._inbox.put_nowait((self._generation, PlayerEvent(t_mono=time.monotonic(), kind=name, value=value)))

    # --- snapshot (latency thread) ------------------------------------------------------------------
    def _take_snapshot(self, path: Path) -> bool:
        with self._vlc_lock:
            if not self._playing or self._closed:
                return False
            # scaled down (aspect kept): the strip is relative to the frame (320 px: 4 px blocks, enough for
            # the decoder's central 50 %), and libVLC's swscale + PNG encode cost grows with the size
            return self._mp.video_take_snapshot(0, str(path), self._snapshot_width, 0) == 0

    # --- supervisor ---------------------------------------------------------------------------------
    def _run(self) -> None:
        next_control = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            try:
                self._handle_pending()
                self._drain_inbox()
                if self._playing:
                    self._sample_pictures(now)
                self._supervise_liveness(now)
                if self._playing and now >= next_control:
                    next_control = now + 0.25
                    self._control(now)
                self._publish(now)
            except Exception:
                log.exception("player supervisor step failed")
            period = 0.02 if self._playing and self._first_frame_t is None else 0.1
            self._stop.wait(period)

    def _handle_pending(self) -> None:
        while True:
            try:
                kind, value = self._pending.get_nowait()
            except queue.Empty:
                return
            if kind == "play":
                self._stop_vlc()
                self._url, self._request_t = value
                self._tracker.restarts = 0
                self._close_feed()
                self._start_watcher(self._url)
                self._waiting_reason = "checking the playlist"
                if not self._wait_for_live:
                    self._start_vlc()
            elif kind == "stop":
                self._url = None
                self._stop_vlc()
                self._close_feed()
                if self._watcher is not None:
                    self._watcher.close()
                    self._watcher = None
                self._tracker.set_state("stopped")
            elif kind == "target":
                with self._state_lock:
                    self._controller.set_target(value)
            elif kind == "live_edge":
                with self._state_lock:
                    self._controller.set_enabled(bool(value))
            elif kind == "feed":
                self._switch_feed(value)

    def _start_watcher(self, url: str) -> None:
        if self._watcher is not None:
            self._watcher.close()
        self._watcher = PlaylistWatcher(url, borrow=self._feed_playlist).start()
        self._last_media_seq = None
        self._not_live_since = None

    def _switch_feed(self, config: EdgeFeedConfig | None) -> None:
        if config == self._feed_config:
            return
        was_playing = self._playing
        self._stop_vlc()
        self._close_feed()
        self._feed_config = config
        self._feed_in_use = config is not None
        with self._state_lock:
            self._controller.set_edge_feed(self._feed_in_use)
        log.info("playback path: %s", "live-edge feed" if config else "VLC's own HLS client")
        if was_playing and self._url is not None:
            self._start_vlc()

    @property
    def _ts_feed(self) -> bool:
        """libVLC reads the live-edge feed's TS (not the origin's playlist) in the current playback."""
        return self._feed_in_use

    @property
    def feed_in_use(self) -> bool:
        return self._feed_in_use

    def _media_url(self) -> str:
        """The URL libVLC opens: the live-edge feed's (one feed per origin URL) or the origin's.

        Encrypted or fMP4 streams cannot go through the feed (it concatenates TS segments): those play
        through VLC's own HLS client whatever the setting.
        """
        assert self._url is not None
        view = self._watcher.latest() if self._watcher else None
        blocked = view.not_streamable if view is not None else None
        self._feed_in_use = self._feed_config is not None and blocked is None
        with self._state_lock:
            self._controller.set_edge_feed(self._feed_in_use)
        if not self._feed_in_use:
            if self._feed_config is not None:
                log.info("%s: playing through VLC's own HLS client, not the live-edge feed", blocked)
            return self._url
        if self._feed is None:
            self._feed = LiveEdgeFeed(self._url, self._feed_config).start()
        return self._feed.url

    def _close_feed(self) -> None:
        if self._feed is not None:
            self._feed.close()
            self._feed = None

    def _feed_playlist(self) -> tuple[float, str, str] | None:
        feed = self._feed  # read on the watcher thread: the feed may be closed meanwhile, that is harmless
        return feed.latest_playlist() if feed is not None else None

    def edge_feed_stats(self) -> EdgeFeedStats | None:
        feed = self._feed
        return feed.stats() if feed is not None else None

    def _start_vlc(self) -> None:
        assert self._url is not None
        media_url = self._media_url()
        with self._vlc_lock:
            media = self._instance.media_new(media_url)
            if self._ts_feed:
                media.add_option(f":network-caching={self._feed_caching_ms}")
            self._mp.set_media(media)
            if self._media is not None:
                self._media.release()
            self._media = media
            self._generation += 1
            self._mp.set_rate(1.0)
            self._play_t = time.monotonic()
            self._first_frame_t = None
            # time to first frame counts from the user's play() when the stream was live right away
            self._tracker.reset(self._request_t if self._request_t is not None else self._play_t)
            self._request_t = None
            self._mp.play()
            self._playing = True
        with self._state_lock:
            self._controller.reset(None)
        self._waiting_reason = None
        if self._meter is not None:
            self._meter.pause(False)
        log.info("playing %s", self._url)

    def _stop_vlc(self) -> None:
        if self._meter is not None:
            self._meter.pause(True)
        with self._vlc_lock:
            if self._playing:
                self._mp.stop()
            self._playing = False
        self._first_frame_t = None

    def _drain_inbox(self) -> None:
        stalled = False
        for _ in range(5000):
            try:
                item = self._inbox.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, tuple):
                generation, item = item
                if generation != self._generation:
                    continue
            if isinstance(item, LogLine):
                self._tracker.on_log(item)
                if item.level >= 2 or "Retrieving" in item.text or "too late" in item.text:
                    with self._state_lock:
                        self._recent_log.append(item)
                        self._events_out.append(item)
            else:
                before = self._tracker.snapshot(item.t_mono).rebuffer_count
                self._tracker.on_event(item)
                stalled |= self._tracker.snapshot(item.t_mono).rebuffer_count > before
                with self._state_lock:
                    self._events_out.append(item)
        if stalled:
            with self._state_lock:
                self._controller.on_stall(time.monotonic())

    def _sample_pictures(self, now: float) -> None:
        media = self._media
        if media is None:
            return
        stats = self._vlc.MediaStats()
        if not media.get_stats(stats):  # no lock: a snapshot may hold it for 500 ms
            return
        self._tracker.on_pictures(now, int(stats.displayed_pictures))
        if self._first_frame_t is None and self._tracker.last_picture_t is not None:
            self._first_frame_t = self._tracker.last_picture_t
            with self._state_lock:
                self._controller.reset(self._first_frame_t)

    def _supervise_liveness(self, now: float) -> None:
        if self._url is None or not self._wait_for_live or self._watcher is None:
            return
        view = self._watcher.latest()
        if view is None:
            return
        restarted_origin = (
            view.media_sequence is not None
            and self._last_media_seq is not None
            and view.media_sequence < self._last_media_seq
        )
        if view.media_sequence is not None:
            self._last_media_seq = view.media_sequence
        patience = max(STALL_RESTART_S, 3 * (view.target_duration_s or 2.0))
        stale = view.newest_first_seen is not None and now - view.newest_first_seen > patience
        live = view.live and not stale
        if live:
            self._not_live_since = None
        elif self._not_live_since is None:
            self._not_live_since = now
        if not self._playing:
            if live:
                self._start_vlc()
            else:
                self._request_t = None  # it waited: time to first frame counts from when it came
                self._waiting_reason = "playlist stopped updating" if stale else _why_not_live(view)
                self._tracker.set_state("waiting")
            return
        reason = None
        if restarted_origin:
            reason = "media sequence went back (origin or publisher restarted)"
        elif self._not_live_since is not None and now - self._not_live_since > LOST_GRACE_S:
            reason = "playlist stopped updating" if stale else f"stream not live: {_why_not_live(view)}"
        elif self._tracker.lost and live:
            reason = f"libVLC lost the stream ({self._tracker.snapshot(now).lost_reason})"
        else:
            last = self._tracker.last_picture_t or self._play_t or now
            if live and now - last > patience:
                reason = f"no picture for {now - last:.1f} s while the playlist is live"
        if reason is not None:
            log.warning("restarting playback: %s", reason)
            self._stop_vlc()
            self._tracker.restarts += 1
            self._tracker.set_state("waiting")
            self._waiting_reason = reason
            if live and not restarted_origin:
                self._start_vlc()

    def _latest_latency(self, now: float) -> LatencySample | None:
        strip = self._meter.latest() if self._meter else None
        if strip is not None and now - strip.t_mono <= STRIP_FRESH_S:
            return strip
        return self._estimate

    def _update_estimate(self, now: float) -> None:
        view = self._watcher.latest() if self._watcher else None
        if view is None or not view.live:
            self._estimate = None
            return
        remaining = self._remaining_s()
        if remaining is None:
            return
        remaining_s, newest_first_seen = remaining
        wall = time.time()
        result = estimate_latency(
            now_mono=now,
            now_wall=wall,
            remaining_s=remaining_s,
            newest_first_seen=newest_first_seen or view.newest_first_seen,
            newest_end_pdt=view.newest_end_pdt,
            demux_lead_s=FEED_TIME_LEAD_S if self._ts_feed else VLC_DEMUX_LEAD_S,
        )
        if result is not None:
            self._estimate = LatencySample(
                t_mono=now, t_wall=datetime.fromtimestamp(wall, tz=UTC), latency_s=result[0], source=result[1]
            )

    def _remaining_s(self) -> tuple[float, float | None] | None:
        """How far VLC's position is behind the end of what it can play, and when that end appeared."""
        stats = self.edge_feed_stats() if self._ts_feed else None
        if stats is not None:  # one continuous TS: VLC's time counts from the first segment streamed
            played_ms = self._mp.get_time()
            if played_ms < 0 or not stats.fed_media_s:
                return None
            return max(0.0, stats.fed_media_s - played_ms / 1000.0), stats.newest_fed_seen_t
        length_ms = self._mp.get_length()
        position = self._mp.get_position()
        if length_ms <= 0 or position < 0:
            return None
        return length_ms / 1000.0 * (1.0 - position), None

    def _control(self, now: float) -> None:
        if self._first_frame_t is None:
            return
        self._update_estimate(now)
        view = self._watcher.latest() if self._watcher else None
        sample = self._latest_latency(now)
        with self._state_lock:
            if view is not None:
                self._controller.set_fragment(view.last_duration_s or view.target_duration_s)
            commands = self._controller.update(
                now,
                sample.latency_s if sample else None,
                sample.source if sample else None,
                seekable=bool(self._mp.is_seekable()),
            )
            mode = self._controller.status().mode
        if self._meter is not None:
            self._meter.set_busy(mode not in ("holding", "off"))
        for command in commands:
            with self._vlc_lock:
                if command.kind == "rate":
                    log.debug("live edge: rate %.2f", command.value)
                    self._mp.set_rate(command.value)
                elif command.kind == "seek":
                    current = self._mp.get_time()
                    log.info("live edge: seek forward %.1f s", command.value)
                    if current >= 0:
                        self._mp.set_time(int(current + command.value * 1000))

    def _publish(self, now: float) -> None:
        health = self._tracker.snapshot(now, waiting_reason=self._waiting_reason)
        sample = self._latest_latency(now) if self._playing else None
        with self._state_lock:
            edge = self._controller.status()
            feed = self.edge_feed_stats() if self._ts_feed else None
            if feed is not None:  # VLC reads one TS: the segment comes from the feed, not from VLC's log
                health = replace(health, current_segment=feed.current_segment, segments_fetched=feed.segments_fed)
            self._health = replace(
                health,
                latency_s=sample.latency_s if sample else None,
                latency_source=sample.source if sample else None,
                target_latency_s=edge.target_s,
                playback_rate=edge.rate,
            )


def _why_not_live(view: PlaylistView) -> str:
    if view.status is None:
        return f"playlist unreachable ({view.error})"
    if view.status != 200:
        return f"playlist answers HTTP {view.status}"
    if view.endlist:
        return "stream ended (EXT-X-ENDLIST)"
    if view.error:
        return view.error
    return "playlist has no segments yet"


def _x_init_threads() -> None:
    """libVLC wants XInitThreads() before any X11 use; libX11 ≥ 1.8 does it already (cheap insurance)."""
    if not sys.platform.startswith("linux"):
        return
    name = ctypes.util.find_library("X11")
    if name:
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(name).XInitThreads()


def _ensure_clip_children(hwnd: int) -> None:
    """libVLC ≥ 3.0.21 requires WS_CLIPCHILDREN on the HWND it draws into (Windows only; untested here)."""
    gwl_style, ws_clipchildren = -16, 0x02000000
    user32 = ctypes.windll.user32  # type: ignore[attr-defined]
    get_style = user32.GetWindowLongPtrW
    set_style = user32.SetWindowLongPtrW
    get_style.restype = ctypes.c_ssize_t
    get_style.argtypes = [ctypes.c_void_p, ctypes.c_int]
    set_style.restype = ctypes.c_ssize_t
    set_style.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_ssize_t]
    style = get_style(hwnd, gwl_style)
    if not style & ws_clipchildren:
        set_style(hwnd, gwl_style, style | ws_clipchildren)
