"""Tiny MPEG-TS segments made on the fly with ffmpeg (160x90, a second or two: cheap on a shared machine)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

FFMPEG = shutil.which("ffmpeg")
needs_ffmpeg = pytest.mark.skipif(FFMPEG is None, reason="ffmpeg is not installed")


def encode(out: Path, *, seconds: float = 2.0, segment_s: float = 2.0, size: str = "160x90", fps: int = 25,
           keyint_s: float = 0.4, video: str = "testsrc2", vf: str | None = None, audio: bool = True,
           af: str | None = None, ts_offset_s: float = 0.0, audio_delay_s: float = 0.0,
           single: bool = False, preset: str = "ultrafast") -> list[bytes]:
    """Encode ``seconds`` of a moving test picture (and a tone) into HLS segments; their bytes in order.

    ``single``: one MPEG-TS file instead (no segmenter cutting at a timestamp jump).
    """
    out.mkdir(parents=True, exist_ok=True)
    source = f"{video}{':' if '=' in video else '='}size={size}:rate={fps}"
    length = ["-t", f"{seconds:g}"]  # on the inputs: a timestamp jump must not cut the output short
    argv = [FFMPEG or "ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *length, "-f", "lavfi", "-i", source]
    if audio:
        argv += ["-itsoffset", f"{audio_delay_s:g}"] if audio_delay_s else []
        argv += [*length, "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
    if vf:
        argv += ["-vf", vf]
    if af and audio:
        argv += ["-af", af]
    argv += ["-c:v", "libx264", "-preset", preset, "-pix_fmt", "yuv420p", "-threads", "1",
             "-g", "1000", "-sc_threshold", "0",  # keyframes only where forced
             "-force_key_frames", f"expr:isnan(prev_forced_t)+gte(t-prev_forced_t,{keyint_s:g}-0.001)"]
    argv += ["-c:a", "aac", "-b:a", "32k", "-ac", "1"] if audio else ["-an"]
    if ts_offset_s:
        argv += ["-output_ts_offset", f"{ts_offset_s:g}"]
    if single:
        argv += ["-f", "mpegts", str(out / "s000.ts")]
    else:
        argv += ["-f", "hls", "-hls_time", f"{segment_s:g}", "-hls_list_size", "0",
                 "-hls_segment_filename", str(out / "s%03d.ts"), str(out / "index.m3u8")]
    subprocess.run(argv, check=True, timeout=60)
    return [p.read_bytes() for p in sorted(out.glob("s*.ts"))]
