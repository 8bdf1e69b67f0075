"""Helpers for lab tests: decode video with the real ffmpeg into gray frames with their PTS."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np


def video_size(path: Path) -> tuple[int, int]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
         "-of", "json", str(path)],
        capture_output=True, text=True, check=True, timeout=30,
    ).stdout
    stream = json.loads(out)["streams"][0]
    return int(stream["width"]), int(stream["height"])


def gray_frames(path: Path, size: tuple[int, int] | None = None) -> list[np.ndarray]:
    """Every video frame of ``path`` as a 2-D uint8 luma array (optionally rescaled to ``size``)."""
    width, height = size or video_size(path)
    argv = ["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:v:0"]
    if size:
        argv += ["-vf", f"scale={width}:{height}"]
    argv += ["-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "gray", "-"]
    raw = subprocess.run(argv, capture_output=True, check=True, timeout=60).stdout
    frame = width * height
    return [np.frombuffer(raw, np.uint8, frame, k * frame).reshape(height, width) for k in range(len(raw) // frame)]


def frame_pts(path: Path) -> list[float]:
    """Presentation time (s) of every video frame of ``path``, in decode output order."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts_time",
         "-of", "json", str(path)],
        capture_output=True, text=True, check=True, timeout=30,
    ).stdout
    return [float(frame["pts_time"]) for frame in json.loads(out)["frames"]]


def read_jsonl(path: Path) -> list[dict]:
    records = []
    for line in Path(path).read_text().splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a torn last line while the writer is running
    return records
