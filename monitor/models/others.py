"""SRS, MediaMTX (gohlslib) and the spec-only generic profile (servers.md §5, §6, §7.3, §7.4)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from monitor.models.base import ServerProfile
from monitor.models.cutting import Cut, cuts_from_segment_start
from monitor.models.prediction import StopPlan
from monitor.models.units import Interval, fmt_s


@dataclass(frozen=True, kw_only=True)
class SrsProfile(ServerProfile):
    """SRS with ``hls_fragment`` (F) and ``hls_window`` (seconds)."""

    name: ClassVar[str] = "srs"
    label: ClassVar[str] = "SRS"
    fragment_setting: ClassVar[str] = "hls_fragment"

    fragment: float = 10.0
    window: float = 60.0
    td_ratio: float = 1.0
    aof_ratio: float = 2.1
    wait_keyframe: bool = True
    cleanup: bool = True
    dispose: float = 120.0
    stream: str = "stream"

    @property
    def fragment_s(self) -> float:
        return self.fragment

    def cuts(self, count: int) -> list[Cut]:
        keyint = self.keyint_s if self.wait_keyframe else None
        return cuts_from_segment_start(
            self.fragment * self.td_ratio,
            keyint,
            count,
            forced_after=self.aof_ratio * self.fragment,
            forced_marks_discontinuity=False,
        )

    def shrink_index(self, durations: Sequence[float], i: int) -> int | None:
        """The close c at which segment i is shrunk out: durations after it sum to more than the window."""
        total = 0.0
        for c in range(i + 1, len(durations)):
            total += durations[c]
            if total > self.window + 1e-9:
                return c
        return None

    def deleted_with_listing_of(self, durations: Sequence[float], i: int) -> int | None:
        return self.shrink_index(durations, i) if self.cleanup else None

    def entries(self, durations: Sequence[float]) -> int | None:
        mid = len(durations) // 2
        total, n = 0.0, 0
        for d in reversed(durations[: mid + 1]):
            total += d
            n += 1
            if total > self.window + 1e-9:
                break
        return n

    def listed_for(self, durations: Sequence[float], i: int) -> float | None:
        c = self.shrink_index(durations, i)
        return None if c is None else round(sum(durations[i + 1 : c + 1]), 6)

    def gone_after_leave(self, durations: Sequence[float], i: int) -> Interval | None:
        return Interval.point(0.0) if self.cleanup else None

    def target_duration(self, listed: Sequence[float]) -> int:
        return math.ceil(max([*listed, self.fragment * self.td_ratio]) - 1e-9)

    def segment_name(self, msn: int) -> str:
        return f"{self.stream}-{msn}.ts"

    def settings_words(self) -> str:
        words = f"hls_fragment {fmt_s(self.fragment)}, hls_window {fmt_s(self.window)}"
        if self.keyint_s is not None:
            words += f", keyframes every {fmt_s(self.keyint_s)}"
        return words

    def basis_for(self, topic: str) -> str:
        if topic in ("gone", "listed"):
            return f"SRS with hls_window {fmt_s(self.window)}"
        return self.basis()

    def deletion_words(self) -> str:
        if not self.cleanup:
            return "Never deleted (hls_cleanup off)."
        return "Deleted the moment it leaves the playlist (same close): no grace at all."

    def stop_words(self) -> str:
        return (
            f"No ENDLIST. Everything (playlist and segments) goes 404 about hls_dispose "
            f"({fmt_s(self.dispose)}) after the last packet."
        )

    def stop_plan(self) -> StopPlan:
        keep = max(3.0, 1.1 * self.dispose)
        return StopPlan(
            endlist=False,
            playlist_gone=Interval(self.dispose, self.dispose + 10.0),
            segments_gone=Interval(self.dispose, self.dispose + 10.0),
            continues_within=Interval(keep, keep),
            restart_reuses_names=True,
        )

    def republish_words(self) -> str:
        keep = max(3.0, 1.1 * self.dispose)
        return (
            f"Within about {fmt_s(keep)} the sequence and window continue, with a DISCONTINUITY. Later a new "
            f"muxer starts at 0 and overwrites {self.segment_name(0)}: URLs are reused."
        )


@dataclass(frozen=True, kw_only=True)
class MediaMtxProfile(ServerProfile):
    """MediaMTX with ``hlsSegmentDuration`` and ``hlsSegmentCount``."""

    name: ClassVar[str] = "mediamtx"
    label: ClassVar[str] = "MediaMTX"
    fragment_setting: ClassVar[str] = "hlsSegmentDuration"
    unique_names: ClassVar[bool] = True

    segment_duration: float = 1.0
    segment_count: int = 7
    variant: str = "lowLatency"
    part_duration: float = 0.2

    @property
    def fragment_s(self) -> float:
        return self.segment_duration

    def cuts(self, count: int) -> list[Cut]:
        return cuts_from_segment_start(self.segment_duration, self.keyint_s, count)

    def entries(self, durations: Sequence[float]) -> int | None:
        return self.segment_count

    def listed_for(self, durations: Sequence[float], i: int) -> float | None:
        following = durations[i + 1 : i + 1 + self.segment_count]
        return sum(following) if len(following) == self.segment_count else None

    def deleted_with_listing_of(self, durations: Sequence[float], i: int) -> int | None:
        return i + self.segment_count

    def gone_after_leave(self, durations: Sequence[float], i: int) -> Interval | None:
        return Interval.point(0.0)

    def target_duration(self, listed: Sequence[float]) -> int:
        return max((round(d) for d in listed), default=1)

    def segment_name(self, msn: int) -> str:
        ext = "ts" if self.variant == "mpegts" else "mp4"
        return f"<prefix>_stream_seg{msn}.{ext}"

    def settings_words(self) -> str:
        words = f"hlsSegmentDuration {fmt_s(self.segment_duration)}, hlsSegmentCount {self.segment_count}"
        if self.keyint_s is not None:
            words += f", keyframes every {fmt_s(self.keyint_s)}"
        return words

    def deletion_words(self) -> str:
        return "Unregistered (404) the moment it leaves the playlist: no grace at all."

    def stop_words(self) -> str:
        return "The muxer closes with the stream: the playlist and segments go 404 (no ENDLIST)."

    def stop_plan(self) -> StopPlan:
        return StopPlan(
            endlist=False,
            playlist_gone=Interval(0.0, 1.0),
            segments_gone=Interval(0.0, 1.0),
            continues_within=None,
            restart_reuses_names=False,
        )

    def republish_words(self) -> str:
        return "A new muxer starts with a new random name prefix: URLs are never reused."

    def notes(self, pred_durations: Sequence[float]) -> list[str]:
        if self.variant == "lowLatency":
            return [
                f"Low-latency variant: parts of {fmt_s(self.part_duration)} let LL-HLS players sit about "
                f"{fmt_s(3 * self.part_duration)} (PART-HOLD-BACK) behind the live edge; at least 7 segments."
            ]
        return []


@dataclass(frozen=True, kw_only=True)
class GenericProfile(ServerProfile):
    """The spec only: segments of ``target_duration`` and a window of ``entries`` (RFC 8216)."""

    name: ClassVar[str] = "generic"
    label: ClassVar[str] = "RFC 8216 (spec only)"
    fragment_setting: ClassVar[str] = "segment duration"

    segment: float = 6.0
    entry_count: int = 5

    @property
    def fragment_s(self) -> float:
        return self.segment

    def cuts(self, count: int) -> list[Cut]:
        return cuts_from_segment_start(self.segment, self.keyint_s, count)

    def entries(self, durations: Sequence[float]) -> int | None:
        return self.entry_count

    def listed_for(self, durations: Sequence[float], i: int) -> float | None:
        following = durations[i + 1 : i + 1 + self.entry_count]
        return sum(following) if len(following) == self.entry_count else None

    def gone_after_leave(self, durations: Sequence[float], i: int) -> Interval | None:
        """The spec's minimum: the segment's duration plus the playlist duration, or later."""
        window = sum(durations[i : i + self.entry_count])
        return Interval(durations[i] + window, math.inf)

    def target_duration(self, listed: Sequence[float]) -> int:
        return max((round(d) for d in listed), default=1)

    def settings_words(self) -> str:
        return f"{fmt_s(self.segment)} segments and {self.entry_count} entries"

    def basis(self) -> str:
        return f"RFC 8216 with {self.settings_words()}"

    def deletion_words(self) -> str:
        return "The spec only says: keep a removed segment available for its duration + the playlist duration."

    def stop_words(self) -> str:
        return "The spec says: append EXT-X-ENDLIST when the stream ends."

    def stop_plan(self) -> StopPlan:
        return StopPlan(
            endlist=True, playlist_gone=None, segments_gone=None, continues_within=None, restart_reuses_names=False
        )

    def republish_words(self) -> str:
        return "The spec says: media sequence numbers must not decrease; mark the join with a DISCONTINUITY."
