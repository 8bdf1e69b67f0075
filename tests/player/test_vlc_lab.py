"""Real libVLC under Xvfb playing the real lab (nginx-rtmp + ffmpeg publisher) in a real window.

One lab per module (1 s fragments, 4 s playlist). Covers: binding a native window, first frame, the
clock strip decoded from real snapshots, surviving a publisher restart, and closing without a crash.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest

from player.vlc_player import is_available

pytestmark = [
    pytest.mark.vlc,
    pytest.mark.lab,
    pytest.mark.skipif(not is_available(), reason="libVLC is not installed"),
]


@pytest.fixture(scope="module")
def lab(module_lab_factory):
    return module_lab_factory(fragment_s=1, playlist_length_s=4, keyint_s=1)


def test_panel_plays_measures_and_survives_publisher_restart(qtbot, lab) -> None:
    from gui.video_panel import VideoPanel

    panel = VideoPanel(audio=False)
    qtbot.addWidget(panel)
    panel.resize(640, 420)
    panel.show()
    panel.play(lab.playlist_url)
    player = panel.player
    assert player is not None
    try:
        qtbot.waitUntil(lambda: player.health().ttff_s is not None, timeout=20_000)
        qtbot.waitUntil(lambda: player.latency().decoded >= 5, timeout=15_000)
        samples = player.latency_samples()
        assert all(s.source == "strip" for s in samples)
        assert all(0.3 < s.latency_s < 20.0 for s in samples), [s.latency_s for s in samples]
        health = player.health()
        assert health.state in ("playing", "rebuffering")
        assert health.current_segment and health.current_segment.endswith(".ts")
        assert health.latency_s is not None  # strip if a snapshot decoded in the last 2.5 s, else estimate
        assert "latency" in panel.status_label.text()

        lab.publisher.stop()
        time.sleep(3.0)
        restarted_ms = time.time() * 1000
        lab.publisher.start()

        def playing_fresh_pictures() -> bool:
            return _Stamp(player).epoch_ms_after(restarted_ms) and player.health().state == "playing"

        qtbot.waitUntil(playing_fresh_pictures, timeout=40_000)
        qtbot.waitUntil(lambda: bool(player.health().displayed_fps), timeout=5_000)  # fps restarts with playback
    finally:
        panel.close_player()
    assert panel.player is None


class _Stamp:
    """Newest strip sample's stamped time (the picture shown) compared with a wall-clock instant."""

    def __init__(self, player) -> None:
        latest = player.latency().latest
        self.stamp_ms = (
            (latest.t_wall.timestamp() - latest.latency_s) * 1000 if latest and latest.source == "strip" else None
        )

    def epoch_ms_after(self, t_ms: float) -> bool:
        return self.stamp_ms is not None and self.stamp_ms > t_ms


def test_waits_for_a_stream_that_is_not_there_yet_and_closes_cleanly(lab) -> None:
    """In a child process (a crash would kill pytest): wait on a 404 playlist, play, close, exit 0."""
    missing = lab.playlist_url.replace(".m3u8", "-later.m3u8")
    script = textwrap.dedent(
        f"""
        import sys, time
        from player.vlc_player import VlcPlayer
        player = VlcPlayer(audio=False)
        player.play({missing!r})
        time.sleep(2.0)
        health = player.health()
        assert health.state == "waiting", health
        assert "404" in (health.waiting_reason or ""), health.waiting_reason
        player.play({lab.playlist_url!r})
        deadline = time.monotonic() + 20
        while player.health().ttff_s is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert player.health().ttff_s is not None, player.health()
        time.sleep(1.0)
        player.close()
        sys.stdout.write("closed\\n")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=str(_root())
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "closed" in result.stdout


def _root():
    from pathlib import Path

    return Path(__file__).resolve().parents[2]


def test_switching_the_path_while_playing_restarts_on_the_other_path(qtbot, lab) -> None:
    """Feed -> VLC's own HLS client -> feed: each switch plays again, with the segment from the right source."""
    from player.edge_feed import DEFAULT_CONFIG
    from player.live_edge import FEED_MARGIN_S
    from player.vlc_player import VlcPlayer

    player = VlcPlayer(audio=False, measure_latency=False)
    try:
        player.play(lab.playlist_url)
        qtbot.waitUntil(lambda: player.health().ttff_s is not None, timeout=20_000)
        qtbot.waitUntil(lambda: player.edge_feed_stats() is not None and player.edge_feed_stats().segments_fed >= 1,
                        timeout=10_000)
        # the automatic target follows the playlist's 1 s segments: one segment + margin (+ at most one raise)
        qtbot.waitUntil(lambda: abs(player.live_edge().target_s - (1.0 + FEED_MARGIN_S)) <= 0.55, timeout=5_000)

        player.set_edge_feed(None)
        qtbot.waitUntil(lambda: player.edge_feed_stats() is None and player.health().ttff_s is not None,
                        timeout=20_000)
        qtbot.waitUntil(lambda: (player.health().current_segment or "").endswith(".ts"), timeout=10_000)
        qtbot.waitUntil(lambda: abs(player.live_edge().target_s - (2 * 1.0 + 1.0)) <= 0.55, timeout=5_000)

        player.set_edge_feed(DEFAULT_CONFIG)
        qtbot.waitUntil(lambda: player.edge_feed_stats() is not None and player.edge_feed_stats().segments_fed >= 1,
                        timeout=20_000)
        qtbot.waitUntil(lambda: player.health().ttff_s is not None and player.health().state == "playing",
                        timeout=20_000)
    finally:
        player.close()
