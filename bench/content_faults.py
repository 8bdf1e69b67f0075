"""Benchmark: does segment analysis catch each lab fault, how fast, at what CPU cost, without false alarms?

Runs the real lab (nginx-rtmp + the ffmpeg publisher, 640x360, 25 fps, 2 s fragments, 1 s keyframes)
once clean and once per fault, follows the playlist every 0.2 s, hands every new segment to a
``monitor.content.ContentWorker`` and prints, per fault, whether it was detected and the delay from its
onset; then the false alarms of the clean run, the measured keyframe interval against the configured one
and the analysis CPU (share of one core over the clean run). The last line is one JSON object.

    .venv/bin/python bench/content_faults.py [--fault-len 6] [--only freeze,mute]

Targets: every fault detected within one segment + 2 s of its onset; no false alarm; keyframe interval
exact to one frame; <= 5 % of one core.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from lab.faults import Fault, parse_faults
from lab.stack import Lab, LabConfig
from monitor.content import ContentResult, ContentWorker, SegmentInput, SegmentJob
from monitor.content import findings as F
from monitor.parse import parse_media
from monitor.records import PlaylistSnapshot

log = logging.getLogger("bench.content_faults")

#: The finding each fault must raise.
EXPECTED = {"freeze": F.FROZEN_PICTURE, "black": F.BLACK_PICTURE, "mute": F.SILENCE,
            "gop": F.KEYFRAME_INTERVAL_MISMATCH, "tsjump": F.TIMESTAMP_GAP, "fps": F.CODEC_CHANGE}
FAULTS = ("freeze@{t}", "black@{t}", "mute@{t}", "gop=4@{t}", "tsjump@{t}", "fps=15@{t}")
POLL_S = 0.2


@dataclass
class Observed:
    """Results of one run, stamped with the wall time they came out."""

    results: list[tuple[float, ContentResult]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, result: ContentResult) -> None:
        with self.lock:
            self.results.append((time.time(), result))


def first_frame_epoch(lab: Lab) -> float:
    """Wall time of the publisher's first frame (slot 0): fault times count from it."""
    with open(lab.stamps_path, encoding="utf-8") as stamps:
        return json.loads(stamps.readline())["epoch_ms"] / 1000


def follow(lab: Lab, worker: ContentWorker, seconds: float) -> None:
    """Poll the playlist every POLL_S and submit each new segment's bytes to ``worker``."""
    session = requests.Session()
    seen: set[int] = set()
    first_poll = True
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            now = time.monotonic()
            try:
                snap = parse_media(session.get(lab.playlist_url, timeout=2).text, lab.playlist_url, now)
            except (requests.RequestException, ValueError) as exc:
                log.info("playlist: %s", exc)
                time.sleep(POLL_S)
                continue
            if isinstance(snap, PlaylistSnapshot):
                for seg in snap.segments:
                    if seg.msn in seen:
                        continue
                    seen.add(seg.msn)
                    try:
                        data = session.get(seg.uri, timeout=2).content
                    except requests.RequestException as exc:
                        log.info("segment %s: %s", seg.msn, exc)
                        continue
                    worker.submit(SegmentJob(
                        endpoint="lab", uri=seg.uri, data=data, seen_mono=None if first_poll else now,
                        segment=SegmentInput(msn=seg.msn, extinf_s=seg.duration, discontinuity=seg.discontinuity,
                                             target_duration_s=snap.target_duration)))
                first_poll = False
            time.sleep(max(0.0, POLL_S - (time.monotonic() - now)))
    finally:
        session.close()


def run_lab(workdir: Path, faults: str, seconds: float, **config: object) -> tuple[Observed, float, float, Lab]:
    """One lab run; returns (observed results, first-frame epoch, analysis CPU seconds, lab)."""
    observed = Observed()
    extras = {"faults": faults} if faults else {}
    lab = Lab(LabConfig(workdir=workdir, fragment_s=2.0, playlist_length_s=6.0, keyint_s=1.0, extras=extras,
                        **config))  # type: ignore[arg-type]
    worker = ContentWorker(observed.add).start()
    try:
        lab.start()
        epoch0 = first_frame_epoch(lab)
        follow(lab, worker, seconds)
        worker.drain(10.0)
    finally:
        worker.close()
        lab.stop()
    return observed, epoch0, worker.cpu_s, lab


def detection(fault: Fault, observed: Observed, epoch0: float) -> float | None:
    """Delay from the fault's onset to the first result carrying its finding (None: never)."""
    onset = epoch0 + fault.start_s
    for wall, result in observed.results:
        if wall >= onset and any(f.code == EXPECTED[fault.name] for f in result.findings):
            return wall - onset
    return None


def target(fault: Fault, observed: Observed, epoch0: float, delay: float | None) -> float:
    """One segment + 2 s: the longest segment that came out between the onset and the detection."""
    onset = epoch0 + fault.start_s
    last = onset + (delay if delay is not None else 10.0)
    lengths = [r.report.extinf_s for wall, r in observed.results if r.report and onset <= wall <= last]
    return max(lengths, default=2.0) + 2.0


def keyint_error(observed: Observed, configured_s: float) -> float | None:
    measured = [r.report.keyint_s for _, r in observed.results if r.report and r.report.keyint_s is not None]
    return max(abs(m - configured_s) for m in measured) if measured else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--onset", type=float, default=12.0, help="fault onset, seconds after the first frame")
    parser.add_argument("--fault-len", type=float, default=6.0, help="fault duration, seconds")
    parser.add_argument("--clean-s", type=float, default=40.0, help="length of the clean run, seconds")
    parser.add_argument("--only", default="", help="comma-separated fault names (default: all)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    wanted = [f for f in FAULTS if not args.only or f.split("@")[0].split("=")[0] in args.only.split(",")]
    with tempfile.TemporaryDirectory(prefix="hlsmon-content-") as tmp:
        clean, _, cpu_s, _ = run_lab(Path(tmp) / "clean", "", args.clean_s)
        media_s = sum(r.report.media_s or 0 for _, r in clean.results if r.report)
        false_alarms = [(r.msn, f.code, f.detail) for _, r in clean.results for f in r.findings]
        cpu_pct = 100 * cpu_s / max(media_s, 1e-9)  # CPU per second of stream: the share of a core to keep up
        err = keyint_error(clean, 1.0)
        print(f"clean run: {len(clean.results)} segments analysed, false alarms: {len(false_alarms)}")
        for msn, code, detail in false_alarms:
            print(f"  false alarm  segment {msn}: {code}: {detail}")
        print(f"keyframe interval: configured 1.000 s, worst measured error {err if err is None else f'{err:.3f}'} s")
        print(f"analysis CPU: {cpu_s:.2f} s for {media_s:.0f} s of stream = {cpu_pct:.2f} % of one core")
        rows = []
        for i, template in enumerate(wanted):
            spec = template.format(t=f"{args.onset:g}") + f"+{args.fault_len:g}"
            fault = parse_faults(spec)[0]
            observed, epoch, _, _ = run_lab(Path(tmp) / f"fault{i}", spec, args.onset + args.fault_len + 10)
            delay = detection(fault, observed, epoch)
            limit = target(fault, observed, epoch, delay)
            rows.append({"name": fault.label, "detected": delay is not None,
                         "delay_s": None if delay is None else round(delay, 2), "target_s": limit})
            seen = sorted({f.code for _, r in observed.results for f in r.findings})
            print(f"{fault.label:<14} detected={delay is not None!s:<5} delay="
                  f"{'-' if delay is None else f'{delay:.2f} s':<8} (target <= {limit:g} s)  "
                  f"findings seen: {', '.join(seen) or 'none'}")
            sys.stdout.flush()
    print(json.dumps({"faults": rows, "false_alarms": len(false_alarms),
                      "keyint_error_s": None if err is None else round(err, 4), "cpu_pct": round(cpu_pct, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
