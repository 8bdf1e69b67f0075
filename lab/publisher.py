"""The publisher standing in for OBS: a test picture with the wall-clock strip, a tone and a clock, over RTMP.

Design: this module runs as its own process (``python -m lab.publisher``) so its frame pacing does not
depend on the GIL of whoever started the lab. It makes YUV 4:2:0 frames with numpy (colour bars, a moving
bar, and the ``player.clock_strip`` strip carrying the wall-clock time the frame was made) and pipes them as
rawvideo into ffmpeg, which adds a human-readable UTC clock (drawtext) and a tone, encodes with libx264
(``-tune zerolatency``) and AAC, and pushes FLV to ``rtmp://127.0.0.1:<port>/live/<key>``.

Timing, like OBS: the output is constant frame rate; frame slot ``i`` is due at ``t0 + i/fps`` on the
monotonic clock and its PTS is ``i/fps`` (rawvideo input at ``-framerate fps``). Each fresh frame is stamped
(``time.time_ns()``) right when it is made, at its slot deadline, so the strip time minus the PTS stays
constant up to the sleep jitter. When the publisher falls behind by more than one slot (CPU starved, encoder
blocked), the missed slots are filled with repeats of the last frame, as OBS does on rendering lag: their
strip keeps the old time (a freeze, visible as such) while PTS keeps following the clock.

Every frame written is recorded in the stamps file, one JSON line per frame::

    {"i": 125, "epoch_ms": 1795612800123, "t_mono": 812.345678, "repeat": false, "late_ms": 0.4}

``i`` is the slot (PTS = i/fps from the first frame), ``epoch_ms`` the strip value, ``repeat`` true for a
repeated frame.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from lab.faults import Fault, audio_filters, keyframe_args, parse_faults, video_filters
from lab.process import ManagedProcess, _die_with_parent
from player.clock_strip import encode_strip, neutral_chroma, strip_box

if TYPE_CHECKING:
    from lab.stack import LabConfig

log = logging.getLogger(__name__)

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf")
START_DELAY_S = 0.5  # first frame slot is this far after launch, so ffmpeg is ready to read


# ---- picture ------------------------------------------------------------------------------------

# 75 % colour bars in video-range YUV (BT.601): white, yellow, cyan, green, magenta, red, blue
_BARS = [(180, 128, 128), (162, 44, 142), (131, 156, 44), (112, 72, 58),
         (84, 184, 198), (65, 100, 212), (35, 212, 114)]


class PictureMaker:
    """Cheap moving test picture in planar YUV 4:2:0 with the strip on top."""

    def __init__(self, width: int, height: int, fps: int) -> None:
        self.width, self.height, self.fps = width, height, fps
        self.y_bg = np.empty((height, width), np.uint8)
        self.u_bg = np.empty((height // 2, width // 2), np.uint8)
        self.v_bg = np.empty((height // 2, width // 2), np.uint8)
        bars = len(_BARS)
        for k, (y, u, v) in enumerate(_BARS):
            x0, x1 = k * width // bars, (k + 1) * width // bars
            self.y_bg[:, x0:x1] = y
            self.u_bg[:, x0 // 2 : x1 // 2] = u
            self.v_bg[:, x0 // 2 : x1 // 2] = v
        # lower third: a luma ramp (shows scaling and banding)
        ramp_top = height * 2 // 3
        self.y_bg[ramp_top:, :] = np.linspace(16, 235, width, dtype=np.float32).astype(np.uint8)[None, :]
        self.u_bg[ramp_top // 2 :, :] = 128
        self.v_bg[ramp_top // 2 :, :] = 128
        neutral_chroma(self.u_bg, width, height)
        neutral_chroma(self.v_bg, width, height)
        self.buffer = np.empty(width * height * 3 // 2, np.uint8)
        self.y = self.buffer[: width * height].reshape(height, width)
        self.u = self.buffer[width * height : width * height * 5 // 4].reshape(height // 2, width // 2)
        self.v = self.buffer[width * height * 5 // 4 :].reshape(height // 2, width // 2)
        self.strip_bottom = strip_box(width, height)[3]

    def make(self, slot: int, epoch_ms: int) -> bytes:
        np.copyto(self.y, self.y_bg)
        np.copyto(self.u, self.u_bg)
        np.copyto(self.v, self.v_bg)
        # a bar sweeping across the frame once every 4 s, below the strip
        bar_w = max(4, self.width // 40)
        x = int((slot % (4 * self.fps)) / (4 * self.fps) * (self.width - bar_w)) & ~1
        top = self.strip_bottom + 2 & ~1
        self.y[top : self.height * 2 // 3, x : x + bar_w] = 235
        self.u[top // 2 : self.height // 3, x // 2 : (x + bar_w) // 2] = 128
        self.v[top // 2 : self.height // 3, x // 2 : (x + bar_w) // 2] = 128
        encode_strip(self.y, epoch_ms)
        return self.buffer.tobytes()


# ---- ffmpeg -------------------------------------------------------------------------------------

def ffmpeg_argv(rtmp_url: str, width: int, height: int, fps: int, keyint_s: float, bitrate_kbps: int,
                audio: bool, clock_offset_s: float, faults: tuple[Fault, ...] = ()) -> list[str]:
    """ffmpeg reading rawvideo on stdin and publishing FLV over RTMP (with ``faults`` on cue, lab/faults.py).

    ``clock_offset_s`` is the UTC time of day (seconds since midnight) of frame slot 0; drawtext adds it to
    the PTS, so the printed clock is the capture time, not the encode time (it shows 24:00:00+ after
    midnight rather than wrapping).
    """
    gop = max(1, round(keyint_s * fps))
    font = f"fontfile={FONT}"
    size = max(12, height // 14)
    text = (
        f"drawtext={font}:fontsize={size}:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=4:"
        f"x=(w-tw)/2:y=h/8:text='UTC %{{pts\\:hms\\:{clock_offset_s:.3f}}}',"
        f"drawtext={font}:fontsize={size * 2 // 3}:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=3:"
        f"x=(w-tw)/2:y=h/8+{size * 3 // 2}:text='hlsmon lab  frame %{{frame_num}}  {width}x{height} {fps} fps'"
    )
    argv = [
        "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "warning", "-stats_period", "5",
        "-thread_queue_size", "64",
        "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{width}x{height}", "-framerate", str(fps),
        "-i", "pipe:0",
    ]
    if audio:
        argv += ["-f", "lavfi", "-i", "sine=frequency=440:beep_factor=2:sample_rate=48000"]
    picture = [text] if FONT.exists() else []
    if not FONT.exists():  # the strip still carries the time; only the human-readable clock is missing
        log.warning("font %s missing (install fonts-dejavu-core): no human-readable clock", FONT)
    picture += video_filters(faults, fps)
    if picture:
        argv += ["-vf", ",".join(picture)]
    sound = audio_filters(faults) if audio else []
    if sound:
        argv += ["-af", ",".join(sound)]
    keyframes = keyframe_args(faults, keyint_s, fps) or [
        "-g", str(gop), "-force_key_frames", f"expr:gte(t,n_forced*{keyint_s:g})"]
    argv += [
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-profile:v", "baseline",
        "-pix_fmt", "yuv420p", "-threads", "1",
        "-b:v", f"{bitrate_kbps}k", "-maxrate", f"{bitrate_kbps}k", "-bufsize", f"{bitrate_kbps * 2}k",
        "-keyint_min", str(gop), "-sc_threshold", "0", *keyframes,
    ]
    if audio:
        argv += ["-map", "0:v", "-map", "1:a", "-c:a", "aac", "-b:a", "64k", "-ac", "1"]
    argv += ["-f", "flv", "-flvflags", "no_duration_filesize", rtmp_url]
    return argv


# ---- the pacing loop ----------------------------------------------------------------------------

class Publisher:
    """Feeds ffmpeg one frame per slot, paced by the monotonic clock, and records every stamp."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.width, self.height = args.width, args.height
        self.fps = args.fps
        self.picture = PictureMaker(self.width, self.height, self.fps)
        self.faults = parse_faults(args.fault, fps=self.fps) if args.fault else ()
        self._stop = False

    def stop(self, *_: object) -> None:
        self._stop = True

    def run(self) -> int:
        interval = 1.0 / self.fps
        t0 = time.monotonic() + START_DELAY_S
        wall0 = time.time() + START_DELAY_S
        offset = wall0 % 86400.0
        argv = ffmpeg_argv(self.args.rtmp, self.width, self.height, self.fps, self.args.keyint,
                           self.args.bitrate, not self.args.no_audio, offset, self.faults)
        log.info("ffmpeg: %s", " ".join(argv))
        sys.stdout.flush()
        try:
            ffmpeg = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=None, stderr=None, preexec_fn=_die_with_parent
            )
        except FileNotFoundError:
            log.error("ffmpeg is not installed (not on PATH); run scripts/setup.sh")
            return 1
        assert ffmpeg.stdin is not None
        stamps = open(self.args.stamps, "a", encoding="utf-8")  # noqa: SIM115 (closed in finally)
        slot = 0
        last: bytes | None = None
        last_epoch = 0
        repeats = 0
        try:
            while not self._stop:
                due = t0 + slot * interval
                now = time.monotonic()
                if due > now:
                    time.sleep(due - now)
                # the capture instant: wall clock for the strip, monotonic for the slot it belongs to
                epoch_ms = time.time_ns() // 1_000_000
                t_made = time.monotonic()
                behind = math.floor((t_made - due) / interval)
                if behind >= 1:  # missed slots: repeat the last frame, like OBS on rendering lag
                    if last is None:  # late from the start (slow ffmpeg start): fill with the first frame
                        last, last_epoch = self.picture.make(slot, epoch_ms), epoch_ms
                    for _ in range(behind):
                        ffmpeg.stdin.write(last)
                        stamps.write(json.dumps({"i": slot, "epoch_ms": last_epoch, "t_mono": round(t_made, 6),
                                                 "repeat": True}) + "\n")
                        slot += 1
                        repeats += 1
                    due = t0 + slot * interval  # now 0 <= t_made - due < interval
                frame = self.picture.make(slot, epoch_ms)
                ffmpeg.stdin.write(frame)
                stamps.write(json.dumps({"i": slot, "epoch_ms": epoch_ms, "t_mono": round(t_made, 6),
                                         "repeat": False, "late_ms": round((t_made - due) * 1000, 2)}) + "\n")
                if slot % self.fps == 0:
                    stamps.flush()
                last, last_epoch = frame, epoch_ms
                slot += 1
                if ffmpeg.poll() is not None:
                    log.error("ffmpeg exited with code %s", ffmpeg.returncode)
                    return 1
        except BrokenPipeError:
            log.error("ffmpeg closed its input (exit code %s)", ffmpeg.poll())
            return 1
        finally:
            stamps.close()
            with contextlib.suppress(OSError):
                ffmpeg.stdin.close()
            try:
                ffmpeg.wait(3.0)
            except subprocess.TimeoutExpired:
                ffmpeg.terminate()
                try:
                    ffmpeg.wait(2.0)
                except subprocess.TimeoutExpired:
                    ffmpeg.kill()
            log.info("published %d slots (%d repeats)", slot, repeats)
        return 0


def start_publisher(config: LabConfig, rtmp_url: str, workdir: Path) -> ManagedProcess:
    """Start ``python -m lab.publisher`` for ``config`` as a lab process (log: <workdir>/publisher.log)."""
    width, height = config.size
    argv = [
        sys.executable, "-m", "lab.publisher", "--rtmp", rtmp_url, "--width", str(width), "--height", str(height),
        "--fps", str(config.fps), "--keyint", f"{config.keyint_s:g}", "--bitrate", str(config.bitrate_kbps),
        "--stamps", str(workdir / "stamps.jsonl"),
    ]
    if not config.audio:
        argv.append("--no-audio")
    if config.extras.get("faults"):
        argv += ["--fault", str(config.extras["faults"])]
    env = dict(os.environ)
    project = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = project + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return ManagedProcess("publisher (ffmpeg)", argv, workdir / "publisher.log", env=env).start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab.publisher", description="OBS stand-in for the lab")
    parser.add_argument("--rtmp", required=True, help="rtmp://127.0.0.1:PORT/live/KEY")
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=360)
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--keyint", type=float, default=1.0, help="keyframe interval, seconds")
    parser.add_argument("--bitrate", type=int, default=500, help="video kbit/s")
    parser.add_argument("--stamps", type=Path, required=True, help="JSON lines record of every frame")
    parser.add_argument("--no-audio", action="store_true")
    parser.add_argument("--fault", default="", metavar="SPEC",
                        help="faults on cue, e.g. freeze@20,mute@40 (lab/faults.py)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    publisher = Publisher(args)
    signal.signal(signal.SIGTERM, publisher.stop)
    signal.signal(signal.SIGINT, publisher.stop)
    return publisher.run()


if __name__ == "__main__":
    sys.exit(main())
