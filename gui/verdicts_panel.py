"""The server model's judgement in plain words and numbers.

Sentences wrap at any width (never cut off), the selection survives the periodic refresh, and the detail
below the list always shows the selected verdict as it reads now."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, QTimer, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.dashboard_model import VerdictItem

STATUS = {
    "ok": ("✔ as expected", "#2a9d3a"),
    "warn": ("⚠ check", "#e0a100"),
    "bad": ("✖ wrong", "#e4572e"),
    "info": ("ℹ", "#3b82f6"),
}
TOPIC, VERDICT, TEXT = range(3)
NO_SELECTION = "Select a verdict to read it whole here."

#: A verdict's identity across refreshes: its topic and which of that topic's verdicts it is.
Key = tuple[str, int]


def _keys(verdicts: list[VerdictItem]) -> list[Key]:
    seen: dict[str, int] = {}
    keys = []
    for v in verdicts:
        seen[v.topic] = seen.get(v.topic, -1) + 1
        keys.append((v.topic, seen[v.topic]))
    return keys


class WrappingDelegate(QStyledItemDelegate):
    """Row heights for wrapped text: QTreeView asks its delegate for a size hint without the column's width
    (so a wrapped sentence gets one line and is cut off); this one measures at the column's width."""

    def __init__(self, tree: QTreeWidget) -> None:
        super().__init__(tree)
        self._tree = tree

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        measured = QStyleOptionViewItem(option)
        measured.rect = QRect(0, 0, max(1, self._tree.columnWidth(index.column())), 1)
        return super().sizeHint(measured, index)


class VerdictsPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.note = QLabel("Verdicts appear once segments have come and gone.")
        self.note.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setObjectName("verdicts")
        self.tree.setHeaderLabels(["topic", "verdict", "in plain words (and numbers)"])
        self.tree.setRootIsDecorated(False)
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        self.tree.setItemDelegate(WrappingDelegate(self.tree))
        self.tree.setTextElideMode(Qt.TextElideMode.ElideNone)  # wrapped, never "…"
        self.tree.setAlternatingRowColors(True)
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.tree.header()
        header.setSectionResizeMode(TOPIC, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(VERDICT, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(TEXT, QHeaderView.ResizeMode.Stretch)
        self.tree.setColumnWidth(TOPIC, 130)
        # a column's new width changes how many lines each sentence needs: lay the rows out again
        self._relayout = QTimer(self, singleShot=True, interval=0)
        self._relayout.timeout.connect(self.tree.doItemsLayout)
        header.sectionResized.connect(self._relayout.start)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.note)
        layout.addWidget(self.tree, 1)
        self.detail = QLabel(NO_SELECTION)
        self.detail.setObjectName("verdict-detail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.detail)
        self.tree.itemSelectionChanged.connect(self._on_selection_changed)
        self._shown: list[VerdictItem] = []

    def set_note(self, text: str) -> None:
        self.note.setText(text)

    def set_verdicts(self, verdicts: list[VerdictItem]) -> None:
        """Show ``verdicts``; the selected verdict (by topic) stays selected, and the view where it was."""
        if verdicts == self._shown:
            return
        chosen = self.selected_key()
        scroll = self.tree.verticalScrollBar().value()
        self._shown = list(verdicts)
        self.tree.blockSignals(True)
        try:
            self.tree.clear()
            for v, key in zip(verdicts, _keys(verdicts), strict=True):
                item = self._item(v)
                self.tree.addTopLevelItem(item)
                if key == chosen:
                    item.setSelected(True)
                    self.tree.setCurrentItem(item)
        finally:
            self.tree.blockSignals(False)
        self.tree.verticalScrollBar().setValue(scroll)
        self._on_selection_changed()  # the detail reads what the selected verdict says now

    @staticmethod
    def _item(v: VerdictItem) -> QTreeWidgetItem:
        label, color = STATUS.get(v.status, (v.status, "#888888"))
        # the numbers on a line of their own under the sentence: the sentence keeps the room
        text = f"{v.text}\n{v.numbers}" if v.numbers else v.text
        item = QTreeWidgetItem([v.topic, label, text])
        item.setForeground(VERDICT, QColor(color))
        item.setToolTip(TEXT, text)
        return item

    def selected_key(self) -> Key | None:
        items = self.tree.selectedItems()
        if not items:
            return None
        row = self.tree.indexOfTopLevelItem(items[0])
        return _keys(self._shown)[row] if 0 <= row < len(self._shown) else None

    @Slot()
    def _on_selection_changed(self) -> None:
        items = self.tree.selectedItems()
        if not items:
            self.detail.setText(NO_SELECTION)
            return
        it = items[0]
        text = escape(it.text(TEXT)).replace("\n", "<br><i>") + ("</i>" if "\n" in it.text(TEXT) else "")
        self.detail.setText(f"<b>{escape(it.text(TOPIC))}</b> — {escape(it.text(VERDICT))}: {text}")

    def count(self) -> int:
        return self.tree.topLevelItemCount()
