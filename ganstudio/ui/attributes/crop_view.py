"""The photo with the square crop the model sees: drag inside to move it, drag a corner to resize.

The upright square stays square and inside the photo (the view-model
clamps it). When the view-model has a face square (`square`: a face found by
the detector, cut as the model's faces were), that oriented square is drawn
instead and can be moved (drag inside), scaled about its centre (drag a
corner, or the wheel) and turned (drag the knob above its top edge, or
Shift+wheel); the other faces found are outlined and a click selects one.
The photo is shown fitted; the rest of it is dimmed outside the crop.

Any view-model with `photo`, `box`, `set_crop`, `photoChanged` and
`cropChanged` works (the projection panel's has no faces); the face part is
used when it also has `square`, `faces`, `face_index`, `set_square` and
`select_face`.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPainterPath, QPen, QPolygonF, QWheelEvent
from PySide6.QtWidgets import QWidget

from ganstudio.document.face_align import FaceSquare

from ..image_widgets import FittedImageView, to_qimage

HANDLE_PX = 10
MIN_CROP = 16
KNOB_PX = 22  # the turning knob's distance above the square's top edge, in screen pixels
ROTATE_STEP = 2.0  # degrees per wheel notch with Shift
CROP_COLOUR = QColor(255, 210, 60)
OTHER_FACE_COLOUR = QColor(120, 200, 255)


class CropView(FittedImageView):
    def __init__(self, viewmodel: Any, parent: QWidget | None = None) -> None:
        super().__init__("Open a face photo (any size or format).", parent)
        self.vm = viewmodel
        self._drag: tuple[str, QPointF, Any] | None = None  # mode, press point (image), box or square then
        self.setMinimumSize(160, 160)
        self.setMouseTracking(True)
        viewmodel.photoChanged.connect(self._on_photo)
        viewmodel.cropChanged.connect(self.update)
        if hasattr(viewmodel, "facesChanged"):
            viewmodel.facesChanged.connect(self.update)

    def _on_photo(self) -> None:
        self.set_image(None if self.vm.photo is None else to_qimage(self.vm.photo))

    def face_square(self) -> FaceSquare | None:
        return getattr(self.vm, "square", None)

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

    def square_polygon(self, square: FaceSquare) -> QPolygonF:
        # corners are pixel-index coordinates; the screen maps pixel edges, so shift by half a pixel
        return QPolygonF([self.to_screen(x + 0.5, y + 0.5) for x, y in square.corners()])

    def knob_point(self, square: FaceSquare) -> QPointF:
        """The turning knob: above the middle of the top edge, KNOB_PX screen pixels out."""
        ex, ey = square.axes()
        top = np.array([square.cx, square.cy]) - ey * square.size / 2
        return self.to_screen(top[0] + 0.5, top[1] + 0.5) - QPointF(ey[0], ey[1]) * KNOB_PX

    def _hit(self, pos: QPointF) -> str:
        square = self.face_square()
        if square is not None:
            knob = self.knob_point(square)
            if abs(pos.x() - knob.x()) <= HANDLE_PX and abs(pos.y() - knob.y()) <= HANDLE_PX:
                return "turn"
            for corner in self.square_polygon(square):
                if abs(pos.x() - corner.x()) <= HANDLE_PX and abs(pos.y() - corner.y()) <= HANDLE_PX:
                    return "scale"
            if self.square_polygon(square).containsPoint(pos, Qt.FillRule.OddEvenFill):
                return "move"
            return self._face_at(pos)
        rect = self.crop_rect()
        corners = {"tl": rect.topLeft(), "tr": rect.topRight(), "bl": rect.bottomLeft(), "br": rect.bottomRight()}
        for name, corner in corners.items():
            if abs(pos.x() - corner.x()) <= HANDLE_PX and abs(pos.y() - corner.y()) <= HANDLE_PX:
                return name
        return "move" if rect.contains(pos) else self._face_at(pos)

    def _face_at(self, pos: QPointF) -> str:
        """"face<i>" when `pos` is inside another found face's box (a click selects it)."""
        faces = getattr(self.vm, "faces", [])
        here = self.to_image(pos)
        for i, face in enumerate(faces):
            if i == getattr(self.vm, "face_index", -1):
                continue
            x, y, w, h = face.box
            if x <= here.x() <= x + w and y <= here.y() <= y + h:
                return f"face{i}"
        return ""

    # ---- painting ----------------------------------------------------------------------
    def paint_image(self, painter: QPainter) -> None:
        super().paint_image(painter)
        square = self.face_square()
        shade = QPainterPath()
        shade.addRect(self.image_rect())
        hole = QPainterPath()
        if square is not None:
            hole.addPolygon(self.square_polygon(square))
        else:
            hole.addRect(self.crop_rect())
        painter.fillPath(shade.subtracted(hole), QColor(0, 0, 0, 120))
        painter.setPen(QPen(OTHER_FACE_COLOUR, 1, Qt.PenStyle.DashLine))
        for i, face in enumerate(getattr(self.vm, "faces", [])):
            if i != getattr(self.vm, "face_index", -1):
                x, y, w, h = face.box
                painter.drawRect(QRectF(self.to_screen(x, y), self.to_screen(x + w, y + h)))
        painter.setPen(QPen(CROP_COLOUR, 2))
        if square is not None:
            polygon = self.square_polygon(square)
            painter.drawPolygon(polygon)
            knob = self.knob_point(square)
            top_middle = (polygon[0] + polygon[1]) / 2
            painter.drawLine(top_middle, knob)
            painter.setBrush(CROP_COLOUR)
            painter.drawEllipse(knob, 5, 5)
            corners = list(polygon)[:4]
        else:
            crop = self.crop_rect()
            painter.drawRect(crop)
            painter.setBrush(CROP_COLOUR)
            corners = [crop.topLeft(), crop.topRight(), crop.bottomLeft(), crop.bottomRight()]
        for corner in corners:
            painter.drawRect(QRectF(corner.x() - 4, corner.y() - 4, 8, 8))

    # ---- mouse ------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.image is None or event.button() != Qt.MouseButton.LeftButton:
            return
        mode = self._hit(event.position())
        if mode.startswith("face"):
            self.vm.select_face(int(mode[4:]))
            return
        if mode:
            square = self.face_square()
            self._drag = (mode, self.to_image(event.position()), square if square is not None else self.vm.box.as_tuple())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._drag is None:
            mode = self._hit(pos)
            cursor = {"tl": Qt.CursorShape.SizeFDiagCursor, "br": Qt.CursorShape.SizeFDiagCursor, "tr": Qt.CursorShape.SizeBDiagCursor,
                      "bl": Qt.CursorShape.SizeBDiagCursor, "move": Qt.CursorShape.SizeAllCursor, "scale": Qt.CursorShape.SizeFDiagCursor,
                      "turn": Qt.CursorShape.CrossCursor}
            self.setCursor(cursor.get(mode, Qt.CursorShape.PointingHandCursor if mode.startswith("face") else Qt.CursorShape.ArrowCursor))
            return
        mode, start, then = self._drag
        here = self.to_image(pos)
        if isinstance(then, FaceSquare):
            self._drag_square(mode, start, here, then)
            return
        x, y, size = then
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

    def _drag_square(self, mode: str, start: QPointF, here: QPointF, then: FaceSquare) -> None:
        """Move, scale (by the distance from the centre) or turn (by the angle about the centre) the face square."""
        c = QPointF(then.cx + 0.5, then.cy + 0.5)
        if mode == "move":
            self.vm.set_square(then.moved(here.x() - start.x(), here.y() - start.y()))
        elif mode == "scale":
            before = math.hypot(start.x() - c.x(), start.y() - c.y())
            after = math.hypot(here.x() - c.x(), here.y() - c.y())
            if before > 1e-6:
                self.vm.set_square(then.scaled(after / before, MIN_CROP))
        elif mode == "turn":
            before = math.atan2(start.y() - c.y(), start.x() - c.x())
            after = math.atan2(here.y() - c.y(), here.x() - c.x())
            self.vm.set_square(then.rotated(math.degrees(after - before)))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag = None

    def wheelEvent(self, event: QWheelEvent) -> None:
        """Wheel resizes the square about its centre; with Shift it turns a face square."""
        steps = event.angleDelta().y() / 120.0 or event.angleDelta().x() / 120.0  # Shift may turn the wheel sideways
        if not steps or self.image is None:
            return
        square = self.face_square()
        if square is not None:
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.vm.set_square(square.rotated(ROTATE_STEP * steps))
            else:
                self.vm.set_square(square.scaled(1.1**steps, MIN_CROP))
            return
        x, y, size = self.vm.box.as_tuple()
        new = max(MIN_CROP, round(size * 1.1**steps))
        self.vm.set_crop(x + (size - new) / 2, y + (size - new) / 2, new)
