"""One row per attribute of the model: a toggle, its strength, and whether the photo has it already.

Above the rows, a line says which photo the "photo has" ticks describe and
what happened to them when a photo was opened (cleared, or detected by the
model's classifier), so they never carry over without a word.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSlider, QVBoxLayout, QWidget

from ganstudio.app.attributes_viewmodel import AttributesViewModel

STRENGTH_STEPS = 100
SLIDER_MIN_WIDTH = 70
NO_MODEL = "Open a StarGAN model to see its attributes."


class AttributeTogglesPanel(QWidget):
    def __init__(self, viewmodel: AttributesViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = viewmodel
        self.toggles: list[QCheckBox] = []
        self.sliders: list[QSlider] = []
        self.has_boxes: list[QCheckBox] = []
        self.grid = QGridLayout()
        self.grid.setColumnStretch(1, 1)  # the sliders take the spare width
        self.hint = QLabel(NO_MODEL)
        self.hint.setWordWrap(True)
        self.original_note = QLabel("")
        self.original_note.setWordWrap(True)
        self.original_note.setFrameShape(QFrame.Shape.StyledPanel)
        self.original_note.setVisible(False)
        self.detect_button = QPushButton("Detect")
        self.detect_button.setToolTip("Let the model's classifier tick what the photo already shows")
        self.detect_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.detect_button.setVisible(False)
        note_row = QHBoxLayout()
        note_row.setContentsMargins(0, 0, 0, 0)
        note_row.addWidget(self.original_note, 1)
        note_row.addWidget(self.detect_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.hint)
        layout.addLayout(self.grid)
        layout.addLayout(note_row)
        layout.addStretch(1)
        self.detect_button.clicked.connect(viewmodel.detect)
        viewmodel.attributesChanged.connect(self._rebuild)
        viewmodel.togglesChanged.connect(self._sync)
        viewmodel.originalNote.connect(self._show_note)
        viewmodel.modelChanged.connect(lambda _info: self.detect_button.setVisible(viewmodel.has_classifier))
        self._rebuild()
        self._show_note(viewmodel.original_note)

    def _show_note(self, text: str) -> None:
        self.original_note.setText(text)
        self.original_note.setVisible(bool(text))

    def _rebuild(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.toggles, self.sliders, self.has_boxes = [], [], []
        names = self.vm.attributes
        if not names:
            self.hint.setText(NO_MODEL)
            return
        grouped = {i for group in self.vm.groups for i in group}
        self.hint.setText("Tick a change; its strength goes from the photo as it is (left) to the full change (right)."
                          + (" \u25c6 Hair colours: one at a time." if grouped else ""))
        headers = (("Change", "What to change"), ("Strength", "How far to go"),
                   ("Photo has", "What this photo already shows: a change flips it. Cleared (or detected) for each new photo."))
        for column, (title, tip) in enumerate(headers):
            header = QLabel(f"<b>{title}</b>")
            header.setToolTip(tip)
            self.grid.addWidget(header, 0, column, Qt.AlignmentFlag.AlignHCenter if column == 2 else Qt.AlignmentFlag.AlignLeft)
        for i, name in enumerate(names):
            toggle = QCheckBox(name.replace("_", " ") + (" \u25c6" if i in grouped else ""))
            toggle.setToolTip("Hair colour: choosing one clears the others" if i in grouped else f"Flip {name}")
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setRange(0, STRENGTH_STEPS)
            slider.setMinimumWidth(SLIDER_MIN_WIDTH)
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
