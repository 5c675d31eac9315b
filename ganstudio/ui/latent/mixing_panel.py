"""Style mixing: the mixing sources (B, C, ... as seeds), a row of per-w toggles and the crossover shortcut."""
from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QSlider, QSpinBox, QToolButton, QVBoxLayout, QWidget

from ganstudio.app.latent_viewmodel import LatentViewModel

from ..icons import icon

SOURCE_COLOURS = ("#5a5a64", "#2f7dd1", "#d1692f", "#3aa655", "#a64fc9", "#c9b23a")


def source_letter(index: int) -> str:
    return chr(ord("A") + index)


class MixingPanel(QWidget):
    def __init__(self, viewmodel: LatentViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = viewmodel
        self.sources_box = QVBoxLayout()
        self.add_button = QPushButton(icon("fa5s.plus"), "Add source")
        self.toggles_box = QGridLayout()
        self.toggles_box.setSpacing(2)
        self.toggles: list[QToolButton] = []
        self.source_spins: list[QSpinBox] = []
        self.crossover = QSlider(Qt.Orientation.Horizontal)
        self.crossover.setToolTip("Crossover: ws before this index from A (coarse), the rest from B (fine)")
        self.crossover_label = QLabel("")
        cross_row = QHBoxLayout()
        cross_row.addWidget(QLabel("Coarse A"))
        cross_row.addWidget(self.crossover, 1)
        cross_row.addWidget(QLabel("fine B"))
        cross_row.addWidget(self.crossover_label)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("A is the picture's own latent (seed, pad or saved)."))
        layout.addLayout(self.sources_box)
        layout.addWidget(self.add_button)
        layout.addWidget(QLabel("Which source each w takes (click to cycle):"))
        layout.addLayout(self.toggles_box)
        layout.addLayout(cross_row)
        self.add_button.clicked.connect(lambda: self.vm.set_mixing_seed(len(self.vm.mixing), self.vm.seed + len(self.vm.mixing) + 1))
        self.crossover.valueChanged.connect(self._on_crossover)
        viewmodel.modelChanged.connect(self._on_model)
        viewmodel.settingsChanged.connect(self.sync)
        self._on_model(viewmodel.model_info)

    def _on_model(self, _info: object) -> None:
        for toggle in self.toggles:
            toggle.deleteLater()
        self.toggles = []
        layout = self.vm.layout
        self.setEnabled(layout is not None)
        if layout is None:
            return
        columns = min(layout.num_ws, 9)
        for index in range(layout.num_ws):
            toggle = QToolButton()
            toggle.setFixedWidth(26)
            toggle.setToolTip(f"w {index} (drives the {layout.w_resolutions[index]}x{layout.w_resolutions[index]} block)")
            toggle.clicked.connect(lambda _checked=False, i=index: self.vm.cycle_layer_source(i))
            self.toggles_box.addWidget(toggle, index // columns, index % columns)
            self.toggles.append(toggle)
        with QSignalBlocker(self.crossover):
            self.crossover.setRange(0, layout.num_ws)
            self.crossover.setValue(layout.num_ws)
        self.sync()

    def _on_crossover(self, value: int) -> None:
        self.crossover_label.setText(str(value))
        self.vm.set_crossover(value)

    def _rebuild_sources(self) -> None:
        while self.sources_box.count():
            item = self.sources_box.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.source_spins = []
        for index, source in enumerate(self.vm.mixing):
            row = QWidget()
            box = QHBoxLayout(row)
            box.setContentsMargins(0, 0, 0, 0)
            letter = QLabel(source_letter(index + 1))
            letter.setStyleSheet(f"color: {SOURCE_COLOURS[(index + 1) % len(SOURCE_COLOURS)]}; font-weight: bold")
            box.addWidget(letter)
            spin = QSpinBox()
            spin.setRange(0, 2**31 - 1)
            spin.setKeyboardTracking(False)
            spin.setPrefix("seed ")
            if source.seed is not None:
                spin.setValue(min(source.seed, spin.maximum()))
            else:
                spin.setSpecialValueText(source.label)
            spin.valueChanged.connect(lambda value, i=index: self.vm.set_mixing_seed(i, value))
            box.addWidget(spin, 1)
            remove = QToolButton()
            remove.setIcon(icon("fa5s.times"))
            remove.setToolTip("Remove this source")
            remove.clicked.connect(lambda _checked=False, i=index: self.vm.remove_mixing_source(i))
            box.addWidget(remove)
            self.sources_box.addWidget(row)
            self.source_spins.append(spin)

    def sync(self) -> None:
        seeds = [s.seed for s in self.vm.mixing]
        if seeds != [spin.value() for spin in self.source_spins]:
            self._rebuild_sources()
        sources, count = list(self.vm.layer_sources), len(self.vm.layer_sources)
        crossover = next((k for k in range(count + 1) if sources == [0] * k + [1] * (count - k)), None)
        if crossover is not None:  # the selection is a crossover: show where
            with QSignalBlocker(self.crossover):
                self.crossover.setValue(crossover)
            self.crossover_label.setText(str(crossover))
        for toggle, source in zip(self.toggles, self.vm.layer_sources):
            toggle.setText(source_letter(source))
            toggle.setStyleSheet(f"background: {SOURCE_COLOURS[source % len(SOURCE_COLOURS)]}; color: white")
