"""Layout presets: the video at 640×360 or more at 1600×1000 by default; View → Layout switches and remembers."""

from __future__ import annotations

import pytest

from gui.layouts import CHARTS


@pytest.fixture
def big_window(window, qtbot):
    window.resize(1600, 1000)
    qtbot.waitUntil(lambda: window.width() == 1600, timeout=3000)
    return window


def _video_area(window) -> tuple[int, int]:
    panel = window.docks["Video"].widget()
    return panel.width(), panel.height()


def test_default_layout_gives_the_video_640_by_360(big_window, qtbot) -> None:
    qtbot.waitUntil(lambda: _video_area(big_window)[0] >= 640, timeout=3000)
    width, height = _video_area(big_window)
    assert width >= 640 and height >= 360, (width, height)
    assert big_window.layout_actions["operator"].isChecked()


def test_presets_switch_docks_and_are_remembered(big_window, qtbot) -> None:
    big_window.set_layout("charts")
    assert not big_window.docks["Video"].isVisibleTo(big_window)
    assert all(big_window.docks[c].isVisibleTo(big_window) for c in CHARTS)
    big_window.set_layout("player")
    assert big_window.docks["Video"].isVisibleTo(big_window)
    assert not any(big_window.docks[c].isVisibleTo(big_window) for c in CHARTS)
    qtbot.waitUntil(lambda: _video_area(big_window)[0] > 900, timeout=3000)  # most of the width
    assert big_window.settings.get("settings/layout") == "player"
    assert big_window.layout_name() == "player" and big_window.layout_actions["player"].isChecked()
