"""``hlsmon probe``: headless monitoring of one stream (origin and optionally a CDN), for scripts and fleets."""

from __future__ import annotations

import argparse
import itertools
import logging
import math
import signal
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

HELP = "watch a live HLS stream headless: segment lifecycles, checks, session file, Prometheus metrics"

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", help="playlist URL (media or master playlist; http/https only)")
    parser.add_argument("--cdn", metavar="URL", help="the same playlist through the CDN (propagation, staleness)")
    parser.add_argument("--duration", type=float, metavar="S", help="stop after S seconds (default: until Ctrl-C)")
    parser.add_argument("--record", type=Path, metavar="FILE", help="append the session to FILE (JSON lines)")
    parser.add_argument(
        "--fail-on",
        metavar="SEVERITY",
        choices=["info", "warning", "error", "critical"],
        help="exit with status 1 if an alert of this severity or worse was raised",
    )
    parser.add_argument(
        "--metrics-port",
        type=int,
        metavar="P",
        help="serve Prometheus metrics on 127.0.0.1:P/metrics (0 = any free port)",
    )
    parser.add_argument("--metrics-addr", default="127.0.0.1", help="address for --metrics-port")
    parser.add_argument(
        "--profile",
        metavar="NAME",
        help="judge the observations against a server model, e.g. nginx-rtmp or "
        "'nginx-rtmp:hls_fragment=2s,hls_playlist_length=6s'",
    )
    parser.add_argument(
        "--variants",
        default="first",
        metavar="WHICH",
        help="for a master playlist: first (default), all, or a 0-based index",
    )
    parser.add_argument(
        "--strategy",
        choices=["fast", "rfc"],
        default="fast",
        help="reload strategy: fast (cadence learning, default) or rfc (RFC 8216 §6.3.4)",
    )
    parser.add_argument("--no-deletion-probes", action="store_true", help="do not probe removed segments")
    parser.add_argument(
        "--request-budget",
        type=float,
        metavar="R",
        help="keep each endpoint's average total request rate (reloads + HEADs + probes) at or below R/s: "
        "deletion probes wait for it (at most 5 s), reloads never do (default: no bound)",
    )
    parser.add_argument(
        "--download-segments",
        action="store_true",
        help="GET each new segment (bytes, TTFB, throughput) instead of a HEAD",
    )
    parser.add_argument("--quiet", action="store_true", help="no live progress line")


def run(args: argparse.Namespace) -> int:
    from monitor.monitor import Monitor
    from monitor.records import EndpointConfig, MonitorConfig, Severity

    endpoints = [EndpointConfig(name="origin", url=args.url)]
    if args.cdn:
        endpoints.append(EndpointConfig(name="cdn", url=args.cdn, reference="origin"))
    config = MonitorConfig(
        endpoints=tuple(endpoints),
        variants=args.variants,
        record_path=args.record,
        strategy=args.strategy,
        probe_deletions=not args.no_deletion_probes,
        download_segments=args.download_segments,
        request_budget_per_s=args.request_budget or None,
    )
    profile = _load_profile(args.profile) if args.profile else None
    if args.profile and profile is None:
        return 2
    state = ProbeState()
    try:
        monitor = Monitor(config, state.on_event)
    except ValueError as exc:
        sys.stderr.write(f"hlsmon probe: {exc}\n")
        return 2
    metrics = None
    if args.metrics_port is not None:
        metrics = Metrics(args.metrics_port, args.metrics_addr)
        state.metrics = metrics
        sys.stderr.write(f"metrics on http://{args.metrics_addr}:{metrics.port}/metrics\n")
    stop = threading.Event()
    old = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    start = time.monotonic()
    monitor.start()
    try:
        live = not args.quiet
        tty = sys.stderr.isatty()
        next_plain = start + 10
        while not stop.wait(0.5):
            if args.duration is not None and time.monotonic() - start >= args.duration:
                break
            if live and (tty or time.monotonic() >= next_plain):
                line = state.progress_line(time.monotonic() - start)
                sys.stderr.write(("\r\x1b[2K" + line) if tty else line + "\n")
                sys.stderr.flush()
                next_plain = time.monotonic() + 10
    finally:
        monitor.close()
        for sig, handler in old.items():
            signal.signal(sig, handler)
        if metrics is not None:
            metrics.close()
    if not args.quiet and sys.stderr.isatty():
        sys.stderr.write("\n")
    sys.stdout.write(state.summary(monitor, time.monotonic() - start))
    if profile is not None:
        sys.stdout.write(_verdicts(profile, monitor, state))
    if args.record:
        sys.stdout.write(f"session recorded in {args.record}\n")
    if args.fail_on:
        limit = Severity.parse(args.fail_on)
        worst = max((a.severity for a in monitor.alerts()), default=None)
        if worst is not None and worst >= limit:
            return 1
    return 0


def _load_profile(spec: str):
    try:
        from monitor import models
    except ImportError:
        sys.stderr.write("hlsmon probe: server models are not available\n")
        return None
    try:
        if ":" in spec:
            return models.profile_from_spec(spec)
        return models.profile_for(spec, {})
    except (ValueError, KeyError) as exc:
        sys.stderr.write(f"hlsmon probe: bad --profile {spec!r}: {exc}\n")
        return None


def _verdicts(profile, monitor, state: ProbeState) -> str:
    from monitor import models

    lifecycles = [lf for lf in monitor.lifecycles().values() if lf.endpoint == "origin"]
    try:
        verdicts = models.judge(lifecycles, profile, snapshots=state.snapshots, endpoint="origin")
        return "\nServer model verdicts:\n" + models.format_verdicts(verdicts, per_segment=False)
    except Exception as exc:  # the models are another engineer's code: never lose the summary for it
        log.exception("judge failed")
        return f"\n(server model verdicts unavailable: {exc})\n"


class ProbeState:
    """Collects what the progress line, the summary and the metrics need (called from poller threads)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.measures: dict[str, object] = {}
        self.states: dict[str, str] = {}
        self.alert_counts: Counter[str] = Counter()
        self.requests: Counter[str] = Counter()
        self.snapshots: list[object] = []
        self.variants: dict[str, object] = {}
        self.metrics: Metrics | None = None

    def on_event(self, event: object) -> None:
        from monitor import records as R

        with self.lock:
            if isinstance(event, R.Measures):
                self.measures[event.endpoint] = event
            elif isinstance(event, R.EndpointStatus) and event.state != R.EndpointState.STOPPED:
                self.states[event.endpoint] = event.state.value
            elif isinstance(event, R.Alert):
                self.alert_counts[event.severity.name] += 1
            elif isinstance(event, R.RequestRecord):
                self.requests[event.endpoint] += 1
            elif isinstance(event, R.PlaylistSnapshot):
                self.snapshots.append(event)
                if len(self.snapshots) > 2000:
                    del self.snapshots[:1000]
            elif isinstance(event, R.VariantList):
                self.variants[event.endpoint] = event
        if self.metrics is not None:
            self.metrics.observe(event)

    def progress_line(self, elapsed: float) -> str:
        with self.lock:
            parts = [f"{elapsed:5.0f}s"]
            for name, m in sorted(self.measures.items()):
                inter = f"{m.last_interarrival_s:.2f}s" if m.last_interarrival_s is not None else "-"
                parts.append(
                    f"{name} [{self.states.get(name, '?')}] msn {m.media_sequence} win {m.window_segments}"
                    f"/{m.window_s:.0f}s new+{inter} seen {m.segments_seen} gone {m.segments_gone}"
                    f" {m.request_rate:.1f}req/s"
                )
            if not self.measures:
                parts.append(" ".join(f"{k} [{v}]" for k, v in self.states.items()) or "starting")
            alerts = sum(self.alert_counts.values())
            parts.append(f"alerts {alerts}")
            return "  ".join(parts)

    def summary(self, monitor, elapsed: float) -> str:
        lines = [f"hlsmon probe: {elapsed:.1f} s"]
        lifecycles = list(monitor.lifecycles().values())
        for name in sorted({lf.endpoint for lf in lifecycles} | set(self.states)):
            lines += _endpoint_summary(
                name,
                [lf for lf in lifecycles if lf.endpoint == name],
                self.measures.get(name),
                self.states.get(name),
                monitor.config.arrival_step_s,
            )
        for name, vl in self.variants.items():
            lines.append(f"{name}: master playlist with {len(vl.variants)} variant(s):")
            for i, v in enumerate(vl.variants):
                lines.append(f"  [{i}] {v.bandwidth or '?'} bit/s {v.resolution or ''} {v.codecs or ''}".rstrip())
        alerts = monitor.alerts()
        lines.append(
            f"alerts: {len(alerts)}"
            + (
                " (" + ", ".join(f"{n} {k.lower()}" for k, n in sorted(self.alert_counts.items())) + ")"
                if alerts
                else ""
            )
        )
        by_code: dict[tuple[str, str], list] = {}
        for a in alerts:
            by_code.setdefault((a.endpoint, a.code), []).append(a)
        for (endpoint, _code), items in sorted(by_code.items()):
            first = items[0]
            more = f" (x{len(items)})" if len(items) > 1 else ""
            lines.append(f"  {first.severity.name:8s} {endpoint}: {first.message}{more}")
            if first.advice:
                lines.append(f"           advice: {first.advice}")
        return "\n".join(lines) + "\n"


def _stats(values: list[float]) -> str:
    if not values:
        return "-"
    vals = sorted(values)
    p95 = vals[min(len(vals) - 1, round(0.95 * (len(vals) - 1)))]
    med = statistics.median(vals)
    return f"median {med:.2f} s, min {vals[0]:.2f}, max {vals[-1]:.2f}, p95 {p95:.2f} (n={len(vals)})"


def _endpoint_summary(
    name: str, lifecycles: list, measures, state: str | None, arrival_step_s: float = math.inf
) -> list[str]:
    real = sorted((lf for lf in lifecycles if not lf.missed), key=lambda lf: (lf.generation, lf.msn))
    fresh = [lf for lf in real if not lf.initial]
    arrivals = [lf.first_seen.estimate(arrival_step_s) for lf in fresh]
    inter = [b - a for a, b in itertools.pairwise(arrivals) if b > a]
    gone = [lf for lf in real if lf.gone is not None]
    lags = [lf.deletion_lag_s for lf in gone if lf.deletion_lag_s is not None]
    lifetimes = [lf.lifetime_s for lf in gone if lf.lifetime_s is not None and not lf.initial]
    listed = [lf.listed_s for lf in fresh if lf.listed_s is not None]
    still = [lf for lf in real if lf.gave_up]
    missed = sum(1 for lf in lifecycles if lf.missed)
    lines = [
        f"{name}: state {state or '?'}; segments seen {len(real)} (new while watching {len(fresh)}), "
        f"gone {len(gone)}, missed {missed}"
    ]
    if real:
        durations = [lf.extinf for lf in real]
        lines.append(f"  EXTINF: {_stats(durations)}")
    lines.append(f"  new-segment intervals: {_stats(inter)}")
    lines.append(f"  time listed: {_stats(listed)}")
    lines.append(f"  deletion lag after leaving the playlist: {_stats(lags)}")
    lines.append(f"  lifetime (gone - first seen): {_stats(lifetimes)}")
    if still:
        avail = [
            lf.last_available_mono - lf.left.mid
            for lf in still
            if lf.last_available_mono is not None and lf.left is not None
        ]
        after = f" after {max(avail):.0f} s" if avail else ""
        lines.append(f"  {len(still)} removed segment(s) still available{after} when probing stopped")
    if measures is not None:
        if measures.propagation_p50_s is not None:
            lines.append(f"  propagation from reference: median {measures.propagation_p50_s:.2f} s")
        age = f" (cached copy: Age header {measures.age_s:.0f} s)" if measures.age_s is not None else ""
        lines.append(f"  playlist unchanged for the last {measures.staleness_s:.1f} s{age}")
        lines.append(
            f"  window now {measures.window_segments} segments / {measures.window_s:.1f} s; "
            f"target duration {measures.target_duration}; requests {measures.requests} "
            f"({measures.request_rate:.2f}/s)"
        )
        if measures.errors_while_listed:
            lines.append(f"  segments answering 404 while listed: {measures.errors_while_listed}")
    return lines


class Metrics:
    """Prometheus exposition of the measures (own registry; labels: endpoint)."""

    def __init__(self, port: int, addr: str = "127.0.0.1") -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

        self.registry = CollectorRegistry()
        r = self.registry
        lab = ["endpoint"]
        self.gauges = {
            "media_sequence": Gauge("hlsmon_media_sequence", "EXT-X-MEDIA-SEQUENCE", lab, registry=r),
            "window_segments": Gauge("hlsmon_window_segments", "segments listed", lab, registry=r),
            "window_s": Gauge("hlsmon_window_seconds", "playlist duration", lab, registry=r),
            "target_duration": Gauge("hlsmon_target_duration_seconds", "EXT-X-TARGETDURATION", lab, registry=r),
            "staleness_s": Gauge(
                "hlsmon_playlist_staleness_seconds", "time since the playlist changed", lab, registry=r
            ),
            "age_s": Gauge("hlsmon_playlist_age_seconds", "Age header of the playlist", lab, registry=r),
            "last_interarrival_s": Gauge("hlsmon_interarrival_seconds", "last new-segment interval", lab, registry=r),
            "deletion_lag_p50_s": Gauge("hlsmon_deletion_lag_seconds", "median gone - left", lab, registry=r),
            "lifetime_p50_s": Gauge("hlsmon_segment_lifetime_seconds", "median gone - first seen", lab, registry=r),
            "propagation_s": Gauge("hlsmon_propagation_seconds", "first seen here - at the reference", lab, registry=r),
            "segments_seen": Gauge("hlsmon_segments_seen", "segments seen", lab, registry=r),
            "segments_gone": Gauge("hlsmon_segments_gone", "removed segments seen gone", lab, registry=r),
            "missed": Gauge("hlsmon_segments_missed", "segments published and removed between polls", lab, registry=r),
            "errors_while_listed": Gauge(
                "hlsmon_segments_404_while_listed", "segments 404 while listed", lab, registry=r
            ),
        }
        self.alerts = Counter("hlsmon_alerts", "alerts raised", ["endpoint", "severity", "code"], registry=r)
        self.requests = Histogram(
            "hlsmon_request_seconds",
            "request duration",
            ["endpoint", "kind"],
            registry=r,
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.failures = Counter(
            "hlsmon_request_failures", "requests without HTTP response or >= 400", ["endpoint", "kind"], registry=r
        )
        self.up = Gauge("hlsmon_endpoint_live", "1 when the endpoint is live", lab, registry=r)
        self.server, self._thread = start_http_server(port, addr=addr, registry=r)
        self.port = self.server.server_port

    def observe(self, event: object) -> None:
        from monitor import records as R

        if isinstance(event, R.Measures):
            for key, gauge in self.gauges.items():
                value = getattr(event, key)
                if value is not None:
                    gauge.labels(event.endpoint).set(value)
        elif isinstance(event, R.Alert):
            self.alerts.labels(event.endpoint, event.severity.name.lower(), event.code).inc()
        elif isinstance(event, R.RequestRecord):
            self.requests.labels(event.endpoint, event.kind.value).observe(event.total_s)
            if event.status is None or event.status >= 400:
                self.failures.labels(event.endpoint, event.kind.value).inc()
        elif isinstance(event, R.EndpointStatus):
            self.up.labels(event.endpoint).set(1 if event.state.value == "live" else 0)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
