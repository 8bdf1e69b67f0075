"""Glass-to-glass latency: measured from the clock strip in snapshots, or estimated from the playlist.

``LatencyMeter`` runs one daemon thread that calls a snapshot function a few times a second (libVLC's
``take_snapshot`` blocks up to 500 ms, so never on the GUI thread), decodes the strip from the top-left
corner of the PNG only (the strip's rows and columns, nothing else) and turns it into a ``LatencySample``:
the wall-clock time the picture was on screen minus the time stamped into it. Frames without a readable
strip give no sample; the player then falls back to ``estimate_latency`` (``estimate``/``pdt-estimate``).

Adaptive rate (snapshots are most of the player's CPU): ``rate_hz`` (3 Hz) while the latency moves,
``locked_hz`` (1 Hz) once the last ``LOCK_SAMPLES`` readings lie within ``LOCK_SPAN_S`` of each other, back to
``rate_hz`` as soon as a reading jumps out of that band; ``nostrip_hz`` after ``NOSTRIP_AFTER`` attempts in a
row without a readable strip (a stream without the clock strip), back to ``rate_hz`` at the first reading.
The player also holds ``rate_hz`` while its live-edge controller is moving the latency (``set_busy``).

Display time of a snapshot: the call waits for the next picture handed to the display, then converts and
encodes it. ``shown ≈ max(t_request, t_return - encode)`` with ``encode`` the smallest recent call duration
(a call that found a picture at once costs only the encode).
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from player.clock_strip import decode_strip, strip_box, to_luma
from player.png import PngError, read_png_region

log = logging.getLogger(__name__)

MAX_PLAUSIBLE_S = 60.0
VLC_DEMUX_LEAD_S = 1.0  # get_time() runs ~1 s ahead of the displayed picture (libvlc.md §2)
SEGMENT_PUBLISH_DELAY_S = 0.1  # a segment appears ~0.05-0.11 s after its last frame (libvlc.md §1)

SOURCE_STRIP = "strip"
SOURCE_PDT = "pdt-estimate"
SOURCE_PLAYLIST = "estimate"

LOCK_SAMPLES = 5  # readings that must agree before the meter slows down
LOCK_SPAN_S = 0.3  # max - min of those readings (snapshot timing jitter is ~±0.05 s)
NOSTRIP_AFTER = 10  # attempts in a row without a strip before slowing down to nostrip_hz


@dataclass(frozen=True, kw_only=True)
class LatencySample:
    """One latency value. ``source``: "strip" (measured), "pdt-estimate" or "estimate" (from the playlist)."""

    t_mono: float
    t_wall: datetime
    latency_s: float
    source: str
    margin: float | None = None  # strip decision margin (0.5 ideal)
    snapshot_ms: float | None = None  # duration of the take_snapshot call


@dataclass(frozen=True, kw_only=True)
class LatencySummary:
    count: int
    p50_s: float | None
    p95_s: float | None
    min_s: float | None
    max_s: float | None


def summarize(values: Sequence[float]) -> LatencySummary:
    if not values:
        return LatencySummary(count=0, p50_s=None, p95_s=None, min_s=None, max_s=None)
    arr = np.asarray(values, dtype=float)
    return LatencySummary(
        count=len(arr),
        p50_s=float(np.percentile(arr, 50)),
        p95_s=float(np.percentile(arr, 95)),
        min_s=float(arr.min()),
        max_s=float(arr.max()),
    )


def estimate_latency(
    *,
    now_mono: float,
    now_wall: float,
    remaining_s: float,
    newest_first_seen: float | None,
    newest_end_pdt: datetime | None,
    demux_lead_s: float = VLC_DEMUX_LEAD_S,
) -> tuple[float, str] | None:
    """Latency from the playlist and VLC's position: ``(seconds, source)`` or None.

    ``remaining_s`` is how far VLC's demux position is from the end of its window
    (``length * (1 - position)``); the picture is about ``demux_lead_s`` (VLC's PTS delay) behind that. The
    window end is placed in wall time by the newest segment's program date-time when tagged, else by when this process
    first saw it appear (minus the publish delay). Good to about ±1 s (libvlc.md §2).
    """
    behind_end = remaining_s + demux_lead_s
    if newest_end_pdt is not None:
        return behind_end + (now_wall - newest_end_pdt.timestamp()), SOURCE_PDT
    if newest_first_seen is not None:
        return behind_end + (now_mono - newest_first_seen) + SEGMENT_PUBLISH_DELAY_S, SOURCE_PLAYLIST
    return None


class StripClock:
    """Turns (snapshot timing, decoded strip) into latency, rejecting implausible readings."""

    def __init__(self) -> None:
        self._calls: deque[float] = deque(maxlen=20)
        self._last_epoch_ms: int | None = None

    def reset(self) -> None:
        self._last_epoch_ms = None

    def shown_at(self, t_request_wall: float, t_return_wall: float) -> float:
        duration = t_return_wall - t_request_wall
        self._calls.append(duration)
        encode = min(self._calls)
        return max(t_request_wall, t_return_wall - encode)

    def latency(self, shown_wall: float, epoch_ms: int) -> float | None:
        latency = shown_wall - epoch_ms / 1000.0
        if abs(latency) > MAX_PLAUSIBLE_S:
            return None
        if self._last_epoch_ms is not None and epoch_ms < self._last_epoch_ms:
            return None
        self._last_epoch_ms = epoch_ms
        return latency


class LatencyMeter:
    """Snapshot thread: ``snapshot(path) -> bool`` is called at ``rate_hz``; samples go to ``on_sample``.

    ``on_sample`` runs on the meter thread. ``snapshot`` must not be a libVLC call made from a libVLC
    callback (it is not: this is our own thread). ``latest()``/``samples()`` are thread-safe.
    """

    def __init__(
        self,
        snapshot: Callable[[Path], bool],
        *,
        rate_hz: float = 3.0,
        locked_hz: float | None = 1.0,
        nostrip_hz: float | None = 0.5,
        on_sample: Callable[[LatencySample], None] | None = None,
        wall: Callable[[], float] = time.time,
        mono: Callable[[], float] = time.monotonic,
        keep: int = 20000,
    ) -> None:
        self._snapshot = snapshot
        self._fast_period = 1.0 / rate_hz
        self._locked_period = 1.0 / locked_hz if locked_hz else self._fast_period
        self._nostrip_period = 1.0 / nostrip_hz if nostrip_hz else self._fast_period
        self._recent: deque[float] = deque(maxlen=LOCK_SAMPLES)
        self._misses = 0  # attempts in a row without a reading
        self._busy = False  # the owner is changing the latency on purpose: no locked rate
        self._on_sample = on_sample
        self._wall = wall
        self._mono = mono
        self._clock = StripClock()
        self._lock = threading.Lock()
        self._samples: deque[LatencySample] = deque(maxlen=keep)
        self._attempts = 0
        self._decoded = 0
        self._stop = threading.Event()
        self._paused = threading.Event()
        self._dir = Path(tempfile.mkdtemp(prefix="hlsmon-snap-"))
        self._thread = threading.Thread(target=self._run, name="hlsmon-latency", daemon=True)

    def start(self) -> LatencyMeter:
        self._thread.start()
        return self

    def close(self, timeout: float = 3.0) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)
        shutil.rmtree(self._dir, ignore_errors=True)

    def pause(self, paused: bool) -> None:
        """Paused while nothing plays (waiting for live); resets the monotonic-time check."""
        if paused:
            self._paused.set()
            self._clock.reset()
            self._recent.clear()
            self._misses = 0
        else:
            self._paused.clear()

    @property
    def attempts(self) -> int:
        return self._attempts

    @property
    def decoded(self) -> int:
        return self._decoded

    def set_busy(self, busy: bool) -> None:
        """While busy (e.g. the live-edge controller changes the rate or seeks), stay at ``rate_hz``."""
        self._busy = bool(busy)

    @property
    def locked(self) -> bool:
        """The recent readings agree (and the owner is not busy): the meter runs at ``locked_hz``."""
        recent = list(self._recent)
        return not self._busy and len(recent) == LOCK_SAMPLES and max(recent) - min(recent) <= LOCK_SPAN_S

    @property
    def rate_hz(self) -> float:
        """Current snapshot rate (adaptive, see the module docstring)."""
        return 1.0 / self._current_period()

    def _current_period(self) -> float:
        if self._misses >= NOSTRIP_AFTER:
            return self._nostrip_period
        return self._locked_period if self.locked else self._fast_period

    def latest(self) -> LatencySample | None:
        with self._lock:
            return self._samples[-1] if self._samples else None

    def samples(self) -> list[LatencySample]:
        with self._lock:
            return list(self._samples)

    def _run(self) -> None:
        path = self._dir / "snap.png"
        next_t = self._mono()
        while not self._stop.is_set():
            delay = next_t - self._mono()
            if delay > 0 and self._stop.wait(delay):
                break
            if self._paused.is_set():
                next_t = max(next_t + self._fast_period, self._mono())
                continue
            self._step(path)
            next_t = max(next_t + self._current_period(), self._mono())

    def _step(self, path: Path) -> LatencySample | None:
        """One snapshot: measure, update the adaptive-rate state, publish the sample."""
        try:
            sample = self._measure_once(path)
        except Exception:
            log.exception("latency snapshot failed")
            sample = None
        if sample is None:
            self._misses += 1
            return None
        self._misses = 0
        self._recent.append(sample.latency_s)
        with self._lock:
            self._samples.append(sample)
        self._decoded += 1  # after the append: a count seen by another thread is in samples()
        if self._on_sample is not None:
            self._on_sample(sample)
        return sample

    def _measure_once(self, path: Path) -> LatencySample | None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        t_req, m_req = self._wall(), self._mono()
        ok = self._snapshot(path)
        t_ret = self._wall()
        self._attempts += 1
        if not ok or not path.exists():
            return None
        shown = self._clock.shown_at(t_req, t_ret)
        try:
            image = read_strip_region(path)
        except (PngError, OSError, ValueError):
            return None
        reading = decode_strip(image)
        if reading is None:
            return None
        latency = self._clock.latency(shown, reading.epoch_ms)
        if latency is None:
            return None
        return LatencySample(
            t_mono=m_req + (shown - t_req),
            t_wall=datetime.fromtimestamp(shown, tz=UTC),
            latency_s=latency,
            source=SOURCE_STRIP,
            margin=reading.margin,
            snapshot_ms=(t_ret - t_req) * 1000.0,
        )


def read_strip_region(path: Path) -> np.ndarray:
    """A full-size luma plane holding only the strip's box (top-left), zeros elsewhere: the PNG is decoded
    for those rows and columns only, and only they are converted to luma."""
    with open(path, "rb") as fh:
        header = fh.read(24)
    if len(header) < 24:
        raise PngError("truncated PNG header")
    width, height = int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
    _x0, _y0, x1, y1 = strip_box(width, height)
    width, height, region = read_png_region(path, rows=y1, cols=x1)
    luma = np.zeros((height, width), dtype=np.float32)
    luma[: region.shape[0], : region.shape[1]] = to_luma(region if region.shape[2] != 1 else region[..., 0])
    return luma
