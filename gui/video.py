"""The video dock: the libVLC ``VideoPanel``, or a panel saying why there is no video.

The window calls ``play(url)``, ``stop()``, ``shutdown()``, ``is_playing()`` and ``health()``: series name →
value for the health and latency charts, read from the panel's ``PlayerHealth`` and ``LatencyStatus``.
Glass-to-glass is charted only from the clock strip; a latency estimated from the playlist (no strip in the
picture) goes to its own series, ``latency.glass_to_glass_estimate``.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gui.settings import Settings
from gui.video_panel import VideoPanel
from player.health import PlayerHealth
from player.latency import SOURCE_STRIP, LatencySample

log = logging.getLogger(__name__)

GLASS_TO_GLASS = "latency.glass_to_glass"  # measured: the clock strip in the picture
GLASS_TO_GLASS_ESTIMATE = "latency.glass_to_glass_estimate"  # from the playlist and libVLC's position


def chart_values(health: PlayerHealth | None, latest: LatencySample | None) -> dict[str, float]:
    """Chart series → value of one poll of the player (``latest``: a latency sample not charted yet)."""
    out: dict[str, float] = {}
    if health is not None:
        if health.displayed_fps is not None:
            out["health.fps"] = health.displayed_fps
        out["health.rebuffers"] = float(health.rebuffer_count)
        if health.pts_delay_ms is not None:
            out["latency.player_buffer"] = health.pts_delay_ms / 1000
    if latest is not None:
        out[GLASS_TO_GLASS if latest.source == SOURCE_STRIP else GLASS_TO_GLASS_ESTIMATE] = latest.latency_s
    return out


class PlayerDock(QWidget):
    def __init__(self, panel: VideoPanel | None, reason: str = "") -> None:
        super().__init__()
        self.panel = panel
        self._playing = False
        self._last_latency_t: float | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        if panel is not None:
            layout.addWidget(panel)
        else:
            label = QLabel(f"No video.\n{reason}".strip())
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
            label.setObjectName("video-placeholder")
            layout.addWidget(label)
        self.setMinimumSize(320, 180)

    def play(self, url: str) -> None:
        if self.panel is not None:
            self.panel.play(url)
            self._playing = True

    def stop(self) -> None:
        self._playing = False
        if self.panel is not None:
            self.panel.stop()

    def shutdown(self) -> None:
        self.stop()
        if self.panel is not None:
            self.panel.close_player()

    def is_playing(self) -> bool:
        return self._playing

    def health(self) -> dict[str, float]:
        """Series name → value from the player's health and newest latency sample (GUI thread)."""
        if self.panel is None or not self._playing:
            return {}
        status = self.panel.latency()
        latest = status.latest if status is not None else None
        if latest is not None and latest.t_mono == self._last_latency_t:
            latest = None  # charted already
        elif latest is not None:
            self._last_latency_t = latest.t_mono
        return chart_values(self.panel.health(), latest)


def make_video_panel(with_player: bool, settings: Settings | None = None) -> PlayerDock:
    if not with_player:
        return PlayerDock(None, "Player disabled (--no-player): monitoring only.")
    try:
        return PlayerDock(VideoPanel(settings=settings))  # without libVLC the panel shows the install hint itself
    except (RuntimeError, OSError) as exc:  # libVLC is installed but would not start (libvlc_new, ctypes)
        log.warning("video panel failed: %s", exc)
        return PlayerDock(None, f"libVLC could not start: {exc}\nInstall VLC (libvlc) to see the picture.")
