"""Fingerprints from playlist text and headers (servers.md §7)."""

from __future__ import annotations

from monitor.models import fingerprint
from monitor.records import PlaylistSnapshot, SegmentEntry

NGINX = """#EXTM3U
#EXT-X-VERSION:3
#EXT-X-MEDIA-SEQUENCE:12
#EXT-X-TARGETDURATION:2
#EXT-X-DISCONTINUITY
#EXTINF:2.000,
test-12.ts
#EXTINF:2.000,
test-13.ts
"""
FFMPEG = """#EXTM3U
#EXT-X-VERSION:3
#EXT-X-TARGETDURATION:1
#EXT-X-MEDIA-SEQUENCE:4
#EXTINF:1.000000,
index4.ts
#EXTINF:1.000000,
index5.ts
"""
SRS = """#EXTM3U
#EXT-X-VERSION:3
#EXT-X-MEDIA-SEQUENCE:3
#EXT-X-TARGETDURATION:10
#EXTINF:10.000, no desc
livestream-3.ts
#EXTINF:10.000, no desc
livestream-4.ts
"""
MEDIAMTX = """#EXTM3U
#EXT-X-VERSION:3
#EXT-X-ALLOW-CACHE:NO
#EXT-X-TARGETDURATION:1
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PROGRAM-DATE-TIME:2026-11-25T13:00:00.000Z
#EXTINF:1.00000,
0a1b2c3d4e5f_stream_seg0.ts
#EXT-X-PROGRAM-DATE-TIME:2026-11-25T13:00:01.000Z
#EXTINF:1.00000,
0a1b2c3d4e5f_stream_seg1.ts
"""


def test_nginx() -> None:
    name, reason = fingerprint(NGINX, {"etag": '"6745a1b2-1f4c"', "server": "nginx/1.22.1"})
    assert name == "nginx-rtmp"
    assert "MEDIA-SEQUENCE before TARGETDURATION" in reason and "3 decimals" in reason


def test_ffmpeg_and_nms() -> None:
    assert fingerprint(FFMPEG).name == "ffmpeg"
    name, reason = fingerprint(FFMPEG, {"etag": 'W/"1f4c-18f0a"', "cache-control": "public, max-age=0"})
    assert name == "nms" and "Node-Media-Server" in reason


def test_srs_and_mediamtx() -> None:
    assert fingerprint(SRS).name == "srs"
    assert fingerprint(MEDIAMTX).name == "mediamtx"


def test_unknown_is_generic() -> None:
    name, reason = fingerprint("#EXTM3U\n#EXTINF:4,\nchunk_a.ts\n")
    assert name == "generic" and "spec" in reason


def test_snapshot_input() -> None:
    snap = PlaylistSnapshot(
        endpoint="o",
        fetched=None,
        url="u",
        media_sequence=3,  # type: ignore[arg-type]
        header_order=("#EXTM3U", "#EXT-X-VERSION", "#EXT-X-MEDIA-SEQUENCE", "#EXT-X-TARGETDURATION", "#EXTINF"),
        segments=(SegmentEntry(msn=3, uri="http://h/hls/test-3.ts", duration=2.0),),
    )
    assert fingerprint(snap, {"etag": '"6745a1b2-1f4c"'}).name == "nginx-rtmp"
