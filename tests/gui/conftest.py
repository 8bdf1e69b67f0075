"""GUI tests: a fresh settings file per test; pyqtgraph configured like the app.

A GUI test that leaves a window on screen or an application-wide timer running fails: either would keep
firing into the next test.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication


class Leftovers:
    """Windows shown and application-wide timers started since it was made; ``stop()`` closes and names them."""

    def __init__(self, app: QApplication) -> None:
        self.app = app
        self.windows = {id(w) for w in app.topLevelWidgets() if w.isVisible()}
        self.timers = {id(t) for t in app.findChildren(QTimer) if t.isActive()}

    def stop(self) -> list[str]:
        self.app.processEvents()
        shown = [w for w in self.app.topLevelWidgets() if w.isVisible() and id(w) not in self.windows]
        running = [t for t in self.app.findChildren(QTimer) if t.isActive() and id(t) not in self.timers]
        names = [f"window {type(w).__name__} {w.windowTitle()!r}" for w in shown]
        names += [f"timer {t.objectName() or '<unnamed>'} every {t.interval()} ms" for t in running]
        for w in shown:
            w.close()
        for t in running:
            t.stop()
        return names


@pytest.fixture(autouse=True)
def _no_leftover_windows_or_timers(qapp: QApplication) -> Iterator[None]:
    """Runs after qtbot has closed the widgets it was given and after the test's own fixtures' teardown."""
    leftovers = Leftovers(qapp)
    yield
    # Collect this test's garbage Qt objects here, on the main thread: collected later by whichever thread
    # happens to trigger the garbage collector (a poller, the content worker), a QObject's destructor takes a
    # Qt lock and then waits for the GIL while the main thread holds the GIL and waits for that lock.
    gc.collect()
    left = leftovers.stop()
    if left:
        pytest.fail("this test left running: " + ", ".join(left), pytrace=False)


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
