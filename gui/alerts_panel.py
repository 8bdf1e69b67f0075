"""The live alerts list: severity, time, endpoint, plain message and the server model's advice."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from gui.charts.base import fmt_time
from gui.dashboard_model import AlertItem

SEVERITY_COLORS = {"info": "#3b82f6", "warning": "#e0a100", "error": "#e4572e", "critical": "#b00020"}
ROLE_ALERT = Qt.ItemDataRole.UserRole + 1


class AlertsPanel(QWidget):
    """Newest alerts on top. ``alert_selected`` is emitted with the AlertItem the user picks."""

    alert_selected = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget()
        self.tree.setObjectName("alerts")
        self.tree.setHeaderLabels(["severity", "time", "where", "what happened", "advice"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setWordWrap(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.itemSelectionChanged.connect(self._on_selection_changed)
        for col, width in enumerate((70, 80, 60, 380)):
            self.tree.setColumnWidth(col, width)
        self.detail = QLabel("Select an alert: its segment and time are highlighted in the charts.")
        self.detail.setObjectName("alert-detail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.detail)
        self._count = 0

    def count(self) -> int:
        return self._count

    def add_alerts(self, alerts: list[AlertItem]) -> None:
        for alert in alerts:
            item = QTreeWidgetItem([alert.severity, fmt_time(alert.t), alert.endpoint, alert.message, alert.advice])
            color = QColor(SEVERITY_COLORS.get(alert.severity, "#888888"))
            item.setForeground(0, color)
            font = item.font(0)
            font.setBold(True)
            item.setFont(0, font)
            item.setToolTip(3, alert.message + (f"\n[{alert.code}]" if alert.code else ""))
            item.setToolTip(4, alert.advice)
            item.setData(0, ROLE_ALERT, alert)
            self.tree.insertTopLevelItem(0, item)
            self._count += 1

    def clear(self) -> None:
        self.tree.clear()
        self.detail.setText("Select an alert: its segment and time are highlighted in the charts.")
        self._count = 0

    def select_row(self, row: int) -> None:
        item = self.tree.topLevelItem(row)
        if item is not None:
            self.tree.setCurrentItem(item)

    @Slot()
    def _on_selection_changed(self) -> None:
        items = self.tree.selectedItems()
        if items:
            alert: AlertItem = items[0].data(0, ROLE_ALERT)
            color = SEVERITY_COLORS.get(alert.severity, "#888888")
            where = f"{alert.endpoint}, segment {alert.sequence}" if alert.sequence is not None else alert.endpoint
            self.detail.setText(
                f"<b style='color:{color}'>{alert.severity}</b> {fmt_time(alert.t)} ({where}) "
                f"[{alert.code}]: {alert.message}<br><b>Advice:</b> {alert.advice or '–'}"
            )
            self.alert_selected.emit(alert)
