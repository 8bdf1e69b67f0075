"""Segment analysis on tiny segments made by ffmpeg: one test per finding, and a clean run with none."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.content import ContentSettings, SegmentInput, SegmentReport, StreamState, analyse_segment
from monitor.content import findings as F
from monitor.content.media import UnreadableSegment, read_segment
from tests.content.media import encode, needs_ffmpeg

pytestmark = needs_ffmpeg


def run(segments: list[bytes], *, settings: ContentSettings = ContentSettings(), extinf_s: float = 2.0,  # noqa: B008
        first_msn: int = 0, **inputs: object) -> list[SegmentReport]:
    """Analyse ``segments`` in order as consecutive media sequence numbers."""
    reports = []
    state: StreamState | None = None
    for i, data in enumerate(segments):
        seg = SegmentInput(msn=first_msn + i, extinf_s=extinf_s, **inputs)  # type: ignore[arg-type]
        report = analyse_segment(data, seg, state, settings)
        reports.append(report)
        state = report.state
    return reports


def codes(report: SegmentReport) -> set[str]:
    return {f.code for f in report.findings}


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """6 s of moving picture and tone, keyframes every 0.4 s (10 frames), 2 s segments."""
    return encode(tmp_path_factory.mktemp("clean"), seconds=6)


def test_clean_run_raises_nothing_and_measures(clean: list[bytes]) -> None:
    reports = run(clean)
    assert [r.findings for r in reports] == [(), (), ()]
    last = reports[-1]
    assert last.keyint_s == pytest.approx(0.4, abs=0.001)
    assert last.keyframes_s == pytest.approx([last.keyframes_s[0] + k * 0.4 for k in range(5)], abs=0.001)
    assert last.starts_on_keyframe is True
    assert last.video_gap_ms == 0 and abs(last.audio_gap_ms or 0) < 25
    assert last.format.video_codec == "h264" and last.format.size == "160x90" and last.format.fps == 25
    assert last.format.audio_codec == "aac"
    assert last.media_s == pytest.approx(2.0, abs=0.01)
    assert -25 < (last.level_dbfs or 0) < -15  # ffmpeg's sine: amplitude 1/8 (-21 dBFS RMS)
    assert last.bitrate_bps and last.bitrate_bps > 10_000
    assert last.thumbnail[:2] == b"\xff\xd8"  # a JPEG


def test_frozen_picture(tmp_path: Path) -> None:
    segments = encode(tmp_path, vf="split[a][b];[a][b]freezeframes=first=0:last=1000:replace=0")
    (report,) = run(segments)
    assert codes(report) == {F.FROZEN_PICTURE}
    assert report.findings[0].evidence["duration_s"] == pytest.approx(1.6, abs=0.05)


def test_black_picture_is_black_not_frozen(tmp_path: Path) -> None:
    (report,) = run(encode(tmp_path, video="color=c=black"))
    assert codes(report) == {F.BLACK_PICTURE}
    assert report.mean_luma == pytest.approx(16, abs=2)


def test_a_still_picture_shorter_than_the_minimum_is_not_frozen(tmp_path: Path) -> None:
    segments = encode(tmp_path, vf="split[a][b];[a][b]freezeframes=first=0:last=1000:replace=0")
    (report,) = run(segments, settings=ContentSettings(frozen_min_s=2.0))
    assert report.findings == ()


def test_silence(tmp_path: Path) -> None:
    (report,) = run(encode(tmp_path, af="volume=0"))
    assert codes(report) == {F.SILENCE}
    assert (report.level_dbfs or 0) < -60


def test_missing_track(tmp_path: Path) -> None:
    with_sound = encode(tmp_path / "a", seconds=2)
    mute = encode(tmp_path / "b", seconds=2, audio=False, ts_offset_s=2.0)
    reports = run(with_sound + mute)
    (missing,) = [f for f in reports[1].findings if f.code == F.MISSING_TRACK]
    assert missing.evidence["track"] == "audio"
    assert F.MISSING_TRACK not in codes(reports[0])


def test_timestamp_gap_and_overlap(clean: list[bytes]) -> None:
    gap = run([clean[0], clean[2]])[1]  # the middle segment's 2 s are missing from the timeline
    assert codes(gap) == {F.TIMESTAMP_GAP}
    assert gap.video_gap_ms == pytest.approx(2000, abs=1)
    overlap = run([clean[1], clean[0]])[1]
    assert F.TIMESTAMP_OVERLAP in codes(overlap)
    assert overlap.video_gap_ms == pytest.approx(-4000, abs=1)


def test_no_gap_across_a_discontinuity_or_a_skipped_segment(clean: list[bytes]) -> None:
    assert run([clean[0], clean[2]], discontinuity=True)[1].findings == ()
    state = run([clean[0]])[0].state
    skipped = analyse_segment(clean[2], SegmentInput(msn=2, extinf_s=2.0), state)  # msn 1 was not analysed
    assert skipped.findings == () and skipped.video_gap_ms is None


def test_timestamp_jump_inside_a_segment(tmp_path: Path) -> None:
    (report,) = run(encode(tmp_path, vf="setpts='PTS+gte(T,1)*3/TB'", keyint_s=1,
                            audio=False, single=True), extinf_s=2.0)
    assert F.TIMESTAMP_GAP in codes(report)
    assert F.KEYFRAME_INTERVAL_MISMATCH not in codes(report)  # the jump is taken out of the spacing
    assert report.media_s == pytest.approx(2.0, abs=0.05)


def test_keyframe_interval_mismatch_against_the_configured_one(clean: list[bytes]) -> None:
    reports = run(clean, settings=ContentSettings(keyint_s=2.0))
    assert all(codes(r) == {F.KEYFRAME_INTERVAL_MISMATCH} for r in reports)
    assert reports[1].findings[0].evidence["measured_s"] == pytest.approx(0.4, abs=0.001)


def test_keyframe_interval_change_against_the_learnt_one(tmp_path: Path) -> None:
    first = encode(tmp_path / "a", seconds=2)
    longer = encode(tmp_path / "b", seconds=2, keyint_s=2.0, ts_offset_s=2.0)
    report = run(first + longer)[1]
    assert codes(report) == {F.KEYFRAME_INTERVAL_MISMATCH}
    assert report.findings[0].evidence == {"detail": "no keyframe for 2.00 s, expected one every 0.40 s",
                                           "measured_s": 2.0, "expected_s": 0.4, "fragment_s": 2.0}


def test_segment_not_starting_on_keyframe(tmp_path: Path) -> None:
    (whole,) = encode(tmp_path / "a", seconds=2, keyint_s=2.0)
    source = tmp_path / "whole.ts"
    source.write_bytes(whole)
    cut = tmp_path / "cut.ts"
    import subprocess

    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(source), "-ss", "0.5",
                    "-c", "copy", "-copyinkf", "-f", "mpegts", str(cut)], check=True, timeout=30)
    (report,) = run([cut.read_bytes()], extinf_s=1.5)
    assert F.NOT_STARTING_ON_KEYFRAME in codes(report)
    assert report.starts_on_keyframe is False


def test_extinf_against_media(clean: list[bytes]) -> None:
    (report,) = run(clean[:1], extinf_s=3.0)
    assert codes(report) == {F.EXTINF_VS_MEDIA}
    assert report.findings[0].evidence["diff_s"] == pytest.approx(1.0, abs=0.01)


def test_av_drift(tmp_path: Path) -> None:
    # each 1 s segment's sound starts 70 ms later against its picture: small steps, no jump, but it adds up
    segments = [encode(tmp_path / str(k), seconds=1, segment_s=1, keyint_s=1, ts_offset_s=k, audio_delay_s=0.07 * k)[0]
                for k in range(8)]
    reports = run(segments, extinf_s=1.0)
    assert not any(F.TIMESTAMP_GAP in codes(r) for r in reports)
    assert not any(F.AV_DRIFT in codes(r) for r in reports[:3])
    assert F.AV_DRIFT in codes(reports[-1])
    assert (reports[-1].av_drift_ms or 0) > 200


def test_bitrate_over_declared(clean: list[bytes]) -> None:
    measured = run(clean[:1])[0].bitrate_bps or 0
    (fine,) = run(clean[:1], bandwidth=int(measured * 1.05), average_bandwidth=int(measured * 1.05))
    assert fine.findings == ()  # within 10 %
    (over,) = run(clean[:1], bandwidth=int(measured / 1.2), average_bandwidth=int(measured / 1.2))
    assert codes(over) == {F.BITRATE_OVER_DECLARED}
    assert {f.evidence["attribute"] for f in over.findings} == {"BANDWIDTH", "AVERAGE-BANDWIDTH"}


def test_codec_change_resolution_and_frame_rate(tmp_path: Path) -> None:
    base = encode(tmp_path / "a", seconds=2)
    bigger = encode(tmp_path / "b", seconds=2, size="192x108", ts_offset_s=2.0, audio=False)
    slower = encode(tmp_path / "c", seconds=2, fps=15, ts_offset_s=2.0, audio=False)
    resized = run(base + bigger)[1]
    assert resized.findings[0].code == F.CODEC_CHANGE or F.CODEC_CHANGE in codes(resized)
    assert any("160x90 → 192x108" in f.detail for f in resized.findings)
    assert any("frame rate 25 → 15 fps" in f.detail for f in run(base + slower)[1].findings)


def test_every_keyframe_is_seen_when_the_encoder_uses_b_frames(tmp_path: Path) -> None:
    (data,) = encode(tmp_path, preset="veryfast")  # x264 veryfast: 3 B-frames, the decoder reorders
    media = read_segment(data)
    assert len(media.video.keyframes_s) == 5 if media.video else False
    assert [round(p.t_s, 3) for p in media.pictures] == [round(k, 3) for k in media.video.keyframes_s]


def test_unreadable_bytes() -> None:
    with pytest.raises(UnreadableSegment):
        analyse_segment(b"<html>404 Not Found</html>", SegmentInput(msn=0, extinf_s=2.0), None)
