"""Glass-to-glass latency of the player on the lab: VLC defaults vs hlsmon's live-edge control, same run.

For each fragment length (1 s and 2 s by default) one lab is started (nginx-rtmp, publisher with the clock
strip, playlist = ``--segments`` fragments) and played twice with real libVLC under the current X display:

1. ``vlc-default``: libVLC's own HLS client as it starts (no feed, no live-edge control), measured for
   ``--seconds``;
2. ``hlsmon``: the live-edge feed (``player/edge_feed.py``: hlsmon fetches the segments and hands VLC one
   TS) and the live-edge controller (automatic target, or ``--target``); measured for ``--seconds`` once it
   has converged (first "holding", or after ``--converge-max`` s), convergence time reported separately;
3. with ``--with-vlc-hls-control``: the controller on VLC's own HLS client (the approach before the feed).


Latency comes from the clock strip in real snapshots (3 Hz). Each playback also reports every rebuffer from
``play()`` on (when, at what latency, rate and controller mode) and the 1-minute load average at its start and
end (the machine is shared). ``target_met``: the automatic target at most one fragment + 0.8 s, the median
there, no rebuffer from the start; ``--target S`` fixes hlsmon's target instead (to probe where it stalls).
Printed per run, then the last line is a JSON list, one object per fragment length. Run under a display, e.g.::

    xvfb-run -a .venv/bin/python bench/player_latency.py            # ~6 min
    xvfb-run -a .venv/bin/python bench/player_latency.py --seconds 20 --fragments 2   # quick look
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lab.stack import Lab, LabConfig
from player.edge_feed import EdgeFeedConfig, EdgeFeedStats
from player.latency import summarize
from player.live_edge import LiveEdgeConfig
from player.vlc_player import VlcPlayer, is_available

log = logging.getLogger("bench.player_latency")

TARGET_MARGIN_S = 0.8  # the goal: glass-to-glass at most one fragment + this, without a rebuffer


def _wait(predicate, timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


class _StallLog:
    """Polls the player (10 Hz) and records each new rebuffer: when (s after play), at what latency and rate."""

    def __init__(self, player: VlcPlayer, t0: float) -> None:
        self._player, self._t0 = player, t0
        self.stalls: list[dict] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-stall-log", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        seen = 0
        while not self._stop.wait(0.1):
            health = self._player.health()
            if health.rebuffer_count > seen:
                seen = health.rebuffer_count
                edge = self._player.live_edge()
                self.stalls.append(
                    {
                        "at_s": round(time.monotonic() - self._t0, 1),
                        "latency_s": _r(health.latency_s),
                        "rate": edge.rate,
                        "mode": str(edge.mode),
                        "pts_delay_ms": health.pts_delay_ms,
                    }
                )

    def close(self) -> list[dict]:
        self._stop.set()
        self._thread.join(1.0)
        return self.stalls


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def measure(
    url: str,
    *,
    live_edge: bool,
    seconds: float,
    converge_max: float,
    options: list[str],
    feed: bool = True,
    target_s: float | None = None,
) -> dict:
    # vlc-default: libVLC exactly as it comes (trusts the stream PCR, no feed, no live-edge control); hlsmon: ours
    player = VlcPlayer(
        audio=False,
        live_edge=LiveEdgeConfig(enabled=live_edge, target_s=target_s),
        options=options,
        trust_pcr=not live_edge,
        edge_feed=EdgeFeedConfig() if live_edge and feed else None,
    )
    load_start = _load()
    t_play = time.monotonic()
    stall_log = _StallLog(player, t_play)
    try:
        player.play(url)
        if not _wait(lambda: player.health().ttff_s is not None, 30.0):
            return {"error": "no first frame in 30 s", "health": repr(player.health())}
        ttff = player.health().ttff_s
        converge_s = 0.0
        if live_edge:
            _wait(lambda: player.live_edge().mode == "holding", converge_max, 0.25)
            converge_s = time.monotonic() - t_play
        start = time.monotonic()
        h0 = player.health()
        time.sleep(seconds)
        h1 = player.health()
        end = time.monotonic()
        window = [s.latency_s for s in player.latency_samples() if start <= s.t_mono <= end]
        summary = summarize(window)
        edge = player.live_edge()
        lat = player.latency()
        return {
            "mode": "hlsmon" if live_edge else "vlc-default",
            "ttff_s": round(ttff, 3) if ttff is not None else None,
            "converge_s": round(converge_s, 1),
            "g2g_p50_s": _r(summary.p50_s),
            "g2g_p95_s": _r(summary.p95_s),
            "g2g_min_s": _r(summary.min_s),
            "g2g_max_s": _r(summary.max_s),
            "samples": summary.count,
            "snapshots": lat.snapshots,
            "decoded": lat.decoded,
            "fps": round((h1.displayed_pictures - h0.displayed_pictures) / (end - start), 2),
            "rebuffers": h1.rebuffer_count - h0.rebuffer_count,
            "rebuffers_total": h1.rebuffer_count,
            "freezes": h1.freeze_count - h0.freeze_count,
            "pcr_late": h1.pcr_late_count - h0.pcr_late_count,
            "restarts": h1.restarts,
            "target_s": _r(edge.target_s),
            "seeks": edge.seeks,
            "final_rate": edge.rate,
            "pcr_late_total": h1.pcr_late_count,
            "pts_delay_ms": h1.pts_delay_ms,
            "stalls": stall_log.close(),
            "load_avg_1min": [load_start, _load()],
            "feed": _feed_summary(player.edge_feed_stats()),
        }
    finally:
        stall_log.close()
        player.close()


def _run(label: str, url: str, **mode) -> dict:
    result = measure(url, **mode)
    sys.stdout.write(f"{label}: {json.dumps(result)}\n")
    sys.stdout.flush()
    return result


def _feed_summary(stats: EdgeFeedStats | None) -> dict | None:
    if stats is None:
        return None
    return {
        "connections": stats.connections,
        "origin_playlist_fetches": stats.origin_fetches,
        "segments_fed": stats.segments_fed,
        "segments_skipped": stats.segments_skipped,
    }


def _r(value: float | None) -> float | None:
    return round(value, 3) if value is not None else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fragments", type=float, nargs="+", default=[1.0, 2.0])
    parser.add_argument("--segments", type=int, default=10, help="playlist length in fragments (default 10)")
    parser.add_argument("--seconds", type=float, default=60.0, help="measured seconds per mode (default 60)")
    parser.add_argument("--converge-max", type=float, default=45.0)
    parser.add_argument("--target", type=float, default=None, help="fixed hlsmon target in s (default: automatic)")
    parser.add_argument("--vlc-option", action="append", default=[], help="extra libVLC option (both modes)")
    parser.add_argument(
        "--with-vlc-hls-control",
        action="store_true",
        help="also measure the live-edge controller on VLC's own HLS client (no feed), the pre-feed approach",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(asctime)s %(name)s %(message)s"
    )
    if not is_available():
        sys.stdout.write("libVLC not available\n")
        return 2
    results = []
    for fragment in args.fragments:
        with tempfile.TemporaryDirectory(prefix="hlsmon-bench-") as tmp:
            config = LabConfig(
                workdir=Path(tmp),
                fragment_s=fragment,
                playlist_length_s=fragment * args.segments,
                keyint_s=min(1.0, fragment),
            )
            with Lab(config) as lab:
                time.sleep(fragment * (args.segments + 1))  # let the playlist fill to its full length
                url, common = lab.playlist_url, {"seconds": args.seconds, "options": args.vlc_option}
                default = _run(f"fragment {fragment:g} s vlc-default", url, live_edge=False, converge_max=0, **common)
                ours = _run(
                    f"fragment {fragment:g} s hlsmon",
                    url,
                    live_edge=True,
                    converge_max=args.converge_max,
                    target_s=args.target,
                    **common,
                )
                if args.with_vlc_hls_control:
                    _run(
                        f"fragment {fragment:g} s hlsmon-without-feed",
                        url,
                        live_edge=True,
                        converge_max=args.converge_max,
                        feed=False,
                        **common,
                    )
        p50 = ours.get("g2g_p50_s")
        vlc_p50 = default.get("g2g_p50_s")
        results.append(
            {
                "fragment_s": fragment,
                "playlist_s": fragment * args.segments,
                "ttff_s": ours.get("ttff_s"),
                "g2g_p50_s": p50,
                "g2g_p95_s": ours.get("g2g_p95_s"),
                "vlc_default_g2g_p50_s": vlc_p50,
                "vlc_default_g2g_p95_s": default.get("g2g_p95_s"),
                "vlc_default_ttff_s": default.get("ttff_s"),
                "converge_s": ours.get("converge_s"),
                "fps": ours.get("fps"),
                "vlc_default_fps": default.get("fps"),
                "rebuffers": ours.get("rebuffers"),
                "rebuffers_from_start": ours.get("rebuffers_total"),
                "vlc_default_rebuffers": default.get("rebuffers"),
                "target_s": ours.get("target_s"),
                "load_avg_1min": [*default.get("load_avg_1min", []), *ours.get("load_avg_1min", [])],
                # the automatic target at most one fragment + 0.8 s, held there, no rebuffer from the start
                "target_met": bool(
                    p50 is not None
                    and (ours.get("target_s") or 1e9) <= fragment + TARGET_MARGIN_S + 1e-6
                    and p50 <= fragment + TARGET_MARGIN_S
                    and ours.get("rebuffers_total") == 0
                ),
            }
        )
    sys.stdout.write(json.dumps(results) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
