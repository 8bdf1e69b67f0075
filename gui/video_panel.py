"""``VideoPanel``: the libVLC video in a native child widget, with health polled for display.

The panel owns a ``VlcPlayer`` (player/vlc_player.py, Qt-free) and a native ``QFrame`` it renders into. The
window handle is bound once the frame is shown (``winId()`` of a visible native widget). A ``QTimer`` on
the GUI thread polls ``player.health()/latency()/live_edge()`` (frozen dataclasses); other widgets read
``panel.health()`` and ``panel.latency()``. Nothing is painted over the video (no overlay); the status line
is a plain label under it.

Shutdown: call ``close_player()`` (also done in ``closeEvent``) before the window is destroyed; it stops
the timer, then the player (stop → detach → log_unset → release), while the native window still exists.

Under the status line a row of two controls: the live-edge **target** (``auto`` or seconds) and the
**path** the video takes: hlsmon's live-edge feed (lowest latency) or VLC's own HLS client (what a VLC
viewer of this stream gets). Both are kept in the user's settings when a ``Settings`` is given.
"""

from __future__ import annotations

import logging
import os
import sys

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from gui.settings import Settings
from player.edge_feed import DEFAULT_CONFIG as FEED_CONFIG
from player.health import PlayerHealth
from player.latency import SOURCE_STRIP
from player.live_edge import LiveEdgeStatus
from player.player_latency import LatencyStatus
from player.vlc_player import VlcPlayer, install_hint, is_available

log = logging.getLogger(__name__)

POLL_MS = 250
PATHS = (  # (settings value, label, tooltip)
    ("feed", "hlsmon live-edge feed", "hlsmon fetches each segment as soon as it is listed and streams it to libVLC: "
     "about one segment + 1 s behind live"),
    ("vlc", "VLC's own HLS client", "libVLC fetches the playlist itself, as the VLC application does: "
     "at least two segments behind live, more at start"),
)


def default_qt_platform() -> None:
    """libVLC embeds only into X11 windows on Linux: default Qt to xcb (XWayland) unless the user chose."""
    if sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "xcb"


default_qt_platform()  # effective if this module is imported before the QApplication is created


class _VideoSurface(QFrame):
    """A native child window libVLC draws into; Qt never paints over it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_NativeWindow, True)
        self.setAttribute(Qt.WidgetAttribute.WA_DontCreateNativeAncestors, True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground, True)
        self.setUpdatesEnabled(False)
        self.setStyleSheet("background: black;")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 180)


class VideoPanel(QWidget):
    """Video of ``play(url)`` with health; without libVLC it shows the install hint instead."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        audio: bool | None = None,  # None: only when a sound device or server exists
        snapshot_hz: float = 3.0,
        snapshot_locked_hz: float | None = 1.0,
        snapshot_width: int = 320,
        settings: Settings | None = None,
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._player: VlcPlayer | None = None
        self._bound = False
        self._pending_url: str | None = None
        self._health: PlayerHealth | None = None
        self._latency: LatencyStatus | None = None
        self._edge: LiveEdgeStatus | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.status_label = QLabel(self)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # a changing text must never re-layout (and so resize) the native video surface: libVLC would
        # reconfigure its output on every poll
        self.status_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.status_label.setFixedHeight(self.status_label.fontMetrics().height() + 4)
        if is_available():
            self.surface: QWidget = _VideoSurface(self)
            self._player = VlcPlayer(
                audio=audio,
                measure_latency=snapshot_hz > 0,
                snapshot_hz=snapshot_hz or 3.0,
                snapshot_locked_hz=snapshot_locked_hz,
                snapshot_width=snapshot_width,
                edge_feed=FEED_CONFIG if self._preference("settings/player_path", "feed") == "feed" else None,
            )
            target = float(self._preference("settings/player_target_s", 0.0) or 0.0)
            if target > 0:
                self._player.set_target_latency(target)
            self.status_label.setText("idle")
        else:
            self.surface = QLabel(install_hint(), self)
            self.surface.setWordWrap(True)
            self.surface.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.status_label.setText("playback unavailable: monitoring only")
        layout.addWidget(self.surface, 1)
        layout.addWidget(self.status_label)
        self.controls = self._make_controls()
        self.controls.setVisible(self._player is not None)
        layout.addWidget(self.controls)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)

    def _preference(self, key: str, default: object) -> object:
        return self._settings.get(key) if self._settings is not None else default

    def _make_controls(self) -> QWidget:
        row = QWidget(self)
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        self.target_spin = QDoubleSpinBox(row)
        self.target_spin.setRange(0.0, 60.0)
        self.target_spin.setSingleStep(0.5)
        self.target_spin.setDecimals(1)
        self.target_spin.setSuffix(" s")
        self.target_spin.setSpecialValueText("auto")  # 0: closest to live without stalling
        self.target_spin.setToolTip("Latency the player holds: auto = as close to live as the stream allows")
        self.target_spin.setValue(float(self._preference("settings/player_target_s", 0.0) or 0.0))
        self.target_spin.valueChanged.connect(self._on_target_changed)
        self.path_combo = QComboBox(row)
        for value, label, tip in PATHS:
            self.path_combo.addItem(label, value)
            self.path_combo.setItemData(self.path_combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        index = self.path_combo.findData(self._preference("settings/player_path", "feed"))
        self.path_combo.setCurrentIndex(max(0, index))
        self.path_combo.currentIndexChanged.connect(self._on_path_changed)
        box.addWidget(QLabel("Target latency", row))
        box.addWidget(self.target_spin)
        box.addSpacing(12)
        box.addWidget(QLabel("Video via", row))
        box.addWidget(self.path_combo)
        box.addStretch(1)
        return row

    def _on_target_changed(self, value: float) -> None:
        self.set_target_latency(value if value > 0 else None)
        if self._settings is not None:
            self._settings.set("settings/player_target_s", float(value))

    def _on_path_changed(self, _index: int) -> None:
        value = self.path_combo.currentData()
        if self._player is not None:
            self._player.set_edge_feed(FEED_CONFIG if value == "feed" else None)
        if self._settings is not None:
            self._settings.set("settings/player_path", value)

    # --- API for the main window ------------------------------------------------------------------
    @property
    def player(self) -> VlcPlayer | None:
        return self._player

    def play(self, url: str) -> None:
        """Start (or queue until the panel is shown) playback of ``url``; waits for the stream if not live."""
        if self._player is None:
            return
        self._pending_url = url
        self._bind_if_shown()

    def stop(self) -> None:
        self._pending_url = None
        if self._player is not None:
            self._player.stop()

    def set_target_latency(self, seconds: float | None) -> None:
        if self._player is not None:
            self._player.set_target_latency(seconds)

    def health(self) -> PlayerHealth | None:
        return self._health

    def latency(self) -> LatencyStatus | None:
        return self._latency

    def close_player(self) -> None:
        """Stop polling and release libVLC while the native window still exists. Idempotent."""
        self._timer.stop()
        if self._player is not None:
            player, self._player = self._player, None
            player.close()

    # --- Qt plumbing --------------------------------------------------------------------------------
    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._bind_if_shown()

    def closeEvent(self, event) -> None:
        self.close_player()
        super().closeEvent(event)

    def _bind_if_shown(self) -> None:
        if self._player is None or not self.surface.isVisible():
            return
        if not self._bound:
            self._player.bind_window(int(self.surface.winId()))
            self._bound = True
            self._timer.start()
        if self._pending_url is not None:
            self._player.play(self._pending_url)
            self._pending_url = None

    def _poll(self) -> None:
        if self._player is None:
            return
        self._health = self._player.health()
        self._latency = self._player.latency()
        self._edge = self._player.live_edge()
        self.status_label.setText(format_status(self._health, self._latency, self._edge))


def format_status(health: PlayerHealth, latency: LatencyStatus | None, edge: LiveEdgeStatus | None) -> str:
    """One status line: state, latency (measured or estimate) vs target, fps, rebuffers, freezes, PCR."""
    parts = [health.state if not health.waiting_reason else f"{health.state}: {health.waiting_reason}"]
    sample = latency.latest if latency else None
    if sample is not None:
        label = "latency" if sample.source == SOURCE_STRIP else f"latency ({sample.source})"
        text = f"{label} {sample.latency_s:.2f} s"
        if edge is not None and edge.target_s is not None:
            text += f" / target {edge.target_s:.1f} s ({edge.mode}, {edge.rate:.2f}×)"
        parts.append(text)
    if health.displayed_fps is not None:
        parts.append(f"{health.displayed_fps:.1f} fps")
    if health.ttff_s is not None:
        parts.append(f"first frame {health.ttff_s:.2f} s")
    parts.append(f"rebuffers {health.rebuffer_count} ({health.rebuffer_total_s:.1f} s)")
    parts.append(f"freezes {health.freeze_count}")
    if health.pcr_late_count:
        parts.append(f"PCR late ×{health.pcr_late_count}")
    if health.current_segment:
        parts.append(f"seg {health.current_segment}")
    if health.stream_lost and health.lost_reason:
        parts.append(f"lost: {health.lost_reason}")
    return " · ".join(parts)
