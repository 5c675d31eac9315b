"""Showing numpy pictures in widgets: QImage conversion and a simple fitted image pane."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget


def to_qimage(array: np.ndarray) -> QImage:
    """A QImage copy of an (H, W, 3|4) uint8 array (RGB or RGBA)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    h, w, channels = array.shape
    fmt = QImage.Format.Format_RGBA8888 if channels == 4 else QImage.Format.Format_RGB888
    return QImage(array.data, w, h, channels * w, fmt).copy()


def paint_checkerboard(painter: QPainter, rect: QRectF, cell: int = 8) -> None:
    """The usual grey checks under transparent pixels."""
    painter.save()
    painter.setClipRect(rect)
    light, dark = QColor(190, 190, 190), QColor(140, 140, 140)
    painter.fillRect(rect, light)
    x0, y0 = int(rect.left()), int(rect.top())
    for y in range(y0, int(rect.bottom()) + cell, cell):
        for x in range(x0 + ((y - y0) // cell % 2) * cell, int(rect.right()) + cell, 2 * cell):
            painter.fillRect(x, y, cell, cell, dark)
    painter.restore()


class ImagePane(QWidget):
    """One picture scaled to fit, with a caption above and a placeholder when empty."""

    def __init__(self, caption: str, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = caption
        self.placeholder = placeholder
        self.image: QImage | None = None
        self.smooth = True
        self.setMinimumSize(80, 80)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_array(self, array: np.ndarray | None) -> None:
        self.image = None if array is None else to_qimage(array)
        self.update()

    def image_rect(self) -> QRectF:
        top = 22
        if self.image is None:
            return QRectF(0, top, self.width(), self.height() - top)
        w, h = self.image.width(), self.image.height()
        scale = max(0.01, min((self.width() - 8) / w, (self.height() - top - 4) / h))
        return QRectF((self.width() - w * scale) / 2, top + (self.height() - top - h * scale) / 2, w * scale, h * scale)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(48, 48, 52))
        painter.setPen(QColor(220, 220, 220))
        painter.drawText(QRectF(6, 2, self.width() - 12, 18), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.caption)
        if self.image is None:
            painter.setPen(QColor(170, 170, 170))
            painter.drawText(self.image_rect().adjusted(10, 10, -10, -10), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.placeholder)
        else:
            target = self.image_rect()
            if self.image.hasAlphaChannel():
                paint_checkerboard(painter, target)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.smooth)
            painter.drawImage(target, self.image)
        painter.end()
