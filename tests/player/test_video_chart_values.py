"""What the video dock charts: glass-to-glass only from the clock strip, an estimate under its own series."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gui.charts.panels import LatencyChart
from gui.dashboard_model import SERIES
from gui.video import GLASS_TO_GLASS, GLASS_TO_GLASS_ESTIMATE, PlayerDock, chart_values
from player.health import PlaybackState, PlayerHealth
from player.latency import SOURCE_PDT, SOURCE_PLAYLIST, SOURCE_STRIP, LatencySample
from player.vlc_player import is_available


def _sample(source: str, latency_s: float = 3.2) -> LatencySample:
    return LatencySample(t_mono=1.0, t_wall=datetime(2026, 12, 4, tzinfo=UTC), latency_s=latency_s, source=source)


def test_a_strip_sample_is_glass_to_glass() -> None:
    assert chart_values(None, _sample(SOURCE_STRIP)) == {GLASS_TO_GLASS: 3.2}


@pytest.mark.parametrize("source", [SOURCE_PLAYLIST, SOURCE_PDT])
def test_an_estimate_is_never_plotted_as_glass_to_glass(source: str) -> None:
    assert chart_values(None, _sample(source, 8.0)) == {GLASS_TO_GLASS_ESTIMATE: 8.0}


def test_health_fields_go_to_their_series() -> None:
    health = PlayerHealth(
        t_mono=1.0, state=PlaybackState.PLAYING, displayed_fps=25.0, rebuffer_count=2, pts_delay_ms=1400,
        latency_s=9.9, latency_source=SOURCE_PLAYLIST,  # the estimate in the health is not charted from here
    )  # fmt: skip
    assert chart_values(health, None) == {"health.fps": 25.0, "health.rebuffers": 2.0, "latency.player_buffer": 1.4}
    assert chart_values(PlayerHealth(t_mono=1.0, state=PlaybackState.WAITING), None) == {"health.rebuffers": 0.0}


def test_both_latency_series_are_declared_and_drawn(qapp) -> None:
    from gui.charts.theme import theme_for
    from gui.dashboard_model import DashboardModel

    assert {GLASS_TO_GLASS, GLASS_TO_GLASS_ESTIMATE} <= set(SERIES)
    chart = LatencyChart(DashboardModel(), theme_for(False))
    drawn = {c.series for c in chart.curves}
    assert {GLASS_TO_GLASS, GLASS_TO_GLASS_ESTIMATE} <= drawn


def test_a_dock_without_a_player_charts_nothing(qapp) -> None:
    dock = PlayerDock(None, "Player disabled")
    dock.play("http://127.0.0.1:9/live.m3u8")
    assert not dock.is_playing() and dock.health() == {}
    dock.shutdown()


@pytest.mark.vlc
@pytest.mark.skipif(not is_available(), reason="libVLC is not installed")
def test_the_dock_charts_a_playlist_estimate_as_an_estimate_once(qtbot, monkeypatch) -> None:
    from gui.video_panel import VideoPanel
    from player.player_latency import LatencyStatus, summarize

    panel = VideoPanel(audio=False, snapshot_hz=0)
    dock = PlayerDock(panel)  # the dock owns the panel from here on
    qtbot.addWidget(dock)
    try:
        estimate = _sample(SOURCE_PLAYLIST, 8.0)
        health = PlayerHealth(t_mono=1.0, state=PlaybackState.PLAYING, latency_s=8.0, latency_source=SOURCE_PLAYLIST)
        status = LatencyStatus(latest=estimate, measured=summarize([]), snapshots=0, decoded=0)
        monkeypatch.setattr(panel, "health", lambda: health)
        monkeypatch.setattr(panel, "latency", lambda: status)
        dock.play("http://127.0.0.1:9/live.m3u8")  # queued: the panel is not shown
        assert dock.health() == {"health.rebuffers": 0.0, GLASS_TO_GLASS_ESTIMATE: 8.0}
        assert dock.health() == {"health.rebuffers": 0.0}  # the same sample is charted once
    finally:
        panel.close_player()
