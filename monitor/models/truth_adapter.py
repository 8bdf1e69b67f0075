"""Segment lifecycles from the lab's ground-truth records (``lab/truth.py`` JSON lines, parsed to dicts).

Exact instants (inotify stamps, ``t_mono``; ``t_utc`` when present): a segment is *listed* by the first
playlist version naming it, *leaves* with the first version that no longer does, is *closed* at its last
``segment_close`` and *gone* at its ``segment_delete``. The lives are ``SegmentLifecycle`` records with
zero-width windows, the same type the monitor emits; the file instants are the :class:`FileTruth` only
the disk knows. Pure: no file or lab import, so it can be tested with scripted records.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from monitor.models.observed import FileTruth
from monitor.records import SegmentLifecycle, Window

#: UTC of t_mono 0 for records without ``t_utc`` (only differences of instants are used).
_NOMINAL_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _name(path: str) -> str:
    return str(path).split("?")[0].rsplit("/", 1)[-1]


@dataclass
class _Life:
    msn: int
    uri: str
    extinf: float
    first_seen: float
    left: float | None = None
    closed: float | None = None
    deleted: float | None = None
    discontinuity: bool = False


@dataclass(frozen=True, kw_only=True)
class TruthRun:
    """Lifecycles of the newest life of each MSN, and the ground truth of their files."""

    lives: tuple[SegmentLifecycle, ...]
    files: Mapping[int, FileTruth]


def lives_from_truth(records: Iterable[Mapping[str, object]], playlist: str | None = None) -> TruthRun:
    """Build one lifecycle per listed segment (keyed by MSN) from truth records in time order.

    ``playlist``: only follow playlist writes whose path ends with this name (default: every playlist).
    When a republish restarts numbering, the newer life of an MSN replaces the older one.
    """
    lives: dict[int, _Life] = {}
    listed: dict[str, int] = {}  # file name -> msn currently listed
    by_name: dict[str, list[int]] = {}  # file name -> msns that used it (name reuse)
    closed: dict[str, float] = {}
    clock: dict[float, datetime] = {}
    for rec in records:
        action, t = rec.get("action"), float(rec.get("t_mono", 0.0))  # type: ignore[arg-type]
        stamp = rec.get("t_utc")
        clock[t] = datetime.fromisoformat(str(stamp)) if stamp else _NOMINAL_EPOCH + timedelta(seconds=t)
        path = str(rec.get("path", ""))
        if action == "playlist_write" and (playlist is None or path.endswith(playlist)):
            _apply_playlist(rec, t, lives, listed, by_name, closed)
        elif action == "segment_close":
            closed[_name(path)] = t
        elif action == "segment_delete":
            msns = by_name.get(_name(path), [])
            pending = [m for m in msns if lives[m].deleted is None]
            if pending:
                lives[pending[0]].deleted = t
    ordered = [lives[m] for m in sorted(lives)]
    return TruthRun(
        lives=tuple(_lifecycle(life, clock) for life in ordered),
        files={life.msn: FileTruth(closed_at=life.closed, deleted_at=life.deleted) for life in ordered},
    )


def _apply_playlist(
    rec: Mapping[str, object],
    t: float,
    lives: dict[int, _Life],
    listed: dict[str, int],
    by_name: dict[str, list[int]],
    closed: dict[str, float],
) -> None:
    seq = rec.get("media_sequence")
    uris = [str(u) for u in rec.get("uris") or []]  # type: ignore[attr-defined]
    durations = [float(d) for d in rec.get("durations") or []]  # type: ignore[attr-defined]
    if seq is None:
        return
    now: dict[str, int] = {}
    for i, uri in enumerate(uris):
        msn = int(seq) + i  # type: ignore[call-overload]
        name = _name(uri)
        now[name] = msn
        if msn not in lives or lives[msn].left is not None:  # new, or reused after a republish
            lives[msn] = _Life(msn=msn, uri=uri, extinf=durations[i] if i < len(durations) else 0.0, first_seen=t)
            lives[msn].closed = closed.get(name)
            by_name.setdefault(name, []).append(msn)
    for name, msn in listed.items():
        if now.get(name) != msn and lives[msn].left is None:
            lives[msn].left = t
    listed.clear()
    listed.update(now)


def _point(t: float, clock: Mapping[float, datetime]) -> Window:
    utc = clock.get(t, _NOMINAL_EPOCH + timedelta(seconds=t))
    return Window(lo=t, hi=t, lo_utc=utc, hi_utc=utc)


def _lifecycle(life: _Life, clock: Mapping[float, datetime]) -> SegmentLifecycle:
    return SegmentLifecycle(
        endpoint="truth",
        msn=life.msn,
        uri=life.uri,
        extinf=life.extinf,
        discontinuity=life.discontinuity,
        first_seen=_point(life.first_seen, clock),
        left=None if life.left is None else _point(life.left, clock),
        gone=None if life.deleted is None else _point(life.deleted, clock),
    )
