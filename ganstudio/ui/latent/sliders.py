"""A labelled float slider that says whether the user is still dragging it."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QWidget


class FloatSlider(QWidget):
    """An integer QSlider in steps of 1/`steps`; `moved(value, dragging)` fires on each change and on release."""

    moved = Signal(float, bool)  # value, still dragging (preview) or settled (full render)

    def __init__(self, low: float, high: float, value: float, steps: int = 100, suffix: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.steps = steps
        self.suffix = suffix
        self._text: str | None = None  # shown instead of the value (e.g. "mixed") until the user moves it
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(round(low * steps), round(high * steps))
        self.slider.setValue(round(value * steps))
        self.label = QLabel()
        self.label.setMinimumWidth(44)
        self.label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        self._show()
        self.slider.valueChanged.connect(self._on_value)
        self.slider.sliderReleased.connect(lambda: self.moved.emit(self.value(), False))

    def value(self) -> float:
        return self.slider.value() / self.steps

    def set_value(self, value: float, text: str | None = None) -> None:
        """Show `value` (or put the handle there and say `text`) without emitting `moved`."""
        self._text = text
        position = round(value * self.steps)
        if position != self.slider.value():
            self.slider.blockSignals(True)
            self.slider.setValue(position)
            self.slider.blockSignals(False)
        self._show()

    def _show(self) -> None:
        text = self._text if self._text is not None else f"{self.value():.2f}{self.suffix}"
        if text != self.label.text():  # set_value runs on every pad-drag step
            self.label.setText(text)

    def _on_value(self, _value: int) -> None:
        self._text = None
        self._show()
        self.moved.emit(self.value(), self.slider.isSliderDown())
