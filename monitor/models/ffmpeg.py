"""FFmpeg's HLS muxer, and Node-Media-Server 2.x which runs it (servers.md §2, §3, §7.2)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from monitor.models.base import ServerProfile
from monitor.models.cutting import Cut, cuts_ffmpeg
from monitor.models.prediction import StopPlan
from monitor.models.units import Interval, fmt_s

#: NMS deletes the files when its ffmpeg exits after the publisher left: "within moments" (allow 3 s).
NMS_CLEANUP_S = 3.0


def ffmpeg_deletion_index(durations: Sequence[float], i: int, entries: int, threshold: int) -> int | None:
    """The segment whose cut deletes segment ``i`` (hls_delete_old_segments, servers.md §2.4).

    At the cut closing segment c the playlist holds c-N+1..c and the removed ones c-N, c-N-1, ... are
    walked newest first: entry k (1-based) is kept while k < threshold and the durations of the kept
    newer ones are below the playlist duration; everything older is deleted.
    """
    for c in range(i + entries, len(durations)):
        playlist = sum(durations[c - entries + 1 : c + 1])
        kept, before = 0, 0.0
        for k, seg in enumerate(range(c - entries, -1, -1), start=1):
            kept = k
            if before >= playlist or k >= threshold:
                break
            before += durations[seg]
        position = c - entries - i + 1  # i's position among the removed ones, newest first
        if position > kept:
            return c
    return None


@dataclass(frozen=True, kw_only=True)
class FfmpegProfile(ServerProfile):
    """``ffmpeg -f hls`` with hls_time (T), hls_list_size (N), delete_segments, hls_delete_threshold."""

    name: ClassVar[str] = "ffmpeg"
    label: ClassVar[str] = "FFmpeg HLS muxer"
    fragment_setting: ClassVar[str] = "hls_time"

    hls_time: float = 2.0
    list_size: int = 5
    delete_segments: bool = False
    delete_threshold: int = 1
    nms: bool = False  # spawned by Node-Media-Server 2.x (deletes everything when the publisher stops)
    hls_keep: bool = False  # NMS hlsKeep
    omit_endlist: bool = False
    program_date_time: bool = False
    base_name: str = "index"

    @property
    def fragment_s(self) -> float:
        return self.hls_time

    @property
    def deletes(self) -> bool:
        return self.delete_segments and self.list_size > 0

    def cuts(self, count: int) -> list[Cut]:
        return cuts_ffmpeg(self.hls_time, self.keyint_s, count)

    def entries(self, durations: Sequence[float]) -> int | None:
        return self.list_size or None

    def listed_for(self, durations: Sequence[float], i: int) -> float | None:
        if not self.list_size:
            return None
        following = durations[i + 1 : i + 1 + self.list_size]
        return sum(following) if len(following) == self.list_size else None

    def gone_after_leave(self, durations: Sequence[float], i: int) -> Interval | None:
        if not self.deletes:
            return None
        c = ffmpeg_deletion_index(durations, i, self.list_size, self.delete_threshold)
        if c is None:
            return None
        return Interval.point(round(sum(durations[i + self.list_size + 1 : c + 1]), 6))

    def deleted_with_listing_of(self, durations: Sequence[float], i: int) -> int | None:
        if not self.deletes:
            return None
        return ffmpeg_deletion_index(durations, i, self.list_size, self.delete_threshold)

    def kept_unreferenced(self) -> int:
        """How many removed segments stay on disk: min(threshold, N + 1) with constant durations."""
        return min(self.delete_threshold, self.list_size + 1)

    def target_duration(self, listed: Sequence[float]) -> int:
        return max((round(d) for d in listed), default=0)  # lrint: ties to even, like Python's round

    def segment_name(self, msn: int) -> str:
        return f"{self.base_name}{msn}.ts"

    def files_on_disk(self, durations: Sequence[float]) -> tuple[int, int] | None:
        if not self.deletes:
            return None
        count = self.list_size + self.kept_unreferenced()
        return count, count

    def settings_words(self) -> str:
        words = f"hls_time {fmt_s(self.hls_time)}, hls_list_size {self.list_size}"
        if self.deletes:
            words += f", delete_segments, hls_delete_threshold {self.delete_threshold}"
        if self.keyint_s is not None:
            words += f", keyframes every {fmt_s(self.keyint_s)}"
        return words

    def basis(self) -> str:
        who = "ffmpeg (Node-Media-Server 2.x)" if self.nms else "ffmpeg"
        return f"{who} with {self.settings_words()}"

    def basis_for(self, topic: str) -> str:
        who = "ffmpeg (NMS)" if self.nms else "ffmpeg"
        if topic == "gone" and self.deletes:
            return f"{who} with hls_delete_threshold {self.delete_threshold}, hls_list_size {self.list_size}"
        if topic == "listed":
            return f"{who} with hls_list_size {self.list_size}"
        return self.basis()

    def deletion_words(self) -> str:
        if not self.deletes:
            extra = " until ffmpeg exits (then NMS deletes everything)" if self.nms and not self.hls_keep else ""
            return f"Never deleted while publishing (no delete_segments){extra}: files pile up."
        kept = self.kept_unreferenced()
        d = self.hls_time if self.keyint_s is None else max(self.hls_time, self.keyint_s)  # G >= T: D = G
        return (
            f"At each cut, removed segments beyond the newest {kept} are deleted at once: a segment goes 404 "
            f"{kept} segment(s) ({fmt_s(kept * d)}) after leaving the playlist."
        )

    def stop_words(self) -> str:
        endlist = "no ENDLIST (omit_endlist)" if self.omit_endlist else "ENDLIST is appended"
        if self.nms and not self.hls_keep:
            return (
                f"The last segment is written and {endlist}; then Node-Media-Server deletes every .ts and "
                ".m3u8 (no hlsKeep): the playlist goes 404 within moments of the publisher disconnecting."
            )
        return f"The last segment is written and {endlist}. Nothing is deleted at exit."

    def stop_plan(self) -> StopPlan:
        wiped = Interval(0.0, NMS_CLEANUP_S) if self.nms and not self.hls_keep else None
        return StopPlan(
            endlist=not self.omit_endlist,
            playlist_gone=wiped,
            segments_gone=wiped,
            continues_within=None,
            restart_reuses_names=True,
        )

    def republish_words(self) -> str:
        until = (
            "Until the first new segment closes the playlist answers 404 (NMS deleted it at the stop)."
            if self.nms and not self.hls_keep
            else "Until the first new segment closes the old playlist is still served."
        )
        return (
            f"A new ffmpeg starts again at media sequence 0 and overwrites {self.segment_name(0)}, ...: "
            f"every session reuses the same URLs (CDN edges may serve old bytes). {until}"
        )

    def notes(self, pred_durations: Sequence[float]) -> list[str]:
        notes = []
        if self.deletes and self.delete_threshold > self.list_size + 1:
            notes.append(f"hls_delete_threshold above hls_list_size + 1 ({self.list_size + 1}) has no extra effect.")
        if self.nms and not self.delete_segments:
            notes.append("NMS's default hlsFlags '' means hls_time 2, hls_list_size 5 and no deletion.")
        return notes


@dataclass(frozen=True, kw_only=True)
class NmsProfile(FfmpegProfile):
    """FFmpeg as spawned by Node-Media-Server 2.x (``trans`` task ``hlsFlags``; deletes all files at stop)."""

    name: ClassVar[str] = "nms"
    label: ClassVar[str] = "Node-Media-Server 2.x (ffmpeg)"
    nms: bool = True
