"""Noise: mode (const / random / none), noise seed, and one strength slider per synthesis layer plus one that sets them all.

Each layer's readout is the factor applied to that layer; "All layers" sets
every layer to its value and says "mixed" while they differ, so no second,
hidden multiplier sits between what is shown and what is rendered.
"""
from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QSpinBox, QWidget

from ganstudio.app.latent_viewmodel import MAX_NOISE_SCALE, LatentViewModel

from .sliders import FloatSlider

# short names keep the controls column narrow; the tooltips say what they mean
MODES = (("const", "Constant", "The model's fixed noise"), ("random", "Random", "Noise drawn from the noise seed"), ("none", "None", "No noise"))
MAX_SCALE = MAX_NOISE_SCALE


class NoisePanel(QWidget):
    def __init__(self, viewmodel: LatentViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = viewmodel
        self.mode_combo = QComboBox()
        for index, (mode, text, tip) in enumerate(MODES):
            self.mode_combo.addItem(text, mode)
            self.mode_combo.setItemData(index, tip, Qt.ItemDataRole.ToolTipRole)
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setKeyboardTracking(False)
        self.global_slider = FloatSlider(0.0, MAX_SCALE, 1.0, suffix="x")
        self.global_slider.setToolTip("Set every layer's noise strength at once; \u201cmixed\u201d while the layers differ")
        self.layer_sliders: list[FloatSlider] = []
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.addRow("Mode", self.mode_combo)
        self.form.addRow("Noise seed", self.seed_spin)
        self.form.addRow("All layers", self.global_slider)
        self.mode_combo.currentIndexChanged.connect(lambda _i: self.vm.set_noise_mode(self.mode_combo.currentData()))
        self.seed_spin.valueChanged.connect(lambda value: self.vm.set_noise_seed(value) if value != self.vm.noise_seed else None)
        self.global_slider.moved.connect(lambda value, dragging: self.vm.set_noise_global(value, preview=dragging))
        viewmodel.modelChanged.connect(self._on_model)
        viewmodel.settingsChanged.connect(self.sync)
        self._on_model(viewmodel.model_info)

    def _on_model(self, _info: object) -> None:
        for slider in self.layer_sliders:
            self.form.removeRow(slider)
        self.layer_sliders = []
        layout = self.vm.layout
        self.setEnabled(layout is not None)
        if layout is None:
            return
        for index, name in enumerate(layout.noise_layers):
            slider = FloatSlider(0.0, MAX_SCALE, 1.0, suffix="x")
            slider.setToolTip(f"{name}: the factor applied to this layer's learned noise strength")
            slider.moved.connect(lambda value, dragging, i=index: self.vm.set_noise_scale(i, value, preview=dragging))
            self.form.addRow(name, slider)
            self.layer_sliders.append(slider)
        self.sync()

    def sync(self) -> None:
        with QSignalBlocker(self.mode_combo):
            self.mode_combo.setCurrentIndex(max(0, self.mode_combo.findData(self.vm.noise_mode)))
        with QSignalBlocker(self.seed_spin):
            self.seed_spin.setValue(self.vm.noise_seed)
        self.seed_spin.setEnabled(self.vm.noise_mode == "random")
        common = self.vm.noise_global
        if common is None:  # the handle at the mean, the readout saying no single factor applies
            scales = self.vm.noise_scales
            self.global_slider.set_value(sum(scales) / len(scales), text="mixed")
        else:
            self.global_slider.set_value(common)
        for slider, value in zip(self.layer_sliders, self.vm.noise_scales):
            slider.set_value(value)
