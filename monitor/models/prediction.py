"""What a server profile predicts (frozen records, JSON-friendly via ``dataclasses.asdict``).

Time axis of a :class:`Prediction` timeline: seconds since the publisher's first keyframe reached the
origin (t0). Add the ingest latency (encoder + RTMP) to relate it to capture time.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.models.units import Interval


@dataclass(frozen=True, kw_only=True)
class SegmentPlan:
    """The predicted life of segment ``index`` (0 = first segment of the publish)."""

    index: int
    msn: int
    name: str
    start: float  # media start, seconds of stream time from the first keyframe
    duration: float  # EXTINF
    discontinuity: bool
    appear: Interval  # listed in the playlist (= segment closed)
    leave: Interval | None  # removed from the playlist; None: stays listed while publishing
    gone: Interval | None  # file/URL 404; None: never deleted while publishing


@dataclass(frozen=True, kw_only=True)
class SpecCheck:
    """One RFC 8216 rule and whether this server with these settings keeps it."""

    rule: str  # "window >= 3 x target duration (RFC 8216 §6.2.2)"
    holds: str  # "yes", "no", "sometimes", "n/a"
    detail: str  # plain words with numbers


@dataclass(frozen=True, kw_only=True)
class Lifecycle:
    """Relative timings of one segment: the parts of a prediction that need no clock phase."""

    listed_for: float | None  # appear -> leave (None: never leaves while publishing, or unknown)
    gone_after_leave: Interval | None  # leave -> 404 (None: never deleted while publishing)
    gone_after_appear: Interval | None  # appear -> 404


@dataclass(frozen=True, kw_only=True)
class StopPlan:
    """What happens when the publisher stops, and on a republish with the same stream key."""

    endlist: bool  # EXT-X-ENDLIST is written at stop
    playlist_gone: Interval | None  # playlist 404, seconds after the last segment closed (None: stays)
    segments_gone: Interval | None  # a segment's 404, seconds after it closed (None: stays)
    continues_within: Interval | None  # a republish this soon after the last close continues the
    # media sequence (with a DISCONTINUITY): surely before lo, maybe until hi; None: never continues
    restart_reuses_names: bool  # a later republish starts again at MSN 0 with the same URLs


@dataclass(frozen=True, kw_only=True)
class Prediction:
    """Everything a profile predicts from its settings alone."""

    profile: str  # profile name, e.g. "nginx-rtmp"
    basis: str  # "nginx-rtmp with hls_fragment 2 s, playlist_length 6 s, keyframes every 4 s"
    durations: tuple[float, ...]  # steady-state repeating pattern of EXTINFs
    keyframe_effect: str | None  # why durations differ from the configured fragment, or None
    entries: int | None  # playlist entries in steady state (None: unbounded)
    window_s: float | None  # playlist duration in steady state
    target_duration: int
    lifecycle: Lifecycle  # steady-state relative timings
    deletion: str  # how deletion works, in words
    files_on_disk: tuple[int, int] | None  # steady-state segment file count range (None: grows)
    timeline: tuple[SegmentPlan, ...]
    stop: str  # what happens when the publisher stops
    on_stop: StopPlan
    republish: str  # what happens when it publishes again
    unique_names: bool  # segment URLs never reused across publishes
    spec: tuple[SpecCheck, ...]
    hold_back_s: float  # how far behind the playlist end a spec-following player starts
    notes: tuple[str, ...] = ()

    @property
    def mean_duration(self) -> float:
        return sum(self.durations) / len(self.durations) if self.durations else 0.0
