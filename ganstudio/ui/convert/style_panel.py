"""The style row of the Convert workspace, for models that translate with a style code.

One row: the strip of variants (the input in N random styles, as thumbnails;
clicking one makes it the output's style), then a column of controls: Re-roll
(the next N styles) and "Style from image..." above, and below, the mixing
slider between the two styles kept with "A" and "B" (each button keeps the
current style as that end). The whole row is hidden for models without styles;
"Style from image..." is disabled, with a tooltip saying why, for a model
without a style encoder.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSlider, QToolButton, QVBoxLayout, QWidget

from ganstudio.app.converter_viewmodel import SLOTS, ConverterViewModel

from ..image_widgets import to_qimage

THUMB = 56  # px, the thumbnails' box
MIX_STEPS = 1000
NO_ENCODER = "This model has no style encoder: it cannot take a style from an image"


class StylePanel(QWidget):
    def __init__(self, viewmodel: ConverterViewModel, ask_reference: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = viewmodel
        self.group = QButtonGroup(self)
        self.group.setExclusive(False)  # none is checked while the style is a reference's or a mix
        self.thumbs: list[QToolButton] = []
        strip = QHBoxLayout()
        strip.setContentsMargins(0, 0, 0, 0)
        strip.setSpacing(3)
        for i in range(viewmodel.variant_count):
            button = QToolButton()
            button.setCheckable(True)
            button.setIconSize(QSize(THUMB, THUMB))
            button.setFixedSize(THUMB + 8, THUMB + 8)  # the icon plus the tool button's frame
            button.setAutoRaise(True)
            self.group.addButton(button, i)
            self.thumbs.append(button)
            strip.addWidget(button)
        self.reroll_button = QPushButton("Re-roll")
        self.reroll_button.setToolTip("Show the next random styles")
        self.from_image_button = QPushButton("Style from image...")
        self.slot_buttons: dict[str, QToolButton] = {}
        for name in SLOTS:
            button = QToolButton()  # compact: a push button would be at least 80 px wide
            button.setText(f"Keep as {name}")
            button.setToolTip(f"Keep the current style as style {name}, one end of the slider")
            self.slot_buttons[name] = button
        self.mix_slider = QSlider(Qt.Orientation.Horizontal)
        self.mix_slider.setRange(0, MIX_STEPS)
        self.mix_slider.setMinimumWidth(80)
        self.status = QLabel("")  # the chosen style ("style 3", "from photo.jpg", "A–B mix 40 %"), or the strip's progress
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status.setMinimumWidth(40)

        actions = QHBoxLayout()
        actions.setContentsMargins(0, 0, 0, 0)
        actions.addWidget(self.reroll_button)
        actions.addWidget(self.from_image_button)
        actions.addWidget(self.status, 1)
        mixing = QHBoxLayout()
        mixing.setContentsMargins(0, 0, 0, 0)
        mixing.addWidget(self.slot_buttons["A"])
        mixing.addWidget(self.mix_slider, 1)
        mixing.addWidget(self.slot_buttons["B"])
        controls = QVBoxLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        controls.setSpacing(2)
        controls.addLayout(actions)
        controls.addLayout(mixing)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(strip)
        layout.addLayout(controls, 1)

        self.group.idClicked.connect(self._on_thumb)
        self.reroll_button.clicked.connect(viewmodel.reroll)
        self.from_image_button.clicked.connect(ask_reference)
        for name, button in self.slot_buttons.items():
            button.clicked.connect(lambda _checked=False, name=name: viewmodel.set_slot(name))
        # latest wins while dragging: previews on every move, the full size on release
        self.mix_slider.valueChanged.connect(self._on_mix)
        self.mix_slider.sliderReleased.connect(lambda: viewmodel.set_mix(self.mix_slider.value() / MIX_STEPS))
        viewmodel.variantsChanged.connect(self._show_variants)
        viewmodel.variantsProgress.connect(self._on_progress)
        viewmodel.styleChanged.connect(self._sync)
        viewmodel.modelChanged.connect(lambda _info: self._sync())
        self._show_variants()
        self._sync()

    def _on_thumb(self, index: int) -> None:
        if self.vm.variants is None:
            self._sync()
            return
        self.vm.choose_variant(index)

    def _on_mix(self, value: int) -> None:
        self.vm.set_mix(value / MIX_STEPS, preview=self.mix_slider.isSliderDown())

    def _on_progress(self, done: int, total: int) -> None:
        self.status.setText(f"styles {done} of {total}..." if done < total else self._style_text())

    def _style_text(self) -> str:
        return f"Style: {self.vm.style_label}"

    def _show_variants(self) -> None:
        images = self.vm.variants
        for i, button in enumerate(self.thumbs):
            if images is not None and i < len(images):
                pixmap = QPixmap.fromImage(to_qimage(images[i])).scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                                                     Qt.TransformationMode.SmoothTransformation)
                button.setIcon(QIcon(pixmap))
                button.setToolTip(f"Style {self.vm.variant_seed + i}: click to use it")
                button.setEnabled(True)
            else:
                button.setIcon(QIcon())
                button.setToolTip("")
                button.setEnabled(False)
        self._sync()

    def _sync(self) -> None:
        if not self.vm.variants_pending:
            self.status.setText(self._style_text())
        self.status.setToolTip(self._style_text())
        chosen = self.vm.chosen_variant
        for i, button in enumerate(self.thumbs):
            button.setChecked(i == chosen)
        encoder = self.vm.can_style_from_image
        self.from_image_button.setEnabled(encoder)
        self.from_image_button.setToolTip("Take the style of a reference photo" if encoder else NO_ENCODER)
        self.mix_slider.setEnabled(self.vm.can_mix)
        self.mix_slider.setToolTip(self._mix_tip())
        self.mix_slider.blockSignals(True)
        self.mix_slider.setValue(round(self.vm.mix * MIX_STEPS))
        self.mix_slider.blockSignals(False)

    def _mix_tip(self) -> str:
        if not self.vm.can_mix:
            return "Keep two styles with A and B, then slide between them"
        a, b = self.vm.slots["A"], self.vm.slots["B"]
        return f"From A ({a[1]}) to B ({b[1]})" if a and b else ""
