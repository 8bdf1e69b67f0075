"""Server profile and its settings (pre-filled from the published fingerprint, editable) and the prediction."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.server_model import PROFILES
from monitor.models.settings import Nested, Setting, check, find, table
from monitor.records import Fingerprint


class SettingEditor:
    """One setting's editor, made from its row in the models' table; holds the value as the server writes it."""

    def __init__(self, setting: Setting, changed: Callable[..., None]) -> None:
        kind = setting.kind
        self.setting = setting
        if kind.widget == "bool":
            self.widget: QWidget = QCheckBox()
            self.widget.toggled.connect(changed)
        elif kind.widget == "choice":
            self.widget = QComboBox()
            self.widget.addItems(kind.choices)
            self.widget.currentTextChanged.connect(changed)
        else:
            self.widget = QLineEdit()
            self.widget.setPlaceholderText(f"{setting.default} (default)" if setting.default else "not set")
            self.widget.editingFinished.connect(changed)
        self.widget.setToolTip(f"{setting.help}\n{kind.label}; default {setting.default or 'not set'}")

    def text(self) -> str:
        w, kind = self.widget, self.setting.kind
        if isinstance(w, QCheckBox):
            return kind.write(w.isChecked())
        if isinstance(w, QComboBox):
            return w.currentText()
        return w.text().strip()  # type: ignore[attr-defined]

    def set_text(self, value: object) -> None:
        """Show ``value`` (text or a Python value, already checked) in the server's syntax."""
        text = "" if value is None or value == "" else self.setting.kind.text(value)
        w = self.widget
        if isinstance(w, QCheckBox):
            w.setChecked(bool(self.setting.kind.parse(text or "off")))
        elif isinstance(w, QComboBox):
            w.setCurrentText(text)
        else:
            w.setText(text)  # type: ignore[attr-defined]


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
        self._editors: dict[str, SettingEditor | dict[str, SettingEditor]] = {}
        self._user_edited = False
        self.server_found: Fingerprint | None = None  # as published by the monitor (Measures.server)
        self.combo.currentTextChanged.connect(self._on_profile_changed)
        self._build_form(self.combo.currentText())

    def profile(self) -> str:
        return self.combo.currentText()

    def settings(self) -> dict[str, str]:
        """The form's settings in the server's own syntax (``hlsFlags=[hls_time=2:...]`` for NMS)."""
        out: dict[str, str] = {}
        for key, editor in self._editors.items():
            if isinstance(editor, dict):
                inner = ":".join(f"{k}={e.text()}" for k, e in editor.items() if e.text())
                out[key] = f"[{inner}]" if inner else ""
            else:
                out[key] = editor.text()
        return out

    def set_profile(self, profile: str, settings: dict[str, object] | None = None, *, user: bool = True) -> None:
        """Select a profile and fill its settings (from the CLI, the lab, or the fingerprint): the keys and
        values of the models' table, in the server's syntax or as Python values; others raise SettingError."""
        check(profile, settings or {})
        self._user_edited = self._user_edited or user
        self.combo.blockSignals(True)
        self.combo.setCurrentText(profile)
        self.combo.blockSignals(False)
        self._build_form(profile, settings or {})
        self._emit()

    def offer_fingerprint(self, found: Fingerprint) -> None:
        """Show the monitor's server guess and pre-fill the profile from it unless the user chose one."""
        if found == self.server_found:
            return
        self.server_found = found
        if found.name == "generic":
            self.fingerprint.setText(f"Server not identified: {found.reason}")
        else:
            self.fingerprint.setText(f"Server {found.reason} (profile <b>{found.name}</b>)")
        if not self._user_edited and found.name in PROFILES and found.name != self.profile():
            self.set_profile(found.name, user=False)

    def set_summary(self, text: str) -> None:
        self.summary.setText(text)

    def _build_form(self, profile: str, values: dict[str, object] | None = None) -> None:
        """One editor per row of the profile's settings table, filled with ``values`` or the defaults."""
        values = _by_key(profile, values or {})
        while self.form.rowCount():
            self.form.removeRow(0)
        self._editors.clear()
        for setting in table(profile):
            value = values.get(setting.key, setting.default)
            if isinstance(setting.kind, Nested):
                self._editors[setting.key] = self._nested_editors(setting, setting.kind, value)
                continue
            editor = SettingEditor(setting, self._emit)
            editor.set_text(value)
            editor.widget.setObjectName(f"setting-{setting.key}")
            self._editors[setting.key] = editor
            self.form.addRow(setting.key, editor.widget)

    def _nested_editors(self, setting: Setting, kind: Nested, value: object) -> dict[str, SettingEditor]:
        """NMS ``hlsFlags``: a group with one editor per ffmpeg option inside the brackets."""
        given = kind.split(value) if value else {}
        box = QGroupBox(setting.key)
        box.setToolTip(setting.help)
        inner_form = QFormLayout(box)
        editors = {}
        for inner in kind.inner:
            editor = SettingEditor(inner, self._emit)
            editor.set_text(given.get(inner.key, ""))
            editor.widget.setObjectName(f"setting-{setting.key}-{inner.key}")
            editors[inner.key] = editor
            inner_form.addRow(inner.key, editor.widget)
        self.form.addRow(box)
        return editors

    @Slot(str)
    def _on_profile_changed(self, profile: str) -> None:
        self._user_edited = True
        self._build_form(profile)
        self._emit()

    @Slot()
    def _emit(self, *args: object) -> None:
        self.changed.emit(self.profile(), self.settings())


def _by_key(profile: str, values: dict[str, object]) -> dict[str, object]:
    """``values`` under the table's spelling of each key; SettingError for a key the profile does not have."""
    check(profile, values)
    rows = table(profile)
    out = {}
    for key, value in values.items():
        setting = find(rows, key)
        assert setting is not None  # check() refused unknown keys
        out[setting.key] = value
    return out
