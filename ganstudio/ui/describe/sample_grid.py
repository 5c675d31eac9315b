"""N pictures in a near-square grid, each fitted to its cell; a click picks one (for export)."""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ..image_widgets import BACKGROUND, fit_rect, paint_placeholder, to_qimage

GAP = 6


class SampleGrid(QWidget):
    selectedChanged = Signal(int)

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.images: list[QImage] = []
        self.selected = 0
        self.placeholder = placeholder
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 240)

    def set_images(self, images: np.ndarray | None) -> None:
        self.images = [] if images is None else [to_qimage(im) for im in images]
        if self.selected >= len(self.images):
            self.selected = 0
        self.update()

    def columns(self) -> int:
        return max(1, math.ceil(math.sqrt(len(self.images))))

    def cell(self, index: int) -> QRectF:
        cols = self.columns()
        rows = max(1, math.ceil(len(self.images) / cols))
        w = (self.width() - GAP * (cols + 1)) / cols
        h = (self.height() - GAP * (rows + 1)) / rows
        r, c = divmod(index, cols)
        return QRectF(GAP + c * (w + GAP), GAP + r * (h + GAP), w, h)

    def index_at(self, x: float, y: float) -> int:
        return next((i for i in range(len(self.images)) if self.cell(i).contains(x, y)), -1)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        if not self.images:
            paint_placeholder(painter, QRectF(self.rect()), self.placeholder)
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        for i, image in enumerate(self.images):
            target = fit_rect(self.cell(i), image.size())
            painter.drawImage(target, image)
            if i == self.selected and len(self.images) > 1:
                painter.setPen(QPen(QColor(90, 160, 255), 3))
                painter.drawRect(target.adjusted(-2, -2, 2, 2))

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        index = self.index_at(event.position().x(), event.position().y())
        if index >= 0 and event.button() == Qt.MouseButton.LeftButton:
            self.selected = index
            self.update()
            self.selectedChanged.emit(index)
