"""A QImage that shows a view-model's label map without converting it to colours.

The image is Indexed8 with the palette as its colour table and, for uint8 maps
(palettes up to 256 classes), wraps the live numpy array itself: painting a
stroke updates what it shows at no cost, and drawing it converts only the
pixels drawn. Maps with more classes keep a uint8 copy refreshed per dirty box.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage, qRgba

from ganstudio.app.painting_viewmodel import PaintingViewModel

OUT_OF_PALETTE = (255, 0, 255)  # ids past the palette show as magenta, never as a class


class LabelMapImage:
    def __init__(self, viewmodel: PaintingViewModel, opacity: float = 1.0) -> None:
        self.vm = viewmodel
        self.opacity = opacity
        self._buffer: np.ndarray | None = None  # the array the QImage reads; kept alive here
        self.image = QImage()
        self.rebuild()

    def color_table(self) -> list[int]:
        alpha = int(round(self.opacity * 255))
        table = [qRgba(*entry.color, alpha) for entry in list(self.vm.palette)[:256]]
        return table + [qRgba(*OUT_OF_PALETTE, alpha)] * (256 - len(table))

    def rebuild(self) -> QImage:
        """Wrap the current map again (a new document, palette or id dtype)."""
        labels = self.vm.labels
        if labels.dtype == np.uint8:
            self._buffer = labels  # shared: the image reads the live map
        else:
            self._buffer = np.ascontiguousarray(np.minimum(labels, 255).astype(np.uint8))
        h, w = self._buffer.shape
        self.image = QImage(self._buffer.data, w, h, self._buffer.strides[0], QImage.Format.Format_Indexed8)
        self.image.setColorTable(self.color_table())
        return self.image

    def refresh(self, y0: int, x0: int, y1: int, x1: int) -> bool:
        """Bring a dirty box up to date; False when the whole image had to be rebuilt."""
        labels = self.vm.labels
        if labels is self._buffer:
            return True
        if labels.dtype != np.uint8 and self._buffer is not None and self._buffer.shape == labels.shape:
            self._buffer[y0:y1, x0:x1] = np.minimum(labels[y0:y1, x0:x1], 255)
            return True
        self.rebuild()
        return False

    def set_opacity(self, opacity: float) -> None:
        self.opacity = max(0.0, min(1.0, float(opacity)))
        self.image.setColorTable(self.color_table())
