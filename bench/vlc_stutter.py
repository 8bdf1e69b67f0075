"""The nginx-rtmp stutter (libvlc.md §3): displayed fps, "PCR is called too late", rebuffers, freezes.

Plays the lab's nginx-rtmp stream with real libVLC (VLC's own start position, no live-edge control, no
snapshots) for ``--seconds`` per run, interleaving the variants so machine noise hits them alike:

* VLC variants: ``default`` and ``no-trust-pcr`` (``--no-ts-trust-pcr``: VLC's TS demuxer ignores the
  stream's PCR and derives its clock from the timestamps);
* publisher variants (one lab each): ``keyint1`` (lab default: 1 s keyframes, AAC tone), ``noaudio``,
  ``keyint2`` (keyframe interval = fragment);
* origin variant ``ffmpeg`` (ffmpeg's HLS muxer instead of nginx, same publisher) as the control.

Last line: JSON list of per-variant medians. ``xvfb-run -a .venv/bin/python bench/vlc_stutter.py``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lab.stack import Lab, LabConfig
from player.live_edge import LiveEdgeConfig
from player.vlc_player import VlcPlayer

VLC_VARIANTS = {"default": [], "no-trust-pcr": ["--no-ts-trust-pcr"]}
LAB_VARIANTS = {
    "keyint1": {},
    "noaudio": {"audio": False},
    "keyint2": {"keyint_s": 2.0},
    "ffmpeg-origin": {"origin": "ffmpeg"},
}


def run_once(url: str, options: list[str], seconds: float) -> dict:
    player = VlcPlayer(
        audio=False, measure_latency=False, live_edge=LiveEdgeConfig(enabled=False), options=options, trust_pcr=True
    )
    try:
        player.play(url)
        deadline = time.monotonic() + 30
        while player.health().ttff_s is None and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(2.0)
        h0, t0 = player.health(), time.monotonic()
        time.sleep(seconds)
        h1, t1 = player.health(), time.monotonic()
        return {
            "fps": round((h1.displayed_pictures - h0.displayed_pictures) / (t1 - t0), 2),
            "pcr_late": h1.pcr_late_count,
            "rebuffers": h1.rebuffer_count,
            "freezes": h1.freeze_count - h0.freeze_count,
            "freeze_s": round(h1.freeze_total_s - h0.freeze_total_s, 2),
            "ttff_s": round(h1.ttff_s, 3) if h1.ttff_s else None,
        }
    finally:
        player.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--labs", nargs="+", default=list(LAB_VARIANTS))
    parser.add_argument("--vlc", nargs="+", default=list(VLC_VARIANTS))
    args = parser.parse_args()
    summary = []
    for lab_name in args.labs:
        runs: dict[str, list[dict]] = {v: [] for v in args.vlc}
        with tempfile.TemporaryDirectory(prefix="hlsmon-stutter-") as tmp:
            config = LabConfig(
                workdir=Path(tmp), fragment_s=2.0, playlist_length_s=6.0, fps=25, **LAB_VARIANTS[lab_name]
            )
            with Lab(config) as lab:
                time.sleep(8)
                for rep in range(args.reps):
                    for vlc_name in args.vlc:
                        result = run_once(lab.playlist_url, VLC_VARIANTS[vlc_name], args.seconds)
                        runs[vlc_name].append(result)
                        sys.stdout.write(f"{lab_name} {vlc_name} rep{rep}: {json.dumps(result)}\n")
                        sys.stdout.flush()
        for vlc_name, results in runs.items():
            summary.append(
                {
                    "publisher": lab_name,
                    "vlc": vlc_name,
                    "runs": len(results),
                    "fps_median": statistics.median(r["fps"] for r in results),
                    "fps_min": min(r["fps"] for r in results),
                    "pcr_late_runs": sum(1 for r in results if r["pcr_late"] > 0),
                    "pcr_late_median": statistics.median(r["pcr_late"] for r in results),
                    "rebuffers_median": statistics.median(r["rebuffers"] for r in results),
                    "freeze_s_median": statistics.median(r["freeze_s"] for r in results),
                }
            )
    sys.stdout.write(json.dumps(summary) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
