"""Every option of a recipe, as the trainer's own parser describes it (python -m trainer.describe options RECIPE)."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLabel, QLineEdit, QScrollArea, QWidget

from ganstudio.app.train_command import MANAGED


class OptionsView(QScrollArea):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.editors: dict[str, QWidget] = {}
        self.kinds: dict[str, str] = {}
        self.set_options([])

    def set_options(self, options: list[dict[str, Any]]) -> None:
        page = QWidget()
        form = QFormLayout(page)
        self.editors, self.kinds = {}, {}
        group = None
        for option in options:
            if option["group"] != group:
                group = option["group"]
                heading = QLabel(f"<b>{group or 'options'}</b>")
                form.addRow(heading)
            editor = self._editor(option)
            editor.setToolTip(option["help"])
            editor.setEnabled(option["flag"] not in MANAGED)  # the workspace sets these itself
            self.editors[option["flag"]] = editor
            self.kinds[option["flag"]] = option["kind"]
            form.addRow(option["flag"], editor)
        self.setWidget(page)

    def _editor(self, option: dict[str, Any]) -> QWidget:
        kind, default = option["kind"], option["default"]
        if kind == "flag":
            box = QCheckBox()
            box.setChecked(bool(default))
            box.toggled.connect(self.changed)
            return box
        if kind == "choice":
            combo = QComboBox()
            combo.addItems([str(c) for c in option["choices"]])
            combo.setCurrentText("" if default is None else str(default))
            combo.currentTextChanged.connect(self.changed)
            return combo
        line = QLineEdit("" if default is None else str(default))
        line.textChanged.connect(self.changed)
        return line

    def values(self) -> dict[str, Any]:
        """flag -> typed value ("" for an empty field); a field that does not parse is kept as its text (the trainer says why)."""
        values: dict[str, Any] = {}
        for flag, editor in self.editors.items():
            kind = self.kinds[flag]
            if isinstance(editor, QCheckBox):
                values[flag] = editor.isChecked()
                continue
            text = editor.currentText() if isinstance(editor, QComboBox) else editor.text().strip()
            try:
                values[flag] = int(text) if kind == "int" and text else float(text) if kind == "float" and text else text or None
            except ValueError:
                values[flag] = text
        return values

    def set_values(self, values: dict[str, Any]) -> None:
        for flag, value in values.items():
            editor = self.editors.get(flag)
            if isinstance(editor, QCheckBox):
                editor.setChecked(bool(value))
            elif isinstance(editor, QComboBox):
                editor.setCurrentText("" if value is None else str(value))
            elif isinstance(editor, QLineEdit):
                editor.setText("" if value is None else str(value))
