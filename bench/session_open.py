"""File → Open of a 24-hour session: the time from the file to a filled chart model, today's code against the
code before this change (the baseline), in the same run on the same file.

Both open the session the way the window's background File → Open does, without the window: a reader
thread (``gui.session_io.SessionLoader``) fills an ``Ingestor`` whose model nothing else reads, with the
server model's deletion prediction on; the caller polls progress every 100 ms. Today's loader reads the file
column-wise (gui/session_columns.py). The baseline is the ``gui/ingest.py``, ``gui/dashboard_model.py``,
``gui/buffers.py`` and ``gui/session_io.py`` of ``--baseline-rev`` (git), loaded under another package name,
fed in batches of 200 as it was. The file is written first when missing (86 400 one-second segments at
origin and CDN through the core's SessionWriter, plus the window's sampled host and player values once a
second; ~3 min). Prints both times, the progress the GUI thread saw and the machine's load average; the
last line is JSON. Target: <= 5 s.

    .venv/bin/python bench/session_open.py [--file PATH] [--segments 86400] [--baseline-rev HEAD]
"""

from __future__ import annotations

import argparse
import functools
import gc
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gui.server_model import ServerModelView  # noqa: E402
from gui.session_columns import load_session  # noqa: E402
from gui.session_io import SessionLoader  # noqa: E402
from gui.synthetic import synthetic_events  # noqa: E402
from monitor.records import SampledValues, SegmentLifecycle  # noqa: E402
from monitor.session import SessionWriter  # noqa: E402

TARGET_S = 5.0
BASELINE_MODULES = ("buffers", "dashboard_model", "ingest", "session_io")


def session_events(segments: int) -> Iterator[object]:
    """The synthetic stream, plus what the window records once a second (host metrics, player health)."""
    next_sample = 0.0
    for event in synthetic_events(segments, fragment_s=1.0, playlist_len_s=6.0, stale_every=3600):
        yield event
        if isinstance(event, SegmentLifecycle) and event.endpoint == "origin" and event.left is None:
            t = event.first_seen.hi
            if t >= next_sample:
                next_sample = t + 1.0
                yield SampledValues(
                    mono=t,
                    utc=event.first_seen.hi_utc + timedelta(milliseconds=1),
                    values={
                        "host.cpu.hlsmon": 4.0,
                        "host.mem.hlsmon": 180.0,
                        "health.fps": 25.0,
                        "health.rebuffers": 0.0,
                        "latency.glass_to_glass": 3.2,
                    },
                )


def write_session(path: Path, segments: int) -> None:
    writer = SessionWriter(path, flush_s=5.0)
    for event in session_events(segments):
        writer.write(event)
    writer.close()


def load_baseline(rev: str) -> tuple[object, object]:
    """The baseline's gui.ingest and gui.session_io modules, from git, as package ``gui_baseline``."""
    pkg = Path(tempfile.mkdtemp(prefix="hlsmon-baseline-")) / "gui_baseline"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for name in BASELINE_MODULES:
        src = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{rev}:gui/{name}.py"], check=True, capture_output=True, text=True
        ).stdout
        (pkg / f"{name}.py").write_text(src.replace("from gui.", "from gui_baseline."))
    sys.path.insert(0, str(pkg.parent))
    return importlib.import_module("gui_baseline.ingest"), importlib.import_module("gui_baseline.session_io")


def open_session(
    path: Path, make_ingestor: Callable[[], object], batch: int, loader_class: type = SessionLoader, fast: bool = False
) -> tuple[float, float, int, list[float]]:
    """Seconds from the start to the filled model (wall, process CPU), events read, the progress fractions the
    GUI thread saw (polled every 100 ms as gui/replay.py does)."""
    t0, c0 = time.perf_counter(), time.process_time()
    ingestor = make_ingestor()
    extra = {"fast": functools.partial(load_session, path, ingestor)} if fast else {}
    loader = loader_class(path, batch=batch, consume=ingestor.feed_many, **extra).start()  # type: ignore[attr-defined]
    reports = []
    while not loader.finished:
        time.sleep(0.1)
        for _ in loader.take(time.monotonic() + 0.02):
            pass
        reports.append(round(loader.fraction, 2))
    if loader.error is not None:
        raise loader.error
    return time.perf_counter() - t0, time.process_time() - c0, loader.events, reports


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", type=Path, help="session file (written first when missing)")
    ap.add_argument("--segments", type=int, default=86_400, help="one-second segments per endpoint")
    ap.add_argument("--baseline-rev", default="HEAD", help="git revision of the baseline gui code")
    args = ap.parse_args()
    out = sys.stdout.write
    tmp = None
    path = args.file
    if path is None:
        tmp = tempfile.TemporaryDirectory(prefix="hlsmon-bench-")
        path = Path(tmp.name) / "session-24h.jsonl"
    if not path.exists():
        t0 = time.perf_counter()
        write_session(path, args.segments)
        out(f"wrote {path} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.0f} s\n")
    size_mb = path.stat().st_size / 1e6

    from gui.dashboard_model import DashboardModel
    from gui.ingest import Ingestor
    from gui.replay import BATCH

    server = ServerModelView()
    server.configure("nginx-rtmp", {"hls_fragment": 1.0, "hls_playlist_length": 6.0, "keyint": 1.0})
    baseline, baseline_io = load_baseline(args.baseline_rev)

    def old_ingestor() -> object:
        ing = baseline.Ingestor(baseline.DashboardModel())  # type: ignore[attr-defined]
        ing.predict_deletion = server.deletion_interval  # the baseline's predictor of one lifecycle
        return ing

    def new_ingestor() -> object:
        ing = Ingestor(DashboardModel())
        ing.predict_deletion = server.deletion_after_appear
        return ing

    load_before = os.getloadavg()[0]
    old_loader = baseline_io.SessionLoader  # type: ignore[attr-defined]
    old_s, old_cpu, old_n, old_reports = open_session(path, old_ingestor, batch=200, loader_class=old_loader)
    out(
        f"baseline ({args.baseline_rev}): {old_n:,} events in {old_s:.1f} s, CPU {old_cpu:.1f} s "
        f"({len(old_reports)} progress reports)\n"
    )
    gc.collect()  # the baseline's model is garbage now: not scanned during the second open
    new_s, new_cpu, new_n, new_reports = open_session(path, new_ingestor, batch=BATCH, fast=True)
    out(
        f"now: {new_n:,} events in {new_s:.1f} s, CPU {new_cpu:.1f} s ({len(new_reports)} progress reports: "
        f"{' '.join(f'{f:.0%}' for f in new_reports)})\n"
    )
    if new_n != old_n:
        raise SystemExit(f"the two opens read different event counts: {old_n} vs {new_n}")
    load = max(load_before, os.getloadavg()[0])
    verdict = "PASS" if new_s <= TARGET_S else "FAIL"
    out(
        f"24 h session ({size_mb:.0f} MB): {old_s:.1f} s -> {new_s:.1f} s ({old_s / new_s:.1f}x; CPU "
        f"{old_cpu:.1f} s -> {new_cpu:.1f} s, {old_cpu / new_cpu:.1f}x); target <= "
        f"{TARGET_S:g} s: {verdict}; machine load average {load:.1f} on {os.cpu_count()} cores\n"
    )
    out(
        json.dumps(
            {
                "file_mb": round(size_mb, 1),
                "events": new_n,
                "baseline_open_s": round(old_s, 2),
                "open_s": round(new_s, 2),
                "speedup": round(old_s / new_s, 2),
                "baseline_open_cpu_s": round(old_cpu, 2),
                "open_cpu_s": round(new_cpu, 2),
                "speedup_cpu": round(old_cpu / new_cpu, 2),
                "target_s": TARGET_S,
                "pass": new_s <= TARGET_S,
                "load_avg": round(load, 1),
            }
        )
        + "\n"
    )
    if tmp is not None:
        tmp.cleanup()
    return 0 if new_s <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
