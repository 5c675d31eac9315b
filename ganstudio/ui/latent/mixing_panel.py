"""Style mixing: the mixing sources (B, C, ... as seeds), a row of per-w toggles and the crossover shortcut.

The crossover slider and the toggles show one state: toggles that form a
crossover (A up to w k - 1, then one source) put the slider at k; any other
pattern leaves the handle at the first w not from A and says "custom".
"""
from __future__ import annotations

import math

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QSlider, QSpinBox, QToolButton, QVBoxLayout, QWidget

from ganstudio.app.latent_viewmodel import LatentViewModel

from ..icons import icon

SOURCE_COLOURS = ("#5a5a64", "#2f7dd1", "#d1692f", "#3aa655", "#a64fc9", "#c9b23a")
MAX_TOGGLE_COLUMNS = 8  # 8 toggles of 26 px (and 2 px gaps) keep the controls column within its other rows


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
        self._toggle_sources: list[int] = []  # what each toggle shows, so sync restyles only changed ones
        self.fine_source = 1  # the source the slider gives the fine ws: B, or the one hand-made toggles chose
        self.custom = False  # the toggles do not form a crossover
        self.crossover = QSlider(Qt.Orientation.Horizontal)
        self.crossover.setToolTip("Crossover: ws before this index from A (coarse), the rest from B (fine)")
        self.crossover_label = QLabel("")
        self.crossover_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.crossover_label.setMinimumWidth(self.crossover_label.fontMetrics().horizontalAdvance("custom") + 2)
        self.fine_label = QLabel("fine B")
        cross_row = QHBoxLayout()
        cross_row.addWidget(QLabel("Coarse A"))
        cross_row.addWidget(self.crossover, 1)
        cross_row.addWidget(self.fine_label)
        cross_row.addWidget(self.crossover_label)
        intro = QLabel("A is the picture's own latent (seed, pad or saved).")
        intro.setWordWrap(True)
        toggles_title = QLabel("Which source each w takes (click to cycle):")
        toggles_title.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(intro)
        layout.addLayout(self.sources_box)
        layout.addWidget(self.add_button)
        layout.addWidget(toggles_title)
        layout.addLayout(self.toggles_box)
        layout.addLayout(cross_row)
        self.add_button.clicked.connect(lambda: self.vm.set_mixing_seed(len(self.vm.mixing), self.vm.seed + len(self.vm.mixing) + 1))
        self.crossover.valueChanged.connect(self._on_crossover)
        # a click on the handle of a custom pattern, without moving it, makes that crossover
        self.crossover.sliderReleased.connect(lambda: self._on_crossover(self.crossover.value()) if self.custom else None)
        viewmodel.modelChanged.connect(self._on_model)
        viewmodel.settingsChanged.connect(self.sync)
        self._on_model(viewmodel.model_info)

    def _on_model(self, _info: object) -> None:
        for toggle in self.toggles:
            toggle.deleteLater()
        self.toggles = []
        self._toggle_sources = []
        layout = self.vm.layout
        self.setEnabled(layout is not None)
        if layout is None:
            return
        # rows of equal length (10 ws: 2 x 5, not 8 + 2; 18 ws: 3 x 6)
        rows = math.ceil(layout.num_ws / MAX_TOGGLE_COLUMNS)
        columns = math.ceil(layout.num_ws / rows)
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
        self.vm.set_crossover(value, self.fine_source if 0 < self.fine_source <= len(self.vm.mixing) else 1)

    def _rebuild_sources(self) -> None:
        while self.sources_box.count():
            item = self.sources_box.takeAt(0)
            if item.widget() is not None:
                # hidden at once: until deleteLater runs, a click on an old row's remove button
                # would name a source index that no longer exists
                item.widget().hide()
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
        self._sync_crossover()
        for index, (toggle, source) in enumerate(zip(self.toggles, self.vm.layer_sources)):
            if index < len(self._toggle_sources) and self._toggle_sources[index] == source:
                continue  # a style sheet costs a restyle; sync runs on every pad-drag step
            toggle.setText(source_letter(source))
            toggle.setStyleSheet(f"background: {SOURCE_COLOURS[source % len(SOURCE_COLOURS)]}; color: white")
        self._toggle_sources = list(self.vm.layer_sources[:len(self.toggles)])

    def _sync_crossover(self) -> None:
        """Put the slider where the toggles say: at their crossover, or at the first non-A w with "custom"."""
        sources, count = self.vm.layer_sources, len(self.vm.layer_sources)
        found = self.vm.crossover()
        self.custom = found is None
        if found is not None:
            position, fine = found
            if fine:
                self.fine_source = fine
            text = "off" if position == count else str(position)
            tip = "All ws from A: no mixing" if position == count else \
                f"ws 0-{position - 1} from A, {position}-{count - 1} from {source_letter(self.fine_source)}" if position else \
                f"Every w from {source_letter(self.fine_source)}"
        else:
            position = next((index for index, source in enumerate(sources) if source != 0), count)
            text = "custom"
            tip = "The toggles pick sources w by w, not one crossover; move the slider to make one"
        if self.crossover.value() != position:
            with QSignalBlocker(self.crossover):
                self.crossover.setValue(position)
        if self.crossover_label.text() != text:
            self.crossover_label.setText(text)
            self.crossover_label.setToolTip(tip)
        fine_text = f"fine {source_letter(self.fine_source)}"
        if self.fine_label.text() != fine_text:
            self.fine_label.setText(fine_text)
