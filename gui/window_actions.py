"""The window's file and dialog actions: open/save sessions, exports, stream-key helper, what-if.

A mixin of MainWindow (kept apart so the window module stays small); it uses the window's model,
ingestor, stream control, settings, url bar and server model.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QPlainTextEdit, QVBoxLayout

from gui.dashboard_model import DashboardModel
from gui.ingest import Ingestor
from gui.report_images import chart_images
from gui.session_io import (
    SessionLoader,
    SessionUnavailable,
    check_header,
    export_csv,
    export_html,
    export_json,
    read_events,
)
from gui.stream_key import StreamKeyDialog

REPLAY_SLICE_S = 0.02
REPLAY_TICK_MS = 100  # progress updates while a session is read in the background


class WindowActions:
    """File → Open/Save/Export, Stream → key helper, What-if and About."""

    # --- sessions ------------------------------------------------------------------------------
    def open_session(self, path: str | Path, *, background: bool = False) -> int:
        """Replay a recorded session into the charts (no network). Returns the number of events read.

        ``background``: a thread (:class:`SessionLoader`) reads, decodes and ingests the file into a
        fresh model that nothing else reads yet, while the window shows a progress bar and stays
        responsive; when it is done the window takes that model over (one swap on the GUI thread) and
        ``replay_finished`` is emitted. The return value is then 0; ``cancel_replay()`` stops it."""
        self.cancel_replay()
        self.stop()
        self.clear()
        self.replaying = True
        self.model.info["session"] = str(path)
        self._loaded_session = Path(path)
        if background:
            check_header(path)
            model = DashboardModel()
            model.info.update(self.model.info)
            self.server.apply_references(model.refs)
            ingestor = Ingestor(model)
            ingestor.predict_deletion = self.server.deletion_interval
            self._replay_target = (model, ingestor)
            self._replay = SessionLoader(path, consume=ingestor.feed_many).start()
            self.replay_progress.setValue(0)
            self.replay_progress.show()
            self.status.setText(f"Reading {Path(path).name}…")
            self._replay_timer.start(REPLAY_TICK_MS)
            return 0
        n = self.ingestor.feed_many(read_events(path))
        self._replay_done(Path(path), n)
        return n

    def _replay_slice(self) -> None:
        """Timer tick during a background open: progress, and the model swap at the end."""
        loader: SessionLoader | None = getattr(self, "_replay", None)
        if loader is None:
            self._replay_timer.stop()
            return
        for _ in loader.take(time.monotonic() + REPLAY_SLICE_S):
            pass  # (batches are ingested on the reader thread)
        if not loader.finished:
            self.replay_progress.setValue(round(loader.fraction * 1000))
            self.status.setText(
                f"Reading {loader.path.name}: {loader.fraction:.0%}, {loader.events:,} events "
                f"({time.monotonic() - loader.started:.0f} s)"
            )
            return
        self._replay_timer.stop()
        self._replay = None
        self.replay_progress.hide()
        self._adopt(*self._replay_target)
        self._replay_target = None
        if loader.error is not None:
            self.status.setText(f"Could not read all of {loader.path}: {loader.error}")
            self.redraw()
            self.replay_finished.emit(loader.events)
            return
        self._replay_done(loader.path, loader.events)

    def _adopt(self, model: DashboardModel, ingestor: Ingestor) -> None:
        """Take over a model filled on the reader thread (the charts keep their reference to self.model)."""
        version = self.model.version
        vars(self.model).update(vars(model))
        self.model.version = max(version, model.version) + 1
        vars(self.ingestor).update(vars(ingestor))
        self.ingestor.model = self.model
        self.lifecycle.item._derived_cache.clear()

    def cancel_replay(self) -> None:
        """Stop a background replay (nothing of it is shown)."""
        loader: SessionLoader | None = getattr(self, "_replay", None)
        self._replay = None
        self._replay_target = None
        if loader is not None:
            loader.cancel()
            self._replay_timer.stop()
            self.replay_progress.hide()

    def _replay_done(self, path: Path, n: int) -> None:
        self.redraw()
        self.show_all()
        self._update_verdicts()
        self.status.setText(f"Replayed {n} events from {path}")
        self.replay_finished.emit(n)

    def open_session_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open session", str(self.stream.record_dir), "hlsmon sessions (*.jsonl *.jsonl.gz);;All files (*)"
        )
        if path:
            try:
                self.open_session(path, background=True)
            except (SessionUnavailable, OSError, ValueError) as exc:
                QMessageBox.warning(self, "Cannot open session", str(exc))

    def current_session_file(self) -> Path | None:
        if self.replaying:
            return getattr(self, "_loaded_session", None)
        return self.stream.record_path

    def save_session(self, path: str | Path) -> Path:
        src = self.current_session_file()
        if src is None or not Path(src).exists():
            raise FileNotFoundError("no session recorded yet")
        dst = Path(path)
        if Path(src).resolve() != dst.resolve():
            shutil.copyfile(src, dst)
        return dst

    def save_session_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save session as", "session.jsonl", "hlsmon sessions (*.jsonl)")
        if path:
            try:
                self.save_session(path)
            except OSError as exc:
                QMessageBox.warning(self, "Cannot save session", str(exc))

    def charts_png(self) -> bytes:
        """The dashboard (charts and panels) as PNG bytes."""
        pixmap = self.centralWidget().window().grab()
        data = QByteArray()
        buf = QBuffer(data)
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        pixmap.save(buf, "PNG")
        return bytes(data.data())

    def export(self, kind: str, path: str | Path) -> list[Path]:
        path = Path(path)
        if kind == "csv":
            return export_csv(self.model, path)
        if kind == "json":
            return [export_json(self.model, path)]
        if kind == "png":
            path.write_bytes(self.charts_png())
            return [path]
        if kind == "html":
            images = chart_images(self.model, self.chart_theme)
            settings = {"server profile": self.profile.profile(), **self.profile.settings()}
            return [export_html(self.model, path, images, settings)]
        raise ValueError(kind)

    def _export(self, kind: str) -> None:
        filters = {"csv": "CSV (*.csv)", "json": "JSON (*.json)", "png": "PNG (*.png)", "html": "HTML (*.html)"}
        path, _ = QFileDialog.getSaveFileName(self, f"Export {kind.upper()}", f"hlsmon.{kind}", filters[kind])
        if path:
            files = self.export(kind, path)
            self.statusBar().showMessage("Wrote " + ", ".join(str(f) for f in files), 8000)

    # --- misc ----------------------------------------------------------------------------------
    def show_stream_key_helper(self) -> None:
        dlg = StreamKeyDialog(
            self.settings.get("settings/stream_server"),
            self.settings.get("settings/stream_http"),
            self.settings.get("settings/stream_key"),
            self,
            running=self.running_ingest(),
        )
        if dlg.exec():
            urls = dlg.urls()
            self.settings.set("settings/stream_server", dlg.server.text())
            self.settings.set("settings/stream_http", dlg.http.text())
            self.settings.set("settings/stream_key", dlg.key.text())
            self.url_bar.set_urls(urls.playlist_url, self.url_bar.urls()[1])

    def show_what_if(self) -> None:
        """The server model's prediction from the settings alone (same text as ``hlsmon plan``)."""
        dlg = QDialog(self)
        dlg.setWindowTitle(f"What if: {self.server.profile}")
        text = QPlainTextEdit(self.server.plan_text("tutorial-fix" if self.url_bar.urls()[1] else "none"))
        text.setReadOnly(True)
        text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        QVBoxLayout(dlg).addWidget(text)
        dlg.resize(900, 560)
        self._what_if = dlg
        dlg.show()

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "hlsmon",
            "hlsmon — play and monitor live HLS streams: segment lifecycles at "
            "origin and CDN, against what the server's settings predict.",
        )
