"""Turn the core's records (monitor/records.py) into chart data in a DashboardModel (Qt-free)."""

from __future__ import annotations

import functools
import logging
import math
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path

import numpy as np

from gui.dashboard_model import AlertItem, DashboardModel
from monitor.records import (
    Alert,
    ContentReport,
    EndpointStatus,
    Measures,
    MonitorConfig,
    PlaylistSnapshot,
    RequestKind,
    RequestRecord,
    SampledValues,
    SegmentLifecycle,
    Window,
)

log = logging.getLogger(__name__)

KEEP_LIFECYCLES = 20_000  # newest lifecycle objects kept for the verdicts (the charts keep all)

#: () -> the predicted deletion interval of a segment in seconds after its arrival (the estimate inside its
#: first-seen window), or None.
DeletionPredictor = Callable[[], "tuple[float, float] | None"]


def ts(dt: datetime | None) -> float:
    return math.nan if dt is None else dt.timestamp()


def _win(w: Window | None) -> tuple[float, float]:
    return (math.nan, math.nan) if w is None else (ts(w.lo_utc), ts(w.hi_utc))


class Ingestor:
    """Feeds events into a model and keeps what the window needs besides the charts."""

    def __init__(self, model: DashboardModel, arrival_step_s: float = MonitorConfig.dense_step_s) -> None:
        self.model = model
        self.arrival_step_s = arrival_step_s  # best instant inside a first-seen window (Window.estimate)
        self.predict_deletion: DeletionPredictor | None = None
        self.thumbs_dir: Path | None = None  # where the session's thumbnails are (monitor.content_feed.thumbs_dir)
        self._empty()

    def _empty(self) -> None:
        self.snapshots: dict[str, PlaylistSnapshot] = {}
        self.playlist_headers: dict[str, Mapping[str, str]] = {}
        self.states: dict[str, EndpointStatus] = {}
        self.measures: dict[str, Measures] = {}
        self.lifecycles: OrderedDict[tuple[str, int], SegmentLifecycle] = OrderedDict()
        self.requests = 0
        self._last_first: dict[str, float] = {}
        self._first_mid: OrderedDict[tuple[str, int], float] = OrderedDict()  # (oldest first: dropped in O(1))
        self._sized: set[int] = set()
        # points of a batch, per series: times, values, and the place in the batch of the event that gave each
        self._pending: dict[str, tuple[list[float], list[float], list[int]]] | None = None
        self._at = 0

    def _point(self, name: str, t: float, value: float) -> None:
        pending = self._pending
        if pending is None:
            self.model.add_point(name, t, value)
            return
        entry = pending.get(name)
        if entry is None:
            entry = pending[name] = ([], [], [])
        entry[0].append(t)
        entry[1].append(value)
        entry[2].append(self._at)

    def reset(self, source: Ingestor | None = None) -> None:
        """Forget every event (or take over what ``source`` ingested into the model its own model was reset
        from); the model, the arrival step and the deletion predictor stay."""
        if source is None:
            self._empty()
            return
        self.snapshots, self.playlist_headers = source.snapshots, source.playlist_headers
        self.states, self.measures, self.lifecycles = source.states, source.measures, source.lifecycles
        self.requests = source.requests
        self._last_first, self._first_mid, self._sized = source._last_first, source._first_mid, source._sized

    def feed_many(self, events: Iterable[object]) -> int:
        """Feed a batch (a replay reads a session in batches). A segment's lifecycle re-emitted later in the
        same batch is ingested once, at its first place (arrival order decides the intervals), with its
        latest content: the model ends the same, with a third of the work on a long session."""
        batch = events if isinstance(events, list) else list(events)
        latest: dict[tuple[str, int, int], SegmentLifecycle] = {}
        for event in batch:
            if type(event) is SegmentLifecycle:
                latest[(event.endpoint, event.generation, event.msn)] = event
        done: set[tuple[str, int, int]] = set()
        self._pending = {}  # each series' points of the batch are appended at its end, in one piece
        try:
            for event in batch:
                if type(event) is SegmentLifecycle:
                    key = (event.endpoint, event.generation, event.msn)
                    if key in done:
                        continue
                    done.add(key)
                    event = latest[key]
                self.feed(event)
        finally:
            pending, self._pending = self._pending, None
            for name, (times, values, _) in pending.items():
                self.model.add_points(name, np.array(times, dtype=float), np.array(values, dtype=float))
        return len(batch)

    def feed(self, event: object) -> None:
        if isinstance(event, SegmentLifecycle):
            self._lifecycle(event)
        elif isinstance(event, Measures):
            self._measures(event)
        elif isinstance(event, PlaylistSnapshot):
            self.snapshots[event.endpoint] = event
            if event.target_duration:
                self.model.refs.target_duration = event.target_duration
        elif isinstance(event, RequestRecord):
            self.requests += 1
            if event.kind == RequestKind.PLAYLIST and event.status == 200:
                self.playlist_headers[event.endpoint] = dict(event.headers)
        elif isinstance(event, Alert):
            self.model.add_alert(alert_item(event))
        elif isinstance(event, EndpointStatus):
            self.states[event.endpoint] = event
        elif isinstance(event, SampledValues):
            self._sampled(ts(event.utc), event.values)
        elif isinstance(event, ContentReport):
            self._content(event)

    def _lifecycle(self, lc: SegmentLifecycle) -> None:
        key = (lc.endpoint, lc.msn)
        name = _segment_name(lc.uri)
        table = self.model.lifecycles.get(lc.endpoint)
        is_new = table is None or (lc.msn, name) not in table.rows
        lifecycles = self.lifecycles
        if key in lifecycles:
            lifecycles.move_to_end(key)
        lifecycles[key] = lc
        if len(lifecycles) > KEEP_LIFECYCLES:
            lifecycles.popitem(last=False)
        first_lo, first_hi = _win(lc.first_seen)
        left_lo, left_hi = _win(lc.left)
        gone_lo, gone_hi = _win(lc.gone)
        arrival = ts(lc.first_seen.estimate_utc(self.arrival_step_s))
        after = self.predict_deletion() if self.predict_deletion else None
        self.model.update_lifecycle(
            lc.endpoint,
            lc.msn,
            name,
            first_lo=first_lo,
            first_hi=first_hi,
            left_lo=left_lo,
            left_hi=left_hi,
            gone_lo=gone_lo,
            gone_hi=gone_hi,
            extinf=lc.extinf,
            pred_lo=arrival + after[0] if after else None,
            pred_hi=arrival + after[1] if after else None,
        )
        if is_new and not lc.missed:
            self._new_segment(lc.endpoint, lc.msn, lc.extinf, ts(lc.pdt), arrival)
        if lc.size and lc.extinf > 0 and lc.endpoint == "origin" and lc.msn not in self._sized:
            self._bitrate(lc.msn, lc.size, lc.extinf, arrival)

    def _bitrate(self, msn: int, size: int, extinf: float, arrival: float) -> None:
        self._sized.add(msn)
        self._point("health.bitrate", arrival, size * 8 / extinf / 1000)

    def _new_segment(self, ep: str, msn: int, extinf: float, pdt: float, t: float) -> None:
        prev = self._last_first.get(ep)
        self._last_first[ep] = t
        if ep == "origin":
            self._first_mid[(ep, msn)] = t
            if len(self._first_mid) > KEEP_LIFECYCLES:
                self._first_mid.popitem(last=False)
                self._sized.clear()
        if prev is not None and t > prev:
            self._point(f"interval.{ep}", t, t - prev)
        if ep == "origin":
            self._point("duration.origin", t, extinf)
            if pdt == pdt:  # a PROGRAM-DATE-TIME (nan: none)
                self._point("latency.encoder_origin", t, t - (pdt + extinf))
        else:
            origin_t = self._first_mid.get(("origin", msn))
            if origin_t is not None:
                self._point("latency.origin_cdn", t, t - origin_t)

    def _content(self, c: ContentReport) -> None:
        """What the origin's segments contain (one analysed segment): keyframes, bit rate, sound."""
        if c.endpoint != "origin":
            return
        if c.thumbnail and self.thumbs_dir is not None:
            self.model.thumbnails[(c.endpoint, c.msn)] = str(self.thumbs_dir / c.thumbnail)
        t = ts(c.utc)
        for name, value in (
            ("content.keyint", c.keyint_s),
            ("content.bitrate", c.bitrate_bps / 1000 if c.bitrate_bps is not None else None),
            ("content.bitrate_declared", c.declared_bps / 1000 if c.declared_bps is not None else None),
            ("content.level", c.level_dbfs),
        ):
            if value is not None:
                self._point(name, t, value)

    def _measures(self, m: Measures) -> None:
        self.measures[m.endpoint] = m
        self._measure_points(m.endpoint, ts(m.utc), m.window_s, m.window_segments, m.staleness_s, m.age_s)
        if m.target_duration:
            self.model.refs.target_duration = m.target_duration

    def _measure_points(
        self, ep: str, t: float, window_s: float, window_n: int, staleness_s: float, age_s: float | None
    ) -> None:
        self._point(f"window_s.{ep}", t, window_s)
        self._point(f"window_n.{ep}", t, window_n)
        self._point(f"latency.playlist_age.{ep}", t, staleness_s if age_s is None else max(staleness_s, age_s))

    def _sampled(self, t: float, values: Mapping[str, float]) -> None:
        for name, value in values.items():
            self._point(name, t, value)


@functools.lru_cache(maxsize=4096)
def _segment_name(uri: str) -> str:
    return uri.rsplit("/", 1)[-1].split("?", 1)[0] or uri


def alert_item(a: Alert) -> AlertItem:
    return AlertItem(
        t=ts(a.utc),
        severity=a.severity.name.lower(),
        code=a.code,
        message=a.message,
        advice=a.advice,
        endpoint=a.endpoint,
        sequence=a.msn,
    )
