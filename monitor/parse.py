"""Turn fetched playlist text into a :class:`PlaylistSnapshot` or :class:`VariantList`.

Bad input raises :class:`PlaylistError` with a plain message; it never raises anything else.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import m3u8

from monitor.records import PlaylistSnapshot, SegmentEntry, Variant, VariantList, Window

MAX_SEGMENTS = 50_000
_TAG = re.compile(r"^#(EXT[A-Z0-9-]*)", re.MULTILINE)


class PlaylistError(ValueError):
    """The body is not a usable HLS playlist; ``str(exc)`` is a plain message for the user."""


def decode_body(body: bytes) -> str:
    text = body.decode("utf-8", errors="replace")
    return text.removeprefix("\ufeff")


def sniff(text: str) -> None:
    """Reject what is obviously not a playlist (HTML error page, JSON, binary, empty)."""
    head = text.lstrip()[:512].lower()
    if not head:
        raise PlaylistError("empty response instead of a playlist")
    if head.startswith("<!doctype html") or head.startswith("<html") or "<html" in head[:200]:
        raise PlaylistError("HTML page instead of a playlist (an error page or a login page?)")
    if head.startswith("<?xml") or head.startswith("<"):
        raise PlaylistError("XML/markup instead of a playlist")
    if head.startswith("{") or head.startswith("["):
        raise PlaylistError("JSON instead of a playlist")
    if "\x00" in text[:4096]:
        raise PlaylistError("binary data instead of a playlist (a segment URL?)")
    if not head.startswith("#extm3u"):
        raise PlaylistError("not an HLS playlist: the first line is not #EXTM3U")


def parse(
    text: str,
    *,
    url: str,
    endpoint: str,
    fetched: Window,
    previous: PlaylistSnapshot | None = None,
    age_s: float | None = None,
) -> PlaylistSnapshot | VariantList:
    """Parse ``text`` fetched from ``url`` (the final URL after redirects)."""
    sniff(text)
    try:
        pl = m3u8.loads(text, uri=url)
    except Exception as exc:  # m3u8 raises assorted errors on hostile input
        raise PlaylistError(f"malformed playlist: {type(exc).__name__}: {str(exc)[:200]}") from exc
    if pl.is_variant:
        return _variants(pl, endpoint, url, fetched)
    return _media(pl, text, endpoint, url, fetched, previous, age_s)


def _variants(pl: m3u8.M3U8, endpoint: str, url: str, fetched: Window) -> VariantList:
    variants = []
    for p in pl.playlists:
        info = p.stream_info
        res = f"{info.resolution[0]}x{info.resolution[1]}" if info and info.resolution else None
        variants.append(
            Variant(
                uri=_abs(p.absolute_uri, url),
                bandwidth=info.bandwidth if info else None,
                resolution=res,
                codecs=info.codecs if info else None,
                name=getattr(info, "video", None) if info else None,
            )
        )
    if not variants:
        raise PlaylistError("master playlist without any variant")
    return VariantList(endpoint=endpoint, url=url, variants=tuple(variants), fetched_utc=fetched.hi_utc)


def _media(
    pl: m3u8.M3U8,
    text: str,
    endpoint: str,
    url: str,
    fetched: Window,
    previous: PlaylistSnapshot | None,
    age_s: float | None,
) -> PlaylistSnapshot:
    _check_truncated(text)
    ms = pl.media_sequence if isinstance(pl.media_sequence, int) else 0
    if ms < 0:
        raise PlaylistError(f"malformed playlist: negative EXT-X-MEDIA-SEQUENCE {ms}")
    segments: list[SegmentEntry] = []
    pdt: datetime | None = None
    for seg in pl.segments:
        if seg.uri is None:  # LL-HLS: parts of the segment being written
            continue
        if len(segments) >= MAX_SEGMENTS:
            raise PlaylistError(f"huge playlist: more than {MAX_SEGMENTS} segments")
        explicit = seg.program_date_time
        if isinstance(explicit, datetime):
            pdt = explicit if explicit.tzinfo else explicit.replace(tzinfo=UTC)
        entry = _entry(seg, ms + len(segments), url, pdt)
        segments.append(entry)
        if pdt is not None:  # extrapolate forward with EXTINF (bis-22 §6.3.3)
            pdt = pdt + timedelta(seconds=entry.duration)
    if not segments and not pl.is_endlist and pl.target_duration is None:
        raise PlaylistError("playlist has neither segments nor EXT-X-TARGETDURATION")
    sc = pl.server_control
    sha1 = hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()
    snap = PlaylistSnapshot(
        endpoint=endpoint,
        fetched=fetched,
        url=url,
        media_sequence=ms,
        discontinuity_sequence=int(pl.discontinuity_sequence or 0),
        target_duration=float(pl.target_duration) if pl.target_duration is not None else None,
        version=int(pl.version) if pl.version else None,
        endlist=bool(pl.is_endlist),
        playlist_type=(pl.playlist_type or None),
        segments=tuple(segments),
        can_block_reload=bool(sc and str(sc.can_block_reload).upper() == "YES"),
        hold_back=float(sc.hold_back) if sc and sc.hold_back else None,
        part_target=float(pl.part_inf.part_target) if pl.part_inf and pl.part_inf.part_target else None,
        changed=previous is None or previous.sha1 != sha1,
        sha1=sha1,
        age_s=age_s,
        header_order=tuple(dict.fromkeys(_TAG.findall(text[:2000]))),
    )
    return snap


def _entry(seg: m3u8.Segment, msn: int, base: str, pdt: datetime | None) -> SegmentEntry:
    duration = seg.duration
    if duration is None or duration != duration or duration < 0:  # None, NaN, negative
        raise PlaylistError(f"malformed playlist: segment {msn} has no valid EXTINF duration")
    return SegmentEntry(
        msn=msn,
        uri=_abs(seg.absolute_uri, base),
        duration=float(duration),
        title=seg.title or "",
        discontinuity=bool(seg.discontinuity),
        pdt=pdt,
        byterange=seg.byterange or None,
        key_method=(seg.key.method if seg.key and seg.key.method and seg.key.method != "NONE" else None),
        map_uri=(_abs(seg.init_section.absolute_uri, base) if seg.init_section else None),
        parts=len(seg.parts or ()),
        gap=bool(getattr(seg, "gap_tag", None)),
    )


def _abs(uri: str | None, base: str) -> str:
    return uri or ""


def _check_truncated(text: str) -> None:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if lines and lines[-1].upper().startswith("#EXTINF"):
        raise PlaylistError("truncated playlist: the last #EXTINF has no segment URI")
