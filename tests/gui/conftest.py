"""GUI tests: a fresh settings file per test; pyqtgraph configured like the app."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fresh_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("HLSMON_SETTINGS_FILE", str(tmp_path / "settings.ini"))
    yield tmp_path / "settings.ini"


@pytest.fixture
def window(qtbot, tmp_path):
    from gui.app import configure_pyqtgraph
    from gui.main_window import MainWindow
    from gui.settings import Settings

    configure_pyqtgraph()
    settings = Settings(tmp_path / "settings.ini")
    settings.set("settings/record_dir", str(tmp_path / "sessions"))
    w = MainWindow(settings, with_player=False)
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()
