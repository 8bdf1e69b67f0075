"""Open a synthetic 24-hour session file (86 400 one-second segments at origin and CDN, written with the
core's SessionWriter) in the real window under X (its own Xvfb when $DISPLAY is unset) the way File → Open
does (reader thread, batches fed on the GUI thread, progress bar), timing the load and the window's
responsiveness meanwhile; then pan and zoom the charts and time each redraw (range change, y fit and the
paint of every chart), after the same steps on the empty window (the baseline, same run).
Prints p50/p95 and peak RSS; the last line is JSON with ``redraw_p95_ms`` and ``rss_mb``.
Target: p95 <= 50 ms, RSS <= 400 MB.

    .venv/bin/python bench/gui_long_session.py [--segments 86400] [--steps 120] [--session FILE]

``--session FILE`` reuses that file (it is written first when missing; writing 24 h takes ~3 min).
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ensure_display() -> subprocess.Popen | None:
    """Start a private Xvfb when there is no X display (the benchmark measures real X rendering)."""
    if os.environ.get("DISPLAY") or os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        return None
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    atexit.register(proc.terminate)  # also when the run fails half-way (no stray Xvfb left behind)
    with os.fdopen(read_fd) as f:
        os.environ["DISPLAY"] = ":" + f.readline().strip()
    return proc


def pan_and_zoom(app: object, window: object, t_min: float, t_max: float, steps: int) -> tuple[list, list]:
    """Random spans from 24 h down to 30 s; each step is one full redraw of the window. (wall, CPU) ms."""
    rnd = random.Random(7)
    spans = [86_400, 21_600, 3_600, 600, 120, 30]
    times: list[float] = []
    cpu_times: list[float] = []
    window.set_follow(False)
    for step in range(steps):
        span = spans[step % len(spans)] * rnd.uniform(0.7, 1.3)
        start = rnd.uniform(t_min, max(t_min, t_max - span))
        t0, c0 = time.perf_counter(), time.thread_time()
        window.lifecycle.set_x_range(start, start + span)
        y0, y1 = window.lifecycle.item.visible_rows(start, start + span)
        window.lifecycle.vb.setYRange(*((y0, y1) if y0 is not None else (0, 1)), padding=0)
        window.redraw()
        app.processEvents()  # runs the pending paints of every chart
        times.append((time.perf_counter() - t0) * 1000)
        cpu_times.append((time.thread_time() - c0) * 1000)
    return times, cpu_times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--segments", type=int, default=86_400)
    ap.add_argument("--steps", type=int, default=120, help="pan/zoom steps to time")
    ap.add_argument("--session", type=Path, help="session file to open (written first when missing)")
    args = ap.parse_args()
    xvfb = ensure_display()
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from gui.app import configure_pyqtgraph
    from gui.main_window import MainWindow
    from gui.settings import Settings
    from gui.synthetic import synthetic_events
    from monitor.session import SessionWriter

    app = QApplication([])
    configure_pyqtgraph()
    tmp = tempfile.mkdtemp(prefix="hlsmon-bench-")
    window = MainWindow(Settings(Path(tmp) / "settings.ini"), with_player=False)
    window.redraw_timer.stop()
    window.host_timer.stop()
    window.verdict_timer.stop()
    window.profile.set_profile("nginx-rtmp", {"hls_fragment": 1.0, "hls_playlist_length": 6.0, "keyint": 1.0})
    window.resize(1600, 1000)
    window.show()
    app.processEvents()
    rss0 = psutil.Process().memory_info().rss / 1e6
    # baseline, same run: the same pan/zoom sequence on the window with no data (the fixed cost of painting
    # six charts' axes, legends and frames on this machine right now)
    base_wall, base_cpu = pan_and_zoom(app, window, 1_795_564_800.0, 1_795_651_200.0, max(30, args.steps // 2))
    b50, b95 = float(np.percentile(base_wall, 50)), float(np.percentile(base_wall, 95))
    bc50 = float(np.percentile(base_cpu, 50))
    sys.stdout.write(
        f"baseline (empty window, same steps): redraw p50 {b50:.1f} ms, p95 {b95:.1f} ms, "
        f"GUI-thread CPU p50 {bc50:.1f} ms\n"
    )

    path = args.session or Path(tmp) / "session-24h.jsonl"
    if not path.exists():
        t0 = time.perf_counter()
        writer = SessionWriter(path, flush_s=5.0)
        for event in synthetic_events(args.segments, fragment_s=1.0, playlist_len_s=6.0, stale_every=3600):
            writer.write(event)
        writer.close()
        sys.stdout.write(f"wrote {path} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.0f} s\n")
    # File → Open: the reader thread decodes, the GUI thread feeds batches in slices; a 20 ms timer
    # measures how long the event loop is kept from running meanwhile
    ticks: list[float] = []
    ping = QTimer(interval=20, timeout=lambda: ticks.append(time.perf_counter()))
    loop = QEventLoop()
    replayed: list[int] = []
    window.replay_finished.connect(lambda count: (replayed.append(count), loop.quit()))
    ping.start()
    t0, c0 = time.perf_counter(), time.process_time()
    window.open_session(path, background=True)
    loop.exec()
    feed_s, feed_cpu = time.perf_counter() - t0, time.process_time() - c0
    ping.stop()
    n = replayed[0]
    gaps = np.diff(ticks) * 1000 if len(ticks) > 2 else np.array([0.0])
    rows = {ep: len(t) for ep, t in window.model.lifecycles.items()}
    t0 = time.perf_counter()
    window.redraw()
    window.show_all()
    app.processEvents()
    first_s = time.perf_counter() - t0
    sys.stdout.write(
        f"File → Open of {path.name} ({path.stat().st_size / 1e6:.0f} MB): {n} events ({rows}) in {feed_s:.1f} s "
        f"(process CPU {feed_cpu:.1f} s); event loop gaps while loading p50 {np.percentile(gaps, 50):.0f} ms, "
        f"p95 {np.percentile(gaps, 95):.0f} ms, max {gaps.max():.0f} ms; first full draw {first_s * 1000:.0f} ms\n"
    )

    t_min, t_max = window.model.t_min, window.model.t_max
    times, cpu_times = pan_and_zoom(app, window, t_min, t_max, args.steps)
    arr = np.array(times)
    p50, p95, mx = (float(np.percentile(arr, 50)), float(np.percentile(arr, 95)), float(arr.max()))
    cpu = np.array(cpu_times)
    cpu50, cpu95 = float(np.percentile(cpu, 50)), float(np.percentile(cpu, 95))
    load = os.getloadavg()[0]
    rss = max(peak_rss_mb(), psutil.Process().memory_info().rss / 1e6)
    sys.stdout.write(
        f"pan/zoom redraw over {len(arr)} steps (6 charts, spans 30 s..24 h): p50 {p50:.1f} ms, "
        f"p95 {p95:.1f} ms, max {mx:.1f} ms\n"
    )
    sys.stdout.write(
        f"GUI-thread CPU per redraw: p50 {cpu50:.1f} ms, p95 {cpu95:.1f} ms "
        f"(machine load average {load:.1f} on {os.cpu_count()} cores: wall time includes waiting)\n"
    )
    sys.stdout.write(
        f"RSS: {rss0:.0f} MB with the empty window, peak {rss:.0f} MB; "
        f"model buffers {window.model.nbytes() / 1e6:.1f} MB\n"
    )
    sys.stdout.write(
        f"target: p95 <= 50 ms: {'PASS' if p95 <= 50 else 'FAIL'}; RSS <= 400 MB: {'PASS' if rss <= 400 else 'FAIL'}\n"
    )
    window.close()
    if xvfb is not None:
        xvfb.terminate()
    sys.stdout.write(
        json.dumps(
            {
                "redraw_p50_ms": round(p50, 1),
                "redraw_p95_ms": round(p95, 1),
                "baseline_empty_p50_ms": round(b50, 1),
                "baseline_empty_p95_ms": round(b95, 1),
                "baseline_empty_cpu_p50_ms": round(bc50, 1),
                "redraw_max_ms": round(mx, 1),
                "redraw_cpu_p50_ms": round(cpu50, 1),
                "redraw_cpu_p95_ms": round(cpu95, 1),
                "load_avg": round(load, 1),
                "rss_mb": round(rss, 1),
                "segments": args.segments,
                "events": n,
                "open_s": round(feed_s, 1),
                "open_cpu_s": round(feed_cpu, 1),
                "open_loop_gap_p95_ms": round(float(np.percentile(gaps, 95)), 1),
                "open_loop_gap_max_ms": round(float(gaps.max()), 1),
                "steps": len(arr),
            }
        )
        + "\n"
    )
    return 0 if p95 <= 50 and rss <= 400 else 1


if __name__ == "__main__":
    sys.exit(main())
