"""Verdicts on scripted observations: the words, the numbers, and that wrong behaviour is flagged."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from monitor.models import format_verdicts, judge, profile_for
from monitor.records import PlaylistSnapshot, RequestKind, RequestRecord, SegmentEntry, SegmentLifecycle
from tests.models.scripted import ffmpeg_lives, life, nginx_lives, nginx_truth, window

NGINX_2_6 = {"hls_fragment": "2s", "hls_playlist_length": "6s", "keyint": 2}


def by_code(verdicts: list, code: str) -> list:
    return [v for v in verdicts if v.code == code]


def test_nginx_deletions_inside_prediction_say_as_expected() -> None:
    verdicts = judge(nginx_lives(2, 6, 20), profile_for("nginx-rtmp", NGINX_2_6), truth=nginx_truth(2, 6, 20))
    gone = by_code(verdicts, "gone")
    assert len(gone) >= 15
    assert all(v.level in ("ok", "info") for v in gone), [v.message for v in gone if v.level not in ("ok", "info")]
    assert gone[0].message == (
        "Deleted 16.5 s after leaving the playlist; nginx-rtmp with playlist_length 6 s predicts 6 to 18 s: "
        "as expected."
    )
    assert all(v.level == "ok" for v in by_code(verdicts, "appear") + by_code(verdicts, "listed"))
    summary = {v.code: v for v in verdicts if v.scope == "summary"}
    assert summary["summary_gone"].level == "ok"
    assert summary["summary_gone_truth"].level == "ok"
    batches = summary["summary_batches"]
    assert batches.level == "ok" and "every 12 s" in batches.message


def test_nginx_spec_breach_is_reported_as_info_inside_prediction() -> None:
    """A deletion inside the nginx interval but sooner than D + window is 'as expected' and flags §6.2.2."""
    verdicts = judge(nginx_lives(2, 6, 20), profile_for("nginx-rtmp", NGINX_2_6))
    early = [v for v in by_code(verdicts, "gone") if v.observed is not None and v.observed < 8]
    assert early, "the scripted phase should produce some early deletions"
    assert all(v.spec == "RFC 8216 §6.2.2" and "as expected" in v.message for v in early)


def test_deletion_outside_prediction_is_a_warning() -> None:
    lives = nginx_lives(2, 6, 12)
    bad = dataclasses.replace(lives[3], gone=window(lives[3].left.lo + 1.0, lives[3].left.lo + 1.2))
    lives[3] = bad
    verdicts = judge(lives, profile_for("nginx-rtmp", NGINX_2_6))
    v = next(v for v in by_code(verdicts, "gone") if v.msn == 3)
    assert v.level == "warning" and "earlier than predicted" in v.message
    assert next(v for v in verdicts if v.code == "summary_gone").level == "warning"


def test_wrong_profile_is_caught() -> None:
    """ffmpeg-like lives judged as nginx-rtmp: deletions come far too early."""
    lives = ffmpeg_lives(2, 3, 1, 12)
    verdicts = judge(lives, profile_for("nginx-rtmp", NGINX_2_6))
    assert any(v.level == "warning" for v in by_code(verdicts, "gone"))


def test_ffmpeg_threshold_four() -> None:
    profile = profile_for(
        "ffmpeg", {"hls_time": 1, "hls_list_size": 3, "hls_flags": "delete_segments", "hls_delete_threshold": 4}
    )
    verdicts = judge(ffmpeg_lives(1, 3, 4, 15), profile)
    gone = by_code(verdicts, "gone")
    assert gone and all(v.level == "ok" for v in gone)
    assert gone[0].message.endswith(
        "deletes it at the cut that lists segment 7, 4 s after leaving at a steady pace: as expected."
    )
    # the same lives against threshold 1 are late
    wrong = profile_for("ffmpeg", {"hls_time": 1, "hls_list_size": 3, "hls_flags": "delete_segments"})
    wrong_gone = by_code(judge(ffmpeg_lives(1, 3, 4, 15), wrong), "gone")
    assert wrong_gone and all(v.level == "warning" for v in wrong_gone)
    assert any("not at that cut" in v.message for v in wrong_gone)


def test_keyframe_effect_summary_and_advice() -> None:
    lives = nginx_lives(2, 6, 12, duration=4)
    verdicts = judge(lives, profile_for("nginx-rtmp", {"hls_fragment": "2s", "hls_playlist_length": "6s"}))
    summary = next(v for v in verdicts if v.code == "summary_durations")
    assert summary.message.startswith("Segments last 4 s although hls_fragment is 2 s")
    assert "Set OBS's keyframe interval to 2 s" in summary.message
    assert any(v.code == "advice_keyint" for v in verdicts)


def test_durations_as_configured_are_ok() -> None:
    verdicts = judge(nginx_lives(2, 6, 12), profile_for("nginx-rtmp", NGINX_2_6))
    assert next(v for v in verdicts if v.code == "summary_durations").level == "ok"


def test_srs_no_grace_and_spec() -> None:
    profile = profile_for("srs", {"hls_fragment": 2, "hls_window": 6})
    lives = []
    for k in range(12):
        close = 2.0 * (k + 1)
        leave = close + 8.0  # 4 entries: floor(6/2) + 1
        lives.append(life(k, f"s-{k}.ts", 2.0, (close, close + 0.1), (leave, leave + 0.1), (leave, leave + 0.1)))
    verdicts = judge(lives, profile)
    assert all(v.level in ("ok", "info") for v in by_code(verdicts, "gone") + by_code(verdicts, "listed"))
    assert all(v.spec == "RFC 8216 §6.2.2" for v in by_code(verdicts, "gone"))


def test_judge_consumes_monitor_lifecycles_and_requests() -> None:
    records = nginx_lives(2, 6, 16)
    records.append(SegmentLifecycle(endpoint="cdn", msn=0, uri="x", extinf=2.0, first_seen=window(0, 1)))
    t0 = datetime(2026, 11, 25, tzinfo=UTC)
    stale = RequestRecord(
        endpoint="origin",
        kind=RequestKind.PLAYLIST,
        method="GET",
        url="u",
        final_url="u",
        sent_mono=1.0,
        sent_utc=t0,
        first_byte_mono=1.1,
        end_mono=1.2,
        end_utc=t0,
        status=200,
        headers={"age": "37", "x-cache": "Hit from cloudfront"},
    )
    snaps = [
        PlaylistSnapshot(
            endpoint="origin",
            fetched=window(i, i + 0.1),
            url="u",
            media_sequence=i,
            target_duration=2,
            segments=tuple(SegmentEntry(msn=i + j, uri=f"test-{i + j}.ts", duration=2.0) for j in range(3)),
        )
        for i in range(5)
    ]
    verdicts = judge(
        records, profile_for("nginx-rtmp", NGINX_2_6), snapshots=snaps, requests=[stale], endpoint="origin"
    )
    assert all(v.level in ("ok", "info") for v in by_code(verdicts, "gone"))
    cdn = next(v for v in verdicts if v.code == "summary_cdn_playlist_age")
    assert cdn.level == "problem"
    assert cdn.message == (
        "The CDN served a playlist 37 s old (Age 37, X-Cache Hit): playlists must not be cached; use "
        "CachingDisabled for *.m3u8 or send Cache-Control max-age=1 from the origin."
    )
    entries = next(v for v in verdicts if v.code == "summary_entries")
    assert entries.level == "ok" and "lists 3 segments" in entries.message
    text = format_verdicts(verdicts)
    assert "Per segment:" in text and "Summary:" in text and "Recommendations:" in text


def test_target_duration_change_and_shortwindow() -> None:
    snaps = [
        PlaylistSnapshot(
            endpoint="o",
            fetched=window(i, i),
            url="u",
            media_sequence=i,
            target_duration=td,
            segments=(SegmentEntry(msn=i, uri="a.ts", duration=float(td)),),
        )
        for i, td in enumerate([4, 4, 6, 6])
    ]
    verdicts = judge([], profile_for("generic", {}), snapshots=snaps)
    codes = {v.code for v in verdicts}
    assert {"summary_td_changed", "summary_short_window"} <= codes


def test_name_reuse_and_deleted_while_listed() -> None:
    lives = [
        life(0, "index0.ts", 2, (0, 0)),
        life(7, "index0.ts", 2, (30, 30), errors_while_listed=2),
    ]
    verdicts = judge(lives, profile_for("ffmpeg", {}))
    assert any(v.code == "summary_name_reuse" for v in verdicts)
    assert next(v for v in verdicts if v.code == "deleted_while_listed").level == "problem"


def test_recommendations_cover_the_five_topics() -> None:
    profile = profile_for("nginx-rtmp", {"hls_fragment": "10s", "hls_playlist_length": "20s", "keyint": 4})
    codes = {v.code for v in judge([], profile)}
    assert {"advice_keyint", "advice_fragment", "advice_playlist_length", "advice_unique_names", "advice_cdn"} <= codes


def test_ffmpeg_bursty_input_judged_by_the_cut() -> None:
    """NMS relays in bursts: cuts are uneven in wall time, but each deletion coincides with a listing."""
    profile = profile_for("nms", {"hlsFlags": "[hls_time=1:hls_list_size=3:hls_flags=delete_segments]"})
    closes = [1.0, 2.0, 2.3, 4.0, 5.0, 5.2, 7.0, 8.0, 8.4, 10.0, 11.0, 11.1, 13.0, 14.0]
    lives = []
    for k in range(len(closes) - 4):
        leave, gone = closes[k + 3], closes[k + 4]  # leaves at the cut of k+3, deleted at the cut of k+4
        lives.append(life(k, f"index{k}.ts", 1.0, (closes[k], closes[k]), (leave, leave), (gone - 0.001, gone - 0.001)))
    lives += [life(k, f"index{k}.ts", 1.0, (closes[k], closes[k])) for k in range(len(closes) - 4, len(closes))]
    gone = by_code(judge(lives, profile), "gone")
    assert len(gone) == len(closes) - 4
    assert all(v.level in ("ok", "info") and "as expected" in v.message for v in gone), [v.message for v in gone]
    late = [dataclasses.replace(o, gone=window(o.gone.lo + 0.9)) if o.gone else o for o in lives]
    assert any("not at that cut" in v.message for v in by_code(judge(late, profile), "gone"))
