"""The face photo with the square crop the model sees: drag inside to move it, drag a corner to resize.

The square stays square and inside the photo (the view-model clamps it).
The photo is shown fitted; the rest of it is dimmed outside the crop.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPainterPath, QPen, QWheelEvent
from PySide6.QtWidgets import QWidget

from ganstudio.app.attributes_viewmodel import AttributesViewModel

from ..image_widgets import FittedImageView, to_qimage

HANDLE_PX = 10
MIN_CROP = 16


class CropView(FittedImageView):
    def __init__(self, viewmodel: AttributesViewModel, parent: QWidget | None = None) -> None:
        super().__init__("Open a face photo (any size or format).", parent)
        self.vm = viewmodel
        self._drag: tuple[str, QPointF, tuple[int, int, int]] | None = None  # mode, press point (image), box then
        self.setMinimumSize(160, 160)
        self.setMouseTracking(True)
        viewmodel.photoChanged.connect(self._on_photo)
        viewmodel.cropChanged.connect(self.update)

    def _on_photo(self) -> None:
        self.set_image(None if self.vm.photo is None else to_qimage(self.vm.photo))

    # ---- geometry -------------------------------------------------------------------
    def scale(self) -> float:
        """Screen pixels per photo pixel."""
        return 1.0 if self.image is None else self.image_rect().width() / self.image.width()

    def to_image(self, point: QPointF) -> QPointF:
        rect = self.image_rect()
        return (point - rect.topLeft()) / self.scale()

    def to_screen(self, x: float, y: float) -> QPointF:
        return self.image_rect().topLeft() + QPointF(x, y) * self.scale()

    def crop_rect(self) -> QRectF:
        box = self.vm.box
        return QRectF(self.to_screen(box.x, box.y), self.to_screen(box.x + box.size, box.y + box.size))

    def _hit(self, pos: QPointF) -> str:
        rect = self.crop_rect()
        corners = {"tl": rect.topLeft(), "tr": rect.topRight(), "bl": rect.bottomLeft(), "br": rect.bottomRight()}
        for name, corner in corners.items():
            if abs(pos.x() - corner.x()) <= HANDLE_PX and abs(pos.y() - corner.y()) <= HANDLE_PX:
                return name
        return "move" if rect.contains(pos) else ""

    # ---- painting ----------------------------------------------------------------------
    def paint_image(self, painter: QPainter) -> None:
        super().paint_image(painter)
        crop = self.crop_rect()
        shade = QPainterPath()
        shade.addRect(self.image_rect())
        hole = QPainterPath()
        hole.addRect(crop)
        painter.fillPath(shade.subtracted(hole), QColor(0, 0, 0, 120))
        painter.setPen(QPen(QColor(255, 210, 60), 2))
        painter.drawRect(crop)
        painter.setBrush(QColor(255, 210, 60))
        for corner in (crop.topLeft(), crop.topRight(), crop.bottomLeft(), crop.bottomRight()):
            painter.drawRect(QRectF(corner.x() - 4, corner.y() - 4, 8, 8))

    # ---- mouse ------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.image is None or event.button() != Qt.MouseButton.LeftButton:
            return
        mode = self._hit(event.position())
        if mode:
            self._drag = (mode, self.to_image(event.position()), self.vm.box.as_tuple())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._drag is None:
            mode = self._hit(pos)
            cursor = {"tl": Qt.CursorShape.SizeFDiagCursor, "br": Qt.CursorShape.SizeFDiagCursor, "tr": Qt.CursorShape.SizeBDiagCursor, "bl": Qt.CursorShape.SizeBDiagCursor, "move": Qt.CursorShape.SizeAllCursor}
            self.setCursor(cursor.get(mode, Qt.CursorShape.ArrowCursor))
            return
        mode, start, (x, y, size) = self._drag
        here = self.to_image(pos)
        dx, dy = here.x() - start.x(), here.y() - start.y()
        if mode == "move":
            self.vm.set_crop(x + dx, y + dy, size)
            return
        # resize from a corner; the opposite corner stays where it is
        grow = {"br": max(dx, dy), "tl": max(-dx, -dy), "tr": max(dx, -dy), "bl": max(-dx, dy)}[mode]
        new = max(MIN_CROP, size + grow)
        nx = x if mode in ("br", "tr") else x + size - new
        ny = y if mode in ("br", "bl") else y + size - new
        self.vm.set_crop(nx, ny, new)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag = None

    def wheelEvent(self, event: QWheelEvent) -> None:
        """Wheel resizes the square about its centre."""
        steps = event.angleDelta().y() / 120.0
        if not steps or self.image is None:
            return
        x, y, size = self.vm.box.as_tuple()
        new = max(MIN_CROP, round(size * 1.1**steps))
        self.vm.set_crop(x + (size - new) / 2, y + (size - new) / 2, new)
