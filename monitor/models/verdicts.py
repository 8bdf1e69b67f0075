"""Observed against predicted and against the spec: per segment and in summary, in plain words."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from monitor.measures import deletion_lag_s, listed_s, seen_at
from monitor.models.base import ServerProfile
from monitor.models.observed import FileTruth, Lives, Truth, latest_lives, span
from monitor.models.units import Interval, fmt_s
from monitor.records import PlaylistSnapshot, RequestRecord, SegmentLifecycle

#: Timing slack on every comparison: scheduling, file system and HTTP timing on a busy machine.
TOLERANCE_S = 0.5
LEVELS = ("ok", "info", "warning", "problem")
#: Assumed segments after the last observed one (for windows and deletions of the last segments).
PADDING = 64
SPEC_AVAILABILITY = "RFC 8216 §6.2.2"


@dataclass(frozen=True, kw_only=True)
class Verdict:
    """One judgement. ``level``: ok (as expected), info, warning (differs from the model), problem."""

    level: str
    code: str  # appear | listed | gone | gone_truth | deleted_while_listed | summary_* | advice_*
    message: str
    scope: str = "segment"  # segment | summary | advice
    msn: int | None = None
    observed: float | None = None
    expected: Interval | None = None
    advice: str = ""
    spec: str | None = None

    @property
    def as_expected(self) -> bool:
        return self.level == "ok"


def _obs_words(value: Interval, estimate: float) -> str:
    """The best estimate, with the range it surely lies in when that is wide (the estimate need not be
    its middle: one-sided windows)."""
    text = fmt_s(estimate)
    return f"{text} (surely {value.words()})" if value.width > 1.0 else text


def _relative(gap: Interval) -> str:
    if abs(gap.mid) < 0.05:
        return "at"
    return f"{fmt_s(abs(gap.mid))} {'before' if gap.mid < 0 else 'after'}"


def _compare(
    code: str,
    obs: SegmentLifecycle,
    observation: tuple[Interval, float],
    expected: Interval,
    what: tuple[str, str],
    basis: str,
    slack: tuple[float, float],
) -> Verdict:
    """``observation``: the range the value lies in (compared with the prediction) and its best estimate."""
    observed, estimate = observation
    widened = expected.widen(slack[0] + TOLERANCE_S, slack[1] + TOLERANCE_S)
    if widened.overlaps(observed):
        level, verdict = "ok", "as expected"
    elif observed.hi < widened.lo:
        level, verdict = "warning", "earlier than predicted"
    else:
        level, verdict = "warning", "later than predicted"
    message = f"{what[0]} {_obs_words(observed, estimate)}{what[1]}; {basis} predicts {expected.words()}: {verdict}."
    return Verdict(level=level, code=code, message=message, msn=obs.msn, observed=estimate, expected=expected)


class _Judge:
    def __init__(self, lives: Sequence[SegmentLifecycle], profile: ServerProfile, truth: Truth, step: float) -> None:
        self.obs = list(lives)
        self.by_msn = {o.msn: o for o in self.obs}
        self.profile = profile
        self.truth = truth
        self.step = step  # MonitorConfig.arrival_step_s of the run (inf: middles of the windows)
        self.basis = profile.basis()
        self.first = self.obs[0].msn if self.obs else 0
        self.durations = self._durations()

    def _durations(self) -> list[float]:
        """EXTINFs in MSN order from the first observed one, up to the first gap, then padded with the
        median (segments after the last observed one existed but were not recorded)."""
        durations = []
        msn = self.first
        while msn in self.by_msn:
            durations.append(self.by_msn[msn].extinf)
            msn += 1
        if durations:
            durations += [statistics.median(durations)] * PADDING
        return durations

    def segment_verdicts(self) -> list[Verdict]:
        verdicts: list[Verdict] = []
        for obs in self.obs:
            for check in (self._appear, self._listed, self._gone, self._gone_truth, self._listed_errors):
                verdict = check(obs)
                if verdict is not None:
                    verdicts.append(verdict)
        return verdicts

    def _appear(self, obs: SegmentLifecycle) -> Verdict | None:
        prev = self.by_msn.get(obs.msn - 1)
        if prev is None or obs.discontinuity:
            return None
        if prev.initial or obs.initial:  # already listed at the first poll: not when it appeared
            return None
        spacing = (
            span(obs.first_seen).minus(span(prev.first_seen)),
            seen_at(obs.first_seen, self.step) - seen_at(prev.first_seen, self.step),
        )
        expected = Interval.point(obs.extinf)
        jitter = max(0.0, 0.15 * obs.extinf)
        return _compare(
            "appear",
            obs,
            spacing,
            expected,
            ("Appeared", f" after segment {prev.msn}"),
            f"listing at close with EXTINF {obs.extinf:.3f}",
            (jitter, jitter),
        )

    def _index(self, obs: SegmentLifecycle) -> int | None:
        i = obs.msn - self.first
        return i if 0 <= i < len(self.durations) - PADDING else None

    def _listed(self, obs: SegmentLifecycle) -> Verdict | None:
        i = self._index(obs)
        estimate = listed_s(obs, self.step)
        if i is None or obs.left is None or estimate is None:
            return None
        predicted = self.profile.listed_for(self.durations, i)
        if predicted is None:
            return None
        observed = (span(obs.left).minus(span(obs.first_seen)), estimate)
        jitter = 0.15 * obs.extinf
        return _compare(
            "listed",
            obs,
            observed,
            Interval.point(predicted),
            ("Listed for", ""),
            self.profile.basis_for("listed"),
            (jitter, jitter),
        )

    def _gone(self, obs: SegmentLifecycle) -> Verdict | None:
        i = self._index(obs)
        lag = deletion_lag_s(obs, self.step)  # None when deleted while still listed (_listed_errors)
        if i is None or obs.left is None or obs.gone is None or lag is None:
            return None
        predicted = self.profile.gone_after_leave(self.durations, i)
        # deleted after it left: the range starts at zero at the earliest
        diff = span(obs.gone).minus(span(obs.left))
        observed = Interval(max(0.0, diff.lo), max(0.0, diff.hi))
        basis = self.profile.basis_for("gone")
        if predicted is None:
            return Verdict(
                level="warning",
                code="gone",
                msn=obs.msn,
                observed=lag,
                message=f"Deleted {_obs_words(observed, lag)} after leaving the playlist; "
                f"{basis} predicts no deletion while publishing: not expected.",
            )
        at_cut = self._gone_at_cut(obs, i, (observed, lag), predicted, basis)
        if at_cut is not None:
            return self._with_spec(at_cut, obs, i, observed)
        jitter = 0.15 * obs.extinf
        verdict = _compare(
            "gone",
            obs,
            (observed, lag),
            predicted,
            ("Deleted", " after leaving the playlist"),
            basis,
            (self.profile.early_slack_s + jitter, jitter),
        )
        return self._with_spec(verdict, obs, i, observed)

    def _gone_at_cut(
        self, obs: SegmentLifecycle, i: int, observed: tuple[Interval, float], predicted: Interval, basis: str
    ) -> Verdict | None:
        """Servers that delete at a cut: the deletion must coincide with listing segment c.

        At a steady pace that is ``predicted`` after leaving; with bursty input (NMS relaying to ffmpeg)
        the wall-clock gap between cuts varies, but the coincidence holds.
        """
        c = self.profile.deleted_with_listing_of(self.durations, i)
        listed = self.by_msn.get(self.first + c) if c is not None else None
        if listed is None or listed.initial or obs.gone is None:
            return None
        gap = span(obs.gone).minus(span(listed.first_seen))
        inside = Interval(0.0, 0.0).widen(TOLERANCE_S).overlaps(gap)
        steady = "" if predicted.width else f", {predicted.words()} after leaving at a steady pace"
        message = (
            f"Deleted {_obs_words(*observed)} after leaving the playlist, {_relative(gap)} the listing of "
            f"segment {listed.msn}; {basis} deletes it at the cut that lists segment {listed.msn}{steady}: "
            f"{'as expected' if inside else 'not at that cut'}."
        )
        return Verdict(
            level="ok" if inside else "warning",
            code="gone",
            msn=obs.msn,
            observed=observed[1],
            expected=predicted,
            message=message,
        )

    def _with_spec(self, verdict: Verdict, obs: SegmentLifecycle, i: int, observed: Interval) -> Verdict:
        window = self._window_containing(i)
        if window is None:
            return verdict
        need = obs.extinf + window
        if observed.hi >= need:
            return verdict
        message = (
            f"{verdict.message} The spec wants at least {fmt_s(need)} (its duration + the playlist's): "
            f"removed too early for {SPEC_AVAILABILITY}."
        )
        level = verdict.level if verdict.level != "ok" else "info"
        return Verdict(**{**verdict.__dict__, "message": message, "level": level, "spec": SPEC_AVAILABILITY})

    def _window_containing(self, i: int) -> float | None:
        entries = self.profile.entries(self.durations)
        if not entries:
            return None
        # the longest playlist containing segment i: i and the entries after it (or before, early on)
        window = self.durations[i : i + entries]
        if len(window) < entries:
            return None
        return sum(window)

    def _gone_truth(self, obs: SegmentLifecycle) -> Verdict | None:
        i = self._index(obs)
        files = self.truth.get(obs.msn, FileTruth())
        if i is None or files.closed_at is None or files.deleted_at is None:
            return None
        predicted = self.profile.gone_after_appear(self.durations, i)
        if predicted is None:
            return None
        age = files.deleted_at - files.closed_at
        jitter = 0.15 * obs.extinf
        return _compare(
            "gone_truth",
            obs,
            (Interval.point(age), age),
            predicted,
            ("File deleted", " after it was closed (on disk)"),
            self.profile.basis_for("gone"),
            (self.profile.early_slack_s + jitter, jitter),
        )

    def _listed_errors(self, obs: SegmentLifecycle) -> Verdict | None:
        if obs.errors_while_listed:
            seen = f"answered 404 {obs.errors_while_listed} time(s) while still listed"
        elif obs.gone is not None and obs.left is not None and obs.gone.hi < obs.left.lo:
            seen = f"was deleted at least {fmt_s(obs.left.lo - obs.gone.hi)} before it left the playlist"
        else:
            return None
        return Verdict(
            level="problem",
            code="deleted_while_listed",
            msn=obs.msn,
            message=f"Segment {obs.msn} {seen}: players that reach it will stall.",
        )


def _summary_count(verdicts: Sequence[Verdict], code: str, noun: str) -> Verdict | None:
    mine = [v for v in verdicts if v.code == code and v.expected is not None]
    if not mine:
        return None
    inside = [v for v in mine if v.level in ("ok", "info")]
    values = [v.observed for v in mine if v.observed is not None]
    expected = mine[-1].expected
    median = fmt_s(statistics.median(values)) if values else "?"
    if len(inside) == len(mine):
        level, tail = "ok", "as expected"
    else:
        level, tail = "warning", f"{len(mine) - len(inside)} outside"
    return Verdict(
        level=level,
        code=f"summary_{code}",
        scope="summary",
        expected=expected,
        message=f"{noun}: {len(inside)} of {len(mine)} inside the prediction (median {median}, "
        f"latest predicted {expected.words() if expected else '?'}): {tail}.",
    )


def judge(
    lifecycles: Iterable[SegmentLifecycle],
    profile: ServerProfile,
    *,
    snapshots: Iterable[PlaylistSnapshot] = (),
    requests: Iterable[RequestRecord] = (),
    endpoint: str | None = None,
    advice: bool = True,
    truth: Truth | None = None,
    arrival_step_s: float = math.inf,
) -> list[Verdict]:
    """Judge observed segment lives (``SegmentLifecycle`` records) against ``profile``.

    Returns per-segment verdicts (sorted by MSN), then summary verdicts, then recommendations. Optional
    ``snapshots`` (``PlaylistSnapshot``) and ``requests`` (``RequestRecord``) add playlist and CDN checks;
    ``truth`` (ground truth by MSN, lab runs) adds the file-deletion checks; ``arrival_step_s`` is the run's
    ``MonitorConfig.arrival_step_s`` (the estimates of first seen and left). Only the newest publish is
    judged (MSNs restart after a republish); a summary verdict says so when there were others.
    """
    from monitor.models.summary import summary_verdicts  # avoids an import cycle

    lives = latest_lives(lifecycles, endpoint)
    judge_ = _Judge(lives.lives, profile, truth or {}, arrival_step_s)
    per_segment = judge_.segment_verdicts()
    summary: list[Verdict] = []
    restart = _restart_note(lives)
    if restart is not None:
        summary.append(restart)
    for code, noun in (
        ("appear", "Appearances"),
        ("listed", "Time listed"),
        ("gone", "Deletions after leaving the playlist"),
        ("gone_truth", "File deletions after closing (ground truth)"),
    ):
        counted = _summary_count(per_segment, code, noun)
        if counted is not None:
            summary.append(counted)
    summary.extend(summary_verdicts(lives.lives, profile, list(snapshots), list(requests), endpoint, truth or {}))
    result = per_segment + summary
    if advice:
        from monitor.models.advice import recommendations

        result.extend(recommendations(profile, lives.lives, result))
    return result


def judge_deletion(life: SegmentLifecycle, profile: ServerProfile, arrival_step_s: float = math.inf) -> Verdict | None:
    """The verdict on one segment's deletion, as :func:`judge` gives it (steady durations assumed): the
    alert rules ask for it, so an alert and a verdict never judge the same deletion differently."""
    return _Judge([life], profile, {}, arrival_step_s)._gone(life)


def _restart_note(lives: Lives) -> Verdict | None:
    if not lives.earlier_generations:
        return None
    return Verdict(
        level="info",
        code="summary_restarts",
        scope="summary",
        message=f"The publisher restarted {lives.earlier_generations} time(s) (media sequence back): only the "
        f"newest publish ({len(lives.lives)} segments) is judged; the earlier ones' numbers are not mixed in.",
    )


VerdictSink = Callable[[Verdict], None]
