"""Noise: mode (const / random / none), noise seed, a global multiplier and one strength slider per synthesis layer."""
from __future__ import annotations

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QComboBox, QFormLayout, QSpinBox, QWidget

from ganstudio.app.latent_viewmodel import LatentViewModel

from .sliders import FloatSlider

MODES = (("const", "Constant (the model's fixed noise)"), ("random", "Random (from the noise seed)"), ("none", "None"))
MAX_SCALE = 2.0


class NoisePanel(QWidget):
    def __init__(self, viewmodel: LatentViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = viewmodel
        self.mode_combo = QComboBox()
        for mode, text in MODES:
            self.mode_combo.addItem(text, mode)
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setKeyboardTracking(False)
        self.global_slider = FloatSlider(0.0, MAX_SCALE, viewmodel.noise_global, suffix="x")
        self.layer_sliders: list[FloatSlider] = []
        self.form = QFormLayout(self)
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
            slider.setToolTip(f"{name}: multiplies the layer's learned noise strength")
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
        self.global_slider.set_value(self.vm.noise_global)
        for slider, value in zip(self.layer_sliders, self.vm.noise_scales):
            slider.set_value(value)
