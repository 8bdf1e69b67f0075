"""Server profile and its settings (pre-filled from the fingerprint, editable) and the prediction."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gui.server_model import PROFILE_FIELDS, PROFILES


class ProfilePanel(QWidget):
    """Emits ``changed(profile, settings)`` whenever the user edits the profile or a setting."""

    changed = Signal(str, dict)
    what_if_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.setObjectName("profile")
        self.combo.addItems(PROFILES)
        self.fingerprint = QLabel("Server: not identified yet")
        self.fingerprint.setWordWrap(True)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        self.form.setContentsMargins(0, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        top = QFormLayout()
        top.addRow("Server profile", self.combo)
        layout.addLayout(top)
        layout.addWidget(self.fingerprint)
        layout.addWidget(self.form_host)
        layout.addWidget(self.summary)
        self.what_if = QPushButton("What if… (timeline, window, latency budget)")
        self.what_if.setObjectName("what-if")
        self.what_if.clicked.connect(self.what_if_requested)
        layout.addWidget(self.what_if)
        layout.addStretch(1)
        self._editors: dict[str, QWidget] = {}
        self._user_edited = False
        self.combo.currentTextChanged.connect(self._on_profile_changed)
        self._build_form(self.combo.currentText())

    def profile(self) -> str:
        return self.combo.currentText()

    def settings(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for name, w in self._editors.items():
            if isinstance(w, QCheckBox):
                out[name] = w.isChecked()
            elif isinstance(w, (QSpinBox, QDoubleSpinBox)):
                out[name] = w.value()
        return out

    def set_profile(self, profile: str, settings: dict[str, object] | None = None, *, user: bool = True) -> None:
        """Select a profile and fill its settings (from the CLI, the lab, or the fingerprint)."""
        if profile not in PROFILES:
            return
        self._user_edited = self._user_edited or user
        self.combo.blockSignals(True)
        self.combo.setCurrentText(profile)
        self.combo.blockSignals(False)
        self._build_form(profile, settings or {})
        self._emit()

    def offer_fingerprint(self, name: str, reason: str) -> None:
        """Pre-fill from the fingerprint unless the user chose a profile already."""
        self.fingerprint.setText(f"Server looks like <b>{name}</b>: {reason}")
        if not self._user_edited and name in PROFILES and name != self.profile():
            self.set_profile(name, user=False)

    def set_summary(self, text: str) -> None:
        self.summary.setText(text)

    def _build_form(self, profile: str, values: dict[str, object] | None = None) -> None:
        values = values or {}
        while self.form.rowCount():
            self.form.removeRow(0)
        self._editors.clear()
        for name, default, unit in PROFILE_FIELDS.get(profile, ()):
            value = values.get(name, default)
            if unit == "bool":
                w: QWidget = QCheckBox()
                w.setChecked(bool(value))
                w.toggled.connect(self._emit)
            elif unit == "int":
                w = QSpinBox(minimum=0, maximum=10_000, value=int(value))
                w.valueChanged.connect(self._emit)
            else:
                w = QDoubleSpinBox(minimum=0.1, maximum=3600, decimals=2, singleStep=0.5, suffix=f" {unit}")
                w.setValue(float(value))
                w.valueChanged.connect(self._emit)
            w.setObjectName(f"setting-{name}")
            self._editors[name] = w
            self.form.addRow(name, w)

    @Slot(str)
    def _on_profile_changed(self, profile: str) -> None:
        self._user_edited = True
        self._build_form(profile)
        self._emit()

    @Slot()
    def _emit(self, *args: object) -> None:
        self.changed.emit(self.profile(), self.settings())
