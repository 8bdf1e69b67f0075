"""The common shape of a server profile and the prediction it derives (servers.md §6, §7)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from monitor.models.cutting import Cut, steady_pattern
from monitor.models.prediction import Lifecycle, Prediction, SegmentPlan, SpecCheck, StopPlan
from monitor.models.units import Interval, fmt_s

TIMELINE_SEGMENTS = 30
MAX_SIMULATED = 30_000  # segments simulated at most (hls_list_size 10000 still gets a full window)


def round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


@dataclass(frozen=True, kw_only=True)
class ServerProfile:
    """Base class: one server with its settings, in the server's own names.

    Subclasses implement the cutting rule, the window rule, the deletion rule and the words.
    """

    name: ClassVar[str] = "base"
    label: ClassVar[str] = "server"
    fragment_setting: ClassVar[str] = "fragment"
    keyint_s: float | None = None

    # ---- to implement -------------------------------------------------------------------------
    @property
    def fragment_s(self) -> float:  # F, the configured fragment length
        raise NotImplementedError

    def cuts(self, count: int) -> list[Cut]:
        raise NotImplementedError

    def listed_for(self, durations: Sequence[float], i: int) -> float | None:
        """Seconds from appearing to leaving the playlist for segment i (durations in MSN order)."""
        raise NotImplementedError

    def gone_after_leave(self, durations: Sequence[float], i: int) -> Interval | None:
        raise NotImplementedError

    def target_duration(self, listed: Sequence[float]) -> int:
        raise NotImplementedError

    def entries(self, durations: Sequence[float]) -> int | None:
        raise NotImplementedError

    def settings_words(self) -> str:
        raise NotImplementedError

    def deletion_words(self) -> str:
        raise NotImplementedError

    def stop_words(self) -> str:
        raise NotImplementedError

    def republish_words(self) -> str:
        raise NotImplementedError

    def stop_plan(self) -> StopPlan:
        raise NotImplementedError

    def segment_name(self, msn: int) -> str:
        return f"{msn}.ts"

    unique_names: ClassVar[bool] = False
    #: Observed deletions may come this much earlier than predicted (nginx: whole-second mtimes).
    early_slack_s: ClassVar[float] = 0.0

    # ---- shared -------------------------------------------------------------------------------
    def basis(self) -> str:
        """``nginx-rtmp with hls_fragment 2 s, hls_playlist_length 6 s``."""
        return f"{self.name} with {self.settings_words()}"

    def deleted_with_listing_of(self, durations: Sequence[float], i: int) -> int | None:
        """Index of the segment whose listing (the same cut) deletes segment i, for servers that delete
        at a cut (ffmpeg, SRS, MediaMTX); None for timer-driven deletion (nginx-rtmp) or no deletion."""
        return None

    def basis_for(self, topic: str) -> str:
        """The short basis quoted in a verdict on ``topic`` (``listed``, ``gone``)."""
        return self.basis()

    def gone_after_appear(self, durations: Sequence[float], i: int) -> Interval | None:
        listed = self.listed_for(durations, i)
        after = self.gone_after_leave(durations, i)
        if listed is None or after is None:
            return None
        return after.shift(listed)

    def lifecycle(self, durations: Sequence[float], i: int) -> Lifecycle:
        return Lifecycle(
            listed_for=self.listed_for(durations, i),
            gone_after_leave=self.gone_after_leave(durations, i),
            gone_after_appear=self.gone_after_appear(durations, i),
        )

    def files_on_disk(self, durations: Sequence[float]) -> tuple[int, int] | None:
        return None

    def extra_spec_checks(self, pred_durations: Sequence[float]) -> list[SpecCheck]:
        return []

    def notes(self, pred_durations: Sequence[float]) -> list[str]:
        return []

    def keyframe_effect(self, pattern: Sequence[float]) -> str | None:
        if not pattern or self.keyint_s is None:
            return None
        mean = sum(pattern) / len(pattern)
        if len(set(pattern)) == 1 and abs(pattern[0] - self.fragment_s) < 1e-3:
            return None
        if len(set(pattern)) > 1:
            shown = ", ".join(fmt_s(d) for d in pattern)
            return (
                f"Segments alternate {shown} (mean {fmt_s(mean)}) because keyframes every "
                f"{fmt_s(self.keyint_s)} do not divide {self.fragment_setting} {fmt_s(self.fragment_s)}."
            )
        return (
            f"Segments last {fmt_s(pattern[0])} although {self.fragment_setting} is "
            f"{fmt_s(self.fragment_s)}: the keyframe interval is {fmt_s(self.keyint_s)}."
        )

    def predict(self, count: int = TIMELINE_SEGMENTS) -> Prediction:
        """Predict everything from the settings alone (first ``count`` segments of a publish)."""
        n = max(count, 3 * TIMELINE_SEGMENTS)
        cuts = self.cuts(n)
        durations = [d for _, d, _ in cuts]
        entries = self.entries(durations)
        if entries and 3 * entries + 10 > n:  # the middle segment must have a full window on each side
            cuts = self.cuts(min(3 * entries + 10, MAX_SIMULATED))
            durations = [d for _, d, _ in cuts]
            entries = self.entries(durations)
        pattern = steady_pattern(durations)
        mid = len(durations) // 2
        window = None if entries is None else sum(durations[max(0, mid - entries + 1) : mid + 1])
        td = self.target_duration(durations[max(0, mid - (entries or 10) + 1) : mid + 1])
        life = self.lifecycle(durations, mid)
        hold_back = 3.0 * td if window is None else min(3.0 * td, window)
        return Prediction(
            profile=self.name,
            basis=self.basis(),
            durations=pattern,
            keyframe_effect=self.keyframe_effect(pattern),
            entries=entries,
            window_s=window,
            target_duration=td,
            lifecycle=life,
            deletion=self.deletion_words(),
            files_on_disk=self.files_on_disk(durations),
            timeline=tuple(self._timeline(cuts[:count], durations)),
            stop=self.stop_words(),
            on_stop=self.stop_plan(),
            republish=self.republish_words(),
            unique_names=self.unique_names,
            spec=tuple(self._spec_checks(durations, entries, window, td, life)),
            hold_back_s=hold_back,
            notes=tuple(self.notes(durations)),
        )

    def _timeline(self, cuts: list[Cut], durations: Sequence[float]) -> list[SegmentPlan]:
        plans = []
        for i, (start, duration, discont) in enumerate(cuts):
            appear = Interval.point(round(start + duration, 6))
            listed = self.listed_for(durations, i)
            gone = self.gone_after_appear(durations, i)
            plans.append(
                SegmentPlan(
                    index=i,
                    msn=i,
                    name=self.segment_name(i),
                    start=start,
                    duration=duration,
                    discontinuity=discont or (i == 0 and self.first_is_discontinuity),
                    appear=appear,
                    leave=None if listed is None else appear.shift(listed),
                    gone=None if gone is None else gone.shift(appear.lo),
                )
            )
        return plans

    first_is_discontinuity: ClassVar[bool] = False

    def _spec_checks(
        self,
        durations: Sequence[float],
        entries: int | None,
        window: float | None,
        td: int,
        life: Lifecycle,
    ) -> list[SpecCheck]:
        mid = len(durations) // 2
        d = durations[mid]
        checks = [self._window_check(window, td), self._availability_check(d, window, life)]
        over = [x for x in durations if round(x) > td]
        checks.append(
            SpecCheck(
                rule="every EXTINF rounded <= target duration (RFC 8216 §4.3.3.1)",
                holds="no" if over else "yes",
                detail=f"target duration {td} s, longest segment {fmt_s(max(durations))}",
            )
        )
        checks.extend(self.extra_spec_checks(durations))
        return checks

    @staticmethod
    def _window_check(window: float | None, td: int) -> SpecCheck:
        rule = "playlist lasts >= 3 x target duration (RFC 8216 §6.2.2)"
        if window is None:
            return SpecCheck(rule=rule, holds="yes", detail="the playlist keeps every segment")
        holds = "yes" if window >= 3 * td - 1e-6 else "no"
        return SpecCheck(rule=rule, holds=holds, detail=f"window {fmt_s(window)}, 3 x target duration = {3 * td} s")

    def _availability_check(self, d: float, window: float | None, life: Lifecycle) -> SpecCheck:
        rule = "a removed segment stays available for its duration + the playlist duration (RFC 8216 §6.2.2)"
        after = life.gone_after_leave
        if window is None or life.listed_for is None:
            return SpecCheck(rule=rule, holds="yes", detail="segments never leave the playlist while live")
        need = d + window
        if after is None:
            return SpecCheck(rule=rule, holds="yes", detail="segments are not deleted while publishing")
        got = after.words()
        if after.lo >= need - 1e-6:
            return SpecCheck(rule=rule, holds="yes", detail=f"kept {got} after removal, needs {fmt_s(need)}")
        if after.hi <= need + 1e-6:
            return SpecCheck(rule=rule, holds="no", detail=f"kept {got} after removal, needs {fmt_s(need)}")
        share = (need - after.lo) / after.width
        return SpecCheck(
            rule=rule,
            holds="sometimes",
            detail=f"kept {got} after removal, needs {fmt_s(need)}: broken for about {share:.0%} of segments",
        )
