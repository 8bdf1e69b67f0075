"""HealthTracker on scripted libVLC events, log lines and picture counts (injected times)."""

from __future__ import annotations

import pytest

from player.health import HealthTracker, LogLine, PlayerEvent


def _log(t: float, text: str, level: int = 0) -> LogLine:
    return LogLine(t_mono=t, level=level, module="adaptive", object_type="demux", text=text)


def _buffering(tracker: HealthTracker, t: float, values: list[float]) -> None:
    for i, v in enumerate(values):
        tracker.on_event(PlayerEvent(t_mono=t + i * 0.01, kind="MediaPlayerBuffering", value=v))


def test_ttff_fps_and_playing_state() -> None:
    tracker = HealthTracker()
    tracker.reset(100.0)
    tracker.on_pictures(100.2, 0)
    assert tracker.snapshot(100.2).ttff_s is None
    tracker.on_pictures(100.35, 1)
    for k in range(1, 21):  # 30 fps for 2 s, sampled at 10 Hz
        tracker.on_pictures(100.35 + k * 0.1, 1 + 3 * k)
    health = tracker.snapshot(102.35)
    assert health.ttff_s == pytest.approx(0.35)
    assert health.state == "playing"
    assert health.displayed_fps == pytest.approx(30.0, rel=0.02)


def test_initial_buffering_is_not_a_rebuffer_but_later_cycles_are() -> None:
    tracker = HealthTracker()
    tracker.reset(0.0)
    _buffering(tracker, 0.1, [0, 30, 60, 100])
    assert tracker.snapshot(1.0).rebuffer_count == 0
    _buffering(tracker, 5.0, [0, 50])  # drop: rebuffer starts at 5.0
    assert tracker.snapshot(5.2).rebuffer_count == 1
    tracker.on_event(PlayerEvent(t_mono=5.5, kind="MediaPlayerBuffering", value=100.0))
    _buffering(tracker, 9.0, [0, 100])
    health = tracker.snapshot(10.0)
    assert health.rebuffer_count == 2
    assert health.rebuffer_total_s == pytest.approx(0.5 + 0.01, abs=1e-6)


def test_freeze_detected_from_stalled_picture_count() -> None:
    tracker = HealthTracker()
    tracker.reset(0.0)
    n = 0
    t = 0.3
    for _ in range(10):
        n += 3
        tracker.on_pictures(t, n)
        t += 0.1
    last = t - 0.1
    for _ in range(12):  # 1.2 s without a new picture: not reported while open (could be stats lag)
        tracker.on_pictures(t, n)
        t += 0.1
    assert tracker.snapshot(t).freeze_count == 0
    for _ in range(10):  # 2.2 s: an open freeze this long is reported
        tracker.on_pictures(t, n)
        t += 0.1
    assert tracker.snapshot(t).freeze_count == 1
    tracker.on_pictures(t, n + 3)  # resumes at the normal pace: the pictures were not shown
    health = tracker.snapshot(t)
    assert health.freeze_count == 1
    assert health.longest_freeze_s == pytest.approx(t - last)
    assert health.freeze_total_s == pytest.approx(t - last)


@pytest.mark.parametrize(("resume_step", "freezes"), [(3, 1), (40, 0)])
def test_counter_catching_up_after_a_gap_is_stats_lag_not_a_freeze(resume_step: int, freezes: int) -> None:
    """30 fps, then 1.3 s without a counter change: +3 after it is a freeze, +40 (the gap's frames) is not."""
    tracker = HealthTracker()
    tracker.reset(0.0)
    n, t = 0, 0.3
    for _ in range(20):
        n += 3
        tracker.on_pictures(t, n)
        t += 0.1
    for _ in range(13):
        tracker.on_pictures(t, n)
        t += 0.1
    tracker.on_pictures(t, n + resume_step)
    health = tracker.snapshot(t)
    assert health.freeze_count == freezes
    assert (health.longest_freeze_s > 1.0) == bool(freezes)


def test_short_gap_is_not_a_freeze() -> None:
    tracker = HealthTracker()
    tracker.reset(0.0)
    tracker.on_pictures(0.3, 1)
    tracker.on_pictures(0.6, 1)  # libVLC's stats step (~0.27 s) is not a freeze
    tracker.on_pictures(0.8, 1)
    tracker.on_pictures(0.9, 8)
    assert tracker.snapshot(0.6).freeze_count == 0


def test_log_lines_pcr_late_segments_and_loss() -> None:
    tracker = HealthTracker()
    tracker.reset(0.0)
    tracker.on_log(_log(1.0, "Retrieving http://127.0.0.1:8080/hls/test.m3u8"))
    tracker.on_log(_log(1.1, "Retrieving http://127.0.0.1:8080/hls/test-378.ts"))
    tracker.on_log(_log(2.0, "ES_OUT_SET_(GROUP_)PCR  is called too late (pts_delay increased to 1031 ms)", 4))
    health = tracker.snapshot(2.0)
    assert health.current_segment == "test-378.ts"
    assert health.segments_fetched == 1  # the playlist poll is not a segment
    assert health.pcr_late_count == 1
    assert health.pts_delay_ms == 1031
    assert not health.stream_lost
    tracker.on_log(_log(3.0, "Failed to update 1/3 playlist ID 0", 3))
    assert not tracker.snapshot(3.0).stream_lost
    tracker.on_log(_log(4.0, "Could not update  anymore, disabling", 4))
    health = tracker.snapshot(4.0)
    assert health.stream_lost and health.state == "lost"
    assert "could not be updated" in (health.lost_reason or "")
    assert health.playlist_failures == 1


def test_end_reached_marks_loss_and_reset_clears_it() -> None:
    tracker = HealthTracker()
    tracker.reset(0.0)
    tracker.on_event(PlayerEvent(t_mono=1.0, kind="MediaPlayerEndReached"))
    assert tracker.snapshot(1.0).stream_lost
    tracker.restarts = 1
    tracker.reset(2.0)
    health = tracker.snapshot(2.0)
    assert not health.stream_lost and health.restarts == 1 and health.state == "opening"


def test_audio_output_detection_follows_the_sound_server(tmp_path, monkeypatch) -> None:
    """Without a sound device or server libVLC floods the log with ALSA errors: hlsmon then uses no audio."""
    from player import vlc_binding

    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.delenv("PULSE_SERVER", raising=False)
    has_device = any(p.name.startswith("pcm") for p in __import__("pathlib").Path("/dev/snd").glob("*"))
    assert vlc_binding.audio_output_available() is has_device
    (tmp_path / "pulse").mkdir()
    (tmp_path / "pulse" / "native").touch()
    assert vlc_binding.audio_output_available() is True
