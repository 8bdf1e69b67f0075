"""One segment, read against the previous one: ``analyse_segment(data, segment, previous) -> SegmentReport``.

Pure apart from PyAV: the state a segment leaves for the next one is returned in the report
(``report.state``) and passed back in by its single owner (the worker, one state per endpoint).
Continuity rules (gaps, keyframe spacing, runs) only look back when the previous state is the
segment just before this one and no EXT-X-DISCONTINUITY sits in between.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field, replace

from monitor.content import findings as F
from monitor.content import senses, timing
from monitor.content.findings import Finding, finding
from monitor.content.media import SegmentMedia, Track, read_segment
from monitor.content.senses import Senses
from monitor.content.settings import ContentSettings

_AV_BASE_SEGMENTS = 5  # the A/V offset of this many segments (median) is where it "began"


@dataclass(frozen=True, kw_only=True)
class SegmentInput:
    """What the playlist says of the segment."""

    msn: int
    extinf_s: float
    discontinuity: bool = False  # EXT-X-DISCONTINUITY before it: timestamps may restart
    target_duration_s: float | None = None
    bandwidth: int | None = None  # the variant's BANDWIDTH, bit/s (master playlist)
    average_bandwidth: int | None = None  # AVERAGE-BANDWIDTH, bit/s


@dataclass(frozen=True, kw_only=True)
class Format:
    video_codec: str | None = None
    size: str | None = None  # "640x360"
    fps: float | None = None
    audio_codec: str | None = None


@dataclass(frozen=True, kw_only=True)
class StreamState:
    """What one segment leaves for the next (owned by one worker, per endpoint)."""

    msn: int
    video_end_s: float | None = None
    audio_end_s: float | None = None
    last_keyframe_s: float | None = None
    keyint_s: float | None = None  # the reference: configured, or the first one measured
    format: Format = field(default_factory=Format)
    tracks: frozenset[str] = frozenset()  # every track seen so far
    av_first_s: tuple[float, ...] = ()  # audio − video start of the first segments (their median: the base)
    senses: Senses = field(default_factory=Senses)
    recent_bits: tuple[tuple[int, float], ...] = ()  # (bits, seconds) of the last segments


@dataclass(frozen=True, kw_only=True)
class SegmentReport:
    msn: int
    size: int
    extinf_s: float
    media_s: float | None
    keyframes_s: tuple[float, ...]
    keyint_s: float | None  # measured (median spacing, the previous segment's last keyframe included)
    keyint_expected_s: float | None
    starts_on_keyframe: bool | None
    video_gap_ms: float | None  # start against the previous segment's end: > 0 gap, < 0 overlap
    audio_gap_ms: float | None
    av_offset_ms: float | None
    av_drift_ms: float | None
    format: Format
    bitrate_bps: float | None
    average_bitrate_bps: float | None
    mean_luma: float | None
    level_dbfs: float | None
    findings: tuple[Finding, ...]
    thumbnail: bytes = field(default=b"", repr=False)  # JPEG
    state: StreamState = field(repr=False)


def analyse_segment(data: bytes, segment: SegmentInput, previous: StreamState | None,
                    settings: ContentSettings = ContentSettings()) -> SegmentReport:  # noqa: B008 (frozen)
    """Read ``data`` (one MPEG-TS segment). Raises ``media.UnreadableSegment`` for bytes that are not one."""
    media = read_segment(data, black_luma=settings.black_luma, thumbnail=settings.thumbnails)
    return _Analysis(media, segment, previous, settings).report()


class _Analysis:
    def __init__(self, media: SegmentMedia, segment: SegmentInput, previous: StreamState | None,
                 settings: ContentSettings) -> None:
        self.media, self.segment, self.settings = media, segment, settings
        follows = previous is not None and previous.msn == segment.msn - 1 and not segment.discontinuity
        self.prev = previous if follows else None
        self.kept = previous  # what survives a break in the timeline (references, tracks, bit counts)
        self.found: list[Finding] = []

    def report(self) -> SegmentReport:
        media, seg = self.media, self.segment
        video, audio = media.video, media.audio
        video_jumps = self._jumps(video, self.prev.video_end_s if self.prev else None)
        audio_jumps = self._jumps(audio, self.prev.audio_end_s if self.prev else None)
        keyint, expected, last_kf = self._keyframes(video, video_jumps)
        av_offset, av_first = self._av(video, audio, bool(video_jumps or audio_jumps))
        av_base = statistics.median(av_first) if av_first else None
        media_s = self._duration(video_jumps if video else audio_jumps)
        fmt = self._format(video, audio)
        tracks = self._tracks(video, audio)
        bits, recent = self._bitrate(media_s)
        state_senses, mean_luma, level = self._senses(bool(video_jumps or audio_jumps))
        state = StreamState(
            msn=seg.msn,
            video_end_s=video.end_s if video else None,
            audio_end_s=audio.end_s if audio else None,
            last_keyframe_s=last_kf,
            keyint_s=expected,
            format=fmt,
            tracks=tracks,
            av_first_s=av_first,
            senses=state_senses,
            recent_bits=recent,
        )
        return SegmentReport(
            msn=seg.msn, size=media.size, extinf_s=seg.extinf_s, media_s=_r(media_s, 3),
            keyframes_s=tuple(round(k, 3) for k in video.keyframes_s) if video else (),
            keyint_s=_r(keyint, 3), keyint_expected_s=_r(expected, 3),
            starts_on_keyframe=video.first_is_keyframe if video else None,
            video_gap_ms=self._gap_ms(video, self.prev.video_end_s if self.prev else None),
            audio_gap_ms=self._gap_ms(audio, self.prev.audio_end_s if self.prev else None),
            av_offset_ms=_ms(av_offset), av_drift_ms=_ms(av_offset - av_base)
            if av_offset is not None and av_base is not None else None,
            format=fmt, bitrate_bps=_r(bits, 0), average_bitrate_bps=_r(_average(recent), 0),
            mean_luma=_r(mean_luma, 1), level_dbfs=_r(level, 1),
            findings=tuple(self.found), thumbnail=media.thumbnail, state=state,
        )

    # ---- timing ---------------------------------------------------------------------------------
    def _jumps(self, track: Track | None, previous_end_s: float | None) -> tuple[timing.Jump, ...]:
        if track is None:
            return ()
        found = timing.jumps(track, previous_end_s, self.settings)
        self.found += timing.jump_findings(track, found)
        return found

    def _duration(self, main_jumps: tuple[timing.Jump, ...]) -> float | None:
        """Media seconds in the segment (jumps inside taken out), checked against its EXTINF."""
        main = self.media.video or self.media.audio
        if main is None:
            return None
        media_s = main.end_s - main.first_pts_s - sum(j.delta_s for j in main_jumps if not j.boundary)
        extinf = timing.extinf_finding(self.segment.extinf_s, media_s, main.frame_s, self.settings)
        self.found += [extinf] if extinf else []
        return media_s

    @staticmethod
    def _gap_ms(track: Track | None, previous_end_s: float | None) -> float | None:
        return _ms(track.first_pts_s - previous_end_s) if track and previous_end_s is not None else None

    def _keyframes(self, video: Track | None, found: tuple[timing.Jump, ...]
                   ) -> tuple[float | None, float | None, float | None]:
        kept = self.kept.keyint_s if self.kept else None
        expected = self.settings.keyint_s or kept
        if video is None:
            return None, expected, None
        kf = timing.keyframes(video, self.prev.last_keyframe_s if self.prev else None, found)
        expected = expected or kf.measured_s
        fragment = self.segment.target_duration_s or self.segment.extinf_s
        self.found += timing.keyframe_findings(video, kf, expected, fragment)
        last = video.keyframes_s[-1] if video.keyframes_s else (self.prev.last_keyframe_s if self.prev else None)
        return kf.measured_s, expected, last

    def _av(self, video: Track | None, audio: Track | None, jumped: bool) -> tuple[float | None, tuple[float, ...]]:
        """This segment's offset, and the first offsets of the timeline (restarted after a break)."""
        offset = timing.av_offset(video, audio)
        first = self.prev.av_first_s if self.prev else ()
        if offset is None or jumped:  # across a jump the two starts are not comparable
            return offset, first
        first = first if len(first) >= _AV_BASE_SEGMENTS else (*first, offset)
        drift = offset - statistics.median(first)
        if abs(drift) > self.settings.av_drift_s:
            later = "later" if drift > 0 else "earlier"
            self.found.append(finding(F.AV_DRIFT, f"the sound starts {abs(drift) * 1000:.0f} ms {later} against "
                                      f"the picture than it did", drift_ms=_ms(drift), offset_ms=_ms(offset)))
        return offset, first

    # ---- format and tracks ----------------------------------------------------------------------
    def _format(self, video: Track | None, audio: Track | None) -> Format:
        before = self.kept.format if self.kept else None
        fmt = Format(
            video_codec=video.codec if video else None,
            size=f"{video.width}x{video.height}" if video and video.width else None,
            fps=round(video.fps, 2) if video and video.fps else None,
            audio_codec=audio.codec if audio else None,
        )
        if before is None:
            return fmt
        changes = []
        for label, old, new in (("video codec", before.video_codec, fmt.video_codec),
                                ("resolution", before.size, fmt.size), ("audio codec", before.audio_codec,
                                                                        fmt.audio_codec)):
            if old and new and old != new:
                changes.append(f"{label} {old} → {new}")
        if before.fps and fmt.fps and abs(fmt.fps - before.fps) > self.settings.fps_change * before.fps:
            changes.append(f"frame rate {before.fps:g} → {fmt.fps:g} fps")
        if changes:
            self.found.append(finding(F.CODEC_CHANGE, "; ".join(changes), changes=changes))
            return fmt
        return replace(fmt, fps=before.fps) if fmt.fps and before.fps else fmt  # compare with the settled rate

    def _tracks(self, video: Track | None, audio: Track | None) -> frozenset[str]:
        present = frozenset(t.kind for t in (video, audio) if t is not None)
        known = self.kept.tracks if self.kept else frozenset()
        for kind in sorted(known - present):
            self.found.append(finding(F.MISSING_TRACK, f"the segment has no {kind} track (earlier segments had one)",
                                      track=kind))
        return known | present

    # ---- bit rate -------------------------------------------------------------------------------
    def _bitrate(self, media_s: float | None) -> tuple[float | None, tuple[tuple[int, float], ...]]:
        recent = self.kept.recent_bits if self.kept else ()
        if not media_s or media_s <= 0:
            return None, recent
        bits = self.media.size * 8
        recent = (*recent, (bits, media_s))[-self.settings.bitrate_window:]
        peak = bits / media_s
        limit = 1 + self.settings.bitrate_margin
        seg = self.segment
        if seg.bandwidth and peak > seg.bandwidth * limit:
            self.found.append(finding(F.BITRATE_OVER_DECLARED,
                                      f"this segment runs at {peak / 1000:.0f} kbit/s, over the declared BANDWIDTH "
                                      f"of {seg.bandwidth / 1000:.0f} kbit/s by more than 10 %",
                                      measured_bps=round(peak), declared_bps=seg.bandwidth, attribute="BANDWIDTH"))
        average = _average(recent)
        if seg.average_bandwidth and average and average > seg.average_bandwidth * limit:
            self.found.append(finding(F.BITRATE_OVER_DECLARED,
                                      f"the last {len(recent)} segments average {average / 1000:.0f} kbit/s, over "
                                      f"the declared AVERAGE-BANDWIDTH of {seg.average_bandwidth / 1000:.0f} kbit/s "
                                      "by more than 10 %", measured_bps=round(average),
                                      declared_bps=seg.average_bandwidth, attribute="AVERAGE-BANDWIDTH"))
        return peak, recent

    # ---- picture and sound ----------------------------------------------------------------------
    def _senses(self, jumped: bool) -> tuple[Senses, float | None, float | None]:
        start = self.prev.senses if self.prev and not jumped else Senses()
        s = self.settings
        state, frozen, black = senses.follow_pictures(start, self.media.pictures, s)
        state, silent, level = senses.follow_sound(state, self.media.levels, s)
        self.found += senses.run_findings(F.FROZEN_PICTURE, frozen, s.frozen_min_s)
        self.found += senses.run_findings(F.BLACK_PICTURE, black, s.black_min_s)
        self.found += senses.run_findings(F.SILENCE, silent, s.silence_min_s)
        pictures = self.media.pictures
        mean_luma = statistics.fmean(p.mean_luma for p in pictures) if pictures else None
        return state, mean_luma, level


def _average(recent: tuple[tuple[int, float], ...]) -> float | None:
    seconds = sum(s for _, s in recent)
    return sum(b for b, _ in recent) / seconds if seconds > 0 else None


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def _r(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
