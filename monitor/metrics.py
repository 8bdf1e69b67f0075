"""Prometheus exposition of the monitor's events: one table of metrics (:data:`METRICS`), fed by :class:`Metrics`.

Every series carries ``stream`` (the probe's ``--stream`` name), ``endpoint`` (origin, cdn, a variant) and
``server`` (the ``--profile`` name, else the server guessed from the first media playlist, ``unknown``
until then; the gauges of an endpoint move to the new value when it is known). The names are stable: the
alerting rules (``deploy/prometheus/hlsmon-rules.yml``) and the Grafana dashboard depend on them.

``python -m monitor.metrics docs`` writes docs/metrics.md from the table; ``python -m monitor.metrics rules``
prints the Prometheus alerting rules derived from the alert catalogue (monitor/rules/catalogue.py) and
from metric thresholds (:mod:`monitor.prom_rules`).

:meth:`Metrics.observe` is called from the poller threads (one lock); the HTTP server answers scrapes on
its own daemon thread and binds 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import argparse
import collections
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from monitor import records as R
from monitor.budget import bounded_duration, default_budget_per_s
from monitor.clock import Clock
from monitor.measures import deletion_lag_s, seen_at
from monitor.rules.catalogue import CATALOGUE, CONDITION

if TYPE_CHECKING:
    from prometheus_client.metrics import MetricWrapperBase

HISTOGRAM, GAUGE, COUNTER = "histogram", "gauge", "counter"
LABELS = ("stream", "endpoint", "server")
UNKNOWN_SERVER = "unknown"
DOC_PATH = Path(__file__).resolve().parents[1] / "docs" / "metrics.md"
RATE_WINDOW_S = 60.0  # the request rate of the budget use is measured over this
REMEMBERED_SEGMENTS = 4096  # per endpoint: segments already observed once (lifecycles are re-emitted)

_DELAY = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0)
_CADENCE = (0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 20.0)
_LAG = (0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0)
_PROPAGATION = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 6.0, 10.0, 20.0, 60.0)
_AGE = (0.0, 1.0, 2.0, 4.0, 6.0, 10.0, 30.0, 60.0, 300.0)
_PARTS = (0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0)
_REQUEST = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True, kw_only=True)
class MetricSpec:
    """One exposed metric: its name as scraped, its kind, its meaning and what feeds it."""

    name: str
    kind: str
    help: str
    source: str  # the event that feeds it, for docs/metrics.md
    labels: tuple[str, ...] = ()  # beyond LABELS
    buckets: tuple[float, ...] = ()
    measure: str | None = None  # a Measures field copied (gauges), times ``scale``
    scale: float = 1.0  # to the metric's unit (milliseconds → seconds)

    @property
    def client_name(self) -> str:
        """prometheus_client adds ``_total`` to counters itself."""
        return self.name.removesuffix("_total") if self.kind == COUNTER else self.name


def _gauge(name: str, help_: str, measure: str, scale: float = 1.0) -> MetricSpec:
    return MetricSpec(name=name, kind=GAUGE, help=help_, source=f"Measures.{measure}", measure=measure, scale=scale)


METRICS: tuple[MetricSpec, ...] = (
    # ---- histograms ---------------------------------------------------------------------------------------
    MetricSpec(
        name="hlsmon_detection_delay_seconds",
        kind=HISTOGRAM,
        help="Upper bound of the delay from a segment's appearance to its detection: the width of its "
        "first-seen window (segments that appeared while watching)",
        source="SegmentLifecycle.first_seen",
        buckets=_DELAY,
    ),
    MetricSpec(
        name="hlsmon_interarrival_seconds",
        kind=HISTOGRAM,
        help="Interval between the arrivals of consecutive new segments",
        source="SegmentLifecycle.first_seen (best estimate)",
        buckets=_CADENCE,
    ),
    MetricSpec(
        name="hlsmon_deletion_lag_seconds",
        kind=HISTOGRAM,
        help="Time a segment stayed available after leaving the playlist (gone - left)",
        source="SegmentLifecycle.gone, left",
        buckets=_LAG,
    ),
    MetricSpec(
        name="hlsmon_propagation_seconds",
        kind=HISTOGRAM,
        help="First seen here - first seen at the reference endpoint (the origin), or the CDN's Age without one; "
        "one observation per new sample (a repeated equal sample counts once)",
        source="Measures.propagation_s",
        buckets=_PROPAGATION,
    ),
    MetricSpec(
        name="hlsmon_playlist_age_seconds",
        kind=HISTOGRAM,
        help="Age header of each playlist response (a cached copy's age)",
        source="RequestRecord (playlist, Age header)",
        buckets=_AGE,
    ),
    MetricSpec(
        name="hlsmon_part_arrival_seconds",
        kind=HISTOGRAM,
        help="Interval between the appearances of consecutive LL-HLS parts",
        source="PlaylistSnapshot.parts",
        buckets=_PARTS,
    ),
    MetricSpec(
        name="hlsmon_request_duration_seconds",
        kind=HISTOGRAM,
        help="Duration of each request, by kind (playlist, segment, probe)",
        source="RequestRecord",
        labels=("kind",),
        buckets=_REQUEST,
    ),
    # ---- gauges -------------------------------------------------------------------------------------------
    _gauge("hlsmon_window_seconds", "Duration of the last playlist (sum of EXTINF)", "window_s"),
    _gauge("hlsmon_window_segments", "Segments listed in the last playlist", "window_segments"),
    _gauge("hlsmon_media_sequence", "EXT-X-MEDIA-SEQUENCE of the last playlist", "media_sequence"),
    _gauge("hlsmon_target_duration_seconds", "EXT-X-TARGETDURATION", "target_duration"),
    _gauge("hlsmon_playlist_unchanged_seconds", "Time the playlist had not changed at the last reload", "staleness_s"),
    _gauge("hlsmon_playlist_last_age_seconds", "Age header of the last playlist response", "age_s"),
    _gauge("hlsmon_propagation_last_seconds", "Propagation of the newest segment from the reference", "propagation_s"),
    _gauge(
        "hlsmon_pdt_latency_seconds", "First seen - end of the segment's media (PROGRAM-DATE-TIME)", "pdt_latency_s"
    ),
    _gauge("hlsmon_segments_seen", "Segments seen since the start", "segments_seen"),
    _gauge("hlsmon_segments_gone", "Removed segments seen gone since the start", "segments_gone"),
    _gauge("hlsmon_segments_missed", "Segments published and removed between two polls", "missed"),
    _gauge("hlsmon_segments_404_while_listed", "Segments that answered 404 while listed", "errors_while_listed"),
    # ---- what the segments contain (content analysis; its findings are alerts, counted by code) ---------
    _gauge("hlsmon_keyframe_interval_seconds", "Keyframe interval measured in the newest analysed segment",
           "keyint_measured_s"),
    _gauge("hlsmon_keyframe_interval_expected_seconds", "Keyframe interval expected (configured, else the first "
           "one measured)", "keyint_expected_s"),
    _gauge("hlsmon_av_drift_seconds", "Audio start against video start, moved from where it began", "av_drift_ms",
           scale=0.001),
    _gauge("hlsmon_audio_level_dbfs", "Audio RMS level of the newest analysed segment (dBFS)", "level_dbfs"),
    _gauge("hlsmon_media_bitrate_bits_per_second", "Bit rate of the newest analysed segment (its bytes over its "
           "media duration)", "bitrate_bps"),
    _gauge("hlsmon_ingest_rate_ratio", "Media seconds published per wall-clock second at the origin (1: on time)",
           "ingest_rate"),
    MetricSpec(
        name="hlsmon_content_dropped_total",
        kind=COUNTER,
        help="Segments left unanalysed because the analysis (or its request budget) was behind",
        source="Measures.content_dropped",
    ),
    MetricSpec(
        name="hlsmon_seconds_since_new_segment",
        kind=GAUGE,
        help="Seconds since the last new segment was first seen (or since the first playlist), at scrape time",
        source="SegmentLifecycle.first_seen",
    ),
    MetricSpec(
        name="hlsmon_endpoint_up",
        kind=GAUGE,
        help="1 when the endpoint is live (playlist fetched and updating), else 0",
        source="EndpointStatus",
    ),
    MetricSpec(
        name="hlsmon_endpoint_state",
        kind=GAUGE,
        help="1 for the endpoint's current state, 0 for the others",
        source="EndpointStatus",
        labels=("state",),
    ),
    MetricSpec(
        name="hlsmon_alert_active",
        kind=GAUGE,
        help="1 while a latched alert condition is open (until its recovery), by catalogue code",
        source="Alert (and its recovery, Alert.recovers)",
        labels=("code", "severity"),
    ),
    MetricSpec(
        name="hlsmon_alert_last_timestamp_seconds",
        kind=GAUGE,
        help="Unix time of the last alert of a code (events: restart, end of stream)",
        source="Alert",
        labels=("code", "severity"),
    ),
    # ---- counters -----------------------------------------------------------------------------------------
    MetricSpec(
        name="hlsmon_alerts_total",
        kind=COUNTER,
        help="Alerts raised, by catalogue code and severity (recoveries included, as INFO)",
        source="Alert",
        labels=("code", "severity"),
    ),
    MetricSpec(
        name="hlsmon_requests_total",
        kind=COUNTER,
        help="Requests sent, by kind and HTTP status ('error': no HTTP response)",
        source="RequestRecord",
        labels=("kind", "status"),
    ),
    # ---- the monitor's own health -------------------------------------------------------------------------
    _gauge(
        "hlsmon_loop_lateness_p95_seconds", "The poller's own wake-up lateness, p95 over 1 min", "loop_lateness_p95_s"
    ),
    _gauge(
        "hlsmon_loop_lateness_max_seconds", "The poller's own wake-up lateness, max over 1 min", "loop_lateness_max_s"
    ),
    MetricSpec(
        name="hlsmon_request_budget_per_second",
        kind=GAUGE,
        help="The endpoint's request budget (--request-budget, else 3 per segment duration)",
        source="MonitorConfig.request_budget_per_s, Measures.target_duration",
    ),
    MetricSpec(
        name="hlsmon_request_budget_use_ratio",
        kind=GAUGE,
        help="Requests per second over the last minute / the request budget",
        source="RequestRecord",
    ),
)

SPECS: Mapping[str, MetricSpec] = {m.name: m for m in METRICS}


def add_stream_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stream",
        metavar="NAME",
        help="the stream's name in metrics and notifications (default: the playlist's file name)",
    )


def stream_name(url: str) -> str:
    """The default ``stream`` label of a playlist URL: its file name without extension (``live.m3u8`` → live)."""
    path = urlsplit(url).path.rstrip("/")
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return stem or urlsplit(url).hostname or "stream"


def budget_per_s(configured: float | None, target_duration: float | None) -> float:
    """The request budget the poller applies (monitor.budget), from what the measures know of the cadence."""
    if configured:
        return configured
    return default_budget_per_s(bounded_duration(target_duration))


class _Endpoint:
    """What the metrics remember of one endpoint (owned by :class:`Metrics`, under its lock)."""

    def __init__(self, server: str) -> None:
        self.server = server
        self.state: str | None = None
        self.open: dict[str, str] = {}  # code → severity label of the open episode
        self.observed: collections.deque[tuple[str, int, int]] = collections.deque(maxlen=REMEMBERED_SEGMENTS)
        self.observed_set: set[tuple[str, int, int]] = set()
        self.last_arrival: dict[int, tuple[int, float]] = {}  # generation → (msn, arrival estimate)
        self.last_new_mono: float | None = None
        self.last_part: tuple[tuple[int, int], float] | None = None  # ((last msn, parts), fetched.hi)
        self.sent: collections.deque[float] = collections.deque()
        self.target_duration: float | None = None
        self.last_propagation: float | None = None  # Measures carry the last sample only
        self.content_dropped = 0  # Measures.content_dropped already counted
        self.gauges: set[tuple[str, tuple[str, ...]]] = set()  # (metric, extra label values) set so far

    def first_time(self, what: str, life: R.SegmentLifecycle) -> bool:
        """True once per (what, segment): lifecycles are re-emitted at every change."""
        key = (what, life.generation, life.msn)
        if key in self.observed_set:
            return False
        if len(self.observed) == self.observed.maxlen:
            self.observed_set.discard(self.observed[0])
        self.observed.append(key)
        self.observed_set.add(key)
        return True


class Metrics:
    """The metrics of one probe (own registry), served on ``addr:port`` (port 0: any free port)."""

    def __init__(
        self,
        port: int | None,
        addr: str = "127.0.0.1",
        *,
        stream: str,
        config: R.MonitorConfig,
        server: str | None = None,
        clock: Clock | None = None,
    ) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.stream = stream
        self.config = config
        self.fixed_server = server
        self.clock = clock or Clock()
        self.registry = CollectorRegistry()
        self._lock = threading.Lock()
        self._endpoints: dict[str, _Endpoint] = {}
        kinds = {HISTOGRAM: Histogram, GAUGE: Gauge, COUNTER: Counter}
        self.metrics: dict[str, MetricWrapperBase] = {}
        for spec in METRICS:
            extra = {"buckets": spec.buckets} if spec.buckets else {}
            self.metrics[spec.name] = kinds[spec.kind](
                spec.client_name, spec.help, LABELS + spec.labels, registry=self.registry, **extra
            )
        self.server = None
        self.port: int | None = None
        if port is not None:
            from prometheus_client import start_http_server

            self.server, _thread = start_http_server(port, addr=addr, registry=self.registry)
            self.port = self.server.server_port

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def exposition(self) -> str:
        from prometheus_client import generate_latest

        return generate_latest(self.registry).decode()

    # ---- events -------------------------------------------------------------------------------------------
    def observe(self, event: object) -> None:
        with self._lock:
            if isinstance(event, R.Measures):
                self._measures(event)
            elif isinstance(event, R.RequestRecord):
                self._request(event)
            elif isinstance(event, R.SegmentLifecycle):
                self._lifecycle(event)
            elif isinstance(event, R.Alert):
                self._alert(event)
            elif isinstance(event, R.EndpointStatus):
                self._status(event)
            elif isinstance(event, R.PlaylistSnapshot):
                self._snapshot(event)

    def _endpoint(self, name: str) -> _Endpoint:
        ep = self._endpoints.get(name)
        if ep is None:
            ep = self._endpoints[name] = _Endpoint(self.fixed_server or UNKNOWN_SERVER)
            self._since_new_segment(name, ep)
        return ep

    def _labels(self, endpoint: str, *extra: str) -> tuple[str, ...]:
        return (self.stream, endpoint, self._endpoint(endpoint).server, *extra)

    def _set(self, metric: str, endpoint: str, value: float, *extra: str) -> None:
        self.metrics[metric].labels(*self._labels(endpoint, *extra)).set(value)
        self._endpoint(endpoint).gauges.add((metric, extra))

    def _inc(self, metric: str, endpoint: str, amount: float, *extra: str) -> None:
        self.metrics[metric].labels(*self._labels(endpoint, *extra)).inc(amount)

    def _hist(self, metric: str, endpoint: str, value: float, *extra: str) -> None:
        self.metrics[metric].labels(*self._labels(endpoint, *extra)).observe(value)

    def _measures(self, m: R.Measures) -> None:
        ep = self._endpoint(m.endpoint)
        if self.fixed_server is None and m.fingerprint is not None and m.fingerprint.name != ep.server:
            self._move_server(m.endpoint, ep, m.fingerprint.name)
        ep.target_duration = m.target_duration
        for spec in METRICS:
            value = None if spec.measure is None else getattr(m, spec.measure)
            if value is not None:
                self._set(spec.name, m.endpoint, value * spec.scale)
        if m.content_dropped > ep.content_dropped:  # a running count in the measures: the counter takes its steps
            self._inc("hlsmon_content_dropped_total", m.endpoint, m.content_dropped - ep.content_dropped)
            ep.content_dropped = m.content_dropped
        if m.propagation_s is not None and m.propagation_s != ep.last_propagation:
            ep.last_propagation = m.propagation_s
            self._hist("hlsmon_propagation_seconds", m.endpoint, max(0.0, m.propagation_s))
        self._budget(m.endpoint, ep)

    def _budget(self, endpoint: str, ep: _Endpoint) -> None:
        budget = budget_per_s(self.config.request_budget_per_s, ep.target_duration)
        self._set("hlsmon_request_budget_per_second", endpoint, budget)
        if ep.sent:
            span = min(RATE_WINDOW_S, max(1.0, ep.sent[-1] - ep.sent[0]))
            self._set("hlsmon_request_budget_use_ratio", endpoint, len(ep.sent) / span / budget)

    def _request(self, r: R.RequestRecord) -> None:
        ep = self._endpoint(r.endpoint)
        status = "error" if r.status is None else str(r.status)
        self.metrics["hlsmon_requests_total"].labels(*self._labels(r.endpoint, r.kind.value, status)).inc()
        self._hist("hlsmon_request_duration_seconds", r.endpoint, r.total_s, r.kind.value)
        ep.sent.append(r.sent_mono)
        while ep.sent and ep.sent[0] < r.sent_mono - RATE_WINDOW_S:
            ep.sent.popleft()
        age = r.headers.get("age")
        if r.kind == R.RequestKind.PLAYLIST and age is not None:
            try:
                self._hist("hlsmon_playlist_age_seconds", r.endpoint, max(0.0, float(age)))
            except ValueError:
                pass  # a malformed Age header is the transport rules' business
        self._budget(r.endpoint, ep)

    def _lifecycle(self, life: R.SegmentLifecycle) -> None:
        ep = self._endpoint(life.endpoint)
        if life.missed:
            return
        step = self.config.arrival_step_s
        if ep.first_time("seen", life):
            last = ep.last_new_mono
            ep.last_new_mono = life.first_seen.hi if last is None else max(last, life.first_seen.hi)
            if not life.initial:
                self._hist("hlsmon_detection_delay_seconds", life.endpoint, life.first_seen.width)
                self._interarrival(life, ep, seen_at(life.first_seen, step))
        lag = deletion_lag_s(life, step)
        if lag is not None and ep.first_time("gone", life):
            self._hist("hlsmon_deletion_lag_seconds", life.endpoint, max(0.0, lag))

    def _interarrival(self, life: R.SegmentLifecycle, ep: _Endpoint, arrival: float) -> None:
        previous = ep.last_arrival.get(life.generation)
        if previous is not None and life.msn == previous[0] + 1 and arrival > previous[1]:
            self._hist("hlsmon_interarrival_seconds", life.endpoint, arrival - previous[1])
        if previous is None or life.msn > previous[0]:
            ep.last_arrival[life.generation] = (life.msn, arrival)

    def _snapshot(self, snap: R.PlaylistSnapshot) -> None:
        ep = self._endpoint(snap.endpoint)
        if not snap.parts and not any(s.parts for s in snap.segments[-1:]):
            return
        key = (snap.last_msn, len(snap.parts))
        if ep.last_part is not None and key > ep.last_part[0] and snap.changed:
            self._hist("hlsmon_part_arrival_seconds", snap.endpoint, max(0.0, snap.fetched.hi - ep.last_part[1]))
        if ep.last_part is None or key != ep.last_part[0]:
            ep.last_part = (key, snap.fetched.hi)

    def _alert(self, a: R.Alert) -> None:
        ep = self._endpoint(a.endpoint)
        severity = a.severity.name.lower()
        self.metrics["hlsmon_alerts_total"].labels(*self._labels(a.endpoint, a.code, severity)).inc()
        self._set("hlsmon_alert_last_timestamp_seconds", a.endpoint, a.utc.timestamp(), a.code, severity)
        if a.recovers is not None:
            opened = ep.open.pop(a.recovers, None)
            if opened is not None:
                self._set("hlsmon_alert_active", a.endpoint, 0, a.recovers, opened)
            return
        entry = CATALOGUE.get(a.code)
        if entry is not None and entry.kind == CONDITION:
            ep.open[a.code] = severity
            self._set("hlsmon_alert_active", a.endpoint, 1, a.code, severity)

    def _status(self, s: R.EndpointStatus) -> None:
        ep = self._endpoint(s.endpoint)
        if s.state == R.EndpointState.STOPPED:
            return
        ep.state = s.state.value
        self._apply_state(s.endpoint, ep)

    def _apply_state(self, endpoint: str, ep: _Endpoint) -> None:
        if ep.state is None:
            return
        self._set("hlsmon_endpoint_up", endpoint, 1 if ep.state == R.EndpointState.LIVE else 0)
        for state in R.EndpointState:
            if state != R.EndpointState.STOPPED:
                self._set("hlsmon_endpoint_state", endpoint, 1 if state.value == ep.state else 0, state.value)

    def _since_new_segment(self, endpoint: str, ep: _Endpoint) -> None:
        def seconds() -> float:
            last = ep.last_new_mono
            return float("nan") if last is None else max(0.0, self.clock.mono() - last)

        self.metrics["hlsmon_seconds_since_new_segment"].labels(self.stream, endpoint, ep.server).set_function(seconds)

    def _move_server(self, endpoint: str, ep: _Endpoint, server: str) -> None:
        """The server became known: the endpoint's gauges move to series with the new label (counters and
        histograms keep their old series, which rate() reads as stopped)."""
        old = (self.stream, endpoint, ep.server)
        self.metrics["hlsmon_seconds_since_new_segment"].remove(*old)
        for metric, extra in ep.gauges:
            self.metrics[metric].remove(*old, *extra)
        ep.gauges.clear()
        ep.server = server
        self._since_new_segment(endpoint, ep)
        self._apply_state(endpoint, ep)
        for code, severity in ep.open.items():
            self._set("hlsmon_alert_active", endpoint, 1, code, severity)


# ---- docs/metrics.md ----------------------------------------------------------------------------------------
def render_markdown() -> str:
    lines = [
        "# Metrics",
        "",
        "Generated from `monitor/metrics.py` by `python -m monitor.metrics docs`; do not edit.",
        "",
        "`hlsmon probe URL [--cdn URL] --metrics-port P [--stream NAME]` serves these on",
        "`http://127.0.0.1:P/metrics` (`--metrics-addr` to bind another address). Every series has the labels",
        "`stream` (`--stream`, default the playlist's file name), `endpoint` (`origin`, `cdn`, a followed",
        "variant `origin-v1`) and `server` (the `--profile` name, else the server guessed from the first media",
        "playlist; `unknown` until then, and the endpoint's gauges move to the new value once it is known).",
        "",
        "The alerting rules in `deploy/prometheus/hlsmon-rules.yml` are generated from these names and the alert",
        "catalogue (`docs/alerts.md`) by `python -m monitor.metrics rules`.",
        "",
        "| metric | type | extra labels | meaning | fed by |",
        "|---|---|---|---|---|",
    ]
    for m in METRICS:
        extra = ", ".join(f"`{label}`" for label in m.labels) or "–"
        lines.append(f"| `{m.name}` | {m.kind} | {extra} | {m.help} | {m.source} |")
    lines += ["", "Histogram buckets (seconds):", ""]
    for m in METRICS:
        if m.buckets:
            lines.append(f"- `{m.name}`: {', '.join(f'{b:g}' for b in m.buckets)}")
    return "\n".join(lines + _notification_lines()) + "\n"


def _notification_lines() -> list[str]:
    from dataclasses import fields

    from monitor.notify import PAYLOAD_VERSION, Notification

    names = ", ".join(f"`{f.name}`" for f in fields(Notification))
    return [
        "",
        "## Notifications without Alertmanager",
        "",
        "`hlsmon probe --webhook URL` posts one JSON object per alert episode (`status` `firing`) and one when it",
        "clears (`status` `resolved`, `recovers` naming the code), from a sender thread with bounded retries;",
        "`--webhook-severity` sets the least severity sent (default warning). Texts, evidence and URLs are",
        f"redacted. The generic payload (`version` {PAYLOAD_VERSION}, `source` `hlsmon`) has the fields {names}.",
        '`--webhook-format slack` sends `{"text": ...}` instead (Slack, Mattermost, Rocket.Chat).',
    ]


def main(argv: list[str] | None = None) -> int:
    from monitor import prom_rules

    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["docs"]:
        path = Path(args[1]) if len(args) > 1 else DOC_PATH
        path.write_text(render_markdown(), encoding="utf-8")
        return 0
    if args[:1] == ["rules"]:
        sys.stdout.write(prom_rules.render_rules())
        return 0
    sys.stderr.write("usage: python -m monitor.metrics docs [PATH] | rules\n")
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
