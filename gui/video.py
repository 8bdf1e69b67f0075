"""The video dock: engineer E's VideoPanel (libVLC) when available, else a panel saying why not.

The window only calls ``play(url)``, ``stop()``, ``shutdown()``, ``is_playing()`` and ``health()`` (a dict
of series name → value for the health/latency charts); ``PlayerDock`` adapts whatever VideoPanel offers.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gui.settings import Settings

log = logging.getLogger(__name__)

HEALTH_KEYS = {  # VideoPanel/VlcPlayer health attribute → chart series
    "fps": "health.fps",
    "displayed_fps": "health.fps",
    "rebuffers": "health.rebuffers",
    "rebuffer_count": "health.rebuffers",
    "bitrate_kbps": "health.bitrate",
    "input_bitrate_kbps": "health.bitrate",
    "latency_s": "latency.glass_to_glass",
    "g2g_s": "latency.glass_to_glass",
    "glass_to_glass_s": "latency.glass_to_glass",
    "buffer_s": "latency.player_buffer",
}


class PlayerDock(QWidget):
    def __init__(self, panel: QWidget | None, reason: str = "") -> None:
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
        if self.panel is None:
            return
        try:
            self.panel.play(url)
            self._playing = True
        except Exception:
            log.exception("player failed to play %s", url)

    def stop(self) -> None:
        self._playing = False
        if self.panel is not None and hasattr(self.panel, "stop"):
            try:
                self.panel.stop()
            except Exception:
                log.exception("player stop failed")

    def shutdown(self) -> None:
        self.stop()
        for name in ("close_player", "shutdown", "release"):
            fn = getattr(self.panel, name, None)
            if callable(fn):
                try:
                    fn()
                except Exception:
                    log.exception("player shutdown failed")
                return

    def is_playing(self) -> bool:
        return self._playing

    def health(self) -> dict[str, float]:
        """Series name → value from the player's health, latency and live-edge status (GUI thread)."""
        if self.panel is None or not self._playing:
            return {}
        out: dict[str, float] = {}
        try:
            h = self.panel.health() if hasattr(self.panel, "health") else None
            lat = self.panel.latency() if hasattr(self.panel, "latency") else None
        except Exception:
            log.debug("player health failed", exc_info=True)
            return {}
        if h is not None:
            for key, value in vars(h).items() if not isinstance(h, dict) else h.items():
                series = HEALTH_KEYS.get(key)
                if series and isinstance(value, int | float) and not isinstance(value, bool):
                    out[series] = float(value)
            pts = getattr(h, "pts_delay_ms", None)
            if pts is not None:
                out["latency.player_buffer"] = pts / 1000
        latest = getattr(lat, "latest", None)
        if latest is not None and latest.t_mono != self._last_latency_t:
            self._last_latency_t = latest.t_mono
            out["latency.glass_to_glass"] = float(latest.latency_s)
        return out


def make_video_panel(with_player: bool, settings: Settings | None = None) -> PlayerDock:
    if not with_player:
        return PlayerDock(None, "Player disabled (--no-player): monitoring only.")
    try:
        from gui.video_panel import VideoPanel
    except ImportError as exc:
        return PlayerDock(None, f"The player is not available in this build ({exc}).")
    try:
        return PlayerDock(VideoPanel(settings=settings))  # without libVLC the panel shows the install hint itself
    except Exception as exc:
        log.warning("video panel failed: %s", exc)
        return PlayerDock(None, f"libVLC could not start: {exc}\nInstall VLC (libvlc) to see the picture.")
