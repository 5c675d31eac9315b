"""One row per attribute of the model: a toggle, its strength, and whether the photo has it already."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QSlider, QVBoxLayout, QWidget

from ganstudio.app.attributes_viewmodel import AttributesViewModel

STRENGTH_STEPS = 100


class AttributeTogglesPanel(QWidget):
    def __init__(self, viewmodel: AttributesViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = viewmodel
        self.toggles: list[QCheckBox] = []
        self.sliders: list[QSlider] = []
        self.has_boxes: list[QCheckBox] = []
        self.grid = QGridLayout()
        self.hint = QLabel("Open a StarGAN model to see its attributes.")
        self.hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addLayout(self.grid)
        layout.addStretch(1)
        viewmodel.attributesChanged.connect(self._rebuild)
        viewmodel.togglesChanged.connect(self._sync)
        self._rebuild()

    def _rebuild(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.toggles, self.sliders, self.has_boxes = [], [], []
        names = self.vm.attributes
        if not names:
            self.hint.setText("Open a StarGAN model to see its attributes.")
            return
        grouped = {i for group in self.vm.groups for i in group}
        self.hint.setText("Toggle attributes; the strength moves from the photo as it is (0) to the full change (100)."
                          + (" Hair colours are exclusive: one at a time." if grouped else "")
                          + " Tick \u201cphoto has\u201d for attributes the photo already shows.")
        for column, title in enumerate(("Change", "Strength", "Photo has")):
            self.grid.addWidget(QLabel(f"<b>{title}</b>"), 0, column)
        for i, name in enumerate(names):
            toggle = QCheckBox(name.replace("_", " ") + (" \u25c6" if i in grouped else ""))
            toggle.setToolTip("Hair colour: choosing one clears the others" if i in grouped else f"Flip {name}")
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setRange(0, STRENGTH_STEPS)
            slider.setMinimumWidth(90)
            has = QCheckBox()
            has.setToolTip(f"The photo already shows {name}")
            toggle.toggled.connect(lambda on, i=i: self.vm.set_toggle(i, on))
            slider.valueChanged.connect(lambda value, i=i: self.vm.set_strength(i, value / STRENGTH_STEPS))
            has.toggled.connect(lambda on, i=i: self.vm.set_original(i, on))
            self.grid.addWidget(toggle, i + 1, 0)
            self.grid.addWidget(slider, i + 1, 1)
            self.grid.addWidget(has, i + 1, 2, Qt.AlignmentFlag.AlignHCenter)
            self.toggles.append(toggle)
            self.sliders.append(slider)
            self.has_boxes.append(has)
        self._sync()

    def _sync(self) -> None:
        for i, (toggle, slider, has) in enumerate(zip(self.toggles, self.sliders, self.has_boxes)):
            for widget, value in ((toggle, self.vm.toggled[i]), (has, bool(self.vm.original[i]))):
                if widget.isChecked() != value:
                    widget.blockSignals(True)
                    widget.setChecked(value)
                    widget.blockSignals(False)
            steps = round(self.vm.strengths[i] * STRENGTH_STEPS)
            if slider.value() != steps:
                slider.blockSignals(True)
                slider.setValue(steps)
                slider.blockSignals(False)
            slider.setEnabled(self.vm.toggled[i])
