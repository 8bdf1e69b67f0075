"""Turn the core's records (monitor/records.py) into chart data in a DashboardModel (Qt-free)."""

from __future__ import annotations

import logging
import math
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from gui.dashboard_model import AlertItem, DashboardModel
from monitor.records import (
    Alert,
    EndpointStatus,
    Measures,
    MonitorConfig,
    PlaylistSnapshot,
    RequestKind,
    RequestRecord,
    SegmentLifecycle,
    Window,
)

log = logging.getLogger(__name__)

KEEP_LIFECYCLES = 20_000  # newest lifecycle objects kept for the verdicts (the charts keep all)

#: (lifecycle) -> predicted deletion interval as UTC epoch seconds, or None.
DeletionPredictor = Callable[[SegmentLifecycle], "tuple[float, float] | None"]


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
        self.snapshots: dict[str, PlaylistSnapshot] = {}
        self.playlist_headers: dict[str, Mapping[str, str]] = {}
        self.states: dict[str, EndpointStatus] = {}
        self.measures: dict[str, Measures] = {}
        self.lifecycles: OrderedDict[tuple[str, int], SegmentLifecycle] = OrderedDict()
        self.requests = 0
        self._last_first: dict[str, float] = {}
        self._first_mid: dict[tuple[str, int], float] = {}
        self._sized: set[int] = set()

    def feed_many(self, events: Iterable[object]) -> int:
        n = 0
        for event in events:
            self.feed(event)
            n += 1
        return n

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

    def _lifecycle(self, lc: SegmentLifecycle) -> None:
        key = (lc.endpoint, lc.msn)
        table = self.model.lifecycles.get(lc.endpoint)
        is_new = table is None or (lc.msn, _segment_name(lc.uri)) not in table.rows
        self.lifecycles[key] = lc
        self.lifecycles.move_to_end(key)
        if len(self.lifecycles) > KEEP_LIFECYCLES:
            self.lifecycles.popitem(last=False)
        first_lo, first_hi = _win(lc.first_seen)
        left_lo, left_hi = _win(lc.left)
        gone_lo, gone_hi = _win(lc.gone)
        pred = self.predict_deletion(lc) if self.predict_deletion else None
        self.model.update_lifecycle(
            lc.endpoint,
            lc.msn,
            _segment_name(lc.uri),
            first_lo=first_lo,
            first_hi=first_hi,
            left_lo=left_lo,
            left_hi=left_hi,
            gone_lo=gone_lo,
            gone_hi=gone_hi,
            extinf=lc.extinf,
            pred_lo=pred[0] if pred else None,
            pred_hi=pred[1] if pred else None,
        )
        if is_new and not lc.missed:
            self._new_segment(lc, ts(lc.first_seen.estimate_utc(self.arrival_step_s)))
        if lc.size and lc.extinf > 0 and lc.endpoint == "origin" and lc.msn not in self._sized:
            self._sized.add(lc.msn)
            arrival = ts(lc.first_seen.estimate_utc(self.arrival_step_s))
            self.model.add_point("health.bitrate", arrival, lc.size * 8 / lc.extinf / 1000)

    def _new_segment(self, lc: SegmentLifecycle, t: float) -> None:
        ep = lc.endpoint
        prev = self._last_first.get(ep)
        self._last_first[ep] = t
        if ep == "origin":
            self._first_mid[(ep, lc.msn)] = t
            if len(self._first_mid) > KEEP_LIFECYCLES:
                self._first_mid.pop(next(iter(self._first_mid)))
                self._sized.clear()
        if prev is not None and t > prev:
            self.model.add_point(f"interval.{ep}", t, t - prev)
        if ep == "origin":
            self.model.add_point("duration.origin", t, lc.extinf)
            if lc.pdt is not None:
                self.model.add_point("latency.encoder_origin", t, t - (ts(lc.pdt) + lc.extinf))
        else:
            origin_t = self._first_mid.get(("origin", lc.msn))
            if origin_t is not None:
                self.model.add_point("latency.origin_cdn", t, t - origin_t)

    def _measures(self, m: Measures) -> None:
        self.measures[m.endpoint] = m
        t = ts(m.utc)
        self.model.add_point(f"window_s.{m.endpoint}", t, m.window_s)
        self.model.add_point(f"window_n.{m.endpoint}", t, m.window_segments)
        age = m.staleness_s if m.age_s is None else max(m.staleness_s, m.age_s)
        self.model.add_point(f"latency.playlist_age.{m.endpoint}", t, age)
        if m.target_duration:
            self.model.refs.target_duration = m.target_duration


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
