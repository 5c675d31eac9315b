"""Directions: one slider per W-space direction (several at once), each with its own ws range, plus finding, loading and saving them.

Each row is the direction's name, its ws range (two spin boxes: the first and
last w it moves) and a slider spanning the set's own range (+-15 for SeFa,
+-3 standard deviations for GANSpace and attribute directions). Below: "Find"
runs SeFa (layer preset or a custom ws range; instant) or GANSpace (samples W
on the worker: progress bar and Cancel). The state lives in
DirectionsViewModel; this file only shows it.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ganstudio.app.directions_viewmodel import LAYER_PRESETS, DirectionsViewModel
from ganstudio.document.errors import DocumentError

from ..icons import icon
from .elided_label import ElidedLabel
from .sliders import FloatSlider

DIRECTIONS_FILTER = "Direction sets (*.npz);;All files (*)"
SLIDER_TICKS = 1000  # ticks from 0 to a slider's end, whatever its range
METHODS = (("sefa", "SeFa", "Eigenvectors of the chosen layers' style weights: instant, no sampling"),
           ("ganspace", "GANSpace", "Principal components of sampled ws: takes a while the first time (cached after)"))
PRESET_TIPS = {"all": "every w", "coarse": "ws 0-1: pose, layout", "middle": "ws 2-5: shapes, features",
               "fine": "ws 6 on: colours, texture"}


class DirectionRow(QWidget):
    """A direction's name, its ws range and its slider."""

    def __init__(self, panel: DirectionsPanel, index: int) -> None:
        super().__init__()
        vm = panel.vm
        direction = vm.directions[index]
        self.name = ElidedLabel(direction.name)
        self.name.setToolTip(f"{direction.name} ({direction.kind}); slider \u00b1{direction.slider:.3g} in W")
        self.first = QSpinBox()
        self.last = QSpinBox()
        for spin, tip in ((self.first, "The first w this direction moves"), (self.last, "The last w this direction moves")):
            spin.setRange(0, max(0, vm.num_ws - 1))
            spin.setToolTip(tip)
            spin.setKeyboardTracking(False)
            # no arrows (type, wheel or arrow keys): the name beside them needs the width more
            spin.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
            # beside a stretching label a spin box gets only its minimum hint, less than its line edit asks for
            spin.setMinimumWidth(spin.lineEdit().minimumSizeHint().width() + 2 * spin.style().pixelMetric(QStyle.PixelMetric.PM_SpinBoxFrameWidth) + 2)
        self.remove = QToolButton()
        self.remove.setIcon(icon("fa5s.times"))
        self.remove.setToolTip("Remove this direction from the list")
        self.remove.setAutoRaise(True)
        self.slider = FloatSlider(-direction.slider, direction.slider, 0.0, steps=SLIDER_TICKS / direction.slider)
        self.slider.setToolTip(f"How far to move along \u201c{direction.name}\u201d (0: not at all)")
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.setSpacing(2)
        top.addWidget(self.name, 1)
        top.addWidget(QLabel("ws"))
        top.addWidget(self.first)
        top.addWidget(self.last)
        top.addWidget(self.remove)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 2)
        column.setSpacing(0)
        column.addLayout(top)
        column.addWidget(self.slider)
        self.sync(vm.amounts[index], vm.ranges[index])
        # a row outlives its direction until the rebuilt list replaces it (deleteLater): it acts only while it is current
        def current() -> bool:
            return index < len(vm.directions) and vm.directions[index] is direction

        self.slider.moved.connect(lambda value, dragging: current() and vm.set_amount(index, value, preview=dragging))
        self.first.valueChanged.connect(lambda value: current() and vm.set_range(index, value, max(value, self.last.value())))
        self.last.valueChanged.connect(lambda value: current() and vm.set_range(index, min(value, self.first.value()), value))
        self.remove.clicked.connect(lambda: current() and vm.remove(index))

    def sync(self, amount: float, ws_range: tuple[int, int]) -> None:
        self.slider.set_value(amount)
        for spin, value in zip((self.first, self.last), ws_range):
            if spin.value() != value:
                with QSignalBlocker(spin):
                    spin.setValue(value)


class DirectionsPanel(QWidget):
    def __init__(self, viewmodel: DirectionsViewModel, dialogs: Any, parent: QWidget | None = None) -> None:
        """`dialogs` answers open_file / save_file / error (see ganstudio.ui.dialogs.Dialogs)."""
        super().__init__(parent)
        self.vm = viewmodel
        self.dialogs = dialogs
        self.rows: list[DirectionRow] = []

        self.load_button = QPushButton(icon("fa5s.folder-open"), "Load...")
        self.load_button.setToolTip("Add the directions of a saved set (.npz) made for this model")
        self.save_button = QPushButton(icon("fa5s.save"), "Save...")
        self.save_button.setToolTip("Save these directions; saved beside the model as <model>.directions.npz "
                                    "they load with it")
        self.reset_button = QPushButton(icon("fa5s.undo"), "Reset all")
        self.reset_button.setToolTip("Every direction's slider back to 0")
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        for button in (self.load_button, self.save_button):  # Reset all sits under the sliders: one row of three is too wide
            buttons.addWidget(button)
        reset_row = QHBoxLayout()
        reset_row.addStretch(1)
        reset_row.addWidget(self.reset_button)
        self.empty = QLabel("None yet: find some below or load a set")
        self.empty.setWordWrap(True)
        self.rows_box = QVBoxLayout()
        self.rows_box.setContentsMargins(0, 0, 0, 0)
        self.rows_box.setSpacing(2)

        self.method_combo = QComboBox()
        for i, (method, text, tip) in enumerate(METHODS):
            self.method_combo.addItem(text, method)
            self.method_combo.setItemData(i, tip, Qt.ItemDataRole.ToolTipRole)
        self.layers_combo = QComboBox()
        for preset in LAYER_PRESETS:
            self.layers_combo.addItem(preset.capitalize(), preset)
            self.layers_combo.setItemData(self.layers_combo.count() - 1, PRESET_TIPS.get(preset, ""), Qt.ItemDataRole.ToolTipRole)
        self.layers_combo.addItem("Custom", "custom")
        self.layers_combo.setToolTip("Which ws SeFa factorises (and the ws the found directions move at first)")
        self.custom_first, self.custom_last = QSpinBox(), QSpinBox()
        custom_row = QHBoxLayout()
        custom_row.setSpacing(2)
        custom_row.addWidget(QLabel("ws"))
        custom_row.addWidget(self.custom_first)
        custom_row.addWidget(self.custom_last)
        custom_row.addStretch(1)
        self.custom_box = QWidget()
        self.custom_box.setLayout(custom_row)
        custom_row.setContentsMargins(0, 0, 0, 0)
        self.count_spin = QSpinBox()
        self.count_spin.setRange(1, 64)
        self.count_spin.setValue(5)
        self.count_spin.setToolTip("How many directions to find (the strongest first)")
        self.samples_spin = QSpinBox()
        self.samples_spin.setRange(100, 1_000_000)
        self.samples_spin.setSingleStep(1000)
        self.samples_spin.setValue(20_000)
        self.samples_spin.setToolTip("GANSpace: how many ws to sample for its PCA")
        self.find_button = QPushButton(icon("fa5s.search"), "Find")
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setVisible(False)
        progress_row = QHBoxLayout()
        progress_row.setSpacing(4)
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        self.find_form = QFormLayout()
        self.find_form.setContentsMargins(0, 4, 0, 0)
        self.find_form.addRow("Method", self.method_combo)
        self.find_form.addRow("Layers", self.layers_combo)
        self.find_form.addRow("", self.custom_box)
        self.find_form.addRow("Count", self.count_spin)
        self.find_form.addRow("Samples", self.samples_spin)
        self.find_form.addRow("", self.find_button)

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addLayout(buttons)
        column.addWidget(self.empty)
        column.addLayout(self.rows_box)
        column.addLayout(reset_row)
        column.addLayout(self.find_form)
        column.addLayout(progress_row)

        self.load_button.clicked.connect(self.load_dialog)
        self.save_button.clicked.connect(self.save_dialog)
        self.reset_button.clicked.connect(viewmodel.reset_all)
        self.find_button.clicked.connect(self.find)
        self.cancel_button.clicked.connect(viewmodel.cancel_find)
        self.method_combo.currentIndexChanged.connect(lambda _i: self._show_method())
        self.layers_combo.currentIndexChanged.connect(lambda _i: self._show_method())
        viewmodel.setChanged.connect(self._rebuild)
        viewmodel.amountsChanged.connect(self._sync)
        viewmodel.latent.modelChanged.connect(self._on_model)
        viewmodel.findStarted.connect(self._on_find_started)
        viewmodel.findProgress.connect(self._on_find_progress)
        viewmodel.findFinished.connect(lambda count: self._find_ended(f"Found {count} directions"))
        viewmodel.findCancelled.connect(lambda: self._find_ended("Finding directions cancelled"))
        viewmodel.findFailed.connect(self._on_find_failed)
        self._on_model(None)

    # -- reactions -------------------------------------------------------------------
    def _on_model(self, _info: object) -> None:
        loaded = self.vm.latent.layout is not None
        top = max(0, self.vm.num_ws - 1)
        for spin, value in ((self.custom_first, 0), (self.custom_last, top)):
            spin.setRange(0, top)
            spin.setValue(value)
        for widget in (self.load_button, self.find_button, self.method_combo, self.layers_combo, self.count_spin,
                       self.samples_spin, self.custom_box):
            widget.setEnabled(loaded)
        self._show_method()
        self._rebuild()

    def _show_method(self) -> None:
        ganspace = self.method_combo.currentData() == "ganspace"
        self.find_form.setRowVisible(self.samples_spin, ganspace)
        self.find_form.setRowVisible(self.custom_box, self.layers_combo.currentData() == "custom")

    def _rebuild(self) -> None:
        for row in self.rows:
            self.rows_box.removeWidget(row)
            row.deleteLater()
        self.rows = [DirectionRow(self, index) for index in range(len(self.vm))]
        for row in self.rows:
            self.rows_box.addWidget(row)
        self.empty.setVisible(not self.rows)
        self._sync()

    def _sync(self) -> None:
        for row, amount, ws_range in zip(self.rows, self.vm.amounts, self.vm.ranges):
            row.sync(amount, ws_range)
        self.save_button.setEnabled(bool(self.rows))
        self.reset_button.setEnabled(any(self.vm.amounts))

    def _on_find_started(self, method: str) -> None:
        self.progress.setRange(0, 0)  # busy until the first progress report (SeFa never sends one)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self.find_button.setEnabled(False)

    def _on_find_progress(self, done: int, total: int, message: str) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress.setFormat(message or "%p%")

    def _find_ended(self, message: str) -> None:
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self.find_button.setEnabled(self.vm.latent.layout is not None)
        self.vm.notice.emit(message)

    def _on_find_failed(self, message: str) -> None:
        self._find_ended(message)
        self.dialogs.error("Cannot find directions", message)

    # -- actions ---------------------------------------------------------------------
    def find(self) -> None:
        layers: str | tuple[int, int] = self.layers_combo.currentData()
        if layers == "custom":
            layers = tuple(sorted((self.custom_first.value(), self.custom_last.value())))  # type: ignore[assignment]
        try:
            self.vm.find(self.method_combo.currentData(), layers, count=self.count_spin.value(),
                         samples=self.samples_spin.value())
        except ValueError as exc:
            self.dialogs.error("Cannot find directions", str(exc))

    def load_dialog(self) -> None:
        path = self.dialogs.open_file("Load directions", DIRECTIONS_FILTER)
        if not path:
            return
        try:
            self.vm.load(path)
        except (ValueError, OSError, DocumentError) as exc:
            self.dialogs.error("Cannot load these directions", f"{path}: {exc}")

    def save_dialog(self) -> None:
        path = self.dialogs.save_file("Save directions", DIRECTIONS_FILTER, self.vm.default_save_path())
        if not path:
            return
        try:
            self.vm.save(path)
        except (ValueError, OSError, DocumentError) as exc:
            self.dialogs.error("Cannot save these directions", str(exc))
