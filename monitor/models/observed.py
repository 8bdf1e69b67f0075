"""What the verdicts read of an observed segment: the monitor's own ``SegmentLifecycle``, plus ground truth.

The server models take ``monitor.records.SegmentLifecycle`` records directly, from whichever source: the
monitor, a session file, or the lab's ground truth (``truth_adapter`` builds lifecycles from it). Their
instants are ``monitor.records.Window`` and their best estimates come from ``monitor.measures`` (the same
numbers as the probe summary and Measures). Ground truth adds only what the server's disk knows: when the
file was closed and when it was deleted (:class:`FileTruth`, by MSN).

``Interval`` (monitor.models.units) stays the model's numeric range of seconds: predictions ("6 to 18 s"),
and differences of two observed windows. An observed instant is always a ``Window``; :func:`span` takes its
monotonic range where the arithmetic needs one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from monitor.models.units import Interval
from monitor.records import SegmentLifecycle, Window


@dataclass(frozen=True, kw_only=True)
class FileTruth:
    """Ground truth of one segment file (monotonic seconds, on the clock of the lifecycles' windows)."""

    closed_at: float | None = None  # the file was closed (nginx mtime, ffmpeg write)
    deleted_at: float | None = None  # the file was unlinked


#: Ground truth by MSN (of the newest publish).
Truth = Mapping[int, FileTruth]


def span(window: Window) -> Interval:
    """The monotonic range of an observed window."""
    return Interval(window.lo, window.hi)


@dataclass(frozen=True, kw_only=True)
class Lives:
    """The lifecycles one judgement reads: the newest publish's, latest record per MSN, sorted by MSN."""

    lives: tuple[SegmentLifecycle, ...]
    generation: int = 0  # the publish judged (MSNs restart after a republish)
    earlier_generations: int = 0  # older publishes seen, not judged


def latest_lives(records: Iterable[SegmentLifecycle], endpoint: str | None = None) -> Lives:
    """Latest record per (generation, MSN) of ``endpoint`` (all endpoints when None), newest publish only.

    Segments never seen listed (``missed``) carry no duration and no listing: they are left out."""
    latest: dict[tuple[int, int], SegmentLifecycle] = {}
    for life in records:
        if endpoint is not None and life.endpoint != endpoint:
            continue
        latest[(life.generation, life.msn)] = life
    seen = {key: life for key, life in latest.items() if not life.missed}
    if not seen:
        return Lives(lives=())
    generations = sorted({g for g, _ in seen})
    newest = generations[-1]
    return Lives(
        lives=tuple(seen[key] for key in sorted(seen) if key[0] == newest),
        generation=newest,
        earlier_generations=len(generations) - 1,
    )


def truth_by_name(
    lives: Iterable[SegmentLifecycle], closed: Mapping[str, float], deleted: Mapping[str, float]
) -> Truth:
    """Ground truth for lifecycles, matched by file name (the last path component of the URI)."""
    truth = {}
    for life in lives:
        name = life.uri.split("?")[0].rsplit("/", 1)[-1]
        if name in closed or name in deleted:
            truth[life.msn] = FileTruth(closed_at=closed.get(name), deleted_at=deleted.get(name))
    return truth
