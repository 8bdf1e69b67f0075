"""The video dock: engineer E's VideoPanel (libVLC) when available, else a panel saying why not.

The window only calls ``play(url)``, ``stop()``, ``shutdown()``, ``is_playing()`` and ``health()`` (a dict
of series name → value for the health/latency charts); ``PlayerDock`` adapts whatever VideoPanel offers.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

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
        for name in ("shutdown", "release", "close_player"):
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
        if self.panel is None or not self._playing:
            return {}
        fn = getattr(self.panel, "health", None)
        if not callable(fn):
            return {}
        try:
            h = fn()
        except Exception:
            log.debug("player health failed", exc_info=True)
            return {}
        items = h.items() if isinstance(h, dict) else vars(h).items() if h is not None else ()
        out: dict[str, float] = {}
        for key, value in items:
            series = HEALTH_KEYS.get(key)
            if series and isinstance(value, int | float):
                out[series] = float(value)
        return out


def make_video_panel(with_player: bool) -> PlayerDock:
    if not with_player:
        return PlayerDock(None, "Player disabled (--no-player): monitoring only.")
    try:
        from gui.video_panel import VideoPanel
    except ImportError as exc:
        return PlayerDock(None, f"The player is not available in this build ({exc}).")
    try:
        return PlayerDock(VideoPanel())
    except Exception as exc:
        log.warning("video panel failed: %s", exc)
        return PlayerDock(None, f"libVLC could not start: {exc}\nInstall VLC (libvlc) to see the picture.")
