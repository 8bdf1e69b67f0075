"""arut/nginx-rtmp-module HLS (servers.md §1, §7.1)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from monitor.models.base import ServerProfile, round_half_up
from monitor.models.cutting import Cut, cuts_from_segment_start
from monitor.models.prediction import SpecCheck, StopPlan
from monitor.models.units import Interval, fmt_s

#: A cache-manager tick with mtime in whole seconds can delete up to 1 s before C + 2P.
MTIME_GRANULARITY_S = 1.0
#: Other nginx cache managers (proxy_cache, fastcgi_cache) make the loop run at least every 10 s.
OTHER_MANAGER_PERIOD_S = 10.0


@dataclass(frozen=True, kw_only=True)
class NginxRtmpProfile(ServerProfile):
    """nginx-rtmp with ``hls_fragment`` (F), ``hls_playlist_length`` (P) and friends."""

    name: ClassVar[str] = "nginx-rtmp"
    label: ClassVar[str] = "nginx-rtmp"
    fragment_setting: ClassVar[str] = "hls_fragment"
    first_is_discontinuity: ClassVar[bool] = True
    early_slack_s: ClassVar[float] = MTIME_GRANULARITY_S

    fragment_ms: int = 5000
    playlist_length_ms: int = 30000
    cleanup: bool = True
    fragment_naming: str = "sequential"  # sequential | timestamp | system
    continuous: bool = True
    max_fragment_ms: int | None = None  # default 10 x F
    slicing: str = "plain"
    hls_type: str = "live"
    nested: bool = False
    stream: str = "stream"
    other_cache_managers: bool = False  # proxy_cache / fastcgi_cache paths in the same nginx

    # ---- derived constants -----------------------------------------------------------------
    @property
    def fragment_s(self) -> float:
        return self.fragment_ms / 1000

    @property
    def playlist_length_s(self) -> float:
        return self.playlist_length_ms / 1000

    @property
    def winfrags(self) -> int:
        """Entry count: ``playlen / fraglen`` in integer ms, independent of actual durations."""
        return self.playlist_length_ms // max(self.fragment_ms, 1)

    @property
    def ts_max_age_s(self) -> int:
        return self.playlist_length_ms // 500  # 2P, whole seconds

    @property
    def m3u8_max_age_s(self) -> int:
        return self.playlist_length_ms // 1000  # P, whole seconds

    @property
    def cleanup_period_s(self) -> float:
        if self.other_cache_managers:
            return min(OTHER_MANAGER_PERIOD_S, 2 * self.playlist_length_s)
        return 2 * self.playlist_length_s

    @property
    def deletes(self) -> bool:
        return self.cleanup and self.hls_type != "event"

    @property
    def unique_names(self) -> bool:  # type: ignore[override]
        return self.fragment_naming == "system"

    # ---- rules -------------------------------------------------------------------------------
    def cuts(self, count: int) -> list[Cut]:
        max_frag = (self.max_fragment_ms or 10 * self.fragment_ms) / 1000
        return cuts_from_segment_start(self.fragment_s, self.keyint_s, count, forced_after=max_frag)

    def entries(self, durations: Sequence[float]) -> int | None:
        return self.winfrags

    def listed_for(self, durations: Sequence[float], i: int) -> float | None:
        following = durations[i + 1 : i + 1 + self.winfrags]
        if len(following) < self.winfrags:
            return None
        return sum(following)

    def gone_after_close(self) -> Interval | None:
        """``[2P, 2P + tick period)``: the first cleanup tick at least 2P after the close.

        nginx compares whole-second mtimes, so a deletion may come up to ``early_slack_s`` (1 s) early.
        """
        if not self.deletes:
            return None
        return Interval(self.ts_max_age_s, self.ts_max_age_s + self.cleanup_period_s)

    def gone_after_appear(self, durations: Sequence[float], i: int) -> Interval | None:
        return self.gone_after_close()

    def gone_after_leave(self, durations: Sequence[float], i: int) -> Interval | None:
        after_close = self.gone_after_close()
        listed = self.listed_for(durations, i)
        if after_close is None or listed is None:
            return None
        return after_close.shift(-listed)

    def target_duration(self, listed: Sequence[float]) -> int:
        td = self.fragment_ms // 1000
        for d in listed:
            if d > td:
                td = round_half_up(d)
        return max(td, 0)

    def segment_name(self, msn: int) -> str:
        ident = msn if self.fragment_naming == "sequential" else "<id>"
        return f"{ident}.ts" if self.nested else f"{self.stream}-{ident}.ts"

    def files_on_disk(self, durations: Sequence[float]) -> tuple[int, int] | None:
        if not self.deletes:
            return None
        d = durations[len(durations) // 2]
        per_tick = self.cleanup_period_s / d
        low = int(self.ts_max_age_s / d)
        return low + 1, int(low + per_tick) + 1

    # ---- words -------------------------------------------------------------------------------
    def settings_words(self) -> str:
        words = f"hls_fragment {fmt_s(self.fragment_s)}, playlist_length {fmt_s(self.playlist_length_s)}"
        if self.keyint_s is not None:
            words += f", keyframes every {fmt_s(self.keyint_s)}"
        return words

    def basis_for(self, topic: str) -> str:
        if topic == "gone":
            return f"nginx-rtmp with playlist_length {fmt_s(self.playlist_length_s)}"
        if topic == "listed":
            return f"nginx-rtmp with {self.winfrags} entries (playlist_length / hls_fragment)"
        return self.basis()

    def deletion_words(self) -> str:
        if not self.deletes:
            why = "hls_cleanup off" if not self.cleanup else "hls_type event"
            return f"Never deleted ({why}): files pile up on disk."
        period = fmt_s(self.cleanup_period_s)
        return (
            f"The cache manager deletes in batches every {period}: each file once it is "
            f"{fmt_s(self.ts_max_age_s)} (2 x playlist_length) old, so {self.gone_after_close().words()} "
            f"after it was closed (about 3 x playlist_length on average)."
        )

    def stop_words(self) -> str:
        p = self.playlist_length_s
        if not self.deletes:
            return "No ENDLIST; the playlist and files stay on disk (cleanup off)."
        return (
            f"No ENDLIST: players keep polling a playlist that no longer changes. The playlist goes 404 "
            f"{fmt_s(p)} to {fmt_s(3 * p)} after the last segment closed, the last segments "
            f"{fmt_s(2 * p)} to {fmt_s(4 * p)} after they closed."
        )

    def stop_plan(self) -> StopPlan:
        playlist_gone = None
        if self.deletes:
            playlist_gone = Interval(self.m3u8_max_age_s, self.m3u8_max_age_s + self.cleanup_period_s)
        return StopPlan(
            endlist=False,
            playlist_gone=playlist_gone,
            segments_gone=self.gone_after_close(),
            continues_within=(playlist_gone or Interval(math.inf, math.inf)) if self.continuous else None,
            restart_reuses_names=not self.unique_names,
        )

    def republish_words(self) -> str:
        p = self.playlist_length_s
        names = (
            "names are wall-clock ids (hls_fragment_naming system), so never reused"
            if self.unique_names
            else f"numbering restarts at 0 and the same URLs ({self.segment_name(0)}, ...) are overwritten: "
            "CDN edges may serve the old bytes"
        )
        if not self.continuous:
            return f"hls_continuous off: {names}."
        return (
            f"Within {fmt_s(p)} to {fmt_s(3 * p)} of the stop (while the old playlist exists) the media sequence "
            f"continues, with a DISCONTINUITY before the first new segment. Later, {names}."
        )

    def extra_spec_checks(self, pred_durations: Sequence[float]) -> list[SpecCheck]:
        checks = []
        d = pred_durations[len(pred_durations) // 2]
        window = self.winfrags * d
        after_close = self.gone_after_close()
        if after_close is not None and window > after_close.lo - MTIME_GRANULARITY_S:
            edge = " (only through nginx's whole-second mtime rounding)" if window <= after_close.lo else ""
            checks.append(
                SpecCheck(
                    rule="segments are not deleted while still listed",
                    holds="no" if window >= after_close.hi else "sometimes",
                    detail=f"listed for {fmt_s(window)} but deleted {after_close.words()} after closing{edge}",
                )
            )
        if self.deletes and max(pred_durations) >= self.m3u8_max_age_s:
            checks.append(
                SpecCheck(
                    rule="the playlist is not deleted while live",
                    holds="no",
                    detail=f"a {fmt_s(max(pred_durations))} segment leaves the playlist unwritten for "
                    f"longer than playlist_length {fmt_s(self.playlist_length_s)}, so the cleanup deletes it",
                )
            )
        return checks

    def notes(self, pred_durations: Sequence[float]) -> list[str]:
        notes = []
        if self.winfrags == 0:
            notes.append("hls_playlist_length is shorter than hls_fragment: the playlist has no entries.")
        if self.fragment_ms % 1000:
            notes.append("TARGETDURATION is at least floor(hls_fragment); fractional fragments truncate.")
        return notes
