"""Turn fetched playlist text into a :class:`PlaylistSnapshot` or :class:`VariantList`: the project's only parser.

Everything RFC 8216 and its successor draft (rfc8216bis, LL-HLS) put in a media playlist is read in one pass,
linear in the body's length (20,000 segments in about 0.15 s). The m3u8 library is not used here: it rejects
valid playlists (an ``EXT-X-RENDITION-REPORT`` without ``LAST-MSN``; a lower-case ``t``/``z`` in an RFC 3339
date-time; a PDT near the end of the calendar), misnumbers a title holding U+2028 (``str.splitlines``), and
takes 0.6-0.8 s to load 20,000 segments with absolute URIs. ``tests/monitor/test_parse.py`` feeds this parser
generated valid playlists (live, EVENT, VOD, LL-HLS, delta updates), cuts of them and arbitrary bytes.

Bad input raises :class:`PlaylistError` whose text is a plain message (never a Python exception name); nothing
else escapes. What is wrong but does not stop the playlist from being used is a :class:`PlaylistIssue` on the
snapshot (the rules turn them into alerts). Issue codes (stable):

``uri_without_extinf``
    a URI line with no EXTINF before it; it is not a segment (not numbered), as players ignore it.
``malformed_uri``
    a URI that cannot be resolved against the playlist's URL (e.g. an unclosed IPv6 bracket); the entry is
    kept with its URI as written.
``extinf_out_of_bounds``
    an EXTINF that is not finite, negative, or above :func:`max_extinf_s` (``max(10 × target duration, 1 h)``);
    the entry is kept with its duration clamped into ``[0, max_extinf_s]`` so no arithmetic sees inf or 1e308.
``target_duration_out_of_bounds``
    EXT-X-TARGETDURATION not finite, below 0 or above :data:`MAX_TARGET_DURATION_S`; clamped into that range.
``empty_live_playlist``
    a media playlist with no segment and no EXT-X-ENDLIST.
``malformed_tag``
    a tag whose value cannot be read (a PDT that is not a date, a part without URI, LAST-MSN not a number...);
    that tag is ignored.

Delta updates (``EXT-X-SKIP:SKIPPED-SEGMENTS=N``): the first listed segment is number MEDIA-SEQUENCE + N; the
skipped entries are taken from ``previous`` (the last full snapshot) so the snapshot is complete; when it
cannot supply them, :class:`PlaylistError` (reload without ``_HLS_skip``).
"""

from __future__ import annotations

import hashlib
import math
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin

from monitor.records import (
    PartEntry,
    PlaylistIssue,
    PlaylistSnapshot,
    PreloadHint,
    RenditionReport,
    SegmentEntry,
    Variant,
    VariantList,
    Window,
)

MAX_SEGMENTS = 50_000
MAX_TARGET_DURATION_S = 86_400.0  # a VOD may hold one very long segment; beyond a day it is nonsense
MIN_EXTINF_CAP_S = 3_600.0
_BLANK = " \t\r\f\v"  # stripped around a line; Unicode spaces are kept: they may end a title
_TAG = re.compile(r"^#(EXT[A-Z0-9-]*)", re.MULTILINE)
_ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^",]*)')
# a relative reference urljoin would only append to the base's directory (no scheme, no dot segments)
_SIMPLE_REF = re.compile(r"[A-Za-z0-9_~%-][A-Za-z0-9._~%-]*(?:/[A-Za-z0-9_~%-][A-Za-z0-9._~%-]*)*(?:\?[^#\s]*)?")
_SEGMENT_TAGS = ("EXTINF", "EXT-X-BYTERANGE")  # a body ending on these stopped before the segment's URI
# fmt: off
_KNOWN_TAGS = (
    "EXTM3U", "EXT-X-VERSION", "EXTINF", "EXT-X-BYTERANGE", "EXT-X-DISCONTINUITY", "EXT-X-KEY", "EXT-X-MAP",
    "EXT-X-PROGRAM-DATE-TIME", "EXT-X-DATERANGE", "EXT-X-GAP", "EXT-X-BITRATE", "EXT-X-PART", "EXT-X-TARGETDURATION",
    "EXT-X-MEDIA-SEQUENCE", "EXT-X-DISCONTINUITY-SEQUENCE", "EXT-X-ENDLIST", "EXT-X-PLAYLIST-TYPE",
    "EXT-X-I-FRAMES-ONLY", "EXT-X-PART-INF", "EXT-X-SERVER-CONTROL", "EXT-X-SKIP", "EXT-X-PRELOAD-HINT",
    "EXT-X-RENDITION-REPORT", "EXT-X-MEDIA", "EXT-X-STREAM-INF", "EXT-X-I-FRAME-STREAM-INF", "EXT-X-SESSION-DATA",
    "EXT-X-SESSION-KEY", "EXT-X-CONTENT-STEERING", "EXT-X-INDEPENDENT-SEGMENTS", "EXT-X-START", "EXT-X-DEFINE",
)
# fmt: on
_REQUIRED = {  # attributes without which a tag at the very end of a body was cut
    "EXT-X-PART": ("DURATION", "URI"),
    "EXT-X-PRELOAD-HINT": ("TYPE", "URI"),
    "EXT-X-RENDITION-REPORT": ("URI",),
    "EXT-X-KEY": ("METHOD",),
    "EXT-X-MAP": ("URI",),
    "EXT-X-SKIP": ("SKIPPED-SEGMENTS",),
    "EXT-X-PART-INF": ("PART-TARGET",),
    "EXT-X-DATERANGE": ("ID",),
}
MAX_SEQUENCE = 2**64 - 1  # decimal-integer (RFC 8216 §4.2)


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
    lines = _lines(text)
    check_truncated(lines)
    if any(line.startswith("#EXT-X-STREAM-INF") for line in lines):
        return _variants(lines, endpoint, url, fetched)
    reader = _MediaReader(_Resolver(url), previous)
    feed = reader.feed
    for line in lines:
        if line:
            feed(line)
    return _build(reader, text, endpoint, url, fetched, age_s)


def parse_media(text: str, url: str, fetched_mono: float) -> PlaylistSnapshot | VariantList:
    """:func:`parse` for a client that fetched at one instant and names no endpoint (the player)."""
    now = datetime.now(UTC)
    window = Window(lo=fetched_mono, hi=fetched_mono, lo_utc=now, hi_utc=now)
    return parse(text, url=url, endpoint="player", fetched=window)


def max_extinf_s(target_duration: float | None) -> float:
    """The largest EXTINF believed: ten target durations, and at least an hour."""
    return max(10 * (target_duration or 0.0), MIN_EXTINF_CAP_S)


def _lines(text: str) -> list[str]:
    # only LF ends a line (RFC 8216 §4.1): str.splitlines would also split titles on U+2028, U+0085, \f...
    return [line.strip(_BLANK) for line in text.split("\n")]


def check_truncated(lines: list[str]) -> None:
    """A body that stops mid-tag or before a segment's URI is not a playlist (what is decidable from the text).

    A last line that is a complete URI is accepted even without a final newline: a URI cut short cannot be told
    from a whole one.
    """
    content = [line for line in lines if line]
    if not content:
        return
    last = content[-1]
    name, _, value = last[1:].partition(":")
    if last.startswith("#") and name in (*_SEGMENT_TAGS, "EXT-X-STREAM-INF"):
        raise PlaylistError(f"truncated playlist: it ends with #{name} and no URI after it")
    terminated = not lines[-1]  # a line feed (and maybe blanks) after the last line
    if terminated or not last.startswith("#EXT"):
        return
    reason = _cut_tag_reason(name, value, has_value=":" in last)
    if reason:
        raise PlaylistError(f"truncated playlist: the last line stops mid-tag ({reason})")


def _cut_tag_reason(name: str, value: str, *, has_value: bool) -> str | None:
    if name not in _KNOWN_TAGS:
        return f"#{name} is not a whole tag name" if any(t.startswith(name) for t in _KNOWN_TAGS) else None
    if value.count('"') % 2:
        return f"#{name} has an unclosed quoted string"
    if has_value and not value:
        return f"#{name} has no value"
    attributes = dict(_ATTRIBUTE.findall(value))
    missing = [a for a in _REQUIRED.get(name, ()) if not attributes.get(a)]
    if missing:
        return f"#{name} lacks {', '.join(missing)}"
    if name == "EXT-X-PROGRAM-DATE-TIME" and _date(value) is None:
        return f"#{name} is not a whole date"
    if name == "EXT-X-PLAYLIST-TYPE" and value not in ("VOD", "EVENT"):
        return f"#{name} is neither VOD nor EVENT"
    return None


def attributes(value: str) -> dict[str, str]:
    """An attribute list (RFC 8216 §4.2) as name -> value, quotes removed."""
    return {name: raw[1:-1] if raw.startswith('"') else raw for name, raw in _ATTRIBUTE.findall(value)}


def _date(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.strip().upper())  # RFC 3339 allows a lower-case t and z
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _integer(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())  # exact: a float loses whole numbers above 2**53 (decimal-integer, RFC 8216 §4.2)
    except ValueError:
        number = _number(value)
    return int(number) if number is not None and math.isfinite(number) and number == int(number) else None


def _whole(value: str | None) -> int | None:
    number = _number(value)
    return int(number) if number is not None and math.isfinite(number) else None


class _Resolver:
    """Absolute URIs against the playlist's final URL; ``None`` when urljoin cannot (a malformed URI)."""

    def __init__(self, base: str) -> None:
        self.base = base
        try:
            self._directory: str | None = urljoin(base, "_")[:-1]
        except ValueError:
            self._directory = None

    def __call__(self, uri: str) -> str | None:
        if self._directory is not None and _SIMPLE_REF.fullmatch(uri) and ":" not in uri.split("/", 1)[0]:
            return self._directory + uri  # what urljoin would return, 20 times faster
        try:
            return urljoin(self.base, uri)
        except ValueError:
            return None


_HEADER_BEFORE_SEGMENTS = ("EXT-X-MEDIA-SEQUENCE", "EXT-X-DISCONTINUITY-SEQUENCE")  # RFC 8216 §4.3.3.2, §4.3.3.3


class _MediaReader:
    """One pass over the lines of a media playlist, building each segment's entry when its URI comes.

    Tags before a URI belong to that segment; parts after the last URI belong to the open segment. The header
    (media sequence, discontinuity sequence, skip, target duration) is settled at the first segment.
    """

    def __init__(self, resolve: _Resolver, previous: PlaylistSnapshot | None) -> None:
        self.resolve = resolve
        self.previous = previous
        self.tags: dict[str, str] = {}  # single-valued tags as first written
        self.issues: list[PlaylistIssue] = []
        self.segments: list[SegmentEntry] = []
        self.preload: dict[str, PreloadHint] = {}
        self.reports: list[RenditionReport] = []
        self.key: tuple[str | None, str | None] = (None, None)
        self.map_uri: str | None = None
        self.skipped = 0
        self.endlist = False
        self.started = False
        self.media_sequence = self.discontinuity_sequence = self.next_msn = self.domain = 0
        self.target: float | None = None  # as settled at the first segment
        self.target_settled = False
        self.cap = MIN_EXTINF_CAP_S
        self.pdt: datetime | None = None  # extrapolated start of the next segment
        self.parts: list[PartEntry] = []
        self._reset_pending()
        self._handlers = {
            "EXT-X-BYTERANGE": self._byterange,
            "EXT-X-DISCONTINUITY": self._discontinuity,
            "EXT-X-GAP": self._gap,
            "EXT-X-PROGRAM-DATE-TIME": self._pdt,
            "EXT-X-BITRATE": self._bitrate,
            "EXT-X-KEY": self._key,
            "EXT-X-MAP": self._map,
            "EXT-X-PART": self._part,
            "EXT-X-PRELOAD-HINT": self._preload_hint,
            "EXT-X-RENDITION-REPORT": self._rendition_report,
            "EXT-X-SKIP": self._skip,
            "EXT-X-ENDLIST": self._endlist,
        }

    def _reset_pending(self) -> None:
        self.duration: float | None = None
        self.raw_duration = self.title = ""
        self.byterange: str | None = None
        self.discontinuity = self.gap = False
        self.pdt_tag: datetime | None = None
        self.bitrate: int | None = None
        if self.parts:
            self.parts = []

    def issue(self, code: str, detail: str, msn: int | None = None) -> None:
        self.issues.append(PlaylistIssue(code=code, detail=detail, msn=msn))

    def feed(self, line: str) -> None:
        if line[0] != "#":
            self._uri(line)
        elif line.startswith("#EXTINF:"):
            self._extinf(line[8:])
        elif line.startswith("#EXT"):
            name, _, value = line[1:].partition(":")
            handler = self._handlers.get(name)
            if handler is not None:
                handler(value)
            elif self.started and name in _HEADER_BEFORE_SEGMENTS:
                raise PlaylistError(f"malformed playlist: #{name} after the first segment")
            else:
                self.tags.setdefault(name, value)

    def start(self) -> None:
        """Settle the header: the first segment (or the end of the body) has come."""
        if self.started:
            return
        self.started = True
        self.media_sequence = _header_int(self.tags, "EXT-X-MEDIA-SEQUENCE")
        self.discontinuity_sequence = _header_int(self.tags, "EXT-X-DISCONTINUITY-SEQUENCE")
        self.target_settled = "EXT-X-TARGETDURATION" in self.tags
        self.target = _target_duration(self)
        self.cap = max_extinf_s(self.target)
        skipped = _skipped_entries(self.skipped, self.media_sequence, self.previous)
        self.segments = skipped
        self.next_msn = self.media_sequence + len(skipped)
        # a segment's discontinuity domain counts every EXT-X-DISCONTINUITY up to it, its own included (as hls.js)
        self.domain = self.discontinuity_sequence + sum(1 for s in skipped if s.discontinuity)
        self.pdt = _plus(skipped[-1].pdt, skipped[-1].duration) if skipped else None

    def _uri(self, line: str) -> None:
        if self.duration is None:
            self.issue("uri_without_extinf", f"the URI line {line[:200]!r} has no #EXTINF before it: ignored")
            self._reset_pending()
            return
        self.start()
        if len(self.segments) >= MAX_SEGMENTS:
            raise PlaylistError(f"huge playlist: more than {MAX_SEGMENTS} segments")
        msn = self.next_msn
        self.next_msn += 1
        uri = self.resolve(line)
        if uri is None:
            self.issue("malformed_uri", f"segment URI {line[:200]!r} cannot be resolved: kept as written", msn)
            uri = line
        duration = self._bounded_extinf(msn)
        if self.discontinuity:
            self.domain += 1
        pdt = self.pdt_tag or self.pdt
        key_method, key_uri = self.key
        self.segments.append(
            SegmentEntry(
                msn=msn,
                uri=uri,
                duration=duration,
                title=self.title,
                discontinuity=self.discontinuity,
                pdt=pdt,
                byterange=self._resolved_byterange(uri),
                key_method=key_method,
                key_uri=key_uri,
                map_uri=self.map_uri,
                parts=len(self.parts),
                part_list=tuple(self.parts),
                gap=self.gap,
                discontinuity_sequence=self.domain,
                bitrate=self.bitrate,
            )
        )
        self.pdt = _plus(pdt, duration)  # extrapolate forward with EXTINF (rfc8216bis §6.3.3)
        self._reset_pending()

    def _bounded_extinf(self, msn: int) -> float:
        duration = self.duration or 0.0
        if 0 <= duration <= self.cap:  # False for NaN
            return duration
        bounded = self.cap if duration > self.cap else 0.0
        self.issue(
            "extinf_out_of_bounds", f"#EXTINF:{self.raw_duration[:40]} is out of bounds: {bounded:g} s used", msn
        )
        return bounded

    def _resolved_byterange(self, uri: str) -> str | None:
        """The byte range as len@offset, with an implicit offset taken from the previous sub-range of the URI."""
        raw = self.byterange
        if raw is None:
            return None
        length_text, at, offset_text = raw.partition("@")
        length, offset = _integer(length_text), _integer(offset_text) if at else None
        before = self.segments[-1] if self.segments else None
        if length is not None and offset is None and before is not None and before.uri == uri and before.byterange:
            before_length, _, before_offset = before.byterange.partition("@")
            offset = (_integer(before_offset) or 0) + (_integer(before_length) or 0)
        return raw if length is None or offset is None else f"{length}@{offset}"

    def _extinf(self, value: str) -> None:
        raw, _, title = value.partition(",")
        duration = _number(raw)
        if duration is None:
            raise PlaylistError(f"malformed playlist: #EXTINF:{raw[:40]} is not a duration")
        self.duration, self.raw_duration, self.title = duration, raw.strip(), title

    def _byterange(self, value: str) -> None:
        self.byterange = value.strip() or None

    def _discontinuity(self, value: str) -> None:
        self.discontinuity = True

    def _gap(self, value: str) -> None:
        self.gap = True

    def _endlist(self, value: str) -> None:
        self.endlist = True

    def _pdt(self, value: str) -> None:
        self.pdt_tag = _date(value)
        if self.pdt_tag is None:
            self.issue("malformed_tag", f"#EXT-X-PROGRAM-DATE-TIME:{value[:40]} is not a date: ignored")

    def _bitrate(self, value: str) -> None:
        self.bitrate = _integer(value)

    def _key(self, value: str) -> None:
        attrs = attributes(value)
        method = attrs.get("METHOD", "NONE")
        uri = attrs.get("URI")
        self.key = (None, None) if method == "NONE" else (method, self._resolved(uri, "EXT-X-KEY") if uri else None)

    def _map(self, value: str) -> None:
        uri = attributes(value).get("URI")
        self.map_uri = self._resolved(uri, "EXT-X-MAP") if uri else None

    def _resolved(self, uri: str, tag: str) -> str:
        resolved = self.resolve(uri)
        if resolved is None:
            self.issue("malformed_uri", f"the {tag} URI {uri[:200]!r} cannot be resolved: kept as written")
        return uri if resolved is None else resolved

    def _part(self, value: str) -> None:
        attrs = attributes(value)
        duration, uri = _number(attrs.get("DURATION")), attrs.get("URI")
        if duration is None or not math.isfinite(duration) or duration < 0 or not uri:
            self.issue("malformed_tag", f"#EXT-X-PART:{value[:80]} lacks a URI or a valid DURATION: ignored")
            return
        part = PartEntry(
            uri=self._resolved(uri, "EXT-X-PART"),
            duration=duration,
            independent=attrs.get("INDEPENDENT") == "YES",
            byterange=attrs.get("BYTERANGE"),
            gap=attrs.get("GAP") == "YES",
        )
        self.parts.append(part)

    def _preload_hint(self, value: str) -> None:
        attrs = attributes(value)
        kind, uri = attrs.get("TYPE"), attrs.get("URI")
        if kind not in ("PART", "MAP") or not uri:
            self.issue("malformed_tag", f"#EXT-X-PRELOAD-HINT:{value[:80]} lacks TYPE or URI: ignored")
            return
        self.preload[kind] = PreloadHint(
            type=kind,
            uri=self._resolved(uri, "EXT-X-PRELOAD-HINT"),
            byterange_start=_integer(attrs.get("BYTERANGE-START")),
            byterange_length=_integer(attrs.get("BYTERANGE-LENGTH")),
        )

    def _rendition_report(self, value: str) -> None:
        attrs = attributes(value)
        uri = attrs.get("URI")
        if not uri:
            self.issue("malformed_tag", f"#EXT-X-RENDITION-REPORT:{value[:80]} has no URI: ignored")
            return
        last_msn, last_part = _integer(attrs.get("LAST-MSN")), _integer(attrs.get("LAST-PART"))
        if (last_msn is None and "LAST-MSN" in attrs) or (last_part is None and "LAST-PART" in attrs):
            self.issue("malformed_tag", f"#EXT-X-RENDITION-REPORT:{value[:80]}: LAST-MSN/LAST-PART not a number")
        uri = self._resolved(uri, "EXT-X-RENDITION-REPORT")
        self.reports.append(RenditionReport(uri=uri, last_msn=last_msn, last_part=last_part))

    def _skip(self, value: str) -> None:
        count = _integer(attributes(value).get("SKIPPED-SEGMENTS"))
        if count is None or count < 0:
            raise PlaylistError(f"malformed playlist: #EXT-X-SKIP:{value[:80]} has no valid SKIPPED-SEGMENTS")
        if self.started:
            raise PlaylistError("malformed playlist: #EXT-X-SKIP after the first segment")
        self.skipped = count


def _build(
    reader: _MediaReader, text: str, endpoint: str, url: str, fetched: Window, age_s: float | None
) -> PlaylistSnapshot:
    reader.start()
    tags = reader.tags
    target = reader.target if reader.target_settled else _target_duration(reader)  # declared after the segments
    segments = tuple(reader.segments)
    if not segments and not reader.endlist and target is None:
        raise PlaylistError("playlist has neither segments nor EXT-X-TARGETDURATION")
    if not segments and not reader.endlist:
        reader.issue("empty_live_playlist", "the playlist lists no segment and has no #EXT-X-ENDLIST")
    control = attributes(tags.get("EXT-X-SERVER-CONTROL", ""))
    sha1 = hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()
    previous = reader.previous
    return PlaylistSnapshot(
        endpoint=endpoint,
        fetched=fetched,
        url=url,
        media_sequence=reader.media_sequence,
        discontinuity_sequence=reader.discontinuity_sequence,
        target_duration=target,
        version=_integer(tags.get("EXT-X-VERSION")),
        endlist=reader.endlist,
        playlist_type=tags.get("EXT-X-PLAYLIST-TYPE", "").strip().upper() or None,
        segments=segments,
        can_block_reload=control.get("CAN-BLOCK-RELOAD") == "YES",
        hold_back=_duration_attribute(reader, control, "HOLD-BACK"),
        part_target=_duration_attribute(reader, attributes(tags.get("EXT-X-PART-INF", "")), "PART-TARGET"),
        changed=previous is None or previous.sha1 != sha1,
        sha1=sha1,
        age_s=age_s,
        header_order=tuple(dict.fromkeys(_TAG.findall(text[:2000]))),
        part_hold_back=_duration_attribute(reader, control, "PART-HOLD-BACK"),
        can_skip_until=_duration_attribute(reader, control, "CAN-SKIP-UNTIL"),
        can_skip_dateranges=control.get("CAN-SKIP-DATERANGES") == "YES",
        skipped_segments=reader.skipped,
        parts=tuple(reader.parts),
        preload_hint=reader.preload.get("PART"),
        preload_map_hint=reader.preload.get("MAP"),
        rendition_reports=tuple(reader.reports),
        issues=tuple(reader.issues),
    )


def _header_int(tags: dict[str, str], name: str) -> int:
    if name not in tags:
        return 0
    value = _integer(tags[name])
    if value is None or not 0 <= value <= MAX_SEQUENCE:
        raise PlaylistError(f"malformed playlist: #{name}:{tags[name][:40]} is not a whole number ≥ 0")
    return value


def _target_duration(reader: _MediaReader) -> float | None:
    raw = reader.tags.get("EXT-X-TARGETDURATION")
    if raw is None:
        return None
    value = _number(raw)
    if value is None:
        raise PlaylistError(f"malformed playlist: #EXT-X-TARGETDURATION:{raw[:40]} is not a number")
    if math.isfinite(value) and 0 <= value <= MAX_TARGET_DURATION_S:
        return value
    bounded = MAX_TARGET_DURATION_S if value > MAX_TARGET_DURATION_S else 0.0
    reader.issue("target_duration_out_of_bounds", f"#EXT-X-TARGETDURATION:{raw[:40]} is out of bounds: {bounded:g} s")
    return bounded


def _duration_attribute(reader: _MediaReader, attrs: dict[str, str], name: str) -> float | None:
    raw = attrs.get(name)
    value = _number(raw)
    if raw is not None and (value is None or not math.isfinite(value) or value < 0):
        reader.issue("malformed_tag", f"{name}={raw[:40]} is not a duration: ignored")
        return None
    return value


def _skipped_entries(count: int, media_sequence: int, previous: PlaylistSnapshot | None) -> list[SegmentEntry]:
    """The entries a delta update skipped (numbers media_sequence ... +count-1), from the previous snapshot."""
    if not count:
        return []
    last = media_sequence + count - 1
    if count > MAX_SEGMENTS or previous is None or not previous.segments:
        raise PlaylistError(f"delta update skips segments {media_sequence}..{last} and no earlier playlist lists them")
    if previous.media_sequence > media_sequence or previous.last_msn < last:
        raise PlaylistError(
            f"delta update skips segments {media_sequence}..{last} but the previous playlist listed "
            f"{previous.media_sequence}..{previous.last_msn}"
        )
    start = media_sequence - previous.media_sequence
    return list(previous.segments[start : start + count])


def _plus(pdt: datetime | None, seconds: float) -> datetime | None:
    if pdt is None:
        return None
    try:
        return pdt + timedelta(seconds=seconds)
    except OverflowError:  # past year 9999
        return None


def _variants(lines: list[str], endpoint: str, url: str, fetched: Window) -> VariantList:
    resolve = _Resolver(url)
    variants: list[Variant] = []
    info: dict[str, str] | None = None
    for line in lines:
        if line.startswith("#EXT-X-STREAM-INF:") or line == "#EXT-X-STREAM-INF":
            info = attributes(line.partition(":")[2])
        elif line and not line.startswith("#") and info is not None:
            resolution = info.get("RESOLUTION", "")
            variants.append(
                Variant(
                    uri=resolve(line) or line,
                    bandwidth=_whole(info.get("BANDWIDTH")),
                    resolution=resolution if re.fullmatch(r"\d+x\d+", resolution) else None,
                    codecs=info.get("CODECS"),
                    name=info.get("VIDEO"),
                )
            )
            info = None
    if not variants:
        raise PlaylistError("master playlist without any variant")
    return VariantList(endpoint=endpoint, url=url, variants=tuple(variants), fetched_utc=fetched.hi_utc)
