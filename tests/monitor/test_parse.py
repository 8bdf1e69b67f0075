"""Parser: good playlists of every flavour, and bad input that must give a plain PlaylistError."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.parse import PlaylistError, decode_body, parse
from monitor.records import PlaylistSnapshot, VariantList, Window
from tests.monitor.fakeserver import playlist

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
W = Window(lo=1.0, hi=1.1, lo_utc=NOW, hi_utc=NOW)
URL = "http://127.0.0.1:8080/hls/live/index.m3u8"


def p(text: str, **kw):
    return parse(text, url=URL, endpoint="origin", fetched=W, **kw)


def test_media_playlist_relative_uris_resolve_against_final_url():
    snap = p(playlist(7, [2.0, 2.0, 1.96]))
    assert isinstance(snap, PlaylistSnapshot)
    assert snap.media_sequence == 7 and snap.last_msn == 9 and snap.target_duration == 2
    assert [s.msn for s in snap.segments] == [7, 8, 9]
    assert snap.segments[0].uri == "http://127.0.0.1:8080/hls/live/seg-7.ts"
    assert snap.duration_s == pytest.approx(5.96)
    assert snap.header_order[:3] == ("EXTM3U", "EXT-X-VERSION", "EXT-X-MEDIA-SEQUENCE")


def test_changed_flag_compares_with_previous():
    a = p(playlist(1, [2, 2]))
    assert p(playlist(1, [2, 2]), previous=a).changed is False
    assert p(playlist(2, [2, 2]), previous=a).changed is True


def test_fmp4_byterange_encryption_pdt_parts():
    text = """#EXTM3U
#EXT-X-VERSION:9
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:100
#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.0
#EXT-X-PART-INF:PART-TARGET=0.333
#EXT-X-MAP:URI="init.mp4"
#EXT-X-KEY:METHOD=AES-128,URI="https://keys.example/k"
#EXT-X-PROGRAM-DATE-TIME:2026-11-25T13:00:00.000Z
#EXT-X-PART:DURATION=0.333,URI="p100.0.m4s"
#EXTINF:2.000,
s100.m4s
#EXT-X-BYTERANGE:1000@0
#EXTINF:2.000,
all.m4s
#EXT-X-PART:DURATION=0.333,URI="p102.0.m4s"
"""
    snap = p(text)
    assert snap.can_block_reload and snap.part_target == pytest.approx(0.333)
    first, second = snap.segments
    assert first.map_uri == "http://127.0.0.1:8080/hls/live/init.mp4"
    assert first.key_method == "AES-128" and first.parts == 1
    assert first.pdt == datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
    assert second.byterange == "1000@0" and second.pdt == datetime(2026, 11, 25, 13, 0, 2, tzinfo=UTC)
    assert len(snap.segments) == 2  # the trailing parts are not a segment


def test_master_playlist_lists_variants():
    text = (
        '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS="avc1.4d401e"\nlow/i.m3u8\n'
        "#EXT-X-STREAM-INF:BANDWIDTH=2000000,RESOLUTION=1280x720\nhttp://127.0.0.1:9/hi.m3u8\n"
    )
    vl = p(text)
    assert isinstance(vl, VariantList)
    assert [v.uri for v in vl.variants] == ["http://127.0.0.1:8080/hls/live/low/i.m3u8", "http://127.0.0.1:9/hi.m3u8"]
    assert vl.variants[0].resolution == "640x360" and vl.variants[0].bandwidth == 800000


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("<!DOCTYPE html><html><body>502 Bad Gateway</body></html>", "HTML"),
        ("<html><head></head></html>", "HTML"),
        ('{"error": "forbidden"}', "JSON"),
        ("", "empty"),
        ("\x47\x00\x11" * 100, "binary"),
        ("#EXTINF:2,\nseg.ts\n", "#EXTM3U"),
        ("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:1\n#EXTINF:2.0,\na.ts\n#EXTINF:2.0,\n", "truncated"),
        ("#EXTM3U\n#EXT-X-VERSION:3\n", "neither segments"),
    ],
)
def test_bad_input_gives_plain_message(text, needle):
    with pytest.raises(PlaylistError, match=needle):
        p(text)


def test_huge_playlist_is_refused(monkeypatch):
    monkeypatch.setattr("monitor.parse.MAX_SEGMENTS", 100)
    with pytest.raises(PlaylistError, match="huge"):
        p(playlist(0, [2.0] * 150))


def test_bom_is_stripped():
    assert isinstance(p(decode_body(b"\xef\xbb\xbf" + playlist(0, [2.0]).encode())), PlaylistSnapshot)


_lines = st.sampled_from(
    [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        "#EXT-X-TARGETDURATION:2",
        "#EXT-X-TARGETDURATION:x",
        "#EXT-X-MEDIA-SEQUENCE:5",
        "#EXT-X-MEDIA-SEQUENCE:-3",
        "#EXTINF:2.0,",
        "#EXTINF:abc,",
        "#EXTINF:-1,",
        "#EXT-X-DISCONTINUITY",
        "seg.ts",
        "http://127.0.0.1/x.ts",
        "#EXT-X-ENDLIST",
        '#EXT-X-KEY:METHOD=AES-128,URI="k"',
        '#EXT-X-MAP:URI="i.mp4"',
        "#EXT-X-BYTERANGE:10@0",
        "#EXT-X-PROGRAM-DATE-TIME:2026-13-45T99:00:00Z",
        '#EXT-X-PART:DURATION=0.3,URI="p"',
        "#EXT-X-STREAM-INF:BANDWIDTH=1",
        "",
        "<html>",
        "\x00",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_lines, max_size=30), st.text(max_size=50))
def test_hostile_playlists_only_raise_playlist_error(lines, junk):
    text = "\n".join(["#EXTM3U", *lines, junk])
    try:
        result = p(text)
    except PlaylistError:
        return
    assert isinstance(result, PlaylistSnapshot | VariantList)
    if isinstance(result, PlaylistSnapshot):
        assert all(s.duration >= 0 for s in result.segments)
        assert [s.msn for s in result.segments] == list(range(result.media_sequence, result.last_msn + 1))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.lists(_lines, max_size=12), st.integers(0, 3)), min_size=1, max_size=8))
def test_hostile_playlist_sequences_keep_tracker_invariants(versions):
    from monitor.tracker import LifecycleTracker

    tracker = LifecycleTracker("origin")
    prev = None
    for k, (lines, extra) in enumerate(versions):
        text = "\n".join(["#EXTM3U", *lines, *(["#EXTINF:1.0,", f"s{k}.ts"] * extra)])
        fetched = Window(lo=float(k), hi=k + 0.1, lo_utc=NOW, hi_utc=NOW)
        try:
            snap = parse(text, url=URL, endpoint="origin", fetched=fetched, previous=prev)
        except PlaylistError:
            continue
        if not isinstance(snap, PlaylistSnapshot):
            continue
        tracker.observe(snap)
        prev = snap
    keys = [(lf.generation, lf.msn) for lf in tracker.lifecycles()]
    assert len(keys) == len(set(keys))
    assert all(lf.first_seen.lo <= lf.first_seen.hi for lf in tracker.lifecycles())
