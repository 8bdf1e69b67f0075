"""The media playlist as the live-edge feed hands it to libVLC: pure text in, text out.

The feed (``player/edge_feed.py``) sits between VLC and the origin on the loopback. It changes three things
in the playlist and nothing in the segments:

* segment URIs become absolute, so VLC fetches segments straight from the origin (or CDN);
* the window VLC sees never starts before the first segment the feed listed at start (``floor``), which is
  how the feed picks VLC's start position: VLC 3 starts ≥ 6 s + 1 segment behind a long window, but at the
  first segment of a short one (libvlc.md §1);
* ``#EXT-X-TARGETDURATION`` can be lowered, so VLC asks for the playlist again soon after each update:
  the feed holds that request until the next segment exists (a long poll VLC 3 does not know it is doing).

Per-segment tags that apply to all later segments (``#EXT-X-KEY``, ``#EXT-X-MAP``) are carried forward
when the segments that carried them are dropped, and ``#EXT-X-DISCONTINUITY-SEQUENCE`` counts the dropped
discontinuities, so the trimmed playlist still says what the full one says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

_HEADER_TAGS_WE_WRITE = ("#EXT-X-TARGETDURATION:", "#EXT-X-MEDIA-SEQUENCE:", "#EXT-X-DISCONTINUITY-SEQUENCE:")
_STICKY_TAGS = ("#EXT-X-KEY:", "#EXT-X-MAP:")
_URI_ATTRIBUTE = re.compile(r'URI="([^"]*)"')


@dataclass(frozen=True)
class FeedSegment:
    sequence: int
    uri: str  # absolute
    duration_s: float
    tags: tuple[str, ...]  # the tag lines before the URI, in order
    discontinuity: bool


@dataclass(frozen=True)
class FeedPlaylist:
    header: tuple[str, ...]  # tag lines before the first segment, minus the ones ``render`` writes
    target_duration: int
    media_sequence: int
    discontinuity_sequence: int
    segments: tuple[FeedSegment, ...]
    footer: tuple[str, ...]  # tags after the last URI (#EXT-X-ENDLIST)

    @property
    def newest_sequence(self) -> int | None:
        return self.segments[-1].sequence if self.segments else None

    @property
    def last_duration_s(self) -> float | None:
        return self.segments[-1].duration_s if self.segments else None

    @property
    def ended(self) -> bool:
        return any(line.startswith("#EXT-X-ENDLIST") for line in self.footer)


class NotAMediaPlaylist(ValueError):
    """The text is a master playlist (or not a playlist): the feed steps aside."""


def _int_after(line: str) -> int:
    return int(float(line.split(":", 1)[1].strip()))


def _extinf_duration(line: str) -> float:
    return float(line.split(":", 1)[1].split(",", 1)[0].strip())


def parse_feed_playlist(text: str, base_url: str) -> FeedPlaylist:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or not lines[0].startswith("#EXTM3U"):
        raise NotAMediaPlaylist("not an M3U8 playlist")
    if any(line.startswith("#EXT-X-STREAM-INF") for line in lines):
        raise NotAMediaPlaylist("a master playlist")
    header: list[str] = []
    target = media_seq = disc_seq = 0
    segments: list[FeedSegment] = []
    pending: list[str] = []
    for line in lines:
        if line.startswith("#EXT-X-TARGETDURATION:"):
            target = _int_after(line)
        elif line.startswith("#EXT-X-MEDIA-SEQUENCE:"):
            media_seq = _int_after(line)
        elif line.startswith("#EXT-X-DISCONTINUITY-SEQUENCE:"):
            disc_seq = _int_after(line)
        elif line.startswith("#"):
            if line.startswith(_STICKY_TAGS):
                line = _URI_ATTRIBUTE.sub(lambda m: f'URI="{urljoin(base_url, m.group(1))}"', line)
            if not segments and not _is_segment_tag(line):
                header.append(line)
            else:
                pending.append(line)
        else:
            segments.append(_segment(media_seq + len(segments), urljoin(base_url, line), pending))
            pending = []
    return FeedPlaylist(
        header=tuple(header),
        target_duration=target,
        media_sequence=media_seq,
        discontinuity_sequence=disc_seq,
        segments=tuple(segments),
        footer=tuple(pending),
    )


def _is_segment_tag(line: str) -> bool:
    return line.startswith(("#EXTINF", "#EXT-X-DISCONTINUITY", "#EXT-X-PROGRAM-DATE-TIME", "#EXT-X-BYTERANGE",
                            *_STICKY_TAGS, "#EXT-X-GAP", "#EXT-X-BITRATE", "#EXT-X-DATERANGE"))


def _segment(sequence: int, uri: str, tags: list[str]) -> FeedSegment:
    duration = next((_extinf_duration(t) for t in tags if t.startswith("#EXTINF")), 0.0)
    discontinuity = any(t == "#EXT-X-DISCONTINUITY" for t in tags)
    return FeedSegment(sequence=sequence, uri=uri, duration_s=duration, tags=tuple(tags), discontinuity=discontinuity)


def render_feed_playlist(playlist: FeedPlaylist, *, floor: int | None, target_duration: int | None) -> str:
    """The playlist text for VLC: segments from ``floor`` on (all when None), target duration replaced."""
    kept = [s for s in playlist.segments if floor is None or s.sequence >= floor]
    dropped = [s for s in playlist.segments if floor is not None and s.sequence < floor]
    if not kept and playlist.segments:  # never hand VLC an empty live window: keep the newest
        kept, dropped = [playlist.segments[-1]], list(playlist.segments[:-1])
    out = ["#EXTM3U", *[h for h in playlist.header if not h.startswith("#EXTM3U")]]
    out.append(f"#EXT-X-TARGETDURATION:{target_duration or playlist.target_duration}")
    out.append(f"#EXT-X-MEDIA-SEQUENCE:{kept[0].sequence if kept else playlist.media_sequence}")
    # the first listed segment's discontinuity number: every discontinuity up to and including it
    first_opens = bool(kept and dropped and kept[0].discontinuity)
    disc = playlist.discontinuity_sequence + sum(1 for s in dropped if s.discontinuity) + int(first_opens)
    if disc or any(h.startswith("#EXT-X-DISCONTINUITY-SEQUENCE") for h in playlist.header):
        out.append(f"#EXT-X-DISCONTINUITY-SEQUENCE:{disc}")
    out.extend(_carried_sticky_tags(dropped, kept))
    for segment in kept:
        tags = list(segment.tags)
        if segment is kept[0] and first_opens:
            tags.remove("#EXT-X-DISCONTINUITY")  # counted in the discontinuity sequence instead
        out.extend(tags)
        out.append(segment.uri)
    out.extend(playlist.footer)
    return "\n".join(out) + "\n"


def _carried_sticky_tags(dropped: list[FeedSegment], kept: list[FeedSegment]) -> list[str]:
    """The last KEY/MAP of the dropped segments, unless the first kept segment sets its own."""
    first_tags = kept[0].tags if kept else ()
    carried = []
    for prefix in _STICKY_TAGS:
        if any(t.startswith(prefix) for t in first_tags):
            continue
        last = next((t for s in reversed(dropped) for t in reversed(s.tags) if t.startswith(prefix)), None)
        if last is not None:
            carried.append(last)
    return carried


def start_floor(playlist: FeedPlaylist, start_segments: int) -> int | None:
    """The first sequence number the feed lists at start: the newest ``start_segments`` segments."""
    if not playlist.segments:
        return None
    keep = max(1, start_segments)
    return playlist.segments[max(0, len(playlist.segments) - keep)].sequence
