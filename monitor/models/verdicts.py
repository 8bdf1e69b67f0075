"""Observed against predicted and against the spec: per segment and in summary, in plain words."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from monitor.models.base import ServerProfile
from monitor.models.observed import Observation, observations_from
from monitor.models.units import Interval, fmt_s

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


def _obs_words(value: Interval) -> str:
    text = fmt_s(value.mid)
    return f"{text} (±{value.width / 2:.1f})" if value.width > 1.0 else text


def _relative(gap: Interval) -> str:
    if abs(gap.mid) < 0.05:
        return "at"
    return f"{fmt_s(abs(gap.mid))} {'before' if gap.mid < 0 else 'after'}"


def _compare(
    code: str,
    obs: Observation,
    observed: Interval,
    expected: Interval,
    what: tuple[str, str],
    basis: str,
    slack: tuple[float, float],
) -> Verdict:
    widened = expected.widen(slack[0] + TOLERANCE_S, slack[1] + TOLERANCE_S)
    if widened.overlaps(observed):
        level, verdict = "ok", "as expected"
    elif observed.hi < widened.lo:
        level, verdict = "warning", "earlier than predicted"
    else:
        level, verdict = "warning", "later than predicted"
    message = f"{what[0]} {_obs_words(observed)}{what[1]}; {basis} predicts {expected.words()}: {verdict}."
    return Verdict(level=level, code=code, message=message, msn=obs.msn, observed=observed.mid, expected=expected)


class _Judge:
    def __init__(self, observations: list[Observation], profile: ServerProfile) -> None:
        self.obs = observations
        self.by_msn = {o.msn: o for o in observations}
        self.profile = profile
        self.basis = profile.basis()
        first = observations[0].msn if observations else 0
        self.first = first
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

    def _appear(self, obs: Observation) -> Verdict | None:
        prev = self.by_msn.get(obs.msn - 1)
        if prev is None or prev.first_seen is None or obs.first_seen is None or obs.discontinuity:
            return None
        if prev.initial or obs.initial:  # already listed at the first poll: not when it appeared
            return None
        spacing = obs.first_seen.minus(prev.first_seen)
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

    def _index(self, obs: Observation) -> int | None:
        i = obs.msn - self.first
        return i if 0 <= i < len(self.durations) - PADDING else None

    def _listed(self, obs: Observation) -> Verdict | None:
        i = self._index(obs)
        if i is None or obs.first_seen is None or obs.left is None or obs.initial:
            return None
        predicted = self.profile.listed_for(self.durations, i)
        if predicted is None:
            return None
        observed = obs.left.minus(obs.first_seen)
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

    def _gone(self, obs: Observation) -> Verdict | None:
        i = self._index(obs)
        if i is None or obs.left is None or obs.gone is None:
            return None
        predicted = self.profile.gone_after_leave(self.durations, i)
        observed = obs.gone.minus(obs.left)
        basis = self.profile.basis_for("gone")
        if predicted is None:
            return Verdict(
                level="warning",
                code="gone",
                msn=obs.msn,
                observed=observed.mid,
                message=f"Deleted {_obs_words(observed)} after leaving the playlist; "
                f"{basis} predicts no deletion while publishing: not expected.",
            )
        at_cut = self._gone_at_cut(obs, i, observed, predicted, basis)
        if at_cut is not None:
            return self._with_spec(at_cut, obs, i, observed)
        jitter = 0.15 * obs.extinf
        verdict = _compare(
            "gone",
            obs,
            observed,
            predicted,
            ("Deleted", " after leaving the playlist"),
            basis,
            (self.profile.early_slack_s + jitter, jitter),
        )
        return self._with_spec(verdict, obs, i, observed)

    def _gone_at_cut(
        self, obs: Observation, i: int, observed: Interval, predicted: Interval, basis: str
    ) -> Verdict | None:
        """Servers that delete at a cut: the deletion must coincide with listing segment c.

        At a steady pace that is ``predicted`` after leaving; with bursty input (NMS relaying to ffmpeg)
        the wall-clock gap between cuts varies, but the coincidence holds.
        """
        c = self.profile.deleted_with_listing_of(self.durations, i)
        listed = self.by_msn.get(self.first + c) if c is not None else None
        if listed is None or listed.first_seen is None or listed.initial:
            return None
        gap = obs.gone.minus(listed.first_seen)  # type: ignore[union-attr]
        inside = Interval(0.0, 0.0).widen(TOLERANCE_S).overlaps(gap)
        steady = "" if predicted.width else f", {predicted.words()} after leaving at a steady pace"
        message = (
            f"Deleted {_obs_words(observed)} after leaving the playlist, {_relative(gap)} the listing of "
            f"segment {listed.msn}; {basis} deletes it at the cut that lists segment {listed.msn}{steady}: "
            f"{'as expected' if inside else 'not at that cut'}."
        )
        return Verdict(
            level="ok" if inside else "warning",
            code="gone",
            msn=obs.msn,
            observed=observed.mid,
            expected=predicted,
            message=message,
        )

    def _with_spec(self, verdict: Verdict, obs: Observation, i: int, observed: Interval) -> Verdict:
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

    def _gone_truth(self, obs: Observation) -> Verdict | None:
        i = self._index(obs)
        if i is None or obs.closed_at is None or obs.deleted_at is None:
            return None
        predicted = self.profile.gone_after_appear(self.durations, i)
        if predicted is None:
            return None
        observed = Interval.point(obs.deleted_at - obs.closed_at)
        jitter = 0.15 * obs.extinf
        return _compare(
            "gone_truth",
            obs,
            observed,
            predicted,
            ("File deleted", " after it was closed (on disk)"),
            self.profile.basis_for("gone"),
            (self.profile.early_slack_s + jitter, jitter),
        )

    def _listed_errors(self, obs: Observation) -> Verdict | None:
        if not obs.errors_while_listed:
            return None
        return Verdict(
            level="problem",
            code="deleted_while_listed",
            msn=obs.msn,
            message=f"Segment {obs.msn} answered 404 {obs.errors_while_listed} time(s) while still listed: "
            "players that reach it will stall.",
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
    lifecycles: Iterable[object],
    profile: ServerProfile,
    *,
    snapshots: Iterable[object] = (),
    requests: Iterable[object] = (),
    endpoint: str | None = None,
    advice: bool = True,
) -> list[Verdict]:
    """Judge observed segment lives (``SegmentLifecycle`` or :class:`Observation`) against ``profile``.

    Returns per-segment verdicts (sorted by MSN), then summary verdicts, then recommendations. Optional
    ``snapshots`` (``PlaylistSnapshot``) and ``requests`` (``RequestRecord``) add playlist and CDN checks.
    """
    from monitor.models.summary import summary_verdicts  # avoids an import cycle

    observations = observations_from(lifecycles, endpoint)
    judge_ = _Judge(observations, profile)
    per_segment = judge_.segment_verdicts()
    summary: list[Verdict] = []
    for code, noun in (
        ("appear", "Appearances"),
        ("listed", "Time listed"),
        ("gone", "Deletions after leaving the playlist"),
        ("gone_truth", "File deletions after closing (ground truth)"),
    ):
        counted = _summary_count(per_segment, code, noun)
        if counted is not None:
            summary.append(counted)
    summary.extend(summary_verdicts(observations, profile, list(snapshots), list(requests), endpoint))
    result = per_segment + summary
    if advice:
        from monitor.models.advice import recommendations

        result.extend(recommendations(profile, observations, result))
    return result


VerdictSink = Callable[[Verdict], None]
