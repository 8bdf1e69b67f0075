"""The URL bar: origin URL, optional CDN URL (both with recent URLs), Play/Stop, stream-key helper."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from monitor.fetch import check_url

EXAMPLE_URL = "http://host:8080/hls/key.m3u8"


def input_problem(origin: str, cdn: str) -> str | None:
    """Why the typed URLs cannot be played and monitored, in words for the status line; None when they can."""
    if not origin:
        return f"Enter the origin playlist URL first, for example {EXAMPLE_URL}"
    for label, url in (("Origin", origin), ("CDN", cdn)):
        reason = check_url(url) if url else None
        if reason:
            return f"{label} URL {url!r}: {reason}. Playlists are fetched over http:// or https://, e.g. {EXAMPLE_URL}"
    return None


def _url_combo(placeholder: str, name: str) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    combo.lineEdit().setPlaceholderText(placeholder)
    combo.lineEdit().setClearButtonEnabled(True)
    return combo


class UrlBar(QWidget):
    """Emits ``play_requested(origin, cdn)``, ``stop_requested()`` and ``stream_key_requested()``."""

    play_requested = Signal(str, str)
    stop_requested = Signal()
    stream_key_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.origin = _url_combo(
            f"origin playlist URL (paste or drop), e.g. {EXAMPLE_URL}", "origin-url"
        )
        self.cdn = _url_combo("optional CDN URL of the same playlist", "cdn-url")
        self.play_button = QPushButton("▶ Play")
        self.play_button.setObjectName("play")
        self.play_button.setToolTip("Play and monitor (Ctrl+Return)")
        self.stop_button = QPushButton("■ Stop")
        self.stop_button.setObjectName("stop")
        self.stop_button.setToolTip("Stop playing and monitoring (Ctrl+.)")
        self.stop_button.setEnabled(False)
        self.key_button = QPushButton("Stream key…")
        self.key_button.setToolTip("Build the URLs from server, application and stream key; OBS settings (Ctrl+K)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(QLabel("Origin"))
        layout.addWidget(self.origin, 3)
        layout.addWidget(QLabel("CDN"))
        layout.addWidget(self.cdn, 2)
        layout.addWidget(self.play_button)
        layout.addWidget(self.stop_button)
        layout.addWidget(self.key_button)
        self.play_button.clicked.connect(self._on_play_clicked)
        self.stop_button.clicked.connect(self.stop_requested)
        self.key_button.clicked.connect(self.stream_key_requested)
        self.origin.lineEdit().returnPressed.connect(self._on_play_clicked)

    def set_recent(self, origins: list[str], cdns: list[str]) -> None:
        for combo, urls in ((self.origin, origins), (self.cdn, cdns)):
            text = combo.currentText()
            combo.clear()
            combo.addItems(urls)
            combo.setEditText(text)

    def set_urls(self, origin: str, cdn: str = "") -> None:
        self.origin.setEditText(origin)
        self.cdn.setEditText(cdn)

    def urls(self) -> tuple[str, str]:
        return self.origin.currentText().strip(), self.cdn.currentText().strip()

    def set_running(self, running: bool) -> None:
        self.play_button.setEnabled(not running)
        self.stop_button.setEnabled(running)

    @Slot()
    def _on_play_clicked(self) -> None:
        origin, cdn = self.urls()
        self.play_requested.emit(origin, cdn)  # the window explains an empty or refused URL
