"""Picture and sound over time: frozen picture, black picture, silence, as runs in stream time.

A :class:`Run` is an ongoing condition carried from one segment to the next (the previous segment's
state); a finding is raised while a run (or one that ended inside this segment) has lasted at least
the minimum. Runs restart when the timeline breaks (a discontinuity, a jump, a skipped segment).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from monitor.content import findings as F
from monitor.content.findings import Finding, finding
from monitor.content.media import LevelSample, PictureSample
from monitor.content.settings import ContentSettings


@dataclass(frozen=True, kw_only=True)
class Run:
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True, kw_only=True)
class Senses:
    """What the picture and sound rules carry to the next segment."""

    last_picture: PictureSample | None = None
    frozen: Run | None = None
    black: Run | None = None
    silence: Run | None = None


def _extend(run: Run | None, start_s: float, end_s: float) -> Run:
    return Run(start_s=run.start_s if run else start_s, end_s=end_s)


def same_picture(a: PictureSample, b: PictureSample, settings: ContentSettings) -> bool:
    if a.luma.shape != b.luma.shape:
        return False
    moved = np.abs(a.luma.astype(np.int16) - b.luma.astype(np.int16)) > settings.frozen_pixel_delta
    return np.count_nonzero(moved) <= settings.frozen_changed_fraction * moved.size


def is_black(sample: PictureSample, settings: ContentSettings) -> bool:
    return sample.dark_fraction >= settings.black_fraction


def follow_pictures(state: Senses, pictures: Iterable[PictureSample],
                    settings: ContentSettings) -> tuple[Senses, list[Run], list[Run]]:
    """Advance the frozen and black runs; returns (state, frozen runs, black runs) seen in this segment."""
    last, frozen, black = state.last_picture, state.frozen, state.black
    frozen_seen: list[Run] = []
    black_seen: list[Run] = []
    for sample in pictures:
        dark = is_black(sample, settings)
        black = _extend(black, sample.t_s, sample.t_s) if dark else None
        # a black picture is also a still one: say black, not frozen
        still = last is not None and not dark and same_picture(last, sample, settings)
        frozen = _extend(frozen, last.t_s, sample.t_s) if still and last is not None else None
        for run, seen in ((frozen, frozen_seen), (black, black_seen)):
            if run is not None:
                if seen and seen[-1].start_s == run.start_s:
                    seen[-1] = run
                else:
                    seen.append(run)
        last = sample
    return Senses(last_picture=last, frozen=frozen, black=black, silence=state.silence), frozen_seen, black_seen


def follow_sound(state: Senses, levels: Iterable[LevelSample],
                 settings: ContentSettings) -> tuple[Senses, list[Run], float | None]:
    """Advance the silence run; returns (state, silent runs seen in this segment, segment RMS dBFS)."""
    silence = state.silence
    seen: list[Run] = []
    energy = 0.0
    total = 0.0
    for level in levels:
        if math.isnan(level.t_s):
            continue
        energy += 10 ** (level.rms_dbfs / 10) * level.duration_s
        total += level.duration_s
        if level.rms_dbfs < settings.silence_dbfs:
            silence = _extend(silence, level.t_s, level.t_s + level.duration_s)
            if seen and seen[-1].start_s == silence.start_s:
                seen[-1] = silence
            else:
                seen.append(silence)
        else:
            silence = None
    rms = 10 * math.log10(energy / total) if total and energy > 0 else (-120.0 if total else None)
    state = Senses(last_picture=state.last_picture, frozen=state.frozen, black=state.black, silence=silence)
    return state, seen, rms


def run_findings(code: str, runs: list[Run], minimum_s: float) -> list[Finding]:
    longest = max((r for r in runs if r.duration_s >= minimum_s - 1e-6), key=lambda r: r.duration_s, default=None)
    if longest is None:
        return []
    what = {F.FROZEN_PICTURE: "the picture has not changed", F.BLACK_PICTURE: "the picture is black",
            F.SILENCE: "the sound is silent"}[code]
    return [finding(code, f"{what} for {longest.duration_s:.1f} s (since {longest.start_s:.2f} s stream time)",
                    duration_s=round(longest.duration_s, 2), since_s=round(longest.start_s, 3))]
