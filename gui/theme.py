"""Light and dark, following the system (Qt ≥ 6.5 colour scheme), or forced by the preference."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication


def system_is_dark() -> bool:
    app = QGuiApplication.instance()
    if app is None:
        return False
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def is_dark(preference: str = "system") -> bool:
    if preference == "dark":
        return True
    if preference == "light":
        return False
    return system_is_dark()


def apply(app: QApplication, preference: str = "system") -> None:
    """Fusion style; a dark palette when dark is wanted and the platform does not provide one."""
    app.setStyle("Fusion")
    if is_dark(preference):
        app.setPalette(dark_palette())
    else:
        app.setPalette(app.style().standardPalette())


def dark_palette() -> QPalette:
    p = QPalette()
    base, alt, text = QColor("#1e1f22"), QColor("#2b2d30"), QColor("#dfe1e5")
    for role, color in (
        (QPalette.ColorRole.Window, alt),
        (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.Base, base),
        (QPalette.ColorRole.AlternateBase, alt),
        (QPalette.ColorRole.Text, text),
        (QPalette.ColorRole.Button, alt),
        (QPalette.ColorRole.ButtonText, text),
        (QPalette.ColorRole.ToolTipBase, alt),
        (QPalette.ColorRole.ToolTipText, text),
        (QPalette.ColorRole.Highlight, QColor("#3574f0")),
        (QPalette.ColorRole.HighlightedText, QColor("#ffffff")),
        (QPalette.ColorRole.Link, QColor("#5aa9ff")),
        (QPalette.ColorRole.PlaceholderText, QColor("#8b8e94")),
        (QPalette.ColorRole.BrightText, QColor("#ff6b6b")),
    ):
        p.setColor(role, color)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b6e74"))
    return p


def watch(callback: Callable[..., None]) -> None:
    """Call ``callback`` when the system switches between light and dark."""
    app = QGuiApplication.instance()
    if app is not None:
        QGuiApplication.styleHints().colorSchemeChanged.connect(callback)
