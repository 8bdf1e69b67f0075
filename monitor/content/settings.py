"""Thresholds of segment analysis (one place; the worker and the tests pass them in)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class ContentSettings:
    keyint_s: float | None = None  # the configured keyframe interval; None: learnt from the first segments
    jump_s: float = 0.1  # a timestamp step this much longer (or shorter) than a frame is a gap (overlap)
    extinf_tolerance_s: float = 0.25  # EXTINF against the media it labels
    av_drift_s: float = 0.2  # audio start against video start, moved from where it began
    frozen_min_s: float = 1.0
    frozen_pixel_delta: int = 16  # a pixel "changed" when its luma moved more than this
    frozen_changed_fraction: float = 0.001  # a picture is "the same" when fewer pixels changed
    black_min_s: float = 1.0
    black_luma: int = 32  # video-range black is 16
    black_fraction: float = 0.98  # share of pixels at or below black_luma (ffmpeg blackdetect's default)
    silence_min_s: float = 1.0
    silence_dbfs: float = -60.0
    bitrate_margin: float = 0.10  # RFC 8216bis §4.4.6.2: BANDWIDTH / AVERAGE-BANDWIDTH within 10 %
    bitrate_window: int = 10  # segments averaged against AVERAGE-BANDWIDTH
    fps_change: float = 0.10  # measured frame rate moved by more than this share
    thumbnails: bool = True
