"""Input and output in one view, split by a movable divider; zoom and pan move both together.

Both pictures have the same size and share one view transform (scale and
offset), so zooming or panning can never put them out of step. The divider is
a fraction of the image width: left of it the input, right of it the output.
Wheel zooms about the cursor; dragging pans, except near the divider, which
it moves. The side captions sit on translucent dark boxes so that they read on
any picture (white snow and sky included).
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFontMetricsF,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from ..image_widgets import BACKGROUND, paint_checkerboard, paint_placeholder, to_qimage

MIN_SCALE, MAX_SCALE = 0.02, 32.0
DIVIDER_GRAB_PX = 6
CAPTION_BOX = QColor(0, 0, 0, 165)  # dark enough for white text on a white picture, light enough to see through
CAPTION_TEXT = QColor(255, 255, 255)
CAPTION_PAD_X, CAPTION_PAD_Y, CAPTION_GAP = 6.0, 2.0, 8.0


class CompareView(QWidget):
    splitChanged = Signal(float)  # divider, fraction of the image width
    viewChanged = Signal(float)  # scale (screen pixels per image pixel)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.input: QImage | None = None
        self.output: QImage | None = None
        self.split = 0.5
        self.scale = 1.0
        self.offset = QPointF(0, 0)  # screen position of image pixel (0, 0)
        self.placeholder = "Open an image to convert it."
        self.captions = ("input", "output")
        self.waiting_caption = "converting..."  # the output side's caption while there is no output
        self._fitted = True
        self._drag: str | None = None
        self._last = QPointF()
        self.setMinimumSize(240, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)

    # ---- content --------------------------------------------------------------
    def set_images(self, input_pixels: np.ndarray | None, output_pixels: np.ndarray | None) -> None:
        old_size = self.image_size()
        self.input = None if input_pixels is None else to_qimage(input_pixels)
        self.output = None if output_pixels is None else to_qimage(output_pixels)
        if self._fitted or self.image_size() != old_size:
            self.fit()
        self.update()

    def image_size(self) -> tuple[int, int]:
        image = self.input or self.output
        return (0, 0) if image is None else (image.width(), image.height())

    def set_captions(self, left: str, right: str) -> None:
        """The labels of the input (left of the divider) and output sides."""
        if (left, right) != self.captions:
            self.captions = (left, right)
            self.update()

    # ---- view -------------------------------------------------------------------
    def set_split(self, fraction: float) -> None:
        fraction = min(1.0, max(0.0, float(fraction)))
        if fraction != self.split:
            self.split = fraction
            self.splitChanged.emit(fraction)
            self.update()

    def fit(self) -> None:
        w, h = self.image_size()
        if not w or not h:
            return
        self.scale = max(MIN_SCALE, min((self.width() - 16) / w, (self.height() - 16) / h))
        self.offset = QPointF((self.width() - w * self.scale) / 2, (self.height() - h * self.scale) / 2)
        self._fitted = True
        self.viewChanged.emit(self.scale)
        self.update()

    def actual_size(self) -> None:
        self.zoom_to(1.0, QPointF(self.width() / 2, self.height() / 2))

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        self.zoom_to(self.scale * factor, anchor)

    def zoom_to(self, scale: float, anchor: QPointF | None = None) -> None:
        """Zoom keeping the image point under `anchor` (default: the centre) in place."""
        anchor = anchor if anchor is not None else QPointF(self.width() / 2, self.height() / 2)
        scale = min(MAX_SCALE, max(MIN_SCALE, scale))
        image_point = self.to_image(anchor)
        self.scale = scale
        self.offset = anchor - image_point * scale
        self._fitted = False
        self.viewChanged.emit(scale)
        self.update()

    def pan_by(self, dx: float, dy: float) -> None:
        self.offset += QPointF(dx, dy)
        self._fitted = False
        self.update()

    def to_image(self, point: QPointF) -> QPointF:
        return (point - self.offset) / self.scale

    def image_rect(self) -> QRectF:
        w, h = self.image_size()
        return QRectF(self.offset.x(), self.offset.y(), w * self.scale, h * self.scale)

    def divider_x(self) -> float:
        rect = self.image_rect()
        return rect.left() + rect.width() * self.split

    # ---- painting -----------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        if self.input is None and self.output is None:
            paint_placeholder(painter, QRectF(self.rect()), self.placeholder)
            painter.end()
            return
        target = self.image_rect()
        if (self.input or self.output).hasAlphaChannel():
            paint_checkerboard(painter, target.intersected(QRectF(self.rect())))
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.scale < 2.0)
        cut = self.divider_x()
        if self.output is not None:
            painter.save()
            painter.setClipRect(QRectF(cut, target.top(), max(0.0, target.right() - cut), target.height()))
            painter.drawImage(target, self.output)
            painter.restore()
        if self.input is not None:
            painter.save()
            painter.setClipRect(QRectF(target.left(), target.top(), max(0.0, cut - target.left()), target.height()))
            painter.drawImage(target, self.input)
            painter.restore()
        self._paint_over(painter, target, cut)
        painter.setPen(QPen(QColor(255, 255, 255), 2))
        painter.drawLine(QPointF(cut, target.top()), QPointF(cut, target.bottom()))
        left, right = self.captions
        self._paint_captions(painter, target, cut, left, right if self.output is not None else self.waiting_caption)
        painter.end()

    def _paint_over(self, painter: QPainter, target: QRectF, cut: float) -> None:
        """Drawn over the pictures, under the divider and the captions (a subclass's overlays)."""

    def _paint_captions(self, painter: QPainter, target: QRectF, cut: float, left: str, right: str) -> None:
        """Each caption on its own side of the divider, near the picture's top, kept on screen;
        a side too narrow for its caption shows none rather than one over the other side."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        metrics = QFontMetricsF(self.font())
        height = metrics.height() + 2 * CAPTION_PAD_Y
        top = max(target.top(), 0.0) + 6
        for text, is_left in ((left, True), (right, False)):
            width = metrics.horizontalAdvance(text) + 2 * CAPTION_PAD_X
            if is_left:
                x = min(cut - CAPTION_GAP - width, self.width() - width - 2)
                fits = x >= 2
            else:
                x = max(cut + CAPTION_GAP, 2.0)
                fits = x + width <= self.width() - 2
            if not fits:
                continue
            box = QRectF(x, top, width, height)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(CAPTION_BOX)
            painter.drawRoundedRect(box, 4, 4)
            painter.setPen(CAPTION_TEXT)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    # ---- mouse ---------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if event.button() == Qt.MouseButton.LeftButton and abs(pos.x() - self.divider_x()) <= DIVIDER_GRAB_PX:
            self._drag = "divider"
        elif event.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.MiddleButton):
            self._drag = "pan"
        self._last = pos

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._drag == "divider":
            rect = self.image_rect()
            self.set_split((pos.x() - rect.left()) / max(rect.width(), 1.0))
        elif self._drag == "pan":
            self.pan_by(pos.x() - self._last.x(), pos.y() - self._last.y())
        else:
            near = abs(pos.x() - self.divider_x()) <= DIVIDER_GRAB_PX
            self.setCursor(Qt.CursorShape.SplitHCursor if near else Qt.CursorShape.OpenHandCursor)
        self._last = pos

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag = None

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.fit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(1.25**steps, event.position())

    def resizeEvent(self, event: QResizeEvent) -> None:
        if self._fitted:
            self.fit()
        super().resizeEvent(event)
