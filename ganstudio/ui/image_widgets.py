"""Showing numpy pictures in widgets: QImage conversion, fitting, and the fitted image views built on them.

Every picture panel of the app draws the same way: a dark background, the
picture scaled to fit with a margin, or a grey placeholder text when there is
no picture yet.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

BACKGROUND = QColor(48, 48, 52)
PLACEHOLDER_TEXT = QColor(200, 200, 200)
MIN_FIT_SCALE = 0.01  # a tiny panel still gets a (tiny) picture, never a negative one


def to_qimage(array: np.ndarray) -> QImage:
    """A QImage copy of an (H, W, 3|4) uint8 array (RGB or RGBA)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    h, w, channels = array.shape
    fmt = QImage.Format.Format_RGBA8888 if channels == 4 else QImage.Format.Format_RGB888
    return QImage(array.data, w, h, channels * w, fmt).copy()


def rgb_qimage(array: np.ndarray) -> QImage:
    """A QImage copy of the RGB channels of an (H, W, 3|4) uint8 array; any alpha is dropped."""
    return to_qimage(array[..., :3])


def fit_rect(area: QRectF, size: QSize) -> QRectF:
    """Where a picture of `size` goes when scaled (aspect kept) to fit `area`, centred in it."""
    w, h = max(size.width(), 1), max(size.height(), 1)
    scale = max(MIN_FIT_SCALE, min(area.width() / w, area.height() / h))
    return QRectF(area.center().x() - w * scale / 2, area.center().y() - h * scale / 2, w * scale, h * scale)


def paint_placeholder(painter: QPainter, rect: QRectF, text: str, inset: int = 20, color: QColor = PLACEHOLDER_TEXT) -> None:
    """The grey, centred, wrapped text an empty panel shows."""
    painter.setPen(color)
    painter.drawText(QRectF(rect).adjusted(inset, inset, -inset, -inset), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)


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


class FittedImageView(QWidget):
    """One picture scaled to fit the whole panel (8 px margin); the placeholder while there is none.

    Subclasses draw more over the picture by extending `paint_image`.
    """

    MARGIN = 8

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image: QImage | None = None
        self.placeholder = placeholder
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 200)

    def set_image(self, image: QImage | None) -> None:
        self.image = image
        self.update()

    def content_size(self) -> QSize | None:
        """The size of what is fitted: the picture's, or None while there is none."""
        return None if self.image is None else self.image.size()

    def image_rect(self) -> QRectF:
        size = self.content_size()
        if size is None:
            return QRectF(self.rect())
        m = self.MARGIN
        return fit_rect(QRectF(self.rect()).adjusted(m, m, -m, -m), size)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        if self.image is None:
            paint_placeholder(painter, QRectF(self.rect()), self.placeholder)
        else:
            self.paint_image(painter)
        painter.end()

    def paint_image(self, painter: QPainter) -> None:
        assert self.image is not None
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.drawImage(self.image_rect(), self.image)


class ImagePane(QWidget):
    """One picture scaled to fit, with a caption above and a placeholder when empty."""

    CAPTION_HEIGHT = 22

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
        top = self.CAPTION_HEIGHT
        if self.image is None:
            return QRectF(0, top, self.width(), self.height() - top)
        return fit_rect(QRectF(4, top + 2, self.width() - 8, self.height() - top - 4), self.image.size())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        painter.setPen(QColor(220, 220, 220))
        painter.drawText(QRectF(6, 2, self.width() - 12, 18), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.caption)
        if self.image is None:
            paint_placeholder(painter, self.image_rect(), self.placeholder, inset=10, color=QColor(170, 170, 170))
        else:
            target = self.image_rect()
            if self.image.hasAlphaChannel():
                paint_checkerboard(painter, target)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.smooth)
            painter.drawImage(target, self.image)
        painter.end()
