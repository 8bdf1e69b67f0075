"""A clock-driven live publisher served over HTTP on 127.0.0.1, with pluggable faults.

Segments are published on the real monotonic clock. Segment ``k`` of a generation is listed once its last
frame is written, ``sum(durations[:k + 1])`` seconds after the generation started (``durations`` repeats,
so ``(4, 2)`` gives a long-GOP cadence); it leaves the playlist when ``window`` newer segments exist, and its
file answers 404 ``delete_after`` seconds later. A restart ends the generation (its files answer 404 at
once), serves 404 for ``outage_s`` and starts again at media sequence 0 with the same names and new bytes.
Ground truth for the tests (listed, left, deleted instants) comes from the same schedule: :meth:`truth`.

What one playlist request sees goes through the faults in order: *view faults* rewrite the playlist
(entries and tags, see :class:`View`), *reply faults* rewrite the HTTP reply. Both get the :class:`Request`
(its 0-based index among playlist requests, the query), so "one poll in seven" schedules are deterministic.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from tests.monitor.fakeserver import M3U8, FakeServer, Reply

_EPS = 1e-9


@dataclass(frozen=True, kw_only=True)
class Entry:
    """One listed segment, with its ground truth."""

    msn: int
    uri: str  # relative to the playlist
    duration: float
    listed_at: float  # monotonic: first playlist version listing it
    generation: int = 0
    discontinuity: bool = False
    gap: bool = False
    pdt: datetime | None = None

    @property
    def extinf(self) -> str:
        if not math.isfinite(self.duration):
            return "inf"
        return f"{self.duration:.3f}" if self.duration < 1e5 else f"{self.duration:g}"


@dataclass(frozen=True, kw_only=True)
class View:
    """One playlist version as a request will see it (before rendering)."""

    media_sequence: int
    discontinuity_sequence: int
    entries: tuple[Entry, ...]
    target_duration: int
    version: int = 3
    playlist_type: str | None = None
    endlist: bool = False
    head: tuple[str, ...] = ()  # extra header tags, written after the media sequence
    skipped: int = 0  # EXT-X-SKIP:SKIPPED-SEGMENTS (the first ``skipped`` entries are not written)


@dataclass(frozen=True, kw_only=True)
class Request:
    index: int  # 0-based among this origin's playlist requests
    method: str
    path: str
    query: dict[str, str]
    now: float


ViewFault = Callable[[View, Request], View]
ReplyFault = Callable[[Reply, Request], Reply]


def render(view: View) -> str:
    lines = ["#EXTM3U", f"#EXT-X-VERSION:{view.version}", f"#EXT-X-TARGETDURATION:{view.target_duration}"]
    if view.playlist_type:
        lines.append(f"#EXT-X-PLAYLIST-TYPE:{view.playlist_type}")
    lines.append(f"#EXT-X-MEDIA-SEQUENCE:{view.media_sequence}")
    if view.discontinuity_sequence or any(e.discontinuity for e in view.entries):
        lines.append(f"#EXT-X-DISCONTINUITY-SEQUENCE:{view.discontinuity_sequence}")
    lines += view.head
    if view.skipped:
        lines.append(f"#EXT-X-SKIP:SKIPPED-SEGMENTS={view.skipped}")
    for entry in view.entries[view.skipped :]:
        if entry.discontinuity:
            lines.append("#EXT-X-DISCONTINUITY")
        if entry.pdt is not None and not view.skipped:
            lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{entry.pdt.isoformat(timespec='milliseconds')}")
        lines.append(f"#EXTINF:{entry.extinf},")
        if entry.gap:
            lines.append("#EXT-X-GAP")
        lines.append(entry.uri)
    if view.endlist:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


@dataclass
class _Generation:
    number: int
    start: float  # monotonic: the instant its segment 0 started being written
    first_msn: int
    ended_at: float = math.inf


@dataclass
class LiveOrigin:
    """A live publisher. ``install(server)`` serves ``path`` and the segment files on a :class:`FakeServer`."""

    durations: Sequence[float] = (1.0,)
    window: int = 4
    delete_after: float | None = None  # None: as RFC 8216 §6.2.2 asks, duration + playlist duration
    name: str = "seg"
    target_duration: int | None = None  # None: the longest duration rounded to the nearest integer (at least 1)
    discontinuity_every: int = 0  # segment k > 0 with k % n == 0 starts a discontinuity
    gap_every: int = 0  # segment k > 0 with k % n == 0 is an EXT-X-GAP (its file answers 404)
    pdt: bool = True
    pdt_offset_s: float = 0.0  # the encoder clock's error: PDT = wall clock of the first frame + offset
    playlist_type: str | None = None
    endlist: bool = False
    version: int = 3
    can_skip_until: float | None = None  # EXT-X-SERVER-CONTROL:CAN-SKIP-UNTIL (delta updates on _HLS_skip=YES)
    path: str = "/live.m3u8"
    first_msn: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    view_faults: list[ViewFault] = field(default_factory=list)
    reply_faults: list[ReplyFault] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._requests = 0
        self.requests_seen: list[Request] = []
        self._mono0 = time.monotonic()
        self._utc0 = datetime.now(UTC)
        start = self._mono0 - self._cum(self.window) - 0.05  # ``window`` segments are listed at once
        self._gens = [_Generation(number=0, start=start, first_msn=self.first_msn)]
        self._built: dict[int, list[Entry]] = {}
        self._rendered: tuple[tuple[int, int], View, str] | None = None  # the last unfaulted version

    # ---- schedule ------------------------------------------------------------------------------------
    def _cum(self, n: int) -> float:
        """Stream time at the end of the first ``n`` segments of a generation."""
        cycle = len(self.durations)
        whole, rest = divmod(n, cycle)
        return whole * sum(self.durations) + sum(self.durations[:rest])

    def _published(self, elapsed: float) -> int:
        if elapsed <= 0:
            return 0
        cycle_s = sum(self.durations)
        whole = int(elapsed // cycle_s)
        rest = elapsed - whole * cycle_s
        n, acc = whole * len(self.durations), 0.0
        for d in self.durations:
            if acc + d > rest + _EPS:
                break
            acc += d
            n += 1
        return n

    def _entry(self, gen: _Generation, k: int) -> Entry:
        every_disc, every_gap = self.discontinuity_every, self.gap_every
        pdt = None
        if self.pdt:
            pdt = self._utc(gen.start + self._cum(k)) + timedelta(seconds=self.pdt_offset_s)
        return Entry(
            msn=gen.first_msn + k,
            uri=f"{self.name}-{gen.first_msn + k}.ts",
            duration=self.durations[k % len(self.durations)],
            listed_at=gen.start + self._cum(k + 1),
            generation=gen.number,
            discontinuity=bool(every_disc and k and k % every_disc == 0),
            gap=bool(every_gap and k and k % every_gap == 0),
            pdt=pdt,
        )

    def _entries(self, gen: _Generation, first: int, n: int) -> tuple[Entry, ...]:
        """Entries ``first .. n - 1`` of a generation, built once each (long playlists stay cheap)."""
        with self._lock:
            built = self._built.setdefault(gen.number, [])
            built.extend(self._entry(gen, k) for k in range(len(built), n))
            return tuple(built[first:n])

    def _utc(self, mono: float) -> datetime:
        return self._utc0 + timedelta(seconds=mono - self._mono0)

    def truth(self, msn: int, generation: int = 0) -> tuple[float, float, float]:
        """(listed, left, deleted) monotonic instants of one segment; ``inf`` when it has not happened."""
        gen = self._gens[generation]
        k = msn - gen.first_msn
        listed = gen.start + self._cum(k + 1)
        left = min(gen.start + self._cum(k + 1 + self.window), gen.ended_at)
        grace = self.delete_after
        if grace is None:
            grace = self.durations[k % len(self.durations)] + self._cum(self.window)
        deleted = min(left + grace, gen.ended_at)
        return listed, left, deleted

    @property
    def generation(self) -> int:
        return self._gens[-1].number

    def restart(self, outage_s: float = 1.0) -> float:
        """The publisher reconnects: the current generation's files go at once, 404 for ``outage_s`` (plus
        the first new segment's duration), then media sequence 0 again with the same names. Returns now."""
        now = time.monotonic()
        with self._lock:
            self._gens[-1].ended_at = now
            self._gens.append(_Generation(number=len(self._gens), start=now + outage_s, first_msn=0))
        return now

    def view(self, now: float) -> View | None:
        """What the playlist lists at ``now`` (None: no playlist, 404)."""
        gen = self._gens[-1]
        if now < gen.start:
            return None
        n = self._published(now - gen.start)
        if n == 0:
            return None
        first = max(0, n - self.window) if not self.endlist and self.playlist_type is None else 0
        entries = self._entries(gen, first, n)
        every = self.discontinuity_every
        dsn = (first - 1) // every if every and first >= 1 else 0
        head: tuple[str, ...] = ()
        if self.can_skip_until is not None:
            head = (f"#EXT-X-SERVER-CONTROL:CAN-SKIP-UNTIL={self.can_skip_until:g}",)
        td = self.target_duration or max(1, math.ceil(max(d for d in self.durations if math.isfinite(d)) - 0.5))
        return View(
            media_sequence=gen.first_msn + first,
            discontinuity_sequence=dsn,
            entries=entries,
            target_duration=td,
            version=self.version,
            playlist_type=self.playlist_type,
            endlist=self.endlist,
            head=head,
        )

    # ---- HTTP ----------------------------------------------------------------------------------------
    def playlist(self, method: str, path: str) -> Reply:
        now = time.monotonic()
        with self._lock:
            req = Request(
                index=self._requests,
                method=method,
                path=path,
                query={k: v[-1] for k, v in parse_qs(urlsplit(path).query).items()},
                now=now,
            )
            self._requests += 1
            self.requests_seen.append(req)
        view = self.view(now)
        if view is None:
            reply = Reply(404, "no such stream", {"Content-Type": "text/plain"})
        else:
            if self.can_skip_until is not None and req.query.get("_HLS_skip") == "YES":
                view = skip_delta(view, self.can_skip_until)
            for fault in self.view_faults:
                view = fault(view, req)
            headers = {
                "Content-Type": M3U8,
                "Cache-Control": "no-cache",
                "Access-Control-Allow-Origin": "*",
                **self.headers,
            }
            reply = Reply(200, self._render(view), headers)
        for rfault in self.reply_faults:
            reply = rfault(reply, req)
        return reply

    def _render(self, view: View) -> str:
        """Render, reusing the text of an identical version (long EVENT playlists stay cheap to serve)."""
        key = (view.media_sequence, len(view.entries))
        cached = self._rendered
        if cached is not None and cached[0] == key and cached[1] == view:
            return cached[2]
        text = render(view)
        self._rendered = (key, view, text)
        return text

    def segment(self, method: str, path: str) -> Reply:
        now = time.monotonic()
        name = urlsplit(path).path.rsplit("/", 1)[-1]
        prefix = f"{self.name}-"
        if not name.startswith(prefix) or not name.endswith(".ts"):
            return Reply(404, "not found")
        try:
            msn = int(name[len(prefix) : -3])
        except ValueError:
            return Reply(404, "not found")
        gen = self._gens[-1]
        k = msn - gen.first_msn
        if now < gen.start or k < 0 or k >= self._published(now - gen.start):
            return Reply(404, "not found")
        entry = self._entry(gen, k)
        _, _, deleted = self.truth(msn, gen.number)
        if entry.gap or now >= deleted:
            return Reply(404, "not found")
        body = f"gen{gen.number} msn{msn} ".encode().ljust(188 * 4, b"\x47")
        headers = {"Content-Type": "video/mp2t", "ETag": f'"g{gen.number}-{msn}"', "Access-Control-Allow-Origin": "*"}
        return Reply(200, body, headers)

    def install(self, server: FakeServer) -> str:
        nodelay(server)
        server.routes[self.path] = self.playlist
        server.fallback = self.segment
        return server.url(self.path)


def nodelay(server: FakeServer) -> None:
    """Headers and body leave at once (no Nagle + delayed-ACK pause of 40 ms between them)."""
    server.httpd.RequestHandlerClass.disable_nagle_algorithm = True


def skip_delta(view: View, can_skip_until: float) -> View:
    """The delta update of ``view`` (draft §6.2.5.1): skip the oldest entries that end more than
    ``can_skip_until`` seconds before the end of the playlist."""
    remaining = sum(e.duration for e in view.entries)
    skipped = 0
    for entry in view.entries:
        remaining -= entry.duration
        if remaining < can_skip_until:
            break
        skipped += 1
    return replace(view, skipped=skipped, version=max(view.version, 9))
