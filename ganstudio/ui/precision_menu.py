"""The Model menu's Precision submenu and the status bar's precision label, for the model on screen.

The label shows how the worker runs that model ("Precision: bf16 (measured
2.9x faster, 0.4 levels)"); the submenu overrides it: Auto (measured, the
default) or a fixed fp32 / bf16 / fp16. A choice reloads the model on the
worker with a "precision" load hint, which later jobs on that file keep.
"""
from __future__ import annotations

import os
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QLabel, QMenu, QWidget

from ganstudio.app.inference import InferenceController

CHOICES = (("auto", "&Auto (measured: fastest within 1 level of fp32)"), ("fp32", "fp&32"), ("bf16", "&bf16"), ("fp16", "fp&16"))


class PrecisionControl(QObject):
    changed = Signal(str)  # the label's text

    def __init__(self, controller: InferenceController, current_path: Callable[[], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.current_path = current_path  # the model file of the workspace on screen ("" for none)
        self.label = QLabel("")
        self.label.setToolTip("How the model on screen computes; change it in Model > Precision")
        self.menu = QMenu("&Precision", parent)
        self.menu.setToolTipsVisible(True)
        self._group = QActionGroup(self)
        self._group.setExclusive(True)
        self.actions: dict[str, QAction] = {}
        for name, text in CHOICES:
            action = QAction(text, self, checkable=True)
            action.setData(name)
            action.triggered.connect(lambda _checked=False, name=name: self.choose(name))
            self._group.addAction(action)
            self.menu.addAction(action)
            self.actions[name] = action
        self.actions["auto"].setChecked(True)
        self._infos: dict[str, dict[str, Any]] = {}  # real path -> latest info from the worker
        self._chosen: dict[str, str] = {}  # real path -> the user's choice
        controller.modelLoaded.connect(self._on_loaded)
        self.refresh()

    def choose(self, name: str) -> None:
        """Run the model on screen in `name` precision ("auto" to measure) from now on."""
        path = self.current_path()
        if not path:
            return
        self._chosen[os.path.realpath(path)] = name
        self.label.setText("Precision: switching...")
        self.controller.load_model(path, precision=name)

    def refresh(self, *_: Any) -> None:
        """Show the precision of the model on screen (call when the workspace or its model changes)."""
        path = self.current_path()
        real = os.path.realpath(path) if path else ""
        info = self._infos.get(real)
        enabled = bool(path)
        for action in self.actions.values():
            action.setEnabled(enabled)
        self.actions[self._chosen.get(real, "auto")].setChecked(True)
        text = f"Precision: {info.get('precision_note') or info.get('precision')}" if info else ""
        self.label.setText(text)
        self.label.setVisible(bool(text))
        self.changed.emit(text)

    def _on_loaded(self, info: dict[str, Any]) -> None:
        path = str(info.get("path", ""))
        if path:
            self._infos[os.path.realpath(path)] = dict(info)
        self.refresh()
