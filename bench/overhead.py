"""CPU and memory of hlsmon playing + monitoring vs a bare libVLC player of the same lab stream, same run.

Two child processes in turn (``--rounds`` times, alternating), each measured with psutil after a warm-up:

* ``bare``: python-vlc only: one instance, one media player in a plain native Qt widget, ``play()``;
* ``hlsmon``: a Qt window with ``gui.video_panel.VideoPanel`` (libVLC in a native child window, log
  callback, health sampling at 10 Hz, clock-strip snapshots (320 px, 3 Hz, 1 Hz once the latency is steady),
  live-edge control, playlist watcher) plus the monitoring core (``monitor.Monitor`` polling the same playlist)
  when it is importable. The hlsmon child reports its snapshot count, strip decode rate, fps and freezes.

CPU is percent of one core averaged over the measured window; RSS is the maximum seen. Last line JSON
with ``hlsmon_cpu_pct``, ``bare_cpu_pct``, ``hlsmon_rss_mb``, ``bare_rss_mb`` (medians over rounds).
Run under a display: ``xvfb-run -a .venv/bin/python bench/overhead.py``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VIDEO_SIZE = (640, 360)  # the lab's picture size: no scaling in either player
sys.path.insert(0, str(ROOT))


def child_bare(url: str, seconds: float, options: tuple[str, ...] = ()) -> None:
    """python-vlc in a plain native Qt widget of the same size as hlsmon's video surface (same vout work)."""
    import vlc
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    app = QApplication([])
    window = QWidget()
    window.setAttribute(Qt.WidgetAttribute.WA_NativeWindow, True)
    window.resize(*VIDEO_SIZE)
    window.show()
    instance = vlc.Instance(["--aout=adummy", "--no-osd", *options])
    player = instance.media_player_new()
    media = instance.media_new(url)
    player.set_media(media)
    player.set_xwindow(int(window.winId()))
    player.play()

    def finish() -> None:
        player.stop()
        player.release()
        media.release()
        instance.release()
        app.quit()

    QTimer.singleShot(int(seconds * 1000), finish)
    app.exec()


def child_hlsmon(
    url: str,
    seconds: float,
    *,
    monitor_on: bool = True,
    snapshot_hz: float = 3.0,
    locked_hz: float | None = 1.0,
    snapshot_width: int = 320,
) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from gui.video_panel import VideoPanel

    app = QApplication([])
    panel = VideoPanel(
        audio=False, snapshot_hz=snapshot_hz, snapshot_locked_hz=locked_hz, snapshot_width=snapshot_width
    )
    panel.show()
    panel.surface.setFixedSize(*VIDEO_SIZE)
    panel.play(url)
    monitor = _start_monitor(url) if monitor_on else None

    def finish() -> None:
        player = panel.player
        if player is not None:
            lat, health = player.latency(), player.health()
            stats = {
                "snapshots": lat.snapshots,
                "decoded": lat.decoded,
                "decode_pct": round(100.0 * lat.decoded / lat.snapshots, 1) if lat.snapshots else None,
                "latency_p50_s": round(lat.measured.p50_s, 3) if lat.measured.p50_s is not None else None,
                "freezes": health.freeze_count,
                "rebuffers": health.rebuffer_count,
            }
            sys.stdout.write("STATS " + json.dumps(stats) + "\n")
            sys.stdout.flush()
        panel.close_player()
        if monitor is not None:
            monitor.close()
        app.quit()

    QTimer.singleShot(int(seconds * 1000), finish)
    app.exec()


def _start_monitor(url: str):
    try:
        from monitor.monitor import Monitor
        from monitor.records import EndpointConfig, MonitorConfig
    except ImportError:
        return None
    config = MonitorConfig(endpoints=(EndpointConfig(name="origin", url=url),))
    return Monitor(config, lambda _event: None).start()


def measure(kind: str, url: str, seconds: float, warmup: float, extra: tuple[str, ...] = ()) -> dict:
    import psutil

    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", kind, "--url", url, "--seconds", str(seconds + warmup + 1), *extra],
        cwd=str(ROOT),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    ps = psutil.Process(proc.pid)
    time.sleep(warmup)
    ps.cpu_percent(None)
    rss = 0
    t0 = time.monotonic()
    cpu_t0 = sum(ps.cpu_times()[:2])
    while time.monotonic() - t0 < seconds and proc.poll() is None:
        time.sleep(0.5)
        rss = max(rss, ps.memory_info().rss)
    cpu = (sum(ps.cpu_times()[:2]) - cpu_t0) / (time.monotonic() - t0) * 100.0
    out, _ = proc.communicate(timeout=60)
    result = {"kind": kind, "cpu_pct": round(cpu, 1), "rss_mb": round(rss / 2**20, 1), "rc": proc.returncode}
    for line in out.splitlines():
        if line.startswith("STATS "):
            result.update(json.loads(line[6:]))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child", choices=["bare", "hlsmon"])
    parser.add_argument("--url")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=30.0, help="s before measuring (live-edge catch-up done)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-monitor", action="store_true", help="hlsmon child without the monitoring core")
    parser.add_argument(
        "--bare-option",
        action="append",
        default=[],
        help="libVLC option for the bare player, e.g. --bare-option=--no-ts-trust-pcr (what hlsmon sets: then "
        "both decode and show every frame instead of the bare player stuttering on nginx-rtmp streams)",
    )
    parser.add_argument("--snapshot-hz", type=float, default=3.0, help="hlsmon child's strip snapshots per second")
    parser.add_argument("--locked-hz", type=float, default=1.0, help="snapshot rate once latency is steady (0: off)")
    parser.add_argument("--snapshot-width", type=int, default=320, help="snapshot width in px (0: source size)")
    args = parser.parse_args()
    if args.child == "bare":
        child_bare(args.url, args.seconds, tuple(args.bare_option))
        return 0
    if args.child == "hlsmon":
        child_hlsmon(
            args.url,
            args.seconds,
            monitor_on=not args.no_monitor,
            snapshot_hz=args.snapshot_hz,
            locked_hz=args.locked_hz or None,
            snapshot_width=args.snapshot_width,
        )
        return 0
    from lab.stack import Lab, LabConfig

    results: dict[str, list[dict]] = {"bare": [], "hlsmon": []}
    with tempfile.TemporaryDirectory(prefix="hlsmon-overhead-") as tmp:
        url = args.url
        lab = None
        if url is None:
            lab = Lab(LabConfig(workdir=Path(tmp), fragment_s=2.0, playlist_length_s=6.0)).start()
            url = lab.playlist_url
            time.sleep(6)
        try:
            for _ in range(args.rounds):
                for kind in ("bare", "hlsmon"):
                    extra = (
                        ("--snapshot-hz", str(args.snapshot_hz), "--locked-hz", str(args.locked_hz))
                        + ("--snapshot-width", str(args.snapshot_width))
                        + (("--no-monitor",) if args.no_monitor else ())
                    )
                    bare_extra = tuple(f"--bare-option={o}" for o in args.bare_option)
                    result = measure(kind, url, args.seconds, args.warmup, extra if kind == "hlsmon" else bare_extra)
                    results[kind].append(result)
                    sys.stdout.write(json.dumps(result) + "\n")
                    sys.stdout.flush()
        finally:
            if lab is not None:
                lab.stop()
    summary = {
        "hlsmon_cpu_pct": statistics.median(r["cpu_pct"] for r in results["hlsmon"]),
        "bare_cpu_pct": statistics.median(r["cpu_pct"] for r in results["bare"]),
        "hlsmon_rss_mb": statistics.median(r["rss_mb"] for r in results["hlsmon"]),
        "bare_rss_mb": statistics.median(r["rss_mb"] for r in results["bare"]),
        "rounds": args.rounds,
        "bare_options": args.bare_option,
        "seconds": args.seconds,
    }
    summary["target_met"] = (
        summary["hlsmon_cpu_pct"] <= summary["bare_cpu_pct"] + 10.0 and summary["hlsmon_rss_mb"] < 400.0
    )
    sys.stdout.write(json.dumps(summary) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
