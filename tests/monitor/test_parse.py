"""Parser: good playlists of every flavour, and bad input that must give a plain PlaylistError."""

from __future__ import annotations

import json
import math
import re
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor import parse as parse_module
from monitor.parse import MAX_TARGET_DURATION_S, PlaylistError, decode_body, max_extinf_s, parse, parse_media
from monitor.records import PlaylistSnapshot, PreloadHint, RenditionReport, VariantList, Window
from monitor.session import decode_record, encode
from tests.monitor.fakeserver import playlist

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
W = Window(lo=1.0, hi=1.1, lo_utc=NOW, hi_utc=NOW)
URL = "http://127.0.0.1:8080/hls/live/index.m3u8"
_PYTHON_NAMES = re.compile(r"\b(?:[A-Z][A-Za-z]*(?:Error|Exception|Warning)|Traceback|StopIteration)\b")


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


def ok(text: str, **kw) -> PlaylistSnapshot:
    snap = p(text, **kw)
    assert isinstance(snap, PlaylistSnapshot)
    return snap


def codes(snap: PlaylistSnapshot) -> list[str]:
    return [i.code for i in snap.issues]


LL_HLS = """#EXTM3U
#EXT-X-VERSION:9
#EXT-X-TARGETDURATION:4
#EXT-X-MEDIA-SEQUENCE:266
#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=24.0,CAN-SKIP-DATERANGES=YES,HOLD-BACK=12.0,PART-HOLD-BACK=1.0
#EXT-X-PART-INF:PART-TARGET=0.33334
#EXT-X-MAP:URI="init.mp4"
#EXTINF:4.00008,
fileSequence266.mp4
#EXT-X-PART:DURATION=0.33334,URI="filePart267.0.mp4",INDEPENDENT=YES
#EXT-X-PART:DURATION=0.33334,URI="filePart267.1.mp4"
#EXT-X-PART:DURATION=0.33334,URI="filePart267.2.mp4",BYTERANGE="1000@0",GAP=YES
#EXTINF:1.00002,
fileSequence267.mp4
#EXT-X-PART:DURATION=0.33334,URI="filePart268.0.mp4",INDEPENDENT=YES
#EXT-X-PART:DURATION=0.33334,URI="filePart268.1.mp4"
#EXT-X-PRELOAD-HINT:TYPE=PART,URI="filePart268.2.mp4"
#EXT-X-PRELOAD-HINT:TYPE=MAP,URI="init2.mp4",BYTERANGE-START=0,BYTERANGE-LENGTH=720
#EXT-X-RENDITION-REPORT:URI="../1M/waitForMSN.php",LAST-MSN=267,LAST-PART=1
#EXT-X-RENDITION-REPORT:URI="../4M/waitForMSN.php"
"""


def test_ll_hls_parts_of_every_segment_and_of_the_open_one_hints_reports_and_server_control():
    snap = ok(LL_HLS)
    base = "http://127.0.0.1:8080/hls/live/"
    assert [s.msn for s in snap.segments] == [266, 267]
    first, second = snap.segments
    assert first.parts == 0 and second.parts == 3
    assert [pt.uri for pt in second.part_list] == [f"{base}filePart267.{i}.mp4" for i in range(3)]
    assert second.part_list[0].independent and not second.part_list[1].independent
    assert second.part_list[2].gap and second.part_list[2].byterange == "1000@0"
    assert [pt.uri for pt in snap.parts] == [f"{base}filePart268.0.mp4", f"{base}filePart268.1.mp4"]
    assert snap.parts[0].duration == pytest.approx(0.33334) and snap.parts[0].independent
    assert snap.preload_hint == PreloadHint(type="PART", uri=f"{base}filePart268.2.mp4")
    assert snap.preload_map_hint == PreloadHint(
        type="MAP", uri=f"{base}init2.mp4", byterange_start=0, byterange_length=720
    )
    assert snap.rendition_reports == (
        RenditionReport(uri="http://127.0.0.1:8080/hls/1M/waitForMSN.php", last_msn=267, last_part=1),
        RenditionReport(uri="http://127.0.0.1:8080/hls/4M/waitForMSN.php"),  # LAST-MSN is optional
    )
    assert snap.part_target == pytest.approx(0.33334) and snap.can_block_reload
    assert snap.can_skip_until == 24.0 and snap.can_skip_dateranges
    assert snap.hold_back == 12.0 and snap.part_hold_back == 1.0
    assert snap.issues == ()


@pytest.mark.parametrize(
    "text",
    [
        # m3u8 6.0 raises TypeError: RenditionReport() requires last_msn
        '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\na.ts\n#EXT-X-RENDITION-REPORT:URI="../b/i.m3u8"\n',
        # m3u8 raises ValueError: RFC 3339 allows a lower-case t and z
        "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-PROGRAM-DATE-TIME:2026-11-25t13:00:00.000z\n#EXTINF:2.0,\na.ts\n",
        # m3u8 misnumbers: str.splitlines splits the title on U+2028 (a valid character in a title)
        "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,line\u2028two\na.ts\n#EXTINF:2.0,\nb.ts\n",
        # m3u8 raises OverflowError extrapolating a (valid, if absurd) date at the end of the calendar
        "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-PROGRAM-DATE-TIME:9999-12-31T23:59:59Z\n#EXTINF:2.0,\na.ts\n"
        "#EXTINF:2.0,\nb.ts\n",
    ],
)
def test_valid_playlists_the_m3u8_library_rejects_or_misreads_are_read(text):
    snap = ok(text)
    assert snap.segments[0].uri == "http://127.0.0.1:8080/hls/live/a.ts"
    if "line" in text:
        assert [s.title for s in snap.segments] == ["line\u2028two", ""]
    if "t13" in text:
        assert snap.segments[0].pdt == datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
    if "9999" in text:
        assert snap.segments[0].pdt is not None and snap.segments[1].pdt is None  # past the calendar: unknown
    assert snap.issues == ()


def _delta_pair(skip: int, *, ms: int = 10, n: int = 6):
    full = playlist(ms, [2.0] * n, extra_head="#EXT-X-SERVER-CONTROL:CAN-SKIP-UNTIL=12.0")
    head, _, _ = full.partition("#EXTINF")
    listed = "".join(f"#EXTINF:2.000,\nseg-{ms + i}.ts\n" for i in range(skip, n))
    return full, f"{head}#EXT-X-SKIP:SKIPPED-SEGMENTS={skip}\n{listed}"


def test_a_delta_update_numbers_from_media_sequence_plus_skipped_and_is_rebuilt_from_the_previous_one():
    full, delta = _delta_pair(4)
    previous = ok(full)
    snap = ok(delta, previous=previous)
    assert snap.skipped_segments == 4 and snap.media_sequence == 10
    assert [s.msn for s in snap.segments] == list(range(10, 16))
    assert snap.segments == previous.segments  # the same six entries: four rebuilt, two listed
    assert snap.segments[4].uri.endswith("/seg-14.ts") and snap.last_msn == 15
    moved = playlist(12, [2.0] * 5).partition("#EXTINF")[0] + "#EXT-X-SKIP:SKIPPED-SEGMENTS=2\n"
    moved += "".join(f"#EXTINF:2.000,\nseg-{m}.ts\n" for m in (14, 15, 16))
    after = ok(moved, previous=snap)
    assert [s.msn for s in after.segments] == [12, 13, 14, 15, 16]
    assert after.segments[-1].uri.endswith("/seg-16.ts") and after.segments[:2] == previous.segments[2:4]


@pytest.mark.parametrize("previous_ms", [None, 11, 3])
def test_a_delta_update_the_previous_snapshot_cannot_complete_is_refused_in_plain_words(previous_ms):
    _, delta = _delta_pair(4)
    previous = None if previous_ms is None else ok(playlist(previous_ms, [2.0] * 5))
    with pytest.raises(PlaylistError, match=r"delta update skips segments 10\.\.13"):
        p(delta, previous=previous)


def test_gap_byterange_key_map_discontinuities_type_endlist_and_pdt():
    text = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:50
#EXT-X-DISCONTINUITY-SEQUENCE:7
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-PROGRAM-DATE-TIME:2026-11-25T13:00:00+01:00
#EXT-X-KEY:METHOD=AES-128,URI="../keys/k1",IV=0x1
#EXT-X-BYTERANGE:1000@0
#EXTINF:2.0,
all.ts
#EXT-X-BYTERANGE:500
#EXTINF:2.0,
all.ts
#EXT-X-KEY:METHOD=NONE
#EXT-X-DISCONTINUITY
#EXT-X-MAP:URI="init.mp4"
#EXT-X-GAP
#EXTINF:2.0,
gap.m4s
#EXT-X-BITRATE:800
#EXTINF:1.5,
c.m4s
#EXT-X-ENDLIST
"""
    snap = ok(text)
    a, b, gap, c = snap.segments
    assert snap.playlist_type == "VOD" and snap.endlist and snap.discontinuity_sequence == 7
    assert a.byterange == "1000@0" and b.byterange == "500@1000"  # the implicit offset follows the previous range
    assert a.key_method == b.key_method == "AES-128" and a.key_uri == "http://127.0.0.1:8080/hls/keys/k1"
    assert gap.key_method is None and gap.key_uri is None and gap.gap and not c.gap
    assert gap.map_uri == c.map_uri == "http://127.0.0.1:8080/hls/live/init.mp4" and a.map_uri is None
    assert [s.discontinuity_sequence for s in snap.segments] == [7, 7, 8, 8] and gap.discontinuity
    assert a.pdt == datetime(2026, 11, 25, 12, 0, tzinfo=UTC) and c.pdt == datetime(2026, 11, 25, 12, 0, 6, tzinfo=UTC)
    assert c.bitrate == 800 and snap.duration_s == pytest.approx(7.5)
    assert ok(text.replace("VOD", "EVENT").replace("#EXT-X-ENDLIST\n", "")).playlist_type == "EVENT"


def test_issues_uri_without_extinf_and_malformed_uri_keep_the_playlist():
    text = playlist(3, [2.0, 2.0]).replace("seg-4.ts", "http://[::1/seg-4.ts") + "stray.ts\n"
    snap = ok(text)
    assert [s.msn for s in snap.segments] == [3, 4]
    assert snap.segments[1].uri == "http://[::1/seg-4.ts"  # kept as written
    assert codes(snap) == ["malformed_uri", "uri_without_extinf"]
    assert snap.issues[0].msn == 4 and "cannot be resolved" in snap.issues[0].detail


@pytest.mark.parametrize(
    ("extinf", "used"), [("inf", 3600.0), ("nan", 0.0), ("1e6", 3600.0), ("1e308", 3600.0), ("-1", 0.0)]
)
def test_extinf_out_of_bounds_is_clamped_and_reported(extinf, used):
    snap = ok(playlist(0, [2.0, 2.0]).replace("#EXTINF:2.000,\nseg-1", f"#EXTINF:{extinf},\nseg-1"))
    assert snap.segments[1].duration == used and math.isfinite(snap.duration_s)
    assert codes(snap) == ["extinf_out_of_bounds"] and snap.issues[0].msn == 1
    with_pdt = playlist(0, [2.0, 2.0], extra_head="#EXT-X-PROGRAM-DATE-TIME:2026-11-25T13:00:00Z")
    assert ok(with_pdt.replace("#EXTINF:2.000,\nseg-0", f"#EXTINF:{extinf},\nseg-0")).segments[1].pdt is not None


def test_the_extinf_bound_is_ten_target_durations_and_at_least_an_hour():
    assert max_extinf_s(None) == max_extinf_s(2) == 3600.0 and max_extinf_s(1000) == 10_000.0
    assert codes(ok(playlist(0, [5000.0], td=1000))) == []


@pytest.mark.parametrize(
    ("td", "used"), [("1e308", MAX_TARGET_DURATION_S), ("inf", MAX_TARGET_DURATION_S), ("-5", 0.0)]
)
def test_target_duration_out_of_bounds_is_clamped_and_reported(td, used):
    snap = ok(playlist(0, [2.0]).replace("#EXT-X-TARGETDURATION:2", f"#EXT-X-TARGETDURATION:{td}"))
    assert snap.target_duration == used and codes(snap) == ["target_duration_out_of_bounds"]


def test_an_empty_live_playlist_is_reported_and_an_ended_one_is_not():
    empty = ok("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:4\n")
    assert empty.segments == () and codes(empty) == ["empty_live_playlist"]
    assert codes(ok("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-ENDLIST\n")) == []


def test_unreadable_ll_hls_tags_are_ignored_with_an_issue():
    text = playlist(0, [2.0]) + '#EXT-X-PART:URI="p.mp4"\n#EXT-X-RENDITION-REPORT:URI="r.m3u8",LAST-MSN=x\n'
    snap = ok(text)
    assert snap.parts == () and snap.rendition_reports[0].last_msn is None
    assert codes(snap) == ["malformed_tag", "malformed_tag"]


def test_every_issue_code_is_documented_in_the_module():
    documented = set(re.findall(r"^``([a-z_]+)``$", parse_module.__doc__ or "", re.MULTILINE))
    assert documented == {
        "uri_without_extinf",
        "malformed_uri",
        "extinf_out_of_bounds",
        "target_duration_out_of_bounds",
        "empty_live_playlist",
        "malformed_tag",
    }


TRUNCATED = [
    "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\na.ts\n#EXTINF:2.0,",
    "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\na.ts\n#EXTINF:2.0,\n",
    "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\na.ts\n#EXT-X-BYTERANGE:100@0\n",
    "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\na.ts\n#EXT-X-ENDL",
    "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\na.ts\n#EXT",
    '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\na.ts\n#EXT-X-PART:DURATION=0.3,URI="p.m',
    "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\na.ts\n#EXT-X-PART:DURATION=0.3",
    "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\na.ts\n#EXT-X-PROGRAM-DATE-TIME:2026-11-2",
    "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\na.ts\n#EXT-X-PLAYLIST-TYPE:EV",
    "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\na.ts\n#EXT-X-MEDIA-SEQUENCE:",
    '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nlow.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=2,CODECS="avc1',
    "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nlow.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=2\n",
]


@pytest.mark.parametrize("text", TRUNCATED)
def test_a_body_that_stops_mid_tag_or_before_a_uri_is_truncated(text):
    with pytest.raises(PlaylistError, match=r"^truncated playlist: "):
        p(text)


@pytest.mark.parametrize(
    "last",
    [
        "b.ts",
        "#EXT-X-ENDLIST",
        '#EXT-X-PART:DURATION=0.3,URI="p.mp4"',
        '#EXT-X-RENDITION-REPORT:URI="r.m3u8"',
        '#EXT-X-DATERANGE:ID="a",START-DATE="2026-11-25T13:00:00Z"',
        "#EXT-X-CUE-OUT:30",
    ],
)
def test_a_whole_last_line_without_a_final_newline_is_not_truncated(last):
    assert isinstance(
        p(f"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\na.ts\n#EXTINF:2.0,\nb.ts\n{last}"), PlaylistSnapshot
    )


def test_twenty_thousand_segments_parse_in_well_under_a_second_linearly_and_the_window_is_summed_once():
    def best_of_3(n: int) -> tuple[float, PlaylistSnapshot]:
        text = playlist(0, [2.0] * n, extra_head="#EXT-X-PROGRAM-DATE-TIME:2026-11-25T13:00:00Z")
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            snap = ok(text)
            runs.append(time.perf_counter() - start)
        return min(runs), snap

    small, _ = best_of_3(2_000)
    large, snap = best_of_3(20_000)
    assert len(snap.segments) == 20_000 and snap.last_msn == 19_999
    assert large < 1.0, f"{large:.2f} s"  # about 0.15 s on an idle core
    assert large < 25 * small, f"not linear: {small:.3f} s for 2,000, {large:.3f} s for 20,000"
    assert "duration_s" not in snap.__dict__
    assert snap.duration_s == 40_000.0 and snap.__dict__["duration_s"] == 40_000.0  # cached on the frozen record


def test_a_snapshot_with_every_new_field_survives_the_session_file_and_old_lines_still_load():
    snap = ok(LL_HLS)
    line = json.loads(encode(snap))
    line.pop("type")
    assert decode_record(PlaylistSnapshot, line) == snap
    for name in ("parts", "preload_hint", "preload_map_hint", "rendition_reports", "issues", "skipped_segments"):
        line.pop(name)
    for entry in line["segments"]:
        for name in ("part_list", "key_uri", "discontinuity_sequence", "bitrate"):
            entry.pop(name)
    old = decode_record(PlaylistSnapshot, line)
    assert old.segments[1].part_list == () and old.issues == () and old.duration_s == snap.duration_s


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
        "#EXT-X-SKIP:SKIPPED-SEGMENTS=3",
        "#EXT-X-SKIP:SKIPPED-SEGMENTS=x",
        '#EXT-X-RENDITION-REPORT:URI="r.m3u8"',
        '#EXT-X-RENDITION-REPORT:URI="r.m3u8",LAST-MSN=z,LAST-PART=1e400',
        '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="h.m4s",BYTERANGE-START=-1',
        "#EXT-X-PRELOAD-HINT:TYPE=X",
        "#EXT-X-SERVER-CONTROL:CAN-SKIP-UNTIL=inf,HOLD-BACK=-1,PART-HOLD-BACK=x",
        "#EXT-X-PART-INF:PART-TARGET=nan",
        '#EXT-X-PART:DURATION=inf,URI="p"',
        "#EXTINF:inf,",
        "#EXTINF:1e308,",
        "#EXTINF:nan,",
        "http://[::1/x.ts",
        "#EXT-X-TARGETDURATION:1e308",
        "#EXT-X-MEDIA-SEQUENCE:1e30",
        "#EXT-X-DISCONTINUITY-SEQUENCE:2",
        "#EXT-X-PROGRAM-DATE-TIME:9999-12-31T23:59:59Z",
        "#EXT-X-BYTERANGE:x@y",
        "#EXT-X-BYTERANGE:10",
        "#EXT-X-GAP",
        "#EXT-X-BITRATE:zz",
        "#EXT-X-KEY:METHOD",
        '#EXT-X-MAP:URI="http://[::1/i"',
        "#EXT-X-STREAM-INF:RESOLUTION=axb,BANDWIDTH=1e400",
        "#EXT-X-PLAYLIST-TYPE:EV",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_lines, max_size=30), st.text(max_size=50))
def test_hostile_playlists_only_raise_playlist_error(lines, junk):
    text = "\n".join(["#EXTM3U", *lines, junk])
    try:
        result = p(text)
    except PlaylistError as exc:
        assert str(exc) and not _PYTHON_NAMES.search(str(exc)), str(exc)
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


# ---- generated valid playlists (live, EVENT, VOD, LL-HLS, skips, gaps, byte ranges) ----------------------------

_NAME = st.from_regex(r"[a-z0-9_-]{1,10}\.(ts|m4s|aac|mp4)", fullmatch=True)
_URI = st.one_of(
    _NAME,
    st.builds(
        lambda d, n, q: f"{d}/{n}?{q}",
        st.from_regex(r"[a-z]{1,5}", fullmatch=True),
        _NAME,
        st.from_regex(r"[a-z]=[A-Za-z0-9%~._-]{1,12}(&[a-z]=[0-9]{1,3})?", fullmatch=True),
    ),
    st.builds(
        lambda b, n: b + n,
        st.sampled_from(
            ["../up/", "/root/", "./", "//cdn.example/p/", "http://127.0.0.1:8081/x/", "https://[::1]:8443/a/b/"]
        ),
        _NAME,
    ),
)
_TITLE = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=10)  # U+2028 included: valid
_PDT_FORMATS = ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dt%H:%M:%S.%fz", "%Y-%m-%dT%H:%M:%S+00:00", "%Y-%m-%dT%H:%M:%SZ")


@st.composite
def _segment(draw, td: int, ll_hls: bool) -> dict:
    decimals = draw(st.integers(0, 6))
    duration = float(f"{draw(st.floats(0, td, allow_nan=False)):.{decimals}f}")
    return {
        "duration": duration,
        "extinf": f"{duration:.{decimals}f}",
        "title": draw(_TITLE),
        "uri": draw(_URI),
        "discontinuity": draw(st.booleans()),
        "gap": draw(st.booleans()),
        "byterange": draw(st.none() | st.builds("{}@{}".format, st.integers(1, 10**6), st.integers(0, 10**9))),
        "key": draw(st.none() | st.sampled_from(["NONE", "AES-128", "SAMPLE-AES"])),
        "map": draw(st.none() | _NAME) if draw(st.integers(0, 4)) == 0 else None,
        "pdt": draw(st.none() | st.integers(0, 10**6)),
        "parts": draw(st.lists(st.tuples(st.floats(0.01, 1.0), _NAME, st.booleans()), max_size=3)) if ll_hls else [],
    }


@st.composite
def valid_playlists(draw) -> tuple[str, dict]:
    """A valid media playlist and what it says (the oracle is the generator, not a parser)."""
    kind = draw(st.sampled_from(["live", "EVENT", "VOD", "LL-HLS"]))
    ll_hls = kind == "LL-HLS"
    td = draw(st.integers(1, 12))
    ms = draw(st.integers(0, 10**6) | st.integers(0, 2**63))
    ds = draw(st.integers(0, 1000))
    segments = draw(st.lists(_segment(td, ll_hls), min_size=1, max_size=25))
    lines = ["#EXTM3U", f"#EXT-X-VERSION:{9 if ll_hls else 7}", f"#EXT-X-TARGETDURATION:{td}"]
    lines += [f"#EXT-X-MEDIA-SEQUENCE:{ms}", f"#EXT-X-DISCONTINUITY-SEQUENCE:{ds}"]
    if kind in ("EVENT", "VOD"):
        lines.append(f"#EXT-X-PLAYLIST-TYPE:{kind}")
    if ll_hls:
        lines += ["#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=3.0", "#EXT-X-PART-INF:PART-TARGET=1.0"]
    for seg in segments:
        lines += [f"#EXT-X-KEY:METHOD={seg['key']}" + (',URI="k.bin"' if seg["key"] != "NONE" else "")] * bool(
            seg["key"]
        )
        lines += [f'#EXT-X-MAP:URI="{seg["map"]}"'] * bool(seg["map"])
        lines += ["#EXT-X-DISCONTINUITY"] * seg["discontinuity"] + ["#EXT-X-GAP"] * seg["gap"]
        if seg["pdt"] is not None:
            when = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=seg["pdt"])
            lines.append("#EXT-X-PROGRAM-DATE-TIME:" + when.strftime(draw(st.sampled_from(_PDT_FORMATS))))
        lines += [f'#EXT-X-PART:DURATION={d:.5f},URI="{u}"' + ",INDEPENDENT=YES" * i for d, u, i in seg["parts"]]
        lines += [f"#EXT-X-BYTERANGE:{seg['byterange']}"] * bool(seg["byterange"])
        lines += [f"#EXTINF:{seg['extinf']},{seg['title']}", seg["uri"]]
    open_parts = draw(st.lists(_NAME, max_size=3)) if ll_hls else []
    lines += [f'#EXT-X-PART:DURATION=0.50000,URI="{u}"' for u in open_parts]
    reports = (
        draw(st.lists(st.tuples(_NAME, st.none() | st.integers(0, 10**6), st.none() | st.integers(0, 9)), max_size=2))
        if ll_hls
        else []
    )
    if ll_hls:
        lines.append('#EXT-X-PRELOAD-HINT:TYPE=PART,URI="hint.m4s"')
    for uri, last_msn, last_part in reports:
        lines.append(
            f'#EXT-X-RENDITION-REPORT:URI="{uri}"'
            + f",LAST-MSN={last_msn}" * (last_msn is not None)
            + f",LAST-PART={last_part}" * (last_part is not None)
        )
    if kind == "VOD" or (kind == "EVENT" and draw(st.booleans())):
        lines.append("#EXT-X-ENDLIST")
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(lines) + (newline if draw(st.booleans()) else "")
    expected = {"ms": ms, "ds": ds, "segments": segments, "open_parts": open_parts, "reports": reports}
    return text, expected


def _expected_pdts(segments: list[dict]) -> list[datetime | None]:
    out, pdt = [], None
    for seg in segments:
        if seg["pdt"] is not None:
            pdt = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=seg["pdt"])
        out.append(pdt)
        pdt = pdt + timedelta(seconds=seg["duration"]) if pdt is not None else None
    return out


@settings(max_examples=150, deadline=None)
@given(valid_playlists())
def test_every_valid_playlist_is_read_and_says_what_was_written(case):
    text, want = case
    snap = ok(text)
    segs = want["segments"]
    assert snap.issues == ()
    assert snap.media_sequence == want["ms"] and [s.msn for s in snap.segments] == [
        want["ms"] + i for i in range(len(segs))
    ]
    assert [s.duration for s in snap.segments] == [seg["duration"] for seg in segs]
    assert snap.duration_s == pytest.approx(math.fsum(seg["duration"] for seg in segs))
    assert [s.uri for s in snap.segments] == [urljoin(URL, seg["uri"]) for seg in segs]
    assert [s.title for s in snap.segments] == [seg["title"].rstrip(" \t\f\v") for seg in segs]
    assert [(s.discontinuity, s.gap) for s in snap.segments] == [(seg["discontinuity"], seg["gap"]) for seg in segs]
    domains = [want["ds"] + sum(seg["discontinuity"] for seg in segs[: i + 1]) for i in range(len(segs))]
    assert [s.discontinuity_sequence for s in snap.segments] == domains
    assert [s.byterange for s in snap.segments] == [seg["byterange"] for seg in segs]
    assert [len(s.part_list) for s in snap.segments] == [len(seg["parts"]) for seg in segs]
    assert [pt.uri for pt in snap.parts] == [urljoin(URL, u) for u in want["open_parts"]]
    assert [(r.uri, r.last_msn, r.last_part) for r in snap.rendition_reports] == [
        (urljoin(URL, u), m, pt) for u, m, pt in want["reports"]
    ]
    for got, pdt in zip(snap.segments, _expected_pdts(segs), strict=True):
        assert (got.pdt is None) == (pdt is None)
        if pdt is not None:
            assert abs((got.pdt - pdt).total_seconds()) < 1e-3


_HEADER = tuple(
    f"#{tag}"
    for tag in (
        "EXTM3U",
        "EXT-X-VERSION",
        "EXT-X-TARGETDURATION",
        "EXT-X-MEDIA-SEQUENCE",
        "EXT-X-DISCONTINUITY-SEQUENCE",
        "EXT-X-PLAYLIST-TYPE",
        "EXT-X-SERVER-CONTROL",
        "EXT-X-PART-INF",
    )
)


@settings(max_examples=75, deadline=None)
@given(valid_playlists(), st.data())
def test_a_delta_update_of_any_valid_playlist_rebuilds_the_full_one(case, data):
    text, want = case
    full = ok(text)
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(newline)
    first = next(i for i, line in enumerate(lines) if not line.startswith(_HEADER))
    skip = data.draw(st.integers(0, len(want["segments"])))
    uris = [i for i, line in enumerate(lines) if line and not line.startswith("#")]
    cut = uris[skip - 1] + 1 if skip else first
    # a delta update still states the key and the map of the first listed segment (they were skipped with it)
    state = [line for line in lines[first:cut] if line.startswith(("#EXT-X-KEY", "#EXT-X-MAP"))][-2:]
    delta = newline.join([*lines[:first], f"#EXT-X-SKIP:SKIPPED-SEGMENTS={skip}", *state, *lines[cut:]])
    snap = ok(delta, previous=full)
    assert snap.skipped_segments == skip
    assert [s.msn for s in snap.segments] == [s.msn for s in full.segments]
    assert [(s.uri, s.duration, s.discontinuity_sequence, s.pdt) for s in snap.segments] == [
        (s.uri, s.duration, s.discontinuity_sequence, s.pdt) for s in full.segments
    ]


@settings(max_examples=100, deadline=None)
@given(valid_playlists(), st.data())
def test_any_cut_of_a_valid_playlist_is_read_or_refused_in_plain_words(case, data):
    text, _ = case
    cut = text[: data.draw(st.integers(1, len(text)))]
    try:
        snap = p(cut)
    except PlaylistError as exc:
        assert not _PYTHON_NAMES.search(str(exc)), str(exc)
        return
    if isinstance(snap, PlaylistSnapshot):
        assert all(0 <= s.duration <= max_extinf_s(snap.target_duration) for s in snap.segments)
    stripped = cut.rstrip("\r\n")
    if stripped.rsplit("\n", 1)[-1].startswith("#EXTINF"):
        raise AssertionError("a body ending on #EXTINF must be refused as truncated")


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=400).map(decode_body),
        st.text(max_size=400),
        st.text(max_size=400).map("#EXTM3U\n".__add__),
        st.lists(_lines | st.text(max_size=30), max_size=30).map(lambda lines: "\n".join(["#EXTM3U", *lines])),
    )
)
def test_arbitrary_text_or_bytes_raise_only_a_playlist_error_in_plain_words(text):
    for previous in (None, ok(playlist(0, [2.0] * 4))):
        try:
            result = p(text, previous=previous)
        except PlaylistError as exc:
            assert str(exc) and not _PYTHON_NAMES.search(str(exc)), str(exc)
            continue
        if isinstance(result, PlaylistSnapshot):
            cap = max_extinf_s(result.target_duration)
            assert all(0 <= s.duration <= cap for s in result.segments)
            assert math.isfinite(result.duration_s)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(
        [
            "http://h/a/b/p.m3u8",
            "http://h",
            "https://h:8/p.m3u8?token=x;y=2",
            "http://h/a/../b/p",
            "p.m3u8",
            "http://[::1]:80/x/",
            "HTTP://h/A/p.m3u8#f",
        ]
    ),
    st.one_of(_URI, st.text(st.characters(codec="ascii"), max_size=30)),
)
def test_the_fast_uri_resolution_is_exactly_urljoin(base, uri):
    try:
        want = urljoin(base, uri)
    except ValueError:
        want = None
    assert parse_module._Resolver(base)(uri) == want


def test_parse_media_is_parse_for_the_player():
    snap = parse_media(playlist(3, [2.0]), URL, 12.5)
    assert isinstance(snap, PlaylistSnapshot) and snap.fetched.lo == snap.fetched.hi == 12.5
    assert snap.segments == ok(playlist(3, [2.0])).segments
