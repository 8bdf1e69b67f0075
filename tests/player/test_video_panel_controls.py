"""The video panel's target and path controls drive the real player and are kept in the settings."""

from __future__ import annotations

import pytest

from player.vlc_player import is_available

pytestmark = [pytest.mark.vlc, pytest.mark.skipif(not is_available(), reason="libVLC is not installed")]


def test_controls_start_from_settings_and_write_back(qtbot, tmp_path) -> None:
    from gui.settings import Settings
    from gui.video_panel import VideoPanel

    settings = Settings(tmp_path / "hlsmon.ini")
    settings.set("settings/player_path", "vlc")
    settings.set("settings/player_target_s", 4.5)
    panel = VideoPanel(audio=False, settings=settings)
    qtbot.addWidget(panel)
    try:
        player = panel.player
        assert player is not None
        assert player.edge_feed_config is None  # "vlc": VLC's own HLS client
        assert panel.path_combo.currentData() == "vlc"
        assert panel.target_spin.value() == pytest.approx(4.5)
        qtbot.waitUntil(lambda: player.live_edge().target_s == pytest.approx(4.5), timeout=3_000)

        panel.path_combo.setCurrentIndex(panel.path_combo.findData("feed"))
        qtbot.waitUntil(lambda: player.edge_feed_config is not None, timeout=3_000)
        assert settings.get("settings/player_path") == "feed"

        panel.target_spin.setValue(0.0)  # "auto"
        assert panel.target_spin.text() == "auto"
        qtbot.waitUntil(lambda: player.live_edge().auto, timeout=3_000)
        assert settings.get("settings/player_target_s") == 0.0
    finally:
        panel.close_player()
