"""What the charts show, accumulated from the core's records (Qt-free, so tests and the benchmark can
fill it without a window).

Times are UTC epoch seconds (float) everywhere: the charts' x axis is wall-clock time.
The model only appends and updates numpy buffers; charts read them on their own redraw timer.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from gui.buffers import GrowBuffer

ENDPOINTS = ("origin", "cdn")

# Lifecycle columns (one row per segment per endpoint).
Y, FIRST_LO, FIRST_HI, LEFT_LO, LEFT_HI, GONE_LO, GONE_HI, EXTINF, PRED_LO, PRED_HI = range(10)
LIFECYCLE_COLUMNS = 10

# Series names used by the charts. Values are (label, unit).
SERIES: dict[str, tuple[str, str]] = {
    "interval.origin": ("inter-arrival, origin", "s"),
    "interval.cdn": ("inter-arrival, CDN", "s"),
    "duration.origin": ("segment duration (EXTINF)", "s"),
    "window_s.origin": ("window, origin", "s"),
    "window_s.cdn": ("window, CDN", "s"),
    "window_n.origin": ("segments listed, origin", "segments"),
    "window_n.cdn": ("segments listed, CDN", "segments"),
    "latency.encoder_origin": ("encoder → origin", "s"),
    "latency.origin_cdn": ("origin → CDN propagation", "s"),
    "latency.playlist_age.origin": ("playlist age, origin", "s"),
    "latency.playlist_age.cdn": ("playlist age, CDN", "s"),
    "latency.glass_to_glass": ("glass-to-glass", "s"),
    "latency.glass_to_glass_estimate": ("glass-to-glass estimate (playlist)", "s"),
    "latency.player_buffer": ("player buffer", "s"),
    "health.fps": ("displayed fps", "fps"),
    "health.rebuffers": ("rebuffers (total)", "count"),
    "health.bitrate": ("segment bitrate (size/EXTINF)", "kbit/s"),
    "content.keyint": ("keyframe interval (measured in the media)", "s"),
    "content.bitrate": ("bitrate (measured in the media)", "kbit/s"),
    "content.bitrate_declared": ("BANDWIDTH (declared)", "kbit/s"),
    "content.level": ("audio level", "dBFS"),
    "host.cpu.hlsmon": ("CPU hlsmon", "%"),
    "host.cpu.nginx": ("CPU nginx", "%"),
    "host.cpu.ffmpeg": ("CPU ffmpeg", "%"),
    "host.mem.hlsmon": ("memory hlsmon", "MB"),
    "host.mem.nginx": ("memory nginx", "MB"),
    "host.mem.ffmpeg": ("memory ffmpeg", "MB"),
}


@dataclass(frozen=True)
class AlertItem:
    """An alert as the window lists it."""

    t: float
    severity: str
    code: str
    message: str
    advice: str = ""
    endpoint: str = ""
    sequence: int | None = None
    uri: str = ""


@dataclass(frozen=True)
class VerdictItem:
    """A model verdict in plain words."""

    topic: str
    status: str  # "ok" | "warn" | "bad" | "info"
    text: str
    numbers: str = ""


@dataclass
class References:
    """Configured and spec values the charts draw as horizontal lines (None = unknown)."""

    hls_fragment: float | None = None
    target_duration: float | None = None
    playlist_length: float | None = None
    values: dict[str, float] = field(default_factory=dict)

    @property
    def three_td(self) -> float | None:
        return 3 * self.target_duration if self.target_duration else None


class LifecycleTable:
    """Segment lifecycles at one endpoint: one row per segment, columns as the module constants."""

    def __init__(self) -> None:
        self.buf = GrowBuffer(LIFECYCLE_COLUMNS, capacity=1024)
        self.rows: dict[tuple[int, str], int] = {}
        self.uris: list[str] = []
        self.seqs: list[int] = []

    def __len__(self) -> int:
        return len(self.buf)

    def row_for(self, key: tuple[int, str], y: float) -> int:
        row = self.rows.get(key)
        if row is None:
            row = self.buf.append(y, *([math.nan] * (LIFECYCLE_COLUMNS - 1)))
            self.rows[key] = row
            self.seqs.append(key[0])
            self.uris.append(key[1])
        return row

    def col(self, c: int) -> np.ndarray:
        return self.buf.view(c)


class DashboardModel:
    """Everything the dashboard draws. Call only from the GUI thread (or a single thread)."""

    def __init__(self) -> None:
        self._reset_listeners: list[Callable[[], None]] = []
        self.generation = 0  # counts reset()s: readers holding views of the old buffers start over
        self.version = 0
        self._empty()

    def _empty(self) -> None:
        self.lifecycles = {e: LifecycleTable() for e in ENDPOINTS}
        self._y_of: dict[tuple[int, str], float] = {}
        self.row_sequences: list[int] = []
        self.series: dict[str, GrowBuffer] = {}
        self.refs = References()
        self.alerts: list[AlertItem] = []
        self.verdicts: list[VerdictItem] = []
        self.thumbnails: dict[tuple[str, int], str] = {}  # (endpoint, msn) -> JPEG path (content analysis)
        self.t_min = math.inf
        self.t_max = -math.inf
        self.info: dict[str, str] = {}

    # --- reset -------------------------------------------------------------------------------
    def on_reset(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after every :meth:`reset` (the shape of Qt's modelReset)."""
        self._reset_listeners.append(listener)

    def reset(self, source: DashboardModel | None = None) -> None:
        """Start over: empty, or with the contents of ``source`` (a model filled elsewhere, e.g. on a reader
        thread, that nothing else uses afterwards); then tell the listeners."""
        if source is None:
            self._empty()
        else:
            self.lifecycles, self._y_of = source.lifecycles, source._y_of
            self.row_sequences, self.series = source.row_sequences, source.series
            self.refs, self.alerts, self.verdicts = source.refs, source.alerts, source.verdicts
            self.thumbnails = source.thumbnails
            self.t_min, self.t_max, self.info = source.t_min, source.t_max, source.info
        self.generation += 1
        self.version += 1
        for listener in self._reset_listeners:
            listener()

    # --- time bounds -------------------------------------------------------------------------
    def _touch(self, t: float) -> None:
        if math.isfinite(t):
            self.t_min = min(self.t_min, t)
            self.t_max = max(self.t_max, t)
        self.version += 1

    @property
    def has_data(self) -> bool:
        return math.isfinite(self.t_min)

    # --- series --------------------------------------------------------------------------------
    def buffer(self, name: str) -> GrowBuffer:
        buf = self.series.get(name)
        if buf is None:
            buf = self.series[name] = GrowBuffer(2)
        return buf

    def add_point(self, name: str, t: float, value: float) -> None:
        self.buffer(name).append(t, value)
        self._touch(t)

    def add_points(self, name: str, ts: np.ndarray, values: np.ndarray) -> None:
        if len(ts):
            self.buffer(name).extend(np.vstack([ts, values]))
            self._touch(float(np.nanmin(ts)))
            self._touch(float(np.nanmax(ts)))

    def xy(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        buf = self.series.get(name)
        if buf is None or not len(buf):
            empty = np.empty(0)
            return empty, empty
        return buf.view(0), buf.view(1)

    # --- lifecycles ----------------------------------------------------------------------------
    def segment_y(self, sequence: int, uri: str) -> float:
        key = (sequence, uri)
        y = self._y_of.get(key)
        if y is None:
            y = self._y_of[key] = float(len(self._y_of))
            self.row_sequences.append(sequence)
        return y

    def update_lifecycle(self, endpoint: str, sequence: int, uri: str, **cols: float | None) -> int:
        """Create or update a segment's row; keyword names are the lower-case column constants."""
        table = self.lifecycles.get(endpoint)
        if table is None:
            table = self.lifecycles[endpoint] = LifecycleTable()
        key = (sequence, uri)
        row = table.row_for(key, self.segment_y(sequence, uri))
        data = table.buf._data
        t_lo, t_hi = self.t_min, self.t_max
        for name, value in cols.items():
            if value is None:
                continue
            v = float(value)
            data[_COLUMN_BY_NAME[name], row] = v
            if name not in _NOT_TIMES and v == v:
                t_lo = v if v < t_lo else t_lo
                t_hi = v if v > t_hi else t_hi
        self.t_min, self.t_max = t_lo, t_hi
        table.buf.version += 1
        self.version += 1
        return row

    def find_segment(self, sequence: int | None, uri: str = "") -> float | None:
        """The timeline row (y) of a segment, by URI or sequence number."""
        for (seq, u), y in self._y_of.items():
            if (uri and u == uri) or (not uri and seq == sequence):
                return y
        return None

    # --- alerts and verdicts -------------------------------------------------------------------
    def add_alert(self, alert: AlertItem) -> None:
        self.alerts.append(alert)
        self._touch(alert.t)

    def set_verdicts(self, verdicts: list[VerdictItem]) -> None:
        self.verdicts = list(verdicts)
        self.version += 1

    def clear(self) -> None:
        self.reset()

    def nbytes(self) -> int:
        total = sum(t.buf.nbytes for t in self.lifecycles.values())
        return total + sum(b.nbytes for b in self.series.values())


_NOT_TIMES = ("extinf", "pred_lo", "pred_hi")
_COLUMN_BY_NAME = {
    "first_lo": FIRST_LO,
    "first_hi": FIRST_HI,
    "left_lo": LEFT_LO,
    "left_hi": LEFT_HI,
    "gone_lo": GONE_LO,
    "gone_hi": GONE_HI,
    "extinf": EXTINF,
    "pred_lo": PRED_LO,
    "pred_hi": PRED_HI,
}
