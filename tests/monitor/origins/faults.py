"""Faults for :class:`tests.monitor.origins.live.LiveOrigin`: flaky replies, RFC rule violations, hostile input.

A view fault rewrites what one playlist request lists; a reply fault rewrites the HTTP reply. Faults that
need to remember an episode (the msn they broke) keep it in their closure, so one fault = one episode.
"""

from __future__ import annotations

import gzip
import math
from dataclasses import replace

from tests.monitor.fakeserver import Reply
from tests.monitor.origins.live import LiveOrigin, ReplyFault, Request, View, ViewFault, skip_delta

HTML_ERROR = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>upstream error</body></html>"


# ---- an origin that fails now and then -------------------------------------------------------------------
def flaky(every: int = 7, offset: int = 3, until: float = math.inf) -> ReplyFault:
    """One playlist request in ``every`` fails (never two in a row), cycling through: 503, an HTML error
    page with status 200, a body cut inside the media-sequence tag, a body cut inside the last EXTINF.
    No failure after the monotonic ``until``."""

    def fault(reply: Reply, req: Request) -> Reply:
        if reply.status != 200 or req.index % every != offset or req.now >= until:
            return reply
        turn = req.index // every
        kind = turn % 4
        if kind == 0:
            return Reply(503, "Service Unavailable", {"Content-Type": "text/plain", "Retry-After": "1"})
        if kind == 1:
            return Reply(200, HTML_ERROR, {"Content-Type": "text/html"})
        return replace(reply, body=truncate(str(reply.body), early=kind == 2))

    return fault


def truncate(text: str, *, early: bool) -> str:
    """Cut a playlist in the middle of a tag: inside the media-sequence tag (``early``) or the last EXTINF."""
    mark = "#EXT-X-MEDIA-SEQUENCE" if early else "#EXTINF"
    at = text.find(mark) if early else text.rfind(mark)
    return text[: at + 7]


# ---- a stream that stops changing ------------------------------------------------------------------------
def frozen(after: float = -math.inf, until: float = math.inf) -> ViewFault:
    """From ``after`` to ``until`` (monotonic) the playlist is the version served at ``after``."""
    kept: list[View] = []

    def fault(view: View, req: Request) -> View:
        if not after <= req.now < until:
            return view
        if not kept:
            kept.append(view)
        return kept[0]

    return fault


# ---- RFC 8216 rule violations ------------------------------------------------------------------------------
def dsn_too_big(after: float, by: int = 5) -> ViewFault:
    """EXT-X-DISCONTINUITY-SEQUENCE jumps by ``by`` with no discontinuity leaving the playlist."""

    def fault(view: View, req: Request) -> View:
        if req.now < after:
            return view
        return replace(view, discontinuity_sequence=view.discontinuity_sequence + by)

    return fault


def dsn_not_incremented() -> ViewFault:
    """EXT-X-DISCONTINUITY-SEQUENCE stays 0 while discontinuity tags leave the playlist."""
    return lambda view, req: replace(view, discontinuity_sequence=0)


def dsn_incremented_early() -> ViewFault:
    """The sequence counts the first entry's discontinuity while its tag is still listed."""

    def fault(view: View, req: Request) -> View:
        early = 1 if view.entries and view.entries[0].discontinuity else 0
        return replace(view, discontinuity_sequence=view.discontinuity_sequence + early)

    return fault


def newest_vanishes(after: float) -> ViewFault:
    """Once, after ``after``: the newest entry disappears while the media sequence stays the same."""
    done: list[bool] = []

    def fault(view: View, req: Request) -> View:
        if req.now < after or done or len(view.entries) < 2:
            return view
        done.append(True)
        return replace(view, entries=view.entries[:-1])

    return fault


def uri_changed(after: float) -> ViewFault:
    """From ``after`` on, the newest entry listed then has another URI (a new query) at the same media
    sequence, for as long as it is listed: one episode."""
    return _pin_newest(after, lambda e: replace(e, uri=f"{e.uri}?v=2"))


def emptied(after: float) -> ViewFault:
    """From ``after`` on, a live playlist that lists no segment at all."""
    return lambda view, req: replace(view, entries=()) if req.now >= after else view


def skip_always(can_skip_until: float) -> ViewFault:
    """Delta updates (EXT-X-SKIP) served on every reload after the first, asked for or not (a test vector:
    one full playlist, then delta updates)."""
    return lambda view, req: skip_delta(view, can_skip_until) if req.index else view


# ---- hostile input -------------------------------------------------------------------------------------------
def _pin_newest(after: float, change) -> ViewFault:
    """The newest entry listed at the first request after ``after`` is rewritten by ``change`` for as
    long as it is listed (same msn, same broken entry)."""
    pinned: list[int] = []

    def fault(view: View, req: Request) -> View:
        if req.now < after or not view.entries:
            return view
        if not pinned:
            pinned.append(view.entries[-1].msn)
        return replace(view, entries=tuple(change(e) if e.msn == pinned[0] else e for e in view.entries))

    return fault


def malformed_uri(after: float) -> ViewFault:
    """A new entry whose URI has an unclosed IPv6 bracket."""
    return _pin_newest(after, lambda e: replace(e, uri=f"http://[::1/{e.uri}"))


def huge_extinf(after: float, value: float) -> ViewFault:
    """A new entry whose EXTINF is ``value`` (1e6, 1e308, inf)."""
    return _pin_newest(after, lambda e: replace(e, duration=value))


def msn_jump(after: float, by: int) -> ViewFault:
    """From ``after`` on the media sequence is ``by`` higher (entries renumbered, same files)."""

    def fault(view: View, req: Request) -> View:
        if req.now < after:
            return view
        return replace(
            view,
            media_sequence=view.media_sequence + by,
            entries=tuple(replace(e, msn=e.msn + by) for e in view.entries),
        )

    return fault


def out_of_sync_twin(origin: LiveOrigin, behind_s: float) -> ViewFault:
    """Every other request is answered by a second origin ``behind_s`` seconds behind (a load balancer
    over two unsynchronised packagers): the media sequence flips back and forth."""

    def fault(view: View, req: Request) -> View:
        if req.index % 2 == 0:
            return view
        return origin.view(req.now - behind_s) or view

    return fault


def gzip_bomb(compressed_bytes: int = 1_000_000) -> ReplyFault:
    """The playlist answered with about ``compressed_bytes`` of gzip (members of 8 MB of one comment line
    each) that inflate about 1000-fold."""
    member = gzip.compress(b"#" * (8 << 20), compresslevel=9)
    body = gzip.compress(b"#EXTM3U\n#EXT-X-TARGETDURATION:1\n") + member * max(1, compressed_bytes // len(member))

    def fault(reply: Reply, req: Request) -> Reply:
        return Reply(200, body, {**reply.headers, "Content-Encoding": "gzip"})

    return fault
