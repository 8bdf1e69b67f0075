"""Benchmark: how fast and how cheaply hlsmon sees new and deleted segments, against ground truth.

Runs, one after the other, these scenarios (``--scenarios`` picks some), each for ``--seconds`` (default 120):

* ``nginx-2s-kf1``: the lab's nginx-rtmp, 2 s fragments, 6 s playlist, keyframes every 1 s;
* ``nginx-2s-kf3``: the same with keyframes every 3 s (a GOP that does not divide the fragment);
* ``nms-2s``: Node-Media-Server 2.x (its ffmpeg HLS muxer, hls_time 2, 3 entries, delete_segments);
* ``ffmpeg-2s``: ffmpeg's HLS muxer behind a static HTTP server, same settings;
* ``ll-hls``: the scripted LL-HLS origin (lab/ll_origin.py: 0.33 s parts, 1.98 s segments, blocking reloads).

In each, side by side on the same playlist URL:

* hlsmon's poller with the **product's defaults** (``strategy="fast"``, a HEAD of each new segment, deletion
  probes, blocking reloads where offered), and
* RFC 8216 §6.3.4 pollers (``strategy="rfc"``: TD after a change, TD/2 otherwise; no HEAD, no probes, no
  blocking reload), the rule players follow; ``--rfc-pollers`` of them (default 4) start at staggered phases,
  because one such poller stays phase-locked to the publisher and its delay only reflects its start phase.
  The RFC figures pool their segments; their request rate is per poller.

Ground truth: the lab's recorder (inotify on the origin folder, lab/truth.py) for the real servers; the
origin's own schedule for the scripted LL-HLS origin (same process, same monotonic clock).
Detection delay of a new segment = first seen (the instant the response listing it arrived, i.e. the hi end
of the first-seen window) − the playlist write that first listed it. Deletion error = gone seen (hi end of the
gone window: the first 404) − the file's deletion. Segments listed before the pollers started are excluded.
Requests/s count every request hlsmon sent over the whole run, learning phase included, split by kind
(playlist reloads, segment HEADs, deletion probes).

Per scenario one line; the last line is one JSON object: the headline keys for ``nginx-2s-kf1``
(``hlsmon_p95_ms``, ``hlsmon_req_per_s``, ``delete_p95_ms``, ``rfc_p95_ms``, ``rfc_req_per_s``, ``segments``,
...) and ``scenarios``, one object per scenario (``name``, ``hlsmon_p95_ms``, ``hlsmon_req_per_s``,
``delete_p95_ms``, ...). Targets (issue 11): detection p95 ≤ 100 ms, ≤ 1.5 requests/s with 2 s segments,
deletion p95 ≤ 250 ms.

    .venv/bin/python bench/arrival_accuracy.py [--seconds 120] [--scenarios nginx-2s-kf1,ll-hls]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lab.ll_origin import LlOrigin, LlSettings
from lab.stack import Lab, LabConfig, LabError
from monitor.monitor import Monitor
from monitor.records import (
    EndpointConfig,
    MonitorConfig,
    RequestKind,
    RequestRecord,
    SegmentLifecycle,
)

log = logging.getLogger("bench.arrival_accuracy")
HEADLINE = "nginx-2s-kf1"


@dataclass(frozen=True)
class Scenario:
    name: str
    lab: LabConfig | None = None  # a real server of the lab
    ll: LlSettings | None = None  # else the scripted LL-HLS origin


SCENARIOS = (
    Scenario("nginx-2s-kf1", lab=LabConfig(fragment_s=2, playlist_length_s=6, keyint_s=1)),
    Scenario("nginx-2s-kf3", lab=LabConfig(fragment_s=2, playlist_length_s=6, keyint_s=3)),
    Scenario("nms-2s", lab=LabConfig(origin="nms", fragment_s=2, playlist_length_s=6, keyint_s=1)),
    Scenario("ffmpeg-2s", lab=LabConfig(origin="ffmpeg", fragment_s=2, playlist_length_s=6, keyint_s=1)),
    Scenario("ll-hls", ll=LlSettings(part_target_s=0.33, parts_per_segment=6, window=6)),
)


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    vals = sorted(values)
    k = (len(vals) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(vals) - 1)
    return vals[lo] + (vals[hi] - vals[lo]) * (k - lo)


def load_truth(path: Path) -> tuple[dict[str, float], dict[str, float]]:
    """(first playlist write listing each segment file name, deletion time of each file), t_mono."""
    listed: dict[str, float] = {}
    deleted: dict[str, float] = {}
    for line in path.read_text().splitlines():
        try:
            ev = json.loads(line)
        except json.JSONDecodeError:
            continue
        if ev.get("action") == "playlist_write":
            for uri in ev.get("uris") or []:
                listed.setdefault(uri.rsplit("/", 1)[-1], ev["t_mono"])
        elif ev.get("action") == "segment_delete":
            deleted.setdefault(ev["path"].rsplit("/", 1)[-1], ev["t_mono"])
    return listed, deleted


class Recorder:
    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.request_times: list[float] = []
        self.kind_times: list[tuple[str, float]] = []
        self.lifecycles: dict[tuple[str, int, int], SegmentLifecycle] = {}

    def __call__(self, event: object) -> None:
        if isinstance(event, RequestRecord):
            self.requests[event.kind.value] += 1
            self.request_times.append(event.sent_mono)
            self.kind_times.append((event.kind.value, event.sent_mono))
        elif isinstance(event, SegmentLifecycle):
            self.lifecycles[(event.endpoint, event.generation, event.msn)] = event


def score(
    rec: Recorder,
    listed: dict[str, float],
    deleted: dict[str, float],
    t_start: float,
    duration: float,
    pollers: int = 1,
) -> dict[str, object]:
    arrivals: list[float] = []
    deletes: list[float] = []
    for life in rec.lifecycles.values():
        name = life.uri.rsplit("/", 1)[-1]
        if life.initial or life.missed or name not in listed or listed[name] < t_start:
            continue
        arrivals.append((life.first_seen.hi - listed[name]) * 1000)
        if life.gone is not None and name in deleted:
            deletes.append((life.gone.hi - deleted[name]) * 1000)
    half = t_start + duration / 2
    slots = max(1, math.ceil(duration / 10))
    per10: dict[str, list[int]] = {}
    for kind, t in rec.kind_times:
        slot = int((t - t_start) // 10)
        if 0 <= slot < slots:
            per10.setdefault(kind, [0] * slots)[slot] += 1
    steady = sum(1 for t in rec.request_times if t >= half) / (duration / 2) / pollers
    return {
        "steady_total_req_per_s": steady,
        "p50_ms": pct(arrivals, 0.5),
        "p95_ms": pct(arrivals, 0.95),
        "max_ms": max(arrivals, default=None),
        "min_ms": min(arrivals, default=None),
        "segments": len(arrivals),
        "playlist_req_per_s": rec.requests[RequestKind.PLAYLIST.value] / duration / pollers,
        "head_req_per_s": rec.requests[RequestKind.SEGMENT.value] / duration / pollers,
        "probe_req_per_s": rec.requests[RequestKind.PROBE.value] / duration / pollers,
        "total_req_per_s": sum(rec.requests.values()) / duration / pollers,
        "delete_p50_ms": pct(deletes, 0.5),
        "delete_p95_ms": pct(deletes, 0.95),
        "delete_max_ms": max(deletes, default=None),
        "deletions": len(deletes),
        "per_10s": per10,
    }


@contextlib.contextmanager
def source(scenario: Scenario, workdir: Path) -> Iterator[tuple[str, object]]:
    """Start the scenario's origin; yield (playlist URL, a callable returning the ground truth)."""
    if scenario.ll is not None:
        with LlOrigin(scenario.ll) as origin:
            yield origin.url, origin.truth
        return
    assert scenario.lab is not None
    with Lab(scenario.lab.with_(workdir=workdir)) as lab:
        yield lab.playlist_url, lambda: load_truth(lab.truth_path)


def run_scenario(scenario: Scenario, args: argparse.Namespace) -> dict[str, object]:
    """One scenario: hlsmon with the product's defaults and the RFC pollers on the same URL."""
    with tempfile.TemporaryDirectory(prefix="hlsmon-bench-") as tmp, source(scenario, Path(tmp)) as (url, truth):
        time.sleep(args.warmup)
        fast, rfc = Recorder(), Recorder()
        mon_fast = Monitor(
            MonitorConfig(endpoints=(EndpointConfig(name="hlsmon", url=url),), dense_step_s=args.step), fast
        )
        rfcs = [
            Monitor(
                MonitorConfig(
                    endpoints=(EndpointConfig(name=f"rfc{i}", url=url),),
                    strategy="rfc",
                    probe_deletions=False,
                    head_new_segments=False,
                    blocking_reload=False,
                ),
                rfc,
            )
            for i in range(args.rfc_pollers)
        ]
        t_start = time.monotonic()
        mon_fast.start()
        for i, mon in enumerate(rfcs):
            if i:
                time.sleep(2.0 / args.rfc_pollers)
            mon.start()
        time.sleep(max(0.0, args.seconds - (time.monotonic() - t_start)))
        mon_fast.close()
        for mon in rfcs:
            mon.close()
        duration = time.monotonic() - t_start
        time.sleep(0.5)
        listed, deleted = truth()
    return {
        "name": scenario.name,
        "duration_s": duration,
        "hlsmon": score(fast, listed, deleted, t_start, duration),
        "rfc": score(rfc, listed, deleted, t_start, duration, pollers=args.rfc_pollers),
    }


def _ms(value: object) -> str:
    return "-" if value is None else f"{value:.0f}"


def describe(result: dict[str, object]) -> str:
    f, r = result["hlsmon"], result["rfc"]
    return (
        f"{result['name']:13s} hlsmon new p50 {_ms(f['p50_ms'])} / p95 {_ms(f['p95_ms'])} ms (n={f['segments']}), "
        f"deleted p95 {_ms(f['delete_p95_ms'])} ms (n={f['deletions']}); req/s {f['total_req_per_s']:.2f} "
        f"(playlist {f['playlist_req_per_s']:.2f}, HEAD {f['head_req_per_s']:.2f}, probe "
        f"{f['probe_req_per_s']:.2f}) | rfc8216 p50 {_ms(r['p50_ms'])} / p95 {_ms(r['p95_ms'])} ms, "
        f"req/s {r['total_req_per_s']:.2f} per poller"
    )


def summary(result: dict[str, object]) -> dict[str, object]:
    f, r = result["hlsmon"], result["rfc"]
    return {
        "name": result["name"],
        "hlsmon_p50_ms": f["p50_ms"],
        "hlsmon_p95_ms": f["p95_ms"],
        "hlsmon_req_per_s": round(f["total_req_per_s"], 3),
        "hlsmon_playlist_req_per_s": round(f["playlist_req_per_s"], 3),
        "hlsmon_head_req_per_s": round(f["head_req_per_s"], 3),
        "hlsmon_probe_req_per_s": round(f["probe_req_per_s"], 3),
        "delete_p95_ms": f["delete_p95_ms"],
        "rfc_p50_ms": r["p50_ms"],
        "rfc_p95_ms": r["p95_ms"],
        "rfc_req_per_s": round(r["total_req_per_s"], 3),
        "segments": f["segments"],
        "deletions": f["deletions"],
    }


def headline(result: dict[str, object]) -> dict[str, object]:
    """The keys of the benchmark's historical last line, for one scenario."""
    f, r = result["hlsmon"], result["rfc"]
    return {
        "hlsmon_p50_ms": f["p50_ms"],
        "hlsmon_p95_ms": f["p95_ms"],
        "hlsmon_max_ms": f["max_ms"],
        # every request hlsmon sent (playlist reloads + segment HEADs + deletion probes)
        "hlsmon_req_per_s": round(f["total_req_per_s"], 3),
        "hlsmon_total_req_per_s": round(f["total_req_per_s"], 3),
        "hlsmon_playlist_req_per_s": round(f["playlist_req_per_s"], 3),
        "hlsmon_head_req_per_s": round(f["head_req_per_s"], 3),
        "hlsmon_probe_req_per_s": round(f["probe_req_per_s"], 3),
        "hlsmon_total_req_per_s_second_half": round(f["steady_total_req_per_s"], 3),
        "rfc_p50_ms": r["p50_ms"],
        "rfc_p95_ms": r["p95_ms"],
        "rfc_req_per_s": round(r["total_req_per_s"], 3),  # per RFC poller, all requests (playlist only)
        "delete_p50_ms": f["delete_p50_ms"],
        "delete_p95_ms": f["delete_p95_ms"],
        "delete_max_ms": f["delete_max_ms"],
        "deletions": f["deletions"],
        "segments": f["segments"],
        "duration_s": round(result["duration_s"], 1),
    }


def rounded(value: object, key: str = "") -> object:
    if isinstance(value, float):
        return round(value, 2 if "per_s" in key else 1)
    if isinstance(value, dict):
        return {k: rounded(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v, key) for v in value]
    return value


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", "--duration", type=float, default=120.0, help="seconds of each scenario")
    ap.add_argument("--scenarios", default=",".join(s.name for s in SCENARIOS), help="comma-separated names")
    ap.add_argument("--step", type=float, default=0.06, help="hlsmon dense polling step (s)")
    ap.add_argument("--warmup", type=float, default=4.0, help="seconds of stream before the pollers start")
    ap.add_argument("--rfc-pollers", type=int, default=4, help="RFC baseline pollers, start phases staggered")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(threadName)s %(message)s")
    wanted = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    unknown = set(wanted) - {s.name for s in SCENARIOS}
    if unknown:
        names = ", ".join(s.name for s in SCENARIOS)
        ap.error(f"unknown scenario(s) {', '.join(sorted(unknown))}; choose from {names}")
    results: list[dict[str, object]] = []
    failed: list[dict[str, str]] = []
    print(f"{args.seconds:g} s per scenario; product defaults (HEAD + deletion probes); machine shared, noisy")
    for scenario in (s for s in SCENARIOS if s.name in wanted):
        try:
            result = run_scenario(scenario, args)
        except (LabError, OSError) as exc:
            log.error("scenario %s failed to run: %s", scenario.name, exc)
            failed.append({"name": scenario.name, "error": str(exc).splitlines()[0]})
            continue
        results.append(result)
        print(describe(result), flush=True)
        per10 = result["hlsmon"]["per_10s"]
        print("  hlsmon requests per 10 s: " + "; ".join(f"{k} {v}" for k, v in sorted(per10.items())), flush=True)
    out: dict[str, object] = {}
    main_result = next((r for r in results if r["name"] == HEADLINE), None)
    if main_result is not None:
        out.update(headline(main_result))
    out["scenarios"] = [summary(r) for r in results] + failed
    print(json.dumps(rounded(out)))
    return 0 if results and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
