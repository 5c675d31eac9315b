"""The synthesized photo, fitted to its panel; in split mode a draggable divider compares it with the label map."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ganstudio.app.painting_viewmodel import PaintingViewModel

from .canvas import rgb_image


class OutputView(QWidget):
    def __init__(self, viewmodel: PaintingViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = viewmodel
        self.split = False
        self.divider = 0.5  # fraction of the width showing the label map in split mode
        self._image: QImage | None = None
        self._dragging = False
        self.placeholder = "No model loaded: open one from the Model menu to see a photo here."
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 200)
        viewmodel.outputChanged.connect(self._on_output)

    def _on_output(self) -> None:
        self._image = None if self.vm.output is None else rgb_image(self.vm.output)
        self.update()

    def set_split(self, split: bool) -> None:
        self.split = bool(split)
        self.update()

    def image_rect(self) -> QRectF:
        w, h = (self._image.width(), self._image.height()) if self._image is not None else (self.vm.width, self.vm.height)
        scale = min((self.width() - 16) / max(w, 1), (self.height() - 16) / max(h, 1))
        scale = max(scale, 0.01)
        return QRectF((self.width() - w * scale) / 2, (self.height() - h * scale) / 2, w * scale, h * scale)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(48, 48, 52))
        target = self.image_rect()
        if self._image is None:
            painter.setPen(QColor(200, 200, 200))
            painter.drawText(self.rect().adjusted(20, 20, -20, -20), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.placeholder)
            painter.end()
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.drawImage(target, self._image)
        if self.split:
            cut = target.left() + target.width() * self.divider
            labels = self._label_image()
            left = QRectF(target.left(), target.top(), cut - target.left(), target.height())
            src = QRectF(0, 0, labels.width() * self.divider, labels.height())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            painter.drawImage(left, labels, src)
            painter.setPen(QPen(QColor(255, 255, 255), 2))
            painter.drawLine(QPointF(cut, target.top()), QPointF(cut, target.bottom()))
        painter.end()

    def _label_image(self) -> QImage:
        colors = np.array([entry.color for entry in self.vm.palette] + [(255, 0, 255)], dtype=np.uint8)
        ids = np.minimum(self.vm.labels, len(self.vm.palette))
        return rgb_image(colors[ids])

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.split and event.button() == Qt.MouseButton.LeftButton:
            self._dragging = True
            self._move_divider(event.position().x())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._dragging:
            self._move_divider(event.position().x())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._dragging = False

    def _move_divider(self, x: float) -> None:
        target = self.image_rect()
        self.divider = min(1.0, max(0.0, (x - target.left()) / max(target.width(), 1.0)))
        self.update()
