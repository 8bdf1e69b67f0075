"""Render resources/hlsmon.svg to the PNG sizes a desktop needs (run after editing the SVG).

    .venv/bin/python scripts/make_icons.py
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

RESOURCES = Path(__file__).resolve().parents[1] / "resources"
SIZES = (16, 24, 32, 48, 64, 128, 256)
log = logging.getLogger("make_icons")


def render(size: int, renderer: QSvgRenderer) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    _app = QGuiApplication([*sys.argv[:1], "-platform", "offscreen"])
    renderer = QSvgRenderer(str(RESOURCES / "hlsmon.svg"))
    if not renderer.isValid():
        log.error("resources/hlsmon.svg does not render")
        return 1
    for size in SIZES:
        path = RESOURCES / "icons" / f"hlsmon-{size}.png"
        path.parent.mkdir(exist_ok=True)
        render(size, renderer).save(str(path))
        log.info("wrote %s", path.relative_to(RESOURCES.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
