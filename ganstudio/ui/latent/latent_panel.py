"""Model facts, the seed field (previous / next / random), truncation psi and cutoff, and the class picker."""
from __future__ import annotations

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QSpinBox, QToolButton, QWidget

from ganstudio.app.latent_viewmodel import PSI_RANGE, LatentViewModel

from ..icons import icon
from .sliders import FloatSlider


NO_SEED = -1  # the seed field's value while the picture is not a seed; shows a word instead of a number


class SeedSpinBox(QSpinBox):
    """A seed field that can also say the picture has no seed ("pad", "imported", ...).

    That state is the value NO_SEED, shown as its special text. Its arrows step
    from `resume_seed` (the last seed shown) instead of from NO_SEED, and from a
    seed the down arrow stops at 0, so NO_SEED is never reached by stepping.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.resume_seed = 0
        self.setRange(NO_SEED, 2**31 - 1)  # QSpinBox is 32-bit signed; seeds beyond it are still reachable by code
        self.setKeyboardTracking(False)

    def show_seed(self, seed: int | None, word: str = "") -> None:
        """Show `seed`, or `word` when None; emits nothing."""
        with QSignalBlocker(self):
            if seed is None:
                self.setSpecialValueText(word)
                self.setValue(NO_SEED)
            else:
                self.setValue(min(seed, self.maximum()))

    def stepBy(self, steps: int) -> None:
        if self.value() == NO_SEED:
            self.setValue(min(max(0, self.resume_seed + steps), self.maximum()))
            return
        super().stepBy(steps)

    def stepEnabled(self) -> QAbstractSpinBox.StepEnabledFlag:
        if self.value() == NO_SEED:
            return QAbstractSpinBox.StepEnabledFlag.StepUpEnabled | QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
        enabled = super().stepEnabled()
        if self.value() <= 0:
            enabled &= ~QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
        return enabled


class LatentPanel(QWidget):
    def __init__(self, viewmodel: LatentViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = viewmodel
        self.model_label = QLabel("No model")
        self.model_label.setWordWrap(True)

        self.seed_spin = SeedSpinBox()
        self.prev_button = QToolButton()
        self.prev_button.setIcon(icon("fa5s.chevron-left"))
        self.prev_button.setToolTip("Previous seed")
        self.next_button = QToolButton()
        self.next_button.setIcon(icon("fa5s.chevron-right"))
        self.next_button.setToolTip("Next seed")
        self.random_button = QToolButton()
        self.random_button.setIcon(icon("fa5s.dice"))
        self.random_button.setToolTip("Random seed")
        seed_row = QWidget()
        row = QHBoxLayout(seed_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        for widget in (self.prev_button, self.seed_spin, self.next_button, self.random_button):
            row.addWidget(widget)
        row.setStretch(1, 1)

        self.psi_slider = FloatSlider(*PSI_RANGE, value=viewmodel.psi)
        self.psi_slider.setToolTip("Truncation psi: 1 = untruncated, 0 = the average face, negative = the opposite side")
        self.cutoff_spin = QSpinBox()
        self.cutoff_spin.setSpecialValueText("all ws")
        self.cutoff_spin.setToolTip("Truncate only the first N ws (coarse styles)")
        self.class_combo = QComboBox()
        self.class_label = QLabel("Class")

        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.model_label)
        form.addRow("Seed", seed_row)
        form.addRow("Psi", self.psi_slider)
        form.addRow("Cutoff", self.cutoff_spin)
        form.addRow(self.class_label, self.class_combo)

        self.seed_spin.valueChanged.connect(self._on_seed_typed)
        self.prev_button.clicked.connect(self.vm.previous_seed)
        self.next_button.clicked.connect(self.vm.next_seed)
        self.random_button.clicked.connect(self.vm.random_seed)
        self.psi_slider.moved.connect(lambda value, dragging: self.vm.set_psi(value, preview=dragging))
        self.cutoff_spin.valueChanged.connect(lambda value: self.vm.set_cutoff(value or None))
        self.class_combo.currentIndexChanged.connect(lambda index: self.vm.set_class(index) if index >= 0 and index != self.vm.class_index else None)
        viewmodel.modelChanged.connect(self._on_model)
        viewmodel.settingsChanged.connect(self.sync)
        self._on_model(viewmodel.model_info)

    def _on_model(self, info: object) -> None:
        layout = self.vm.layout
        self.setEnabled(layout is not None)
        if layout is None:
            self.model_label.setText("No StyleGAN2 model loaded")
            return
        name = (self.vm.model_info or {}).get("name", "")
        conditional = f", {layout.c_dim} classes" if layout.c_dim else ""
        latent = f"z of {layout.z_dim} (no W)" if self.vm.z_only else f"{layout.num_ws} ws of {layout.w_dim}"
        self.model_label.setText(f"{name}\n{layout.resolution}x{layout.resolution}, {latent}{conditional}")
        with QSignalBlocker(self.cutoff_spin):
            self.cutoff_spin.setRange(0, layout.num_ws)
        with QSignalBlocker(self.class_combo):
            self.class_combo.clear()
            self.class_combo.addItems([f"class {i}" for i in range(layout.c_dim)])
        self.class_combo.setVisible(layout.c_dim > 0)
        self.class_label.setVisible(layout.c_dim > 0)
        self.sync()

    def _on_seed_typed(self, value: int) -> None:
        if value == NO_SEED:  # typed "-1": nothing to show, put the field back
            self.sync()
        elif value != self.vm.shown_seed:  # also the last seed again, when the picture is not that seed
            self.vm.set_seed(value)

    def sync(self) -> None:
        """Show the view-model's values without sending them back."""
        seed = self.vm.shown_seed
        # called on every pad-drag step: change only what differs
        if seed is not None and self.seed_spin.value() != min(seed, self.seed_spin.maximum()) or \
                seed is None and (self.seed_spin.value() != NO_SEED or self.seed_spin.specialValueText() != self.vm.base_label()):
            self.seed_spin.show_seed(seed, self.vm.base_label())
        self.seed_spin.resume_seed = self.vm.seed
        tip = "Seed of the picture's latent" if seed is not None else \
            f"{self.vm.base_description()}, not a seed. Type a seed, or step from seed {self.vm.seed} with the arrows"
        if self.seed_spin.toolTip() != tip:
            self.seed_spin.setToolTip(tip)
        self.psi_slider.set_value(self.vm.psi)
        with QSignalBlocker(self.cutoff_spin):
            self.cutoff_spin.setValue(self.vm.cutoff or 0)
        with QSignalBlocker(self.class_combo):
            self.class_combo.setCurrentIndex(self.vm.class_index if self.vm.num_classes else -1)
