"""Lifecycle tracker: pure bookkeeping of every segment's life at one endpoint.

Fed with playlist snapshots (in fetch order) and deletion-probe results; returns the lifecycles that
changed. No I/O, no clock: every instant comes from the records, so tests drive it with scripted
playlists.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from monitor.records import PlaylistSnapshot, RequestRecord, SegmentLifecycle, Window

GONE_STATUSES = frozenset({404, 403, 410})


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
        self._states: dict[tuple[int, int], _State] = {}
        self._previous: PlaylistSnapshot | None = None
        self._listed: dict[int, str] = {}  # msn -> uri in the last snapshot
        self.first_media_sequence: int | None = None

    # ---- queries -------------------------------------------------------------------------------
    def lifecycles(self) -> list[SegmentLifecycle]:
        return [s.life for s in self._states.values()]

    def get(self, msn: int, generation: int | None = None) -> SegmentLifecycle | None:
        st = self._states.get((self.generation if generation is None else generation, msn))
        return st.life if st else None

    def removed_not_gone(self) -> list[SegmentLifecycle]:
        """Segments that left the playlist and are not known gone yet (oldest first)."""
        out = [
            s.life
            for s in self._states.values()
            if not s.listed and s.life.gone is None and not s.life.gave_up and not s.life.missed
        ]
        return sorted(out, key=lambda lf: (lf.generation, lf.msn))

    def oldest_listed_not_gone(self) -> SegmentLifecycle | None:
        """The oldest segment still listed and not known gone (probed slowly: 404 while listed)."""
        listed = [s.life for s in self._states.values() if s.listed and s.life.gone is None]
        return min(listed, key=lambda lf: (lf.generation, lf.msn), default=None)

    def is_listed(self, msn: int, generation: int | None = None) -> bool:
        st = self._states.get((self.generation if generation is None else generation, msn))
        return st is not None and st.listed

    @property
    def previous(self) -> PlaylistSnapshot | None:
        return self._previous

    # ---- updates -------------------------------------------------------------------------------
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
                initial = prev is None
                window = (
                    Window(
                        lo=snap.fetched.hi, hi=snap.fetched.hi, lo_utc=snap.fetched.hi_utc, hi_utc=snap.fetched.hi_utc
                    )
                    if initial
                    else Window(
                        lo=prev.fetched.lo, hi=snap.fetched.hi, lo_utc=prev.fetched.lo_utc, hi_utc=snap.fetched.hi_utc
                    )
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
                )
                self._states[key] = _State(life=life)
                upd.new.append(life)
                upd.changed.append(life)
            elif st.listed and st.life.uri != seg.uri:
                upd.uri_changed.append((seg.msn, st.life.uri, seg.uri))
        if self.first_media_sequence is None:
            self.first_media_sequence = snap.media_sequence
        self._listed = {s.msn: s.uri for s in snap.segments}
        self._previous = snap
        return upd

    def observe_probe(
        self, msn: int, rec: RequestRecord, generation: int | None = None, not_before: float | None = None
    ) -> SegmentLifecycle | None:
        """Account for a HEAD/ranged GET of a removed segment. Returns the lifecycle if it changed.

        ``not_before``: an older segment was still there then (deletion in order), which narrows the
        gone window of this one."""
        key = (self.generation if generation is None else generation, msn)
        st = self._states.get(key)
        if st is None or st.life.gone is not None or rec.status is None:
            return None
        life = st.life
        if rec.status in GONE_STATUSES:
            last_ok = life.last_available_mono
            lo = last_ok if last_ok is not None else (life.left.lo if life.left else rec.sent_mono)
            if not_before is not None:
                lo = max(lo, not_before)
            hi = rec.first_byte_mono if rec.first_byte_mono is not None else rec.end_mono
            lo = min(lo, hi)
            gone = Window(lo=lo, hi=hi, lo_utc=_utc_of(rec, lo), hi_utc=_utc_of(rec, hi))
            new = replace(
                life,
                gone=gone,
                gone_status=rec.status,
                probes=life.probes + 1,
                errors_while_listed=life.errors_while_listed + (1 if st.listed else 0),
            )
        elif 200 <= rec.status < 300:
            new = replace(life, last_available_mono=rec.sent_mono, probes=life.probes + 1)
        else:
            new = replace(life, probes=life.probes + 1)
        st.life = new
        return new

    def infer_gone(self, msn: int, generation: int, window: Window, status: int | None) -> SegmentLifecycle | None:
        """Mark a removed segment gone without probing it (an older and a younger one were found gone)."""
        st = self._states.get((generation, msn))
        if st is None or st.life.gone is not None or st.listed:
            return None
        lo = window.lo if st.life.last_available_mono is None else max(window.lo, st.life.last_available_mono)
        lo = min(lo, window.hi)
        gone = Window(
            lo=lo, hi=window.hi, lo_utc=window.lo_utc + timedelta(seconds=lo - window.lo), hi_utc=window.hi_utc
        )
        st.life = replace(st.life, gone=gone, gone_status=status, gone_inferred=True)
        return st.life

    def give_up(self, msn: int, generation: int | None = None) -> SegmentLifecycle | None:
        st = self._states.get((self.generation if generation is None else generation, msn))
        if st is None or st.life.gone is not None:
            return None
        st.life = replace(st.life, gave_up=True)
        return st.life

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
    def _mark_left(self, listed_now: dict, between: Window, upd: TrackerUpdate) -> None:
        for msn in self._listed:
            if msn in listed_now:
                continue
            st = self._states.get((self.generation, msn))
            if st is None or not st.listed:
                continue
            st.listed = False
            st.life = replace(st.life, left=between)
            upd.changed.append(st.life)

    def _mark_missed(self, prev: PlaylistSnapshot, snap: PlaylistSnapshot, between: Window, upd: TrackerUpdate) -> None:
        """MSNs published and removed between two polls: never seen listed."""
        hi = min(snap.media_sequence, prev.last_msn + 1 + 10_000)
        for msn in range(prev.last_msn + 1, hi):
            key = (self.generation, msn)
            if key in self._states:
                continue
            life = SegmentLifecycle(
                endpoint=self.endpoint,
                msn=msn,
                uri="",
                extinf=0.0,
                first_seen=between,
                left=between,
                missed=True,
                generation=self.generation,
            )
            self._states[key] = _State(life=life, listed=False)
            upd.changed.append(life)

    def _close_generation(self, prev: PlaylistSnapshot, snap: PlaylistSnapshot, upd: TrackerUpdate) -> None:
        between = Window(lo=prev.fetched.lo, hi=snap.fetched.hi, lo_utc=prev.fetched.lo_utc, hi_utc=snap.fetched.hi_utc)
        for msn in self._listed:
            st = self._states.get((self.generation, msn))
            if st is not None and st.listed:
                st.listed = False
                st.life = replace(st.life, left=between)
                upd.changed.append(st.life)
        self._listed = {}


def _utc_of(rec: RequestRecord, mono: float) -> datetime:
    """UTC of a monotonic instant, extrapolated from the request's own stamps."""
    return rec.sent_utc + timedelta(seconds=mono - rec.sent_mono)
