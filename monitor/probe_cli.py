"""``hlsmon probe``: headless monitoring of one stream (origin and optionally a CDN), for scripts and fleets."""

from __future__ import annotations

import argparse
import itertools
import logging
import signal
import statistics
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from monitor import notify
from monitor.metrics import Metrics, add_stream_argument, stream_name
from monitor.models import settings_cli

if TYPE_CHECKING:
    from monitor.models import ServerProfile
    from monitor.records import Measures, MonitorConfig, SegmentLifecycle

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
    add_stream_argument(parser)
    notify.add_arguments(parser)
    parser.add_argument(
        "--profile",
        metavar="NAME",
        help=f"judge the observations against a server model: {settings_cli.profile_help(None)}; "
        "its settings with --set",
    )
    settings_cli.add_set_argument(parser)
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
        help="each endpoint's total request rate (reloads first, then HEADs of new segments, then deletion "
        "probes) in requests/s (default: 3 per segment, 1.5/s for 2 s segments; a playlist is still "
        "reloaded at least every 1.5 x target duration)",
    )
    parser.add_argument(
        "--download-segments",
        action="store_true",
        help="GET each new segment (bytes, TTFB, throughput) instead of a HEAD",
    )
    parser.add_argument(
        "--analyse-content",
        action="store_true",
        help="read what each new segment contains (keyframe interval, timestamps, frozen or black picture, "
        "silence, bit rate): the new segment's HEAD becomes a GET, the same request count",
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
        analyse_content=args.analyse_content,
    )
    try:
        profile = _load_profile(args.profile, args.set)
    except ValueError as exc:
        return settings_cli.refuse("hlsmon probe", exc)
    state = ProbeState()
    try:
        monitor = Monitor(config, state.on_event, server=profile)
    except ValueError as exc:
        sys.stderr.write(f"hlsmon probe: {exc}\n")
        return 2
    stream = args.stream or stream_name(args.url)
    try:
        state.notifier = notify.from_args(args, stream)
    except ValueError as exc:
        sys.stderr.write(f"hlsmon probe: {exc}\n")
        return 2
    metrics = None
    if args.metrics_port is not None:
        server = None if profile is None else profile.name
        metrics = Metrics(args.metrics_port, args.metrics_addr, stream=stream, config=config, server=server)
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
        if state.notifier is not None:
            state.notifier.close()
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


def _load_profile(spec: str | None, items: list[str]) -> ServerProfile | None:
    """The server model of ``--profile NAME --set KEY=VALUE...``; the old ``NAME:key=value,...`` still works."""
    from monitor import models

    name, sep, inline = (spec or "").partition(":")
    if sep:
        settings_cli.deprecated("hlsmon probe", "--profile NAME:key=value", "--profile NAME --set key=value")
        items = [f"{k}={v}" for k, v in models.parse_settings(inline).items()] + items
    profile, settings = settings_cli.chosen_settings(name or None, items)
    return None if profile is None else models.profile_for(profile, settings)


def _verdicts(profile, monitor, state: ProbeState) -> str:
    from monitor import models

    lifecycles = [lf for lf in monitor.lifecycles().values() if lf.endpoint == "origin"]
    verdicts = models.judge(
        lifecycles,
        profile,
        snapshots=state.snapshots,
        endpoint="origin",
        arrival_step_s=monitor.config.arrival_step_s,
    )
    return "\nServer model verdicts:\n" + models.format_verdicts(verdicts, per_segment=False)


class ProbeState:
    """Collects what the progress line, the summary and the metrics need (called from poller threads)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.measures: dict[str, object] = {}
        self.states: dict[str, str] = {}
        self.alert_counts: Counter[str] = Counter()
        self.requests: Counter[tuple[str, str]] = Counter()  # (endpoint, RequestKind value)
        self.snapshots: list[object] = []
        self.variants: dict[str, object] = {}
        self.metrics: Metrics | None = None
        self.notifier: notify.WebhookNotifier | None = None

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
                self.requests[(event.endpoint, event.kind.value)] += 1
            elif isinstance(event, R.PlaylistSnapshot):
                self.snapshots.append(event)
                if len(self.snapshots) > 2000:
                    del self.snapshots[:1000]
            elif isinstance(event, R.VariantList):
                self.variants[event.endpoint] = event
        if self.metrics is not None:
            self.metrics.observe(event)
        if self.notifier is not None:
            self.notifier.on_event(event)

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
        with self.lock:
            requests = Counter(self.requests)
        for name in sorted({lf.endpoint for lf in lifecycles} | set(self.states)):
            lines += _endpoint_summary(
                EndpointFacts(
                    name=name,
                    lifecycles=[lf for lf in lifecycles if lf.endpoint == name],
                    measures=self.measures.get(name),
                    state=self.states.get(name),
                    requests={kind: n for (ep, kind), n in requests.items() if ep == name},
                    elapsed_s=elapsed,
                ),
                monitor.config,
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
    vals = sorted(values)
    p95 = vals[min(len(vals) - 1, round(0.95 * (len(vals) - 1)))]
    med = statistics.median(vals)
    return f"median {med:.2f} s, min {vals[0]:.2f}, max {vals[-1]:.2f}, p95 {p95:.2f} (n={len(vals)})"


def _measured(indent: str, label: str, values: list[float], why_none: str) -> str:
    """One summary line: the statistics, or what was not measured and why (never an empty "-")."""
    return f"{indent}{label}: {_stats(values) if values else why_none}"


@dataclass(frozen=True)
class EndpointFacts:
    """What the summary of one endpoint is written from."""

    name: str
    lifecycles: list[SegmentLifecycle]
    measures: Measures | None  # the endpoint's last
    state: str | None
    requests: dict[str, int]  # by RequestKind value, every request of the run
    elapsed_s: float


#: Gone windows wider than this (probes far apart) are said to be so next to the deletion numbers.
WIDE_GONE_S = 0.5
#: Why deletions were not measured, by the state of deletion probing.
NOT_PROBED = {"off": "not measured (deletion probes off)", "none sent": "not measured (no deletion probe was sent)"}
#: Words for the request kinds (RequestKind values).
REQUEST_WORDS = {"playlist": "reloads", "segment": "new-segment HEAD/GET", "probe": "deletion probes"}


def _endpoint_summary(facts: EndpointFacts, config: MonitorConfig) -> list[str]:
    step = config.arrival_step_s
    real = [lf for lf in facts.lifecycles if not lf.missed]
    missed = sum(lf.missed_count for lf in facts.lifecycles)
    fresh = [lf for lf in real if not lf.initial]
    gone = [lf for lf in real if lf.gone is not None]
    lines = [
        f"{facts.name}: state {facts.state or '?'}; segments seen {len(real)} (new while watching {len(fresh)}), "
        f"gone {len(gone)}, missed {missed}"
    ]
    lines.append(_server_line(facts.measures))
    probing = "off" if not config.probe_deletions else "none sent" if not facts.requests.get("probe") else "on"
    generations = sorted({lf.generation for lf in facts.lifecycles})
    for i, generation in enumerate(generations):
        mine = [lf for lf in facts.lifecycles if lf.generation == generation]
        if len(generations) > 1:
            msns = [lf.msn for lf in mine]
            when = "current" if generation == generations[-1] else "before the publisher restarted"
            lines.append(f"  publish {i + 1} of {len(generations)} (media sequence {min(msns)}-{max(msns)}, {when}):")
        lines += _lives_summary(mine, step, probing, indent="    " if len(generations) > 1 else "  ")
    lines += _measures_lines(facts, real)
    lines += _content_lines(facts.measures, config.analyse_content)
    return lines


def _content_lines(m: Measures | None, analysing: bool) -> list[str]:
    """What the segments contain (the latest analysed segment), or why it was not measured."""
    label = "  keyframe interval measured in the media"
    if not analysing:
        return [f"{label}: not measured (content analysis off: --analyse-content)"]
    if m is None or m.keyint_measured_s is None:
        return [f"{label}: not measured (no new segment with keyframes was analysed)"]
    expected = f" (expected {m.keyint_expected_s:.2f} s)" if m.keyint_expected_s is not None else ""
    lines = [f"{label}: {m.keyint_measured_s:.2f} s{expected}"]
    sound = f"audio level {m.level_dbfs:.1f} dBFS" if m.level_dbfs is not None else "no audio level"
    rate = f"{m.bitrate_bps / 1000:.0f} kbit/s" if m.bitrate_bps is not None else "bit rate not measured"
    drift = f", A/V drift {m.av_drift_ms:.0f} ms" if m.av_drift_ms is not None else ""
    ingest = f", ingest {m.ingest_rate:.3f} media s per s" if m.ingest_rate is not None else ""
    lines.append(f"  last analysed segment: {rate}, {sound}{drift}{ingest}")
    if m.content_dropped:
        lines.append(f"  {m.content_dropped} segment(s) not analysed (the analysis was behind)")
    return lines


def _server_line(measures: Measures | None) -> str:
    server = None if measures is None else measures.fingerprint
    if server is None:
        return "  server: not identified (no playlist with two segments was read)"
    if server.name == "generic":
        return f"  server: not identified ({server.reason})"
    return f"  server {server.reason}"


def _lives_summary(lives: list[SegmentLifecycle], step: float, probing: str, indent: str) -> list[str]:
    """Statistics of one publish's segment lives; a line that cannot be measured says why.

    ``probing``: deletion probes "on", "off" (configured so) or "none sent" (on, but none went out)."""
    from monitor.measures import deletion_lag_s, lifetime_s, listed_s, seen_at, still_available_after_s

    real = sorted((lf for lf in lives if not lf.missed), key=lambda lf: lf.msn)
    fresh = [lf for lf in real if not lf.initial]
    arrivals = [seen_at(lf.first_seen, step) for lf in fresh]
    removed = [lf for lf in real if lf.left is not None]
    still = [v for v in (still_available_after_s(lf, step) for lf in real) if v is not None]
    unprobed = sum(1 for lf in real if lf.gave_up and still_available_after_s(lf, step) is None)
    pending = sum(1 for lf in removed if lf.gone is None and not lf.gave_up)
    no_probe = NOT_PROBED.get(probing)
    rows = [
        ("EXTINF", [lf.extinf for lf in real], "no segment seen"),
        (
            "new-segment intervals",
            [b - a for a, b in itertools.pairwise(arrivals) if b > a],
            "not measured (fewer than two segments appeared while watching)",
        ),
        (
            "time listed",
            [v for v in (listed_s(lf, step) for lf in fresh) if v is not None],
            "not measured (no segment that appeared while watching has left the playlist)",
        ),
        (
            "deletion lag after leaving the playlist",
            [v for v in (deletion_lag_s(lf, step) for lf in real) if v is not None],
            no_probe or f"not measured (none of the {len(removed)} removed segment(s) was seen gone)",
        ),
        (
            "lifetime (gone - first seen)",
            [v for v in (lifetime_s(lf, step) for lf in real) if v is not None],
            no_probe or "not measured (no segment that appeared while watching was seen gone)",
        ),
    ]
    lines = [_measured(indent, label, values, why) for label, values, why in rows]
    widths = [lf.gone.width for lf in real if lf.gone is not None and deletion_lag_s(lf, step) is not None]
    if widths and statistics.median(widths) > WIDE_GONE_S:
        lines.append(
            f"{indent}deletions were bracketed by probes {statistics.median(widths):.1f} s apart (median): "
            "the lag and lifetime above take the middle of each bracket"
        )
    if still:
        lines.append(
            f"{indent}{len(still)} removed segment(s) still answered when probing stopped, the longest "
            f"{max(still):.0f} s after leaving the playlist"
        )
    if unprobed:
        lines.append(f"{indent}{unprobed} removed segment(s) were not probed until gone (given up unanswered)")
    if probing == "on" and pending:
        lines.append(f"{indent}{pending} removed segment(s) not yet seen gone when the run ended")
    return lines


def _measures_lines(facts: EndpointFacts, real: list[SegmentLifecycle]) -> list[str]:
    m = facts.measures
    lines = []
    if m is not None and m.propagation_p50_s is not None:
        lines.append(f"  propagation from reference: median {m.propagation_p50_s:.2f} s")
    lines.append(_pdt_line(m, real))
    if m is not None:
        age = f" (Age header {m.age_s:.0f} s: a cached copy)" if m.age_s is not None else ""
        lines.append(f"  playlist unchanged for {m.staleness_s:.1f} s at the last successful reload{age}")
        lines.append(
            f"  last playlist: {m.window_segments} segments / {m.window_s:.1f} s; target duration {m.target_duration}"
        )
        if m.errors_while_listed:
            lines.append(f"  segments answering 404 while listed: {m.errors_while_listed}")
        if m.loop_lateness_max_s is not None:
            lines.append(
                f"  monitor's own lateness (last minute): p95 {m.loop_lateness_p95_s:.3f} s, "
                f"max {m.loop_lateness_max_s:.3f} s"
            )
    lines.append(_requests_line(facts))
    return lines


def _pdt_line(m: Measures | None, real: list[SegmentLifecycle]) -> str:
    label = "  latency from PROGRAM-DATE-TIME (first seen - end of the segment's media)"
    if m is not None and m.pdt_latency_s is not None:
        return f"{label}: last {m.pdt_latency_s:.2f} s, median {m.pdt_latency_p50_s:.2f} s"
    if not any(lf.pdt is not None for lf in real):
        return f"{label}: not measured (no EXT-X-PROGRAM-DATE-TIME in the playlist)"
    return f"{label}: not measured (no dated segment appeared while watching)"


def _requests_line(facts: EndpointFacts) -> str:
    """Every kind, zeros included: "deletion probes 0.00/s" says the budget left none, an absent kind says nothing."""
    total = sum(facts.requests.values())
    elapsed = max(facts.elapsed_s, 1e-6)
    counts = {kind: facts.requests.get(kind, 0) for kind in REQUEST_WORDS} | facts.requests
    kinds = ", ".join(f"{REQUEST_WORDS.get(kind, kind)} {n / elapsed:.2f}/s" for kind, n in counts.items())
    return f"  requests {total} ({total / elapsed:.2f}/s) in {facts.elapsed_s:.0f} s: {kinds}"
