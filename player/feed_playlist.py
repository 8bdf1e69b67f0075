"""The media playlist as the live-edge feed reads it: numbered segments with absolute URIs (pure, no I/O).

The feed (``player/edge_feed.py``) needs little from a playlist: each segment's media sequence number,
absolute URI, duration and discontinuity flag, whether the playlist ended, and whether its segments can be
streamed back to back as one MPEG-TS (not encrypted, no fMP4 init section).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin


@dataclass(frozen=True)
class FeedSegment:
    sequence: int
    uri: str  # absolute
    duration_s: float
    discontinuity: bool


@dataclass(frozen=True)
class FeedPlaylist:
    media_sequence: int
    segments: tuple[FeedSegment, ...]
    ended: bool
    not_streamable: str | None = None  # why the segments cannot be concatenated into one TS, if they cannot

    @property
    def newest_sequence(self) -> int | None:
        return self.segments[-1].sequence if self.segments else None

    @property
    def last_duration_s(self) -> float | None:
        return self.segments[-1].duration_s if self.segments else None


class NotAMediaPlaylist(ValueError):
    """The text is a master playlist (or not a playlist)."""


def parse_feed_playlist(text: str, base_url: str) -> FeedPlaylist:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or not lines[0].startswith("#EXTM3U"):
        raise NotAMediaPlaylist("not an M3U8 playlist")
    if any(line.startswith("#EXT-X-STREAM-INF") for line in lines):
        raise NotAMediaPlaylist("a master playlist")
    media_seq = 0
    segments: list[FeedSegment] = []
    duration, discontinuity = 0.0, False
    for line in lines:
        if line.startswith("#EXT-X-MEDIA-SEQUENCE:"):
            media_seq = int(float(line.split(":", 1)[1]))
        elif line.startswith("#EXTINF"):
            duration = float(line.split(":", 1)[1].split(",", 1)[0])
        elif line == "#EXT-X-DISCONTINUITY":
            discontinuity = True
        elif not line.startswith("#"):
            uri = urljoin(base_url, line)
            segments.append(FeedSegment(media_seq + len(segments), uri, duration, discontinuity))
            duration, discontinuity = 0.0, False
    return FeedPlaylist(
        media_sequence=media_seq,
        segments=tuple(segments),
        ended=any(line.startswith("#EXT-X-ENDLIST") for line in lines),
        not_streamable=not_streamable_reason(lines),
    )


def not_streamable_reason(lines: list[str]) -> str | None:
    """Encrypted segments or fMP4 (an init section) cannot be handed to VLC as one concatenated TS."""
    if any(line.startswith("#EXT-X-MAP") for line in lines):
        return "fMP4 segments (#EXT-X-MAP)"
    keys = [line for line in lines if line.startswith("#EXT-X-KEY")]
    if any("METHOD=NONE" not in key.upper() for key in keys):
        return "encrypted segments (#EXT-X-KEY)"
    return None


def start_floor(playlist: FeedPlaylist, start_segments: int) -> int | None:
    """The first sequence number the feed streams at start: the newest ``start_segments`` segments."""
    if not playlist.segments:
        return None
    keep = max(1, start_segments)
    return playlist.segments[max(0, len(playlist.segments) - keep)].sequence
