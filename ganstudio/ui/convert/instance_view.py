"""The compare view with instance masks: painted on the input side, translated ones over the output.

For an instance model (InstaGAN) the left button paints the selected mask on
the input side of the divider, the right button (or Shift / Ctrl with the left)
erases; a ring shows the brush. The divider still drags, the middle button and
a left drag on the output side still pan. Strokes leave as signals in picture
coordinates; the document (app/instance_masks.py) rasterises them. The masks
are drawn as translucent colour overlays, clipped to their side.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QWidget

from ..image_widgets import to_qimage
from .compare_view import DIVIDER_GRAB_PX, CompareView

ERASE_MODIFIERS = Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier


class InstanceCompareView(CompareView):
    strokeBegan = Signal(float, float, bool)  # picture x, y; erase
    strokeMoved = Signal(float, float)
    strokeEnded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.painting = False
        self.brush = 16  # diameter in picture pixels (the cursor ring)
        self.input_overlay: QImage | None = None
        self.output_overlay: QImage | None = None
        self._stroking = False
        self._hover: QPointF | None = None

    # ---- content ----------------------------------------------------------------------
    def set_painting(self, enabled: bool) -> None:
        self.painting = bool(enabled)
        if not self.painting:
            self.input_overlay = self.output_overlay = None
            self._hover = None
        self.update()

    def set_brush(self, diameter: int) -> None:
        self.brush = int(diameter)
        self.update()

    def set_input_overlay(self, rgba: np.ndarray | None) -> None:
        self.input_overlay = None if rgba is None or not rgba.size else to_qimage(rgba)
        self.update()

    def update_input_overlay(self, x: int, y: int, rgba: np.ndarray) -> None:
        """Replace the rectangle at (x, y) of the input overlay (a stroke's few pixels, not the whole picture)."""
        if self.input_overlay is None or not rgba.size:
            return
        painter = QPainter(self.input_overlay)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        painter.drawImage(x, y, to_qimage(rgba))
        painter.end()
        rect = self.image_rect()
        self.update(QRectF(rect.left() + x * self.scale, rect.top() + y * self.scale, rgba.shape[1] * self.scale,
                           rgba.shape[0] * self.scale).toAlignedRect().adjusted(-2, -2, 2, 2))

    def set_output_overlay(self, rgba: np.ndarray | None) -> None:
        self.output_overlay = None if rgba is None or not rgba.size else to_qimage(rgba)
        self.update()

    # ---- painting ----------------------------------------------------------------------
    def _paint_over(self, painter: QPainter, target: QRectF, cut: float) -> None:
        for overlay, left in ((self.input_overlay, True), (self.output_overlay, False)):
            if overlay is None or self.input is None or overlay.size() != self.input.size():
                continue
            painter.save()
            side = QRectF(target.left(), target.top(), max(0.0, cut - target.left()), target.height()) if left else \
                QRectF(cut, target.top(), max(0.0, target.right() - cut), target.height())
            painter.setClipRect(side)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)  # crisp mask edges when zoomed in
            painter.drawImage(target, overlay)
            painter.restore()
        if self.painting and self._hover is not None and self._can_paint_at(self._hover):
            radius = self.brush * self.scale / 2
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            for colour, width in ((QColor(0, 0, 0, 160), 3), (QColor(255, 255, 255), 1)):
                painter.setPen(QPen(colour, width))
                painter.drawEllipse(self._hover, radius, radius)
            painter.restore()

    # ---- mouse ---------------------------------------------------------------------------
    def _can_paint_at(self, pos: QPointF) -> bool:
        """On the picture, left of the divider (and not on it)."""
        return (self.painting and self.input is not None and self.image_rect().contains(pos)
                and pos.x() < self.divider_x() - DIVIDER_GRAB_PX)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        button = event.button()
        if button in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton) and self._can_paint_at(pos):
            erase = button == Qt.MouseButton.RightButton or bool(event.modifiers() & ERASE_MODIFIERS)
            self._stroking = True
            point = self.to_image(pos)
            self.strokeBegan.emit(point.x(), point.y(), erase)
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._stroking:
            point = self.to_image(pos)
            self.strokeMoved.emit(point.x(), point.y())
        else:
            super().mouseMoveEvent(event)
            if self._can_paint_at(pos):
                self.setCursor(Qt.CursorShape.CrossCursor)
        if self.painting:
            old, self._hover = self._hover, pos
            self._update_ring(old)
            self._update_ring(pos)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._stroking:
            self._stroking = False
            self.strokeEnded.emit()
            return
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if not self._can_paint_at(event.position()):
            super().mouseDoubleClickEvent(event)  # a double click while painting is two dabs, not "fit"

    def leaveEvent(self, event: QEvent) -> None:
        old, self._hover = self._hover, None
        self._update_ring(old)
        super().leaveEvent(event)

    def _update_ring(self, centre: QPointF | None) -> None:
        if centre is not None:
            r = int(self.brush * self.scale / 2) + 4
            self.update(QRect(int(centre.x()) - r, int(centre.y()) - r, 2 * r, 2 * r))
