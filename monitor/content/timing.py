"""Timing of one segment against the previous one: continuity, keyframes, A/V offset, EXTINF.

Pure functions over :class:`monitor.content.media.Track` values; times are stream-clock seconds.
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass

from monitor.content import findings as F
from monitor.content.findings import Finding, finding
from monitor.content.media import Track
from monitor.content.settings import ContentSettings


@dataclass(frozen=True, kw_only=True)
class Jump:
    """A timestamp step that is not one frame: ``delta_s`` > 0 is a gap, < 0 an overlap."""

    at_s: float  # PTS/DTS after the step
    delta_s: float
    boundary: bool  # between the previous segment and this one (else inside this segment)


def jumps(track: Track, previous_end_s: float | None, settings: ContentSettings) -> tuple[Jump, ...]:
    found = []
    if previous_end_s is not None:
        delta = track.first_pts_s - previous_end_s
        if abs(delta) > settings.jump_s:
            found.append(Jump(at_s=track.first_pts_s, delta_s=delta, boundary=True))
    for a, b in itertools.pairwise(track.dts_s):
        delta = (b - a) - track.frame_s
        if abs(delta) > settings.jump_s:
            found.append(Jump(at_s=b, delta_s=delta, boundary=False))
    return tuple(found)


def jump_findings(track: Track, found: tuple[Jump, ...]) -> list[Finding]:
    out = []
    for jump in found:
        where = "since the previous segment" if jump.boundary else f"inside the segment at {jump.at_s:.2f} s"
        ms = round(abs(jump.delta_s) * 1000)
        if jump.delta_s > 0:
            out.append(finding(F.TIMESTAMP_GAP, f"{track.kind} timestamps jump forward by {ms} ms {where}",
                               track=track.kind, gap_ms=ms, at_s=round(jump.at_s, 3)))
        else:
            out.append(finding(F.TIMESTAMP_OVERLAP, f"{track.kind} timestamps go back by {ms} ms {where}",
                               track=track.kind, overlap_ms=ms, at_s=round(jump.at_s, 3)))
    return out


@dataclass(frozen=True, kw_only=True)
class Keyframes:
    intervals_s: tuple[float, ...]  # between consecutive keyframes (timestamp jumps taken out)
    open_s: float  # from the last keyframe to the end of the segment

    @property
    def measured_s(self) -> float | None:
        return statistics.median(self.intervals_s) if self.intervals_s else None


def keyframes(video: Track, previous_keyframe_s: float | None, found: tuple[Jump, ...]) -> Keyframes:
    times = ((previous_keyframe_s,) if previous_keyframe_s is not None else ()) + video.keyframes_s
    intervals = tuple(b - a - sum(j.delta_s for j in found if a < j.at_s <= b) for a, b in itertools.pairwise(times))
    last = times[-1] if times else video.first_pts_s
    open_s = video.end_s - last - sum(j.delta_s for j in found if j.at_s > last)
    return Keyframes(intervals_s=tuple(round(i, 6) for i in intervals), open_s=round(open_s, 6))


def keyframe_findings(video: Track, kf: Keyframes, expected_s: float | None, fragment_s: float) -> list[Finding]:
    out = []
    if not video.first_is_keyframe:
        out.append(finding(F.NOT_STARTING_ON_KEYFRAME,
                           "the segment starts with a frame that is not a keyframe: players joining here show "
                           "garbage or wait for the next keyframe", first_pts_s=round(video.first_pts_s, 3)))
    if expected_s is None:
        return out
    tolerance = video.frame_s * 1.01  # exact to one frame
    worst = max(kf.intervals_s, key=lambda i: abs(i - expected_s), default=None)
    if worst is not None and abs(worst - expected_s) > tolerance:
        out.append(finding(F.KEYFRAME_INTERVAL_MISMATCH,
                           f"keyframes every {worst:.2f} s, expected every {expected_s:.2f} s",
                           measured_s=round(worst, 3), expected_s=round(expected_s, 3),
                           fragment_s=round(fragment_s, 3)))
    elif kf.open_s > expected_s + tolerance:
        out.append(finding(F.KEYFRAME_INTERVAL_MISMATCH,
                           f"no keyframe for {kf.open_s:.2f} s, expected one every {expected_s:.2f} s",
                           measured_s=round(kf.open_s, 3), expected_s=round(expected_s, 3),
                           fragment_s=round(fragment_s, 3)))
    return out


def av_offset(video: Track | None, audio: Track | None) -> float | None:
    """Audio start minus video start, seconds (positive: the sound starts later than the picture)."""
    if video is None or audio is None:
        return None
    return audio.first_pts_s - video.first_pts_s


def extinf_finding(extinf_s: float, media_s: float, frame_s: float, settings: ContentSettings) -> Finding | None:
    diff = extinf_s - media_s
    if abs(diff) <= max(settings.extinf_tolerance_s, frame_s):
        return None
    return finding(F.EXTINF_VS_MEDIA,
                   f"EXTINF says {extinf_s:.3f} s but the segment holds {media_s:.3f} s of media",
                   extinf_s=round(extinf_s, 3), media_s=round(media_s, 3), diff_s=round(diff, 3))
