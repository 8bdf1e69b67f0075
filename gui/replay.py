"""Replay of a recorded session (File → Open, ``--session``): one owner for the reader thread, the progress
timer and the progress bar.

The reader thread (:class:`gui.session_io.SessionLoader`) fills an :class:`Ingestor` whose model nothing
else reads yet: column-wise (gui/session_columns.py), or event by event when that reader does not take the
file; the GUI thread only polls progress. When the file is read, :attr:`ReplayController.done`
carries the filled ingestor and the window resets its own model and ingestor from it (one step on the
GUI thread, announced by the model's reset).
"""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressBar, QWidget

from gui.ingest import Ingestor
from gui.session_columns import load_session
from gui.session_io import SessionLoader

log = logging.getLogger(__name__)

TICK_MS = 100  # progress updates while a session is read
BATCH = 2000  # events per hand-over of the reader thread (fewer, larger batches: less per-batch overhead)


@dataclass(frozen=True)
class ReplayResult:
    """What a finished background read hands to the window."""

    path: Path
    events: int
    ingestor: Ingestor  # filled; its model holds the session's charts
    error: BaseException | None = None


class ReplayController(QObject):
    """Reads one session at a time in the background; a new :meth:`start` cancels the previous one."""

    progress = Signal(float, int, float)  # fraction of the file, events so far, seconds since the start
    done = Signal(object)  # ReplayResult (not emitted for a cancelled read)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setMaximumWidth(220)
        self.bar.setFormat("reading session %p%")
        self.bar.hide()
        self.timer = QTimer(self, interval=TICK_MS, timeout=self._tick)
        self.loader: SessionLoader | None = None
        self._ingestor: Ingestor | None = None

    @property
    def active(self) -> bool:
        return self.loader is not None

    def progress_widget(self) -> QWidget:
        return self.bar

    def start(self, path: str | Path, ingestor: Ingestor) -> None:
        self.cancel()
        self._ingestor = ingestor
        fast = functools.partial(load_session, path, ingestor)
        self.loader = SessionLoader(path, batch=BATCH, consume=ingestor.feed_many, fast=fast).start()
        self.bar.setValue(0)
        self.bar.show()
        self.timer.start()

    def cancel(self) -> None:
        """Stop a read in progress (nothing of it is shown)."""
        loader, self.loader, self._ingestor = self.loader, None, None
        self.timer.stop()
        self.bar.hide()
        if loader is not None:
            loader.cancel()

    @Slot()
    def _tick(self) -> None:
        loader = self.loader
        if loader is None:
            self.timer.stop()
            return
        for _ in loader.take(time.monotonic() + 0.02):
            pass  # (the reader thread ingests the batches itself; take() only reports the end)
        if not loader.finished:
            self.bar.setValue(round(loader.fraction * 1000))
            self.progress.emit(loader.fraction, loader.events, time.monotonic() - loader.started)
            return
        ingestor = self._ingestor
        assert ingestor is not None
        self.loader, self._ingestor = None, None
        self.timer.stop()
        self.bar.hide()
        self.done.emit(ReplayResult(loader.path, loader.events, ingestor, loader.error))
