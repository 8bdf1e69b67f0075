"""The GUI hygiene check (tests/gui/conftest.py) names a window left on screen and an application timer left
running, closes them, and ignores what was already there."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from tests.gui.conftest import Leftovers


def test_a_shown_window_and_a_running_app_timer_are_named_and_stopped(qapp: QApplication) -> None:
    leftovers = Leftovers(qapp)
    widget = QWidget()
    widget.setWindowTitle("forgotten")
    widget.show()
    timer = QTimer(qapp, interval=1000)
    timer.setObjectName("ticker")
    timer.start()
    try:
        left = leftovers.stop()
        assert left == ["window QWidget 'forgotten'", "timer ticker every 1000 ms"]
        assert not widget.isVisible() and not timer.isActive()
    finally:
        timer.deleteLater()
        widget.deleteLater()


def test_closed_windows_and_stopped_timers_are_not_leftovers(qapp: QApplication) -> None:
    leftovers = Leftovers(qapp)
    widget = QWidget()
    widget.show()
    widget.close()
    timer = QTimer(qapp, interval=1000)
    timer.start()
    timer.stop()
    assert leftovers.stop() == []
    timer.deleteLater()
    widget.deleteLater()
