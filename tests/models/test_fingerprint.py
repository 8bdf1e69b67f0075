"""Fingerprints from playlist text and headers (servers.md §7)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.models import PROFILE_NAMES, fingerprint
from monitor.records import Fingerprint, PlaylistSnapshot, SegmentEntry
from tests.models.scripted import window

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
    found = fingerprint(NGINX, {"etag": '"6745a1b2-1f4c"', "server": "nginx/1.22.1"})
    name, reason = found.name, found.reason
    assert name == "nginx-rtmp"
    assert "MEDIA-SEQUENCE before TARGETDURATION" in reason and "3 decimals" in reason


def test_ffmpeg_and_nms() -> None:
    assert fingerprint(FFMPEG).name == "ffmpeg"
    found = fingerprint(FFMPEG, {"etag": 'W/"1f4c-18f0a"', "cache-control": "public, max-age=0"})
    name, reason = found.name, found.reason
    assert name == "nms" and "Node-Media-Server" in reason


def test_srs_and_mediamtx() -> None:
    assert fingerprint(SRS).name == "srs"
    assert fingerprint(MEDIAMTX).name == "mediamtx"


def test_unknown_is_generic() -> None:
    found = fingerprint("#EXTM3U\n#EXTINF:4,\nchunk_a.ts\n")
    name, reason = found.name, found.reason
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


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list("#EXT-INF:,0123456789.abcdefghtsq?=/\n \t\"'")), max_size=400),
    headers=st.dictionaries(
        st.sampled_from(["server", "etag", "cache-control", "x-powered-by", "Server", "ETAG"]),
        st.text(max_size=30),
        max_size=4,
    ),
    titles=st.lists(st.text(max_size=12), max_size=6),
)
def test_any_input_gives_a_named_guess_and_never_raises(text: str, headers: dict, titles: list[str]) -> None:
    """The poller computes it on whatever an origin serves: it must always answer, with a reason."""
    found = fingerprint(text, headers)
    assert isinstance(found, Fingerprint) and found.name in PROFILE_NAMES and found.reason
    snap = PlaylistSnapshot(
        endpoint="o",
        fetched=window(0.0, 0.1),
        url="u",
        media_sequence=0,
        header_order=tuple(f"#{t}" for t in titles),
        segments=tuple(
            SegmentEntry(msn=i, uri=f"http://h/{t or 'x'}?{t}", duration=1.0, title=t) for i, t in enumerate(titles)
        ),
    )
    assert fingerprint(snap, headers).name in PROFILE_NAMES
