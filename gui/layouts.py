"""Layout presets of the window (View → Layout): which docks are shown and how big, remembered in the settings.

* ``operator`` (default): the video at 640×360 or more at 1600×1000, the server profile under it, the charts on
  the right, alerts and verdicts at the bottom;
* ``player``: the picture as large as the window allows, with player health and alerts;
* ``charts``: no video; the timeline and every chart get the room.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow

VIDEO_MIN = (640, 360)  # the smallest picture an operator can judge at a glance
VIDEO_CHROME_PX = (24, 100)  # dock frame, the status line and the two controls under the picture
CHARTS = ("Arrivals and durations", "Playlist window", "Latency per hop")
BOTTOM = ("Alerts", "Player health", "Host")


@dataclass(frozen=True)
class Layout:
    name: str
    label: str
    hidden: tuple[str, ...]


LAYOUTS = {
    layout.name: layout
    for layout in (
        Layout("operator", "&Operator (video, charts, alerts)", ()),
        Layout("player", "&Player (large picture)", (*CHARTS, "Host", "Server profile")),
        Layout("charts", "&Charts (no video)", ("Video",)),
    )
}
DEFAULT_LAYOUT = "operator"


def apply_layout(window: QMainWindow, docks: dict, name: str) -> None:
    """Show and size the docks of ``name`` for the window's current size."""
    layout = LAYOUTS[name]
    for title, dock in docks.items():
        dock.setVisible(title not in layout.hidden)
    width, height = window.width(), window.height()
    horizontal, vertical = Qt.Orientation.Horizontal, Qt.Orientation.Vertical
    bottom_h = max(160, height // 5)
    if name == "operator":
        video_w = VIDEO_MIN[0] + VIDEO_CHROME_PX[0]
        window.resizeDocks([docks["Video"]], [video_w], horizontal)
        window.resizeDocks([docks[c] for c in CHARTS], [max(360, (width - video_w) // 3)] * 3, horizontal)
        window.resizeDocks([docks["Video"]], [VIDEO_MIN[1] + VIDEO_CHROME_PX[1]], vertical)
    elif name == "player":
        window.resizeDocks([docks["Video"]], [int(width * 0.62)], horizontal)
        window.resizeDocks([docks["Video"]], [height - bottom_h], vertical)
    else:
        window.resizeDocks([docks[c] for c in CHARTS], [max(420, width // 3)] * 3, horizontal)
    window.resizeDocks([docks[b] for b in BOTTOM], [bottom_h] * 3, vertical)
