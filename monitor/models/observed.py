"""The adapter boundary: what the verdicts need from an observed segment, from whichever source.

Sources: the monitor's ``monitor.records.SegmentLifecycle`` (windows in monotonic seconds), the lab's
ground truth (file closed/deleted instants), or hand-written test scripts. Everything is reduced to
:class:`Observation`, whose instants are :class:`Interval` on one clock (only differences are used).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from monitor.models.units import Interval


@dataclass(frozen=True, kw_only=True)
class Observation:
    """One segment's observed life. ``first_seen``/``left``/``gone`` are uncertain instants."""

    msn: int
    uri: str
    extinf: float
    first_seen: Interval | None = None  # listed in the playlist
    left: Interval | None = None  # no longer listed
    gone: Interval | None = None  # 404/403/410
    closed_at: float | None = None  # ground truth: the file was closed (nginx mtime, ffmpeg write)
    deleted_at: float | None = None  # ground truth: the file was unlinked
    errors_while_listed: int = 0  # 404s while still listed
    still_available_after: float | None = None  # probing gave up: still 200 this long after leaving
    discontinuity: bool = False
    initial: bool = False  # already listed when monitoring started: first_seen is not its appearance
    generation: int = 0  # publish session (MSNs restart after a republish)


def _window(value: object) -> Interval | None:
    if value is None:
        return None
    if isinstance(value, Interval):
        return value
    lo, hi = getattr(value, "lo", None), getattr(value, "hi", None)
    if lo is None or hi is None:
        return None
    return Interval(float(lo), float(hi))


def observation_from(record: object) -> Observation:
    """Convert a ``SegmentLifecycle`` (or anything with the same attribute names) to an Observation."""
    if isinstance(record, Observation):
        return record
    left = _window(getattr(record, "left", None))
    still = None
    last_ok = getattr(record, "last_available_mono", None)
    if getattr(record, "gave_up", False) and left is not None and last_ok is not None:
        still = float(last_ok) - left.hi
    return Observation(
        msn=int(record.msn),  # type: ignore[attr-defined]
        uri=str(getattr(record, "uri", "")),
        extinf=float(getattr(record, "extinf", 0.0)),
        first_seen=_window(getattr(record, "first_seen", None)),
        left=left,
        gone=_window(getattr(record, "gone", None)),
        errors_while_listed=int(getattr(record, "errors_while_listed", 0) or 0),
        still_available_after=still,
        discontinuity=bool(getattr(record, "discontinuity", False)),
        initial=bool(getattr(record, "initial", False)),
        generation=int(getattr(record, "generation", 0) or 0),
    )


def observations_from(records: Iterable[object], endpoint: str | None = None) -> list[Observation]:
    """Latest record per MSN (records may repeat as they are re-emitted), sorted by MSN.

    ``endpoint`` keeps only that endpoint's records (records without an endpoint are kept). Only the
    newest publish session (``generation``) is kept, because MSNs restart after a republish.
    """
    latest: dict[tuple[int, int], Observation] = {}
    for record in records:
        ep = getattr(record, "endpoint", None)
        if endpoint is not None and ep is not None and ep != endpoint:
            continue
        obs = observation_from(record)
        latest[(obs.generation, obs.msn)] = obs
    if not latest:
        return []
    newest = max(g for g, _ in latest)
    return [latest[key] for key in sorted(latest) if key[0] == newest]


def with_truth(
    observations: Iterable[Observation],
    closed: dict[str, float],
    deleted: dict[str, float],
) -> list[Observation]:
    """Attach ground truth (by file name: the last path component of the URI) to observations."""
    result = []
    for obs in observations:
        name = obs.uri.split("?")[0].rsplit("/", 1)[-1]
        result.append(
            Observation(
                **{
                    **obs.__dict__,
                    "closed_at": closed.get(name, obs.closed_at),
                    "deleted_at": deleted.get(name, obs.deleted_at),
                }
            )
        )
    return result
