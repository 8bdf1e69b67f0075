"""Everything that touches libVLC itself: loading it, one instance + media player, its events and log, the window.

libVLC is hlsmon's only optional dependency and this module is its only door: ``import vlc`` happens here and
nowhere else. Without libVLC ``is_available()`` is False and the app runs monitor-only (``install_hint()`` says how
to get it). ``LibVlc`` is driven from the player's supervisor thread; ``snapshot`` runs on the latency thread; the
lock serialises media changes against snapshots (``take_snapshot`` may hold it for 500 ms).

Threads (never call libVLC from its own callbacks, libvlc.md §4): libVLC's event and log callbacks only append
``PlayerEvent``/``LogLine`` records to a ``queue.Queue``; ``drain()`` hands them to the supervisor.
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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from player.health import LogLine, PlayerEvent
from player.live_edge import Command, CommandKind

log = logging.getLogger(__name__)

# Options every instance gets: snapshots without a preview/OSD on the video (libvlc.md §2), no title.
BASE_OPTIONS: tuple[str, ...] = ("--no-snapshot-preview", "--no-osd", "--no-video-title-show", "--stats")
# nginx-rtmp writes one PCR per keyframe, 1.4 s behind the timestamps (PCR = DTS - 700 ms, PTS/DTS + 700 ms),
# more than the fixed 1 s of PTS delay VLC 3 uses for HLS: VLC then logs "PCR is called too late" and
# rebuffers at segment boundaries. Making VLC's TS demuxer derive its clock from the timestamps instead
# removes the stutter (docs/player.md, bench/vlc_stutter.py). Harmless for well-formed TS.
NO_TRUST_PCR = "--no-ts-trust-pcr"
EVENTS = (
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
DRAIN_LIMIT = 5000  # records handed over per supervisor step: a log flood cannot starve the rest of the step

_vlc: ModuleType | None = None
_import_error: str | None = None


def _load_vlc() -> ModuleType | None:
    global _vlc, _import_error
    if _vlc is not None or _import_error is not None:
        return _vlc
    try:
        import vlc  # the one optional dependency: without libVLC the app runs monitor-only

        vlc.libvlc_get_version()
        _vlc = vlc
    except (ImportError, OSError, AttributeError, NameError) as exc:
        _import_error = f"{type(exc).__name__}: {exc}"
        log.warning("libVLC not available (%s); playback disabled", _import_error)
    return _vlc


def is_available() -> bool:
    """True when python-vlc imports and finds libVLC 3."""
    return _load_vlc() is not None


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


def instance_options(options: Sequence[str], *, trust_pcr: bool, audio: bool) -> list[str]:
    """libVLC's command line: the base options, the PCR fix unless trusted, no audio output without a device."""
    return [*BASE_OPTIONS, *([] if trust_pcr else [NO_TRUST_PCR]), *([] if audio else ["--aout=adummy"]), *options]


@dataclass(frozen=True, kw_only=True)
class Position:
    """Where libVLC's demuxer is: ``time_ms`` from the start of the media, ``position`` in its length (-1: unknown)."""

    time_ms: int
    length_ms: int
    position: float


class LibVlc:
    """One libVLC instance and media player; ``open``/``stop`` from one thread, ``snapshot`` from another."""

    def __init__(self, options: Sequence[str]) -> None:
        vlc = _load_vlc()
        if vlc is None:
            raise RuntimeError(f"libVLC is not available ({_import_error}). {install_hint()}")
        self._vlc = vlc
        _x_init_threads()
        self._instance = vlc.Instance(list(options))
        if self._instance is None:
            raise RuntimeError(f"libvlc_new failed with options {list(options)}")
        self._mp = self._instance.media_player_new()
        self._mp.video_set_mouse_input(False)
        self._mp.video_set_key_input(False)
        self._media = None
        self._generation = 0  # bumped at each open: events of an older media are dropped
        self._playing = False  # libVLC has a media playing (or starting)
        self._released = False
        self._lock = threading.RLock()
        self._inbox: queue.Queue = queue.Queue(maxsize=20000)
        self._log_bridge = _LogBridge(vlc, self._inbox)
        self._log_bridge.install(self._instance._as_parameter_.value)
        self._event_manager = self._mp.event_manager()
        self._attached = [getattr(vlc.EventType, name) for name in EVENTS]
        for event_type, name in zip(self._attached, EVENTS, strict=True):
            self._event_manager.event_attach(event_type, self._on_event, name)

    @property
    def playing(self) -> bool:
        return self._playing

    def bind_window(self, handle: int) -> None:
        """Render into the native window ``handle``: X11 window id, Windows HWND or macOS NSView*."""
        if sys.platform.startswith(("linux", "freebsd")):
            self._mp.set_xwindow(int(handle))
        elif sys.platform == "win32":
            _ensure_clip_children(int(handle))
            self._mp.set_hwnd(int(handle))
        elif sys.platform == "darwin":
            self._mp.set_nsobject(int(handle))
        else:
            raise RuntimeError(f"no libVLC window embedding on {sys.platform}")

    def open(self, url: str, *, network_caching_ms: int | None = None) -> None:
        """Replace the media by ``url`` and play it at rate 1."""
        with self._lock:
            media = self._instance.media_new(url)
            if network_caching_ms is not None:
                media.add_option(f":network-caching={network_caching_ms}")
            self._mp.set_media(media)
            if self._media is not None:
                self._media.release()
            self._media = media
            self._generation += 1
            self._mp.set_rate(1.0)
            self._mp.play()
            self._playing = True

    def stop(self) -> None:
        with self._lock:
            if self._playing:
                self._mp.stop()
            self._playing = False

    def drain(self) -> list[PlayerEvent | LogLine]:
        """Events of the current media and log lines queued since the last call, oldest first."""
        items: list[PlayerEvent | LogLine] = []
        for _ in range(DRAIN_LIMIT):
            try:
                item = self._inbox.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, tuple):
                generation, item = item
                if generation != self._generation:
                    continue
            items.append(item)
        return items

    def displayed_pictures(self) -> int | None:
        """libVLC's cumulative count of pictures shown for the current media (None: no statistics yet)."""
        media = self._media
        if media is None:
            return None
        stats = self._vlc.MediaStats()
        if not media.get_stats(stats):  # no lock: a snapshot may hold it for 500 ms
            return None
        return int(stats.displayed_pictures)

    def position(self) -> Position:
        return Position(time_ms=self._mp.get_time(), length_ms=self._mp.get_length(), position=self._mp.get_position())

    def seekable(self) -> bool:
        return bool(self._mp.is_seekable())

    def apply(self, command: Command) -> None:
        """A live-edge command: a playback rate, or a jump forward of ``value`` seconds."""
        with self._lock:
            if command.kind is CommandKind.RATE:
                log.debug("live edge: rate %.2f", command.value)
                self._mp.set_rate(command.value)
            elif command.kind is CommandKind.SEEK:
                current = self._mp.get_time()
                log.info("live edge: seek forward %.1f s", command.value)
                if current >= 0:
                    self._mp.set_time(int(current + command.value * 1000))

    def snapshot(self, path: Path, width: int) -> bool:
        """Write the displayed picture to ``path``; blocks up to ~500 ms. ``width`` 0: the source size, else scaled
        down with the aspect kept (the clock strip is relative to the frame: 320 px gives 4 px blocks, enough for
        its decoder, and libVLC's swscale + PNG encode cost grows with the size)."""
        with self._lock:
            if not self._playing or self._released:
                return False
            return self._mp.video_take_snapshot(0, str(path), width, 0) == 0

    def release(self) -> None:
        """Detach events, unset the log, release player, media and instance (libvlc.md §4 order). Stop first."""
        with self._lock:
            self._released = True
            for event_type in self._attached:
                with contextlib.suppress(Exception):
                    self._event_manager.event_detach(event_type)
            self._log_bridge.uninstall()
            self._mp.release()
            if self._media is not None:
                self._media.release()
                self._media = None
            self._instance.release()

    def _on_event(self, event, name: str) -> None:  # runs on a VLC thread: enqueue only
        value: float | None = None
        if name == "MediaPlayerBuffering":
            value = float(event.u.new_cache)
        elif name == "MediaPlayerVout":
            value = float(event.u.new_count & 0xFFFFFFFF)
        with contextlib.suppress(queue.Full):
            self._inbox.put_nowait((self._generation, PlayerEvent(t_mono=time.monotonic(), kind=name, value=value)))


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


def _bind(lib: object, name: str, argtypes: list) -> Callable[..., None]:
    fn = getattr(lib, name)
    fn.argtypes = argtypes
    fn.restype = None
    return fn


class _LogBridge:
    """libvlc_log_set callback: format the message once, put a ``LogLine`` on the queue, return."""

    def __init__(self, vlc: ModuleType, out: queue.Queue) -> None:
        lib, char_pp = vlc.dll, ctypes.POINTER(ctypes.c_char_p)
        self._get_context = _bind(
            lib, "libvlc_log_get_context", [ctypes.c_void_p, char_pp, char_pp, ctypes.POINTER(ctypes.c_uint)]
        )
        self._get_object = _bind(
            lib, "libvlc_log_get_object", [ctypes.c_void_p, char_pp, char_pp, ctypes.POINTER(ctypes.c_size_t)]
        )
        self._log_set = _bind(lib, "libvlc_log_set", [ctypes.c_void_p, _LOG_CB, ctypes.c_void_p])
        self._log_unset = _bind(lib, "libvlc_log_unset", [ctypes.c_void_p])
        self._format = _vsnprintf()
        self._out = out
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
        if level == 0 and not (fmt and any(key in fmt for key in _DEBUG_KEEP)):
            return
        try:
            buf = ctypes.create_string_buffer(_LOG_BUFFER)
            self._format(buf, _LOG_BUFFER, fmt, args)
            module, file_, line = ctypes.c_char_p(), ctypes.c_char_p(), ctypes.c_uint()
            self._get_context(ctx, ctypes.byref(module), ctypes.byref(file_), ctypes.byref(line))
            name, header, obj_id = ctypes.c_char_p(), ctypes.c_char_p(), ctypes.c_size_t()
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
