"""The window's file and dialog actions: open/save sessions, exports, stream-key helper, what-if.

A mixin of MainWindow (kept apart so the window module stays small); it uses the window's model,
ingestor, stream control, settings, url bar and server model.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QPlainTextEdit, QVBoxLayout

from gui.dashboard_model import DashboardModel, References
from gui.ingest import Ingestor
from gui.replay import ReplayResult
from gui.report_images import chart_images, thumbnail_images
from gui.session_io import (
    check_header,
    export_csv,
    export_html,
    export_json,
    read_events,
    session_urls,
)
from gui.stream_key import StreamKeyDialog
from gui.viewer_latency import apply_viewer_latencies
from monitor.content_feed import thumbs_dir


class WindowActions:
    """File → Open/Save/Export, Stream → key helper, What-if and About."""

    def apply_references(self, refs: References) -> None:
        """The configured, spec and model values the charts draw as reference lines."""
        self.server.apply_references(refs)
        apply_viewer_latencies(refs, self.server)

    # --- sessions ------------------------------------------------------------------------------
    def open_session(self, path: str | Path, *, background: bool = False) -> int:
        """Replay a recorded session into the charts (no network). Returns the number of events read.

        ``background``: the replay controller (gui/replay.py) reads, decodes and ingests the file on a
        thread into a fresh model while the window shows its progress and stays responsive; when it is done
        the window's model resets itself from that one and ``replay_finished`` is emitted. The return value
        is then 0; ``cancel_replay()`` stops it."""
        self.cancel_replay()
        self.stop()
        self.clear()
        self.replaying = True
        self._loaded_session = Path(path)
        self.ingestor.thumbs_dir = thumbs_dir(Path(path))
        origin, cdn = session_urls(path)
        self.url_bar.set_urls(origin, cdn)
        self.model.info.update({"session": str(path), **({"origin": origin} if origin else {})})
        if cdn:
            self.model.info["cdn"] = cdn
        if background:
            check_header(path)
            model = DashboardModel()
            model.info.update(self.model.info)
            self.apply_references(model.refs)
            ingestor = Ingestor(model, self.ingestor.arrival_step_s)
            ingestor.predict_deletion = self.server.deletion_after_appear
            ingestor.thumbs_dir = self.ingestor.thumbs_dir
            self.replay.start(path, ingestor)
            self.status.setText(f"Reading {Path(path).name}…")
            return 0
        n = self.ingestor.feed_many(read_events(path))
        self._replay_done(Path(path), n)
        return n

    def _on_replay_progress(self, fraction: float, events: int, elapsed: float) -> None:
        name = self._loaded_session.name if self._loaded_session else "session"
        self.status.setText(f"Reading {name}: {fraction:.0%}, {events:,} events ({elapsed:.0f} s)")

    def _on_replay_done(self, result: ReplayResult) -> None:
        """A background read finished: the window's model and ingestor take over what it filled."""
        self.model.reset(result.ingestor.model)
        self.ingestor.reset(result.ingestor)
        if result.error is not None:
            self.status.setText(f"Could not read all of {result.path}: {result.error}")
            self.redraw()
            self.replay_finished.emit(result.events)
            return
        self._replay_done(result.path, result.events)

    def cancel_replay(self) -> None:
        """Stop a background replay (nothing of it is shown)."""
        self.replay.cancel()

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
            except (OSError, ValueError) as exc:
                QMessageBox.warning(self, "Cannot open session", str(exc))

    def current_session_file(self) -> Path | None:
        if self.replaying:
            return self._loaded_session
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
            return [export_html(self.model, path, images, settings, thumbnail_images(self.model))]
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
