"""Lifecycle tracker: pure bookkeeping of every segment's life at one endpoint.

Fed with playlist snapshots (in fetch order) and deletion-probe results; returns the lifecycles that
changed. No I/O, no clock: every instant comes from the records, so tests drive it with scripted
playlists.

Bounded over days: a finished lifecycle (gone, given up, missed) is kept for ``KEEP_FINISHED`` more
finished ones and then dropped (the records were emitted; the summary keeps its own counts); at most
``MAX_PENDING`` removed segments wait for a deletion probe; media sequence numbers skipped between two
polls are one missed record for the whole range. Windows are ordered: ``gone`` never before ``left``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from monitor.records import PlaylistSnapshot, RequestRecord, SegmentLifecycle, Window

GONE_STATUSES = frozenset({404, 403, 410})
KEEP_FINISHED = 1000  # finished lifecycles kept after they finished (then dropped)
MAX_PENDING = 2000  # removed segments awaiting deletion probes; older ones are abandoned

Key = tuple[int, int]  # (generation, msn)


@dataclass
class _State:
    life: SegmentLifecycle
    listed: bool = True


@dataclass
class Reset:
    """The stream restarted (media sequence went back): the old generation was closed."""

    previous_last_msn: int
    new_media_sequence: int


@dataclass
class TrackerUpdate:
    changed: list[SegmentLifecycle] = field(default_factory=list)
    new: list[SegmentLifecycle] = field(default_factory=list)  # first seen in this snapshot
    reset: Reset | None = None
    uri_changed: list[tuple[int, str, str]] = field(default_factory=list)  # msn, old uri, new uri


class LifecycleTracker:
    """Tracks lifecycles of one endpoint. Not thread-safe: owned by the endpoint's poller thread."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.generation = 0
        self._states: dict[Key, _State] = {}
        self._pending: dict[Key, None] = {}  # removed, not known gone, not given up (oldest first)
        self._finished: deque[Key] = deque()
        self._previous: PlaylistSnapshot | None = None
        self._listed: dict[int, str] = {}  # msn -> uri in the last snapshot
        self._outage: Window | None = None  # since the last snapshot: until the first 404 of the playlist
        self.first_media_sequence: int | None = None

    # ---- queries -------------------------------------------------------------------------------
    def lifecycles(self) -> list[SegmentLifecycle]:
        return [s.life for s in self._states.values()]

    def __len__(self) -> int:
        return len(self._states)

    def get(self, msn: int, generation: int | None = None) -> SegmentLifecycle | None:
        st = self._states.get((self.generation if generation is None else generation, msn))
        return st.life if st else None

    def removed_not_gone(self) -> list[SegmentLifecycle]:
        """Segments that left the playlist and are not known gone yet (oldest first)."""
        return [self._states[key].life for key in self._pending]

    def oldest_listed_not_gone(self) -> SegmentLifecycle | None:
        """The oldest segment still listed (probed slowly: 404 while listed); GAP segments and those
        already found missing while listed are skipped."""
        for msn in self._listed:
            st = self._states.get((self.generation, msn))
            if st is not None and st.listed and not st.life.gap and not st.life.errors_while_listed:
                return st.life
        return None

    def is_listed(self, msn: int, generation: int | None = None) -> bool:
        st = self._states.get((self.generation if generation is None else generation, msn))
        return st is not None and st.listed

    @property
    def previous(self) -> PlaylistSnapshot | None:
        return self._previous

    # ---- updates -------------------------------------------------------------------------------
    def note_playlist_failure(self, rec: RequestRecord) -> None:
        """A playlist request failed. The first 404/410 of an outage is when the listed segments stopped
        being listed, should the next snapshot show a restart (the old generation closes there)."""
        prev = self._previous
        if prev is None or self._outage is not None or rec.status not in GONE_STATUSES:
            return
        hi = rec.first_byte_mono if rec.first_byte_mono is not None else rec.end_mono
        self._outage = Window(lo=prev.fetched.lo, hi=hi, lo_utc=prev.fetched.lo_utc, hi_utc=_utc_of(rec, hi))

    def observe(self, snap: PlaylistSnapshot) -> TrackerUpdate:
        """Account for one new playlist snapshot."""
        upd = TrackerUpdate()
        prev = self._previous
        # A new session: the media sequence went back, or a playlist that had ended (ENDLIST) is live again
        # without moving on (NMS/ffmpeg restart at 0; with hls_list_size 100 the old one may still be at 0).
        if prev is not None and (
            snap.media_sequence < prev.media_sequence
            or (prev.endlist and not snap.endlist and snap.media_sequence <= prev.media_sequence)
        ):
            upd.reset = Reset(previous_last_msn=prev.last_msn, new_media_sequence=snap.media_sequence)
            self._close_generation(prev, snap, upd)
            self.generation += 1
            prev = None
        self._outage = None
        listed_now = {s.msn: s for s in snap.segments}
        if prev is not None:
            between = Window(
                lo=prev.fetched.lo, hi=snap.fetched.hi, lo_utc=prev.fetched.lo_utc, hi_utc=snap.fetched.hi_utc
            )
            self._mark_left(listed_now, between, upd)
            self._mark_missed(prev, snap, between, upd)
        for seg in snap.segments:
            key = (self.generation, seg.msn)
            st = self._states.get(key)
            if st is None:
                self._add_new(seg, snap, prev, upd)
            elif st.listed and st.life.uri != seg.uri:
                upd.uri_changed.append((seg.msn, st.life.uri, seg.uri))
        if self.first_media_sequence is None:
            self.first_media_sequence = snap.media_sequence
        self._listed = {s.msn: s.uri for s in snap.segments}
        self._previous = snap
        while len(self._pending) > MAX_PENDING:
            self._abandon(next(iter(self._pending)), upd)
        upd.changed = list({(lf.generation, lf.msn): lf for lf in upd.changed}.values())  # latest of each
        return upd

    def _add_new(self, seg, snap: PlaylistSnapshot, prev: PlaylistSnapshot | None, upd: TrackerUpdate) -> None:
        initial = prev is None
        if initial:
            window = Window(
                lo=snap.fetched.hi, hi=snap.fetched.hi, lo_utc=snap.fetched.hi_utc, hi_utc=snap.fetched.hi_utc
            )
        else:
            assert prev is not None
            window = Window(
                lo=prev.fetched.lo, hi=snap.fetched.hi, lo_utc=prev.fetched.lo_utc, hi_utc=snap.fetched.hi_utc
            )
        life = SegmentLifecycle(
            endpoint=self.endpoint,
            msn=seg.msn,
            uri=seg.uri,
            extinf=seg.duration,
            discontinuity=seg.discontinuity,
            pdt=seg.pdt,
            first_seen=window,
            initial=initial,
            generation=self.generation,
            gap=seg.gap,
        )
        self._states[(self.generation, seg.msn)] = _State(life=life)
        upd.new.append(life)
        upd.changed.append(life)

    def observe_probe(
        self, msn: int, rec: RequestRecord, generation: int | None = None, not_before: float | None = None
    ) -> SegmentLifecycle | None:
        """Account for a HEAD/ranged GET of a segment. Returns the lifecycle if it changed.

        A 404 while the segment is still listed is counted (``errors_while_listed``), not taken as its
        deletion: ``gone`` is only ever set after ``left``. ``not_before``: an older segment was still
        there then (deletion in order), which narrows the gone window of this one."""
        key = (self.generation if generation is None else generation, msn)
        st = self._states.get(key)
        if st is None or st.life.gone is not None or rec.status is None:
            return None
        life = st.life
        if rec.status in GONE_STATUSES and st.listed:
            new = replace(life, probes=life.probes + 1, errors_while_listed=life.errors_while_listed + 1)
        elif rec.status in GONE_STATUSES:
            last_ok = life.last_available_mono
            lo = last_ok if last_ok is not None else (life.left.lo if life.left else rec.sent_mono)
            if not_before is not None:
                lo = max(lo, not_before)
            hi = rec.first_byte_mono if rec.first_byte_mono is not None else rec.end_mono
            gone = _after_left(life, lo, hi, rec.sent_utc, rec.sent_mono)
            new = replace(life, gone=gone, gone_status=rec.status, probes=life.probes + 1)
            self._finish(key)
        elif 200 <= rec.status < 300:
            new = replace(life, last_available_mono=rec.sent_mono, probes=life.probes + 1)
        else:
            new = replace(life, probes=life.probes + 1)
        st.life = new
        return new

    def infer_gone(self, msn: int, generation: int, window: Window, status: int | None) -> SegmentLifecycle | None:
        """Mark a removed segment gone without probing it (an older and a younger one were found gone)."""
        key = (generation, msn)
        st = self._states.get(key)
        if st is None or st.life.gone is not None or st.listed:
            return None
        lo = window.lo if st.life.last_available_mono is None else max(window.lo, st.life.last_available_mono)
        gone = _after_left(st.life, lo, window.hi, window.lo_utc, window.lo)
        st.life = replace(st.life, gone=gone, gone_status=status, gone_inferred=True)
        self._finish(key)
        return st.life

    def give_up(self, msn: int, generation: int | None = None) -> SegmentLifecycle | None:
        """Stop probing a removed segment. It is "still available" (``gave_up``) only when a probe really
        found it there; one never probed (or only failing) just stops being tracked: returns None."""
        key = (self.generation if generation is None else generation, msn)
        st = self._states.get(key)
        if st is None or st.life.gone is not None or key not in self._pending:
            return None
        upd = TrackerUpdate()
        self._abandon(key, upd)
        return upd.changed[0] if upd.changed else None

    def note_download(self, msn: int, rec: RequestRecord) -> SegmentLifecycle | None:
        """Record bytes and timings of a segment download (200) or a 404 while listed."""
        st = self._states.get((self.generation, msn))
        if st is None or rec.status is None:
            return None
        if rec.status in GONE_STATUSES and st.listed:
            st.life = replace(st.life, errors_while_listed=st.life.errors_while_listed + 1)
            return st.life
        if 200 <= rec.status < 300:
            size: int | None = rec.size
            if rec.method == "HEAD" or rec.status == 206:
                length = rec.headers.get("content-length", "")
                size = int(length) if length.isdigit() and rec.method == "HEAD" else None
            body = rec.method != "HEAD" and rec.status == 200
            st.life = replace(
                st.life,
                size=size,
                ttfb_s=rec.ttfb_s,
                download_s=rec.total_s if body else None,
                etag=rec.headers.get("etag"),
                last_modified=rec.headers.get("last-modified"),
            )
            return st.life
        return None

    # ---- internals ------------------------------------------------------------------------------
    def _finish(self, key: Key) -> None:
        """The lifecycle is complete: keep it a while (late probes, get()), then drop it."""
        self._pending.pop(key, None)
        self._finished.append(key)
        while len(self._finished) > KEEP_FINISHED:
            old = self._finished.popleft()
            st = self._states.get(old)
            if st is not None and not st.listed:
                del self._states[old]

    def _abandon(self, key: Key, upd: TrackerUpdate) -> None:
        st = self._states[key]
        if st.life.last_available_mono is not None:
            st.life = replace(st.life, gave_up=True)
            upd.changed.append(st.life)
        self._finish(key)

    def _mark_left(self, listed_now: dict, between: Window, upd: TrackerUpdate) -> None:
        for msn in self._listed:
            if msn not in listed_now:
                self._leave((self.generation, msn), between, upd)

    def _leave(self, key: Key, window: Window, upd: TrackerUpdate) -> None:
        st = self._states.get(key)
        if st is None or not st.listed:
            return
        st.listed = False
        st.life = replace(st.life, left=window)
        upd.changed.append(st.life)
        if st.life.gap:
            self._finish(key)  # missing on purpose: nothing to probe
            return
        if self._pending and key < next(reversed(self._pending)):
            self._pending = dict.fromkeys(sorted([*self._pending, key]))
        else:
            self._pending[key] = None

    def _mark_missed(self, prev: PlaylistSnapshot, snap: PlaylistSnapshot, between: Window, upd: TrackerUpdate) -> None:
        """MSNs published and removed between two polls (never seen listed): one record for the range."""
        first, last = prev.last_msn + 1, snap.media_sequence - 1
        key = (self.generation, first)
        if last < first or key in self._states:
            return
        life = SegmentLifecycle(
            endpoint=self.endpoint,
            msn=first,
            uri="",
            extinf=0.0,
            first_seen=between,
            left=between,
            missed=True,
            missed_through=last if last > first else None,
            generation=self.generation,
        )
        self._states[key] = _State(life=life, listed=False)
        self._finish(key)
        upd.changed.append(life)

    def _close_generation(self, prev: PlaylistSnapshot, snap: PlaylistSnapshot, upd: TrackerUpdate) -> None:
        """The old generation's listed segments left at the first 404 of the outage before the restart
        (or between the last two snapshots); its removed ones are no longer probed (the new generation
        may reuse their URLs)."""
        between = self._outage or Window(
            lo=prev.fetched.lo, hi=snap.fetched.hi, lo_utc=prev.fetched.lo_utc, hi_utc=snap.fetched.hi_utc
        )
        for msn in self._listed:
            self._leave((self.generation, msn), between, upd)
        for key in [k for k in self._pending if k[0] <= self.generation]:
            self._abandon(key, upd)
        self._listed = {}


def _after_left(life: SegmentLifecycle, lo: float, hi: float, ref_utc: datetime, ref_mono: float) -> Window:
    """The gone window (lo, hi] clamped so that it never starts before the segment left the playlist."""
    if life.left is not None:
        lo, hi = max(lo, life.left.lo), max(hi, life.left.hi)
    lo = min(lo, hi)
    return Window(
        lo=lo,
        hi=hi,
        lo_utc=ref_utc + timedelta(seconds=lo - ref_mono),
        hi_utc=ref_utc + timedelta(seconds=hi - ref_mono),
    )


def _utc_of(rec: RequestRecord, mono: float) -> datetime:
    """UTC of a monotonic instant, extrapolated from the request's own stamps."""
    return rec.sent_utc + timedelta(seconds=mono - rec.sent_mono)
