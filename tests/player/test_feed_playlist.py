"""The playlist as the live-edge feed reads it (pure text in, numbered segments out)."""

from __future__ import annotations

import pytest

from player.feed_playlist import NotAMediaPlaylist, not_streamable_reason, parse_feed_playlist, start_floor

BASE = "http://origin.test/hls/stream.m3u8"


def _playlist(first: int, count: int, *, extra: dict[int, list[str]] | None = None, ended: bool = False) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-MEDIA-SEQUENCE:{first}", "#EXT-X-TARGETDURATION:3"]
    for seq in range(first, first + count):
        lines.extend((extra or {}).get(seq, []))
        lines += [f"#EXTINF:{2.0 + seq / 100:.3f},", f"stream-{seq}.ts"]
    if ended:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def test_parse_numbers_segments_and_makes_uris_absolute() -> None:
    playlist = parse_feed_playlist(_playlist(40, 5, extra={42: ["#EXT-X-DISCONTINUITY"]}), BASE)
    assert [s.sequence for s in playlist.segments] == [40, 41, 42, 43, 44]
    assert playlist.segments[0].uri == "http://origin.test/hls/stream-40.ts"
    assert [s.discontinuity for s in playlist.segments] == [False, False, True, False, False]
    assert playlist.segments[1].duration_s == pytest.approx(2.41)
    assert playlist.newest_sequence == 44
    assert playlist.last_duration_s == pytest.approx(2.44)
    assert not playlist.ended and playlist.not_streamable is None
    assert parse_feed_playlist(_playlist(7, 1, ended=True), BASE).ended


def test_encrypted_or_fmp4_playlists_are_not_streamable_as_one_ts() -> None:
    key = parse_feed_playlist(_playlist(1, 2, extra={1: ['#EXT-X-KEY:METHOD=AES-128,URI="k.bin"']}), BASE)
    assert key.not_streamable == "encrypted segments (#EXT-X-KEY)"
    fmp4 = parse_feed_playlist(_playlist(1, 2, extra={1: ['#EXT-X-MAP:URI="init.mp4"']}), BASE)
    assert fmp4.not_streamable == "fMP4 segments (#EXT-X-MAP)"
    assert not_streamable_reason(["#EXTM3U", "#EXT-X-KEY:METHOD=NONE", "a.ts"]) is None


def test_a_master_playlist_or_garbage_is_not_a_media_playlist() -> None:
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
