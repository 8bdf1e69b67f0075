"""The playlist as the live-edge feed rewrites it for libVLC (pure text in, text out)."""

from __future__ import annotations

import m3u8
import pytest

from player.feed_playlist import NotAMediaPlaylist, parse_feed_playlist, render_feed_playlist, start_floor

BASE = "http://origin.test/hls/stream.m3u8"


def _playlist(first: int, count: int, *, extra: dict[int, list[str]] | None = None, ended: bool = False) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-MEDIA-SEQUENCE:{first}", "#EXT-X-TARGETDURATION:3"]
    for seq in range(first, first + count):
        lines.extend((extra or {}).get(seq, []))
        lines += ["#EXTINF:2.000,", f"stream-{seq}.ts"]
    if ended:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def test_parse_numbers_segments_and_makes_uris_absolute() -> None:
    playlist = parse_feed_playlist(_playlist(40, 5), BASE)
    assert [s.sequence for s in playlist.segments] == [40, 41, 42, 43, 44]
    assert playlist.segments[0].uri == "http://origin.test/hls/stream-40.ts"
    assert playlist.newest_sequence == 44
    assert playlist.last_duration_s == 2.0
    assert playlist.target_duration == 3
    assert not playlist.ended


def test_render_trims_to_the_floor_and_renumbers() -> None:
    playlist = parse_feed_playlist(_playlist(40, 5), BASE)
    text = render_feed_playlist(playlist, floor=start_floor(playlist, 2), target_duration=1)
    parsed = m3u8.loads(text)
    assert parsed.media_sequence == 43
    assert parsed.target_duration == 1
    assert [s.uri for s in parsed.segments] == [
        "http://origin.test/hls/stream-43.ts",
        "http://origin.test/hls/stream-44.ts",
    ]
    assert "#EXT-X-VERSION:3" in text


def test_render_without_floor_keeps_everything_and_the_target() -> None:
    playlist = parse_feed_playlist(_playlist(7, 3, ended=True), BASE)
    text = render_feed_playlist(playlist, floor=None, target_duration=None)
    parsed = m3u8.loads(text)
    assert parsed.media_sequence == 7 and len(parsed.segments) == 3
    assert parsed.target_duration == 3
    assert parsed.is_endlist and playlist.ended


def test_a_floor_past_the_newest_segment_still_lists_the_newest() -> None:
    playlist = parse_feed_playlist(_playlist(10, 3), BASE)
    parsed = m3u8.loads(render_feed_playlist(playlist, floor=99, target_duration=None))
    assert [s.uri.rsplit("/", 1)[-1] for s in parsed.segments] == ["stream-12.ts"]
    assert parsed.media_sequence == 12


def test_dropped_discontinuities_are_counted_and_keys_carried_forward() -> None:
    extra = {
        10: ['#EXT-X-KEY:METHOD=AES-128,URI="keys/k1.bin"'],
        11: ["#EXT-X-DISCONTINUITY"],
        13: ["#EXT-X-DISCONTINUITY"],
    }
    playlist = parse_feed_playlist(_playlist(10, 5, extra=extra), BASE)
    text = render_feed_playlist(playlist, floor=13, target_duration=None)
    parsed = m3u8.loads(text)
    assert parsed.discontinuity_sequence == 2  # 11 dropped, 13 is the first kept: both counted
    assert not parsed.segments[0].discontinuity
    assert parsed.keys[-1].absolute_uri == "http://origin.test/hls/keys/k1.bin"
    assert parsed.segments[0].key is not None and parsed.segments[0].key.method == "AES-128"


def test_a_master_playlist_is_not_rewritten() -> None:
    master = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\nlow/index.m3u8\n"
    with pytest.raises(NotAMediaPlaylist):
        parse_feed_playlist(master, BASE)
    with pytest.raises(NotAMediaPlaylist):
        parse_feed_playlist("<html>502 Bad Gateway</html>", BASE)


def test_start_floor_counts_from_the_newest() -> None:
    playlist = parse_feed_playlist(_playlist(5, 4), BASE)
    assert start_floor(playlist, 1) == 8
    assert start_floor(playlist, 3) == 6
    assert start_floor(playlist, 99) == 5
    assert start_floor(parse_feed_playlist("#EXTM3U\n#EXT-X-TARGETDURATION:2\n", BASE), 2) is None
