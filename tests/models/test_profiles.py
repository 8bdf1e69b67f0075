"""Every formula of servers.md §7 against hand-computed values."""

from __future__ import annotations

import pytest

from monitor.models import (
    SERVER_SETTINGS,
    Interval,
    latency_floor_s,
    parse_settings,
    predict,
    profile_for,
    profile_from_spec,
)
from monitor.models.cutting import cuts_ffmpeg, cuts_from_segment_start, steady_pattern
from monitor.models.ffmpeg import ffmpeg_deletion_index
from monitor.models.nginx import NginxRtmpProfile


def durations(cuts: list[tuple[float, float, bool]]) -> list[float]:
    return [d for _, d, _ in cuts]


# ---- cutting --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fragment", "keyint", "expected"),
    [(2, 2, 2), (2, 1, 2), (2, 4, 4), (3, 2, 4), (5, 2, 6), (1, 3, 3), (2, None, 2)],
)
def test_segment_start_rule_is_ceil_f_over_g_times_g(fragment: float, keyint: float | None, expected: float) -> None:
    assert set(durations(cuts_from_segment_start(fragment, keyint, 8))) == {expected}


def test_forced_cut_after_max_fragment_marks_next_discontinuity() -> None:
    cuts = cuts_from_segment_start(1, 30, 3, forced_after=10)
    assert durations(cuts) == [10, 10, 10]
    assert [c[2] for c in cuts] == [False, True, True]


@pytest.mark.parametrize(
    ("hls_time", "keyint", "expected"),
    [(2, 1, [2, 2, 2, 2, 2, 2]), (4, 3, [6, 3, 3, 6, 3, 3]), (1, 2, [2, 2, 2, 2, 2, 2]), (2, 4, [4] * 6)],
)
def test_ffmpeg_grid_anchored_to_first_packet(hls_time: float, keyint: float, expected: list[float]) -> None:
    assert durations(cuts_ffmpeg(hls_time, keyint, 6)) == expected


def test_steady_pattern() -> None:
    assert steady_pattern([6, 3, 3, 6, 3, 3, 6, 3, 3]) == (6, 3, 3)
    assert steady_pattern([4.0] * 9) == (4.0,)


# ---- nginx-rtmp -------------------------------------------------------------------------------------
def nginx(fragment: str, playlist: str, keyint: float | None = None, **more: object) -> NginxRtmpProfile:
    settings: dict[str, object] = {"hls_fragment": fragment, "hls_playlist_length": playlist, **more}
    if keyint is not None:
        settings["keyint"] = keyint
    profile = profile_for("nginx-rtmp", settings)
    assert isinstance(profile, NginxRtmpProfile)
    return profile


def test_nginx_entries_depend_only_on_p_and_f() -> None:
    assert nginx("2s", "6s", keyint=4).winfrags == 3
    assert nginx("3s", "5s").winfrags == 1  # the tutorial's config
    assert nginx("30s", "60s").winfrags == 2
    assert nginx("1500ms", "6s").winfrags == 4


def test_nginx_blog_case_30_60() -> None:
    """servers.md §1.5: F=30, P=60: 2 entries, ticks every 120 s, deleted 120-240 s after close (mean 3P)."""
    p = predict(nginx("30s", "60s"))
    assert p.entries == 2 and p.window_s == 60 and p.target_duration == 30
    assert p.lifecycle.gone_after_appear == Interval(120, 240)
    assert p.lifecycle.gone_after_leave == Interval(60, 180)
    assert p.lifecycle.gone_after_appear.mid == 3 * 60  # "about three times playlist_length"
    window, availability = p.spec[0], p.spec[1]
    assert window.holds == "no"  # 60 s < 3 x 30 s
    assert availability.holds == "sometimes" and "25%" in availability.detail  # D / 2P
    assert p.files_on_disk == (5, 9)  # 2W+1 .. 4W+1


def test_nginx_deletion_after_leaving_matches_issue_example() -> None:
    p = predict(nginx("2s", "6s", keyint=2))
    assert p.lifecycle.gone_after_leave == Interval(6, 18)  # [P, 3P) when D = F
    assert "6 to 18 s" in p.lifecycle.gone_after_leave.words()


def test_nginx_keyframe_stretch() -> None:
    p = predict(nginx("2s", "6s", keyint=4))
    assert p.durations == (4.0,)
    assert p.entries == 3 and p.window_s == 12  # W x D, longer than P
    assert p.target_duration == 4
    assert p.lifecycle.gone_after_leave == Interval(0, 12)
    assert "keyframe interval is 4 s" in (p.keyframe_effect or "")
    listed_check = next(c for c in p.spec if "still listed" in c.rule)
    assert listed_check.holds == "sometimes"


def test_nginx_deleted_while_listed_when_gop_much_longer() -> None:
    p = predict(nginx("1s", "3s", keyint=10))  # D = 10 > F; W = 3 -> window 30 s > 2P + 2P = 12 s
    check = next(c for c in p.spec if "still listed" in c.rule)
    assert check.holds == "no"
    assert any("playlist is not deleted" in c.rule and c.holds == "no" for c in p.spec)  # D >= P


@pytest.mark.parametrize(
    ("fragment", "keyint", "td"),
    [("2s", 2, 2), ("2500ms", 1, 3), ("2500ms", None, 3), ("1s", 3, 3), ("2400ms", 0.4, 2)],
)
def test_nginx_target_duration(fragment: str, keyint: float | None, td: int) -> None:
    # max(floor(F), round_half_up(max D)): 2.5 s with keyint 1 -> D = 3; unknown keyint -> D = 2.5 -> 3 (half up);
    # 2.4 s -> 2
    assert predict(nginx(fragment, "10s", keyint=keyint)).target_duration == td


def test_nginx_timeline_first_segment_discontinuity_and_times() -> None:
    p = predict(nginx("2s", "6s", keyint=2), segments=5)
    first = p.timeline[0]
    assert first.discontinuity and first.name == "stream-0.ts"
    assert first.appear == Interval.point(2) and first.leave == Interval.point(8)
    assert first.gone == Interval(14, 26)
    assert [s.msn for s in p.timeline] == [0, 1, 2, 3, 4]


def test_nginx_cleanup_off_never_deletes() -> None:
    p = predict(nginx("2s", "6s", hls_cleanup="off"))
    assert p.lifecycle.gone_after_leave is None and p.files_on_disk is None
    assert "Never deleted" in p.deletion


@pytest.mark.parametrize("off", ["off", False, 0, "no"])
def test_nginx_cleanup_off_in_any_spelling(off: object) -> None:
    assert not nginx("2s", "6s", hls_cleanup=off).deletes
    assert nginx("2s", "6s", hls_cleanup=True).deletes


def test_nginx_other_cache_managers_shorten_the_tick() -> None:
    profile = nginx("10s", "60s", proxy_cache="on")
    assert profile.gone_after_close() == Interval(120, 130)


def test_nginx_naming_and_stop_words() -> None:
    assert nginx("2s", "6s", hls_fragment_naming="system").unique_names
    assert not nginx("2s", "6s").unique_names
    p = predict(nginx("2s", "6s"))
    assert "No ENDLIST" in p.stop and "6 s to 18 s" in p.stop
    assert "DISCONTINUITY" in p.republish


def test_nginx_bad_naming() -> None:
    with pytest.raises(ValueError, match="hls_fragment_naming"):
        nginx("2s", "6s", hls_fragment_naming="random")


# ---- ffmpeg / NMS ------------------------------------------------------------------------------
def test_ffmpeg_deletion_threshold_one_is_one_segment_after_leaving() -> None:
    p = predict(profile_for("ffmpeg", {"hls_time": 1, "hls_list_size": 3, "hls_flags": "delete_segments"}))
    assert p.entries == 3 and p.window_s == 3
    assert p.lifecycle.listed_for == 3
    assert p.lifecycle.gone_after_leave == Interval.point(1)
    assert p.files_on_disk == (4, 4)
    assert next(c for c in p.spec if "available" in c.rule).holds == "no"  # 1 s < D + window = 4 s


@pytest.mark.parametrize(("threshold", "after"), [(1, 1), (2, 2), (4, 4), (9, 4)])
def test_ffmpeg_deletion_threshold_capped_at_list_size_plus_one(threshold: int, after: float) -> None:
    profile = profile_for(
        "ffmpeg", {"hls_time": 1, "hls_list_size": 3, "hls_flags": "delete_segments", "hls_delete_threshold": threshold}
    )
    assert predict(profile).lifecycle.gone_after_leave == Interval.point(after)


def test_ffmpeg_deletion_index_with_uneven_durations() -> None:
    # N = 2, durations 6,3,3,6,3,3,...; threshold 9 -> the duration cap decides
    d = [6, 3, 3, 6, 3, 3, 6, 3, 3, 6, 3, 3]
    c = ffmpeg_deletion_index(d, 0, 2, 9)
    # segment 0 leaves at the cut closing 2; playlist durations at cut c are d[c-1]+d[c]
    assert c is not None and c > 2
    kept_before = sum(d[1 : c - 2 + 1])  # removed-newer ones kept when 0 is deleted
    assert kept_before >= d[c - 1] + d[c]


def test_ffmpeg_without_delete_segments_never_deletes() -> None:
    p = predict(profile_for("ffmpeg", {"hls_time": 2}))
    assert p.entries == 5 and p.lifecycle.gone_after_leave is None
    assert "ENDLIST is appended" in p.stop


def test_ffmpeg_target_duration_ties_to_even() -> None:
    profile = profile_for("ffmpeg", {"hls_time": 4})
    assert profile.target_duration([4.5, 4.0]) == 4  # lrint(4.5) = 4
    assert profile.target_duration([5.5]) == 6


def test_nms_hls_flags_and_stop() -> None:
    hls_flags = SERVER_SETTINGS["nms"][0].kind
    assert hls_flags.split("[hls_time=2:hls_list_size=3:hls_flags=delete_segments]") == {  # type: ignore[attr-defined]
        "hls_time": "2",
        "hls_list_size": "3",
        "hls_flags": "delete_segments",
    }
    profile = profile_for("nms", {"hlsFlags": "[hls_time=2:hls_list_size=3:hls_flags=delete_segments]"})
    assert profile.name == "nms"
    p = predict(profile)
    assert p.entries == 3 and p.lifecycle.gone_after_leave == Interval.point(2)
    assert "404 within moments" in p.stop
    kept = predict(profile_for("nms", {"hlsKeep": "1"}))
    assert "Nothing is deleted" in kept.stop


def test_ffmpeg_settings_errors() -> None:
    with pytest.raises(ValueError):
        profile_for("ffmpeg", {"hls_delete_threshold": 0})


# ---- SRS, MediaMTX, generic ------------------------------------------------------------------------
def test_srs_window_is_floor_w_over_d_plus_one_and_no_grace() -> None:
    p = predict(profile_for("srs", {"hls_fragment": 10, "hls_window": 60}))
    assert p.entries == 7 and p.window_s == 70  # servers.md §5 defaults
    assert p.lifecycle.gone_after_leave == Interval.point(0)
    assert next(c for c in p.spec if "available" in c.rule).holds == "no"
    assert p.timeline[0].name == "stream-0.ts"


def test_srs_target_duration_is_ceiling_and_aof_cap() -> None:
    profile = profile_for("srs", {"hls_fragment": 2, "hls_window": 10, "keyint": 10})
    p = predict(profile)
    # cut on audio at 2.1 x F without a keyframe, until a keyframe (every 10 s) comes first
    assert p.durations == pytest.approx((4.2, 4.2, 4.2, 4.2, 3.2))
    assert p.target_duration == 5  # ceil(4.2)


def test_mediamtx() -> None:
    p = predict(profile_for("mediamtx", {"hlsSegmentDuration": "1s", "hlsSegmentCount": 7, "keyint": 2}))
    assert p.durations == (2.0,) and p.entries == 7 and p.window_s == 14
    assert p.lifecycle.gone_after_leave == Interval.point(0)
    assert p.unique_names


def test_generic_spec_minimum() -> None:
    p = predict(profile_for("generic", {"segment_duration": 6, "entries": 5}))
    assert p.lifecycle.gone_after_leave == Interval(36, float("inf"))
    assert all(c.holds == "yes" for c in p.spec)


def test_latency_lower_bound_is_ingest_plus_d_plus_hold_back() -> None:
    p = predict(profile_for("ffmpeg", {"hls_time": 2, "hls_list_size": 5}))
    assert p.hold_back_s == 6 and latency_floor_s(p, ingest_latency_s=1.0) == 9
    short = predict(profile_for("ffmpeg", {"hls_time": 2, "hls_list_size": 2}))
    assert short.hold_back_s == 4  # cannot hold back more than the window


# ---- registry -------------------------------------------------------------------------------------
def test_profile_spec_syntax_and_aliases() -> None:
    profile = profile_from_spec("nginx:hls_fragment=2s,hls_playlist_length=6s,keyint=4")
    assert isinstance(profile, NginxRtmpProfile) and profile.keyint_s == 4
    assert parse_settings("hlsFlags=[hls_time=2:hls_list_size=3],keyint=2") == {
        "hlsFlags": "[hls_time=2:hls_list_size=3]",
        "keyint": "2",
    }
    with pytest.raises(ValueError, match="unknown server profile"):
        profile_for("wowza", {})
    with pytest.raises(ValueError, match="key=value"):
        parse_settings("hls_fragment")


@pytest.mark.parametrize("name", sorted(SERVER_SETTINGS))
def test_every_profile_accepts_its_documented_defaults(name: str) -> None:
    settings = {s.key: s.default for s in SERVER_SETTINGS[name]}
    p = predict(profile_for(name, settings), segments=4)
    assert p.target_duration >= 1 and len(p.timeline) == 4


# ---- stop and republish ------------------------------------------------------------------------------
def test_stop_plans() -> None:
    ng = predict(nginx("1s", "3s")).on_stop
    assert not ng.endlist and ng.playlist_gone == Interval(3, 9) and ng.segments_gone == Interval(6, 12)
    assert ng.continues_within == Interval(3, 9) and ng.restart_reuses_names
    assert predict(nginx("1s", "3s", hls_continuous="off")).on_stop.continues_within is None
    assert not predict(nginx("1s", "3s", hls_fragment_naming="system")).on_stop.restart_reuses_names
    nms = predict(profile_for("nms", {"hlsFlags": "[hls_time=1:hls_list_size=3:hls_flags=delete_segments]"})).on_stop
    assert nms.endlist and nms.playlist_gone == Interval(0, 3) and nms.continues_within is None
    assert predict(profile_for("nms", {"hlsKeep": "1"})).on_stop.playlist_gone is None
    assert predict(profile_for("ffmpeg", {"hls_flags": "omit_endlist"})).on_stop.endlist is False
    srs = predict(profile_for("srs", {"hls_dispose": 30})).on_stop
    assert srs.playlist_gone == Interval(30, 40) and srs.continues_within == Interval(33, 33)
    assert not predict(profile_for("mediamtx", {})).on_stop.restart_reuses_names


def test_long_playlists_get_a_full_simulated_window() -> None:
    """hls_playlist_length 60s with 1 s fragments (60 entries) and NMS hls_list_size=100 (the tutorial)."""
    ng = predict(nginx("1s", "60s", keyint=1))
    assert ng.entries == 60 and ng.window_s == pytest.approx(60)
    assert ng.lifecycle.listed_for == pytest.approx(60) and ng.lifecycle.gone_after_leave == Interval(60, 180)
    assert next(c for c in ng.spec if c.rule.startswith("playlist lasts")).holds == "yes"
    flags = "[hls_time=1:hls_list_size=100:hls_flags=delete_segments]"
    nms = predict(profile_for("nms", {"hlsFlags": flags, "keyint": 2}))
    assert nms.window_s == pytest.approx(200) and nms.lifecycle.gone_after_leave == Interval.point(2)
    assert "(2 s)" in nms.deletion


def test_hls_keep_false_words() -> None:
    assert predict(profile_for("nms", {"hlsKeep": "false"})).on_stop.playlist_gone is not None
    assert predict(profile_for("nms", {"hlsKeep": True})).on_stop.playlist_gone is None
