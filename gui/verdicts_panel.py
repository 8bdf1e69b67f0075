"""The server model's judgement in plain words and numbers."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from gui.dashboard_model import VerdictItem

STATUS = {
    "ok": ("✔ as expected", "#2a9d3a"),
    "warn": ("⚠ check", "#e0a100"),
    "bad": ("✖ wrong", "#e4572e"),
    "info": ("ℹ", "#3b82f6"),
}


class VerdictsPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.note = QLabel("Verdicts appear once segments have come and gone.")
        self.note.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setObjectName("verdicts")
        self.tree.setHeaderLabels(["topic", "verdict", "in plain words", "numbers"])
        self.tree.setRootIsDecorated(False)
        self.tree.setWordWrap(True)
        self.tree.setAlternatingRowColors(True)
        for col, width in enumerate((130, 100, 420)):
            self.tree.setColumnWidth(col, width)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.note)
        layout.addWidget(self.tree, 1)
        self.detail = QLabel("")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.detail)
        self.tree.itemSelectionChanged.connect(self._on_selection_changed)
        self._shown: list[VerdictItem] = []

    def set_note(self, text: str) -> None:
        self.note.setText(text)

    def set_verdicts(self, verdicts: list[VerdictItem]) -> None:
        if verdicts == self._shown:
            return
        self._shown = list(verdicts)
        self.tree.clear()
        for v in verdicts:
            label, color = STATUS.get(v.status, (v.status, "#888888"))
            item = QTreeWidgetItem([v.topic, label, v.text, v.numbers])
            item.setForeground(1, QColor(color))
            item.setToolTip(2, v.text)
            item.setToolTip(3, v.numbers)
            self.tree.addTopLevelItem(item)

    def _on_selection_changed(self) -> None:
        items = self.tree.selectedItems()
        if items:
            it = items[0]
            self.detail.setText(f"<b>{it.text(0)}</b> — {it.text(1)}: {it.text(2)} <i>{it.text(3)}</i>")

    def count(self) -> int:
        return self.tree.topLevelItemCount()
