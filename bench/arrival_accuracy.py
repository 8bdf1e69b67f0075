"""Benchmark: how fast and how cheaply hlsmon sees new and deleted segments, against ground truth.

Runs the lab (nginx-rtmp, 2 s fragments, 6 s playlist) with its ground-truth recorder (inotify on the
origin folder), then runs side by side, for ``--duration`` seconds (default 90):

* hlsmon's poller (``strategy="fast"``: cadence learning + deletion probing), and
* RFC 8216 §6.3.4 pollers (``strategy="rfc"``: TD after a change, TD/2 otherwise), the rule players
  follow; ``--rfc-pollers`` of them (default 4) start at staggered phases, because one such poller stays
  phase-locked to the publisher (TD = segment duration) and its delay only reflects its start phase.
  The RFC figures pool their segments; their request rate is per poller.

Detection delay of a new segment = first seen (the instant the response listing it arrived, i.e. the hi
end of the first-seen window) − the playlist write that first listed it (truth ``playlist_write``).
Deletion error = gone seen (hi end of the gone window: the first 404) − the file's deletion (truth
``segment_delete``). Segments listed before the pollers started are excluded. Requests/s count every
request hlsmon sent over the whole run, learning phase included: ``hlsmon_req_per_s`` and
``hlsmon_total_req_per_s`` are the same figure (playlist reloads + deletion probes + segment HEADs; HEADs
are off here, as in the baseline), ``hlsmon_playlist_req_per_s`` and ``hlsmon_probe_req_per_s`` split it.
A per-10-s breakdown line shows where the requests went. The last line is one JSON object.

    .venv/bin/python bench/arrival_accuracy.py [--duration 90] [--step 0.06]
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lab.stack import Lab, LabConfig
from monitor.monitor import Monitor
from monitor.records import (
    EndpointConfig,
    MonitorConfig,
    RequestKind,
    RequestRecord,
    SegmentLifecycle,
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
        self.lifecycles: dict[tuple[str, int], SegmentLifecycle] = {}

    def __call__(self, event: object) -> None:
        if isinstance(event, RequestRecord):
            self.requests[event.kind.value] += 1
            self.request_times.append(event.sent_mono)
            self.kind_times.append((event.kind.value, event.sent_mono))
        elif isinstance(event, SegmentLifecycle):
            self.lifecycles[(event.endpoint, event.msn)] = event


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
    per10: dict[str, list[int]] = {}
    for kind, t in rec.kind_times:
        slot = int((t - t_start) // 10)
        if 0 <= slot < math.ceil(duration / 10):
            per10.setdefault(kind, [0] * math.ceil(duration / 10))[slot] += 1
    steady = sum(1 for t in rec.request_times if t >= half) / (duration / 2) / pollers
    return {
        "steady_total_req_per_s": steady,
        "p50_ms": pct(arrivals, 0.5),
        "p95_ms": pct(arrivals, 0.95),
        "max_ms": max(arrivals, default=None),
        "min_ms": min(arrivals, default=None),
        "segments": len(arrivals),
        "playlist_req_per_s": rec.requests[RequestKind.PLAYLIST.value] / duration / pollers,
        "probe_req_per_s": rec.requests[RequestKind.PROBE.value] / duration,
        "segment_req_per_s": rec.requests[RequestKind.SEGMENT.value] / duration,
        "total_req_per_s": sum(rec.requests.values()) / duration / pollers,
        "delete_p50_ms": pct(deletes, 0.5),
        "delete_p95_ms": pct(deletes, 0.95),
        "delete_max_ms": max(deletes, default=None),
        "deletions": len(deletes),
        "per_10s": per10,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=90.0)
    ap.add_argument("--step", type=float, default=0.06, help="hlsmon dense polling step (s)")
    ap.add_argument("--warmup", type=float, default=4.0, help="seconds of stream before the pollers start")
    ap.add_argument("--rfc-pollers", type=int, default=4, help="RFC baseline pollers, start phases staggered")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(threadName)s %(message)s")
    with (
        tempfile.TemporaryDirectory(prefix="hlsmon-bench-") as tmp,
        Lab(LabConfig(fragment_s=2, playlist_length_s=6, workdir=Path(tmp))) as lab,
    ):
        time.sleep(args.warmup)
        fast, rfc = Recorder(), Recorder()
        base = {"head_new_segments": False}
        mon_fast = Monitor(
            MonitorConfig(
                endpoints=(EndpointConfig(name="hlsmon", url=lab.playlist_url),),
                strategy="fast",
                dense_step_s=args.step,
                **base,
            ),
            fast,
        )
        # RFC baseline: several players starting at staggered phases (one poller's delay depends only on
        # its start phase relative to the publisher, since TD = segment duration keeps it phase-locked).
        rfcs = [
            Monitor(
                MonitorConfig(
                    endpoints=(EndpointConfig(name=f"rfc{i}", url=lab.playlist_url),),
                    strategy="rfc",
                    probe_deletions=False,
                    **base,
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
        time.sleep(max(0.0, args.duration - (time.monotonic() - t_start)))
        mon_fast.close()
        for mon in rfcs:
            mon.close()
        duration = time.monotonic() - t_start
        time.sleep(0.5)
        listed, deleted = load_truth(lab.truth_path)
    f = score(fast, listed, deleted, t_start, duration)
    r = score(rfc, listed, deleted, t_start, duration, pollers=args.rfc_pollers)
    print(f"duration {duration:.1f} s; lab nginx-rtmp fragment 2 s, playlist 6 s (machine shared, noisy)")
    for name, s in (("hlsmon", f), ("rfc8216", r)):
        print(
            f"{name:8s} new segments: p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms, max {s['max_ms']} ms, "
            f"n={s['segments']}; playlist req/s {s['playlist_req_per_s']:.2f}, probes/s "
            f"{s['probe_req_per_s']:.2f}, total req/s {s['total_req_per_s']:.2f} "
            f"(second half {s['steady_total_req_per_s']:.2f})"
        )
    print("hlsmon requests per 10 s: " + "; ".join(f"{k} {v}" for k, v in sorted(f["per_10s"].items())))
    print(
        f"hlsmon deletions: p50 {f['delete_p50_ms']} ms, p95 {f['delete_p95_ms']} ms, "
        f"max {f['delete_max_ms']} ms, n={f['deletions']}"
    )
    result = {
        "hlsmon_p50_ms": f["p50_ms"],
        "hlsmon_p95_ms": f["p95_ms"],
        "hlsmon_max_ms": f["max_ms"],
        # every request hlsmon sent (playlist reloads + deletion probes + segment HEADs)
        "hlsmon_req_per_s": round(f["total_req_per_s"], 3),
        "hlsmon_total_req_per_s": round(f["total_req_per_s"], 3),
        "hlsmon_playlist_req_per_s": round(f["playlist_req_per_s"], 3),
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
        "duration_s": round(duration, 1),
    }
    digits = {k: 2 if "per_s" in k else 1 for k in result}
    print(json.dumps({k: (round(v, digits[k]) if isinstance(v, float) else v) for k, v in result.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
