"""The label-map canvas: shows the map over an optional reference photo and turns mouse input into tool actions.

The map is displayed through a LabelMapImage (an Indexed8 QImage over the
view-model's numpy buffer), so a stroke segment costs only a repaint of its
bounding box, not a conversion of the whole document.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen, QWheelEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from ganstudio.app.painting_viewmodel import PaintingViewModel

from ..image_widgets import rgb_qimage
from .label_image import LabelMapImage

MIN_ZOOM, MAX_ZOOM = 0.05, 32.0


class PaintingCanvas(QWidget):
    zoomChanged = Signal(float)
    cursorMoved = Signal(int, int, int)  # x, y, class id under the cursor (-1 outside)

    def __init__(self, viewmodel: PaintingViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = viewmodel
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 200)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.zoom = 1.0
        self.offset = QPointF(0, 0)  # widget position of image pixel (0, 0)
        self._labels = LabelMapImage(viewmodel)
        self._last_size = self._labels.image.size()
        self._reference: QImage | None = None
        self._fit_pending = True
        self._fitted = False  # fitted and not zoomed or panned since: a resize fits again
        self._space_down = False
        self._panning: QPointF | None = None
        self._shape_start: QPointF | None = None
        self._shape_end: QPointF | None = None
        self._hover: QPointF | None = None
        self._painting = False
        viewmodel.labelsChanged.connect(self._on_labels_changed)
        viewmodel.documentReset.connect(self._rebuild_image)
        viewmodel.referenceChanged.connect(self._on_reference_changed)
        viewmodel.brushSizeChanged.connect(self._on_brush_size)
        viewmodel.toolChanged.connect(lambda _tool: self._tool_cursor())

    # ---- image from the label map ---------------------------------------
    @property
    def overlay_opacity(self) -> float:
        return self._labels.opacity

    def _rebuild_image(self) -> None:
        image = self._labels.rebuild()
        if image.size() != self._last_size:
            self._last_size = image.size()
            self._fit_pending = True  # a new document size: fit it into view
        self.update()

    def _on_labels_changed(self, y0: int, x0: int, y1: int, x1: int) -> None:
        self._report_cursor()  # a fill or an undo may have changed the class under the cursor
        if not self._labels.refresh(y0, x0, y1, x1):
            self._rebuild_image()
            return
        self.update(self.image_to_widget_rect(QRectF(x0, y0, x1 - x0, y1 - y0)).adjusted(-2, -2, 2, 2))

    def _on_brush_size(self, _size: int) -> None:
        self.update()  # the brush outline changed

    def _on_reference_changed(self) -> None:
        self._reference = None if self.vm.reference is None else rgb_qimage(self.vm.reference)
        self.update()

    def set_overlay_opacity(self, opacity: float) -> None:
        self._labels.set_opacity(opacity)
        self.update()

    # ---- view transform ---------------------------------------------------
    def widget_to_image(self, pos: QPointF) -> QPointF:
        return (pos - self.offset) / self.zoom

    def image_to_widget_rect(self, rect: QRectF) -> QRect:
        return QRectF(rect.topLeft() * self.zoom + self.offset, rect.size() * self.zoom).toAlignedRect()

    def fit(self) -> None:
        w, h = self.vm.width, self.vm.height
        if w <= 0 or h <= 0 or self.width() <= 0:
            return
        zoom = min((self.width() - 16) / w, (self.height() - 16) / h)
        self.set_zoom(max(MIN_ZOOM, zoom), center=True)
        self._fit_pending = False
        self._fitted = True

    def actual_size(self) -> None:
        self.set_zoom(1.0, center=True)

    def set_zoom(self, zoom: float, anchor: QPointF | None = None, center: bool = False) -> None:
        zoom = max(MIN_ZOOM, min(MAX_ZOOM, zoom))
        self._fitted = False
        if center:
            self.zoom = zoom
            self.offset = QPointF((self.width() - self.vm.width * zoom) / 2, (self.height() - self.vm.height * zoom) / 2)
        else:
            anchor = anchor if anchor is not None else QPointF(self.width() / 2, self.height() / 2)
            image_point = self.widget_to_image(anchor)
            self.zoom = zoom
            self.offset = anchor - image_point * zoom
        self.zoomChanged.emit(self.zoom)
        self.update()

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom * 1.25)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom / 1.25)

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().resizeEvent(event)
        if self._fit_pending or self._fitted:
            self.fit()

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        if self._fit_pending:
            self.fit()

    # ---- painting -------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(event.rect(), QColor(48, 48, 52))
        target = QRectF(self.offset, QPointF(self.offset.x() + self.vm.width * self.zoom, self.offset.y() + self.vm.height * self.zoom))
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)  # crisp labels at every zoom
        if self._reference is not None:
            painter.drawImage(target, self._reference)
        elif self.overlay_opacity < 1.0:
            painter.fillRect(target, QColor(255, 255, 255))
        # draw only the exposed part of the image: a stroke repaints a small rectangle
        exposed = QRectF(event.rect()).intersected(target)
        if not exposed.isEmpty():
            src = QRectF((exposed.topLeft() - self.offset) / self.zoom, exposed.size() / self.zoom)
            painter.drawImage(exposed, self._labels.image, src)
        painter.setPen(QPen(QColor(20, 20, 20), 1))
        painter.drawRect(target.adjusted(-1, -1, 0, 0))
        self._paint_tool_overlay(painter)
        painter.end()

    def _paint_tool_overlay(self, painter: QPainter) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if self._shape_start is not None and self._shape_end is not None:
            color = QColor(*self.vm.palette[self.vm.current_class].color)
            painter.setPen(QPen(color, max(1.0, self.vm.brush_size * self.zoom if self.vm.tool == "line" else 2.0)))
            a = self._shape_start * self.zoom + self.offset
            b = self._shape_end * self.zoom + self.offset
            if self.vm.tool == "line":
                painter.setPen(QPen(color, max(1.0, self.vm.brush_size * self.zoom), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
                painter.drawLine(a, b)
            else:
                painter.fillRect(QRectF(a, b).normalized(), color)
        if self._hover is not None and self.vm.tool in ("brush", "eraser", "line"):
            radius = self.vm.brush_size * self.zoom / 2
            center = self._hover * self.zoom + self.offset
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(QColor(0, 0, 0), 1))
            painter.drawEllipse(center, radius + 1, radius + 1)
            painter.setPen(QPen(QColor(255, 255, 255), 1))
            painter.drawEllipse(center, radius, radius)

    def _cursor_dirty_rect(self, point: QPointF | None) -> QRect:
        if point is None:
            return QRect()
        radius = self.vm.brush_size * self.zoom / 2 + 4
        center = point * self.zoom + self.offset
        return QRectF(center.x() - radius, center.y() - radius, 2 * radius, 2 * radius).toAlignedRect()

    # ---- input --------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if event.button() == Qt.MouseButton.MiddleButton or (event.button() == Qt.MouseButton.LeftButton and self._space_down):
            self._panning = pos
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        point = self.widget_to_image(pos)
        tool = self.vm.tool
        if tool == "eyedropper" or event.modifiers() & Qt.KeyboardModifier.AltModifier:
            self.vm.pick_at(point.x(), point.y())
        elif tool in ("brush", "eraser"):
            self._painting = True
            self.vm.begin_stroke(point.x(), point.y())
        elif tool == "fill":
            self.vm.fill_at(point.x(), point.y())
        elif tool == "reroll":  # OASIS: new noise for the clicked class, or with Shift for its connected area only
            self.vm.reroll_at(point.x(), point.y(), connected=bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier))
        elif tool == "replace":
            ix, iy = int(point.x()), int(point.y())
            if 0 <= ix < self.vm.width and 0 <= iy < self.vm.height:
                self.vm.replace_everywhere(int(self.vm.labels[iy, ix]))
        elif tool in ("line", "rect"):
            self._shape_start = self._shape_end = point
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._panning is not None:
            self.offset += pos - self._panning
            self._panning = pos
            self._fitted = False
            self.update()
            return
        point = self.widget_to_image(pos)
        old_hover = self._hover
        self._hover = point
        if self._painting:
            self.vm.stroke_to(point.x(), point.y())
        elif self._shape_start is not None:
            self._shape_end = point
            self.update()
        self._report_cursor()
        self.update(self._cursor_dirty_rect(old_hover).united(self._cursor_dirty_rect(point)))

    def _report_cursor(self) -> None:
        """Say where the cursor is and which class lies under it (again after an edit changed that class)."""
        if self._hover is None:
            return
        ix, iy = int(np.floor(self._hover.x())), int(np.floor(self._hover.y()))
        inside = 0 <= ix < self.vm.width and 0 <= iy < self.vm.height
        self.cursorMoved.emit(ix, iy, int(self.vm.labels[iy, ix]) if inside else -1)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._panning is not None and event.button() in (Qt.MouseButton.MiddleButton, Qt.MouseButton.LeftButton):
            self._panning = None
            self._tool_cursor()
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        point = self.widget_to_image(event.position())
        if self._painting:
            self._painting = False
            self.vm.stroke_to(point.x(), point.y())
            self.vm.end_stroke()
        elif self._shape_start is not None:
            start, self._shape_start, self._shape_end = self._shape_start, None, None
            if self.vm.tool == "line":
                self.vm.draw_line((start.x(), start.y()), (point.x(), point.y()))
            else:
                self.vm.draw_rect((start.x(), start.y()), (point.x(), point.y()))
            self.update()

    def _tool_cursor(self) -> None:
        """A pointing hand while a click picks a region (re-roll), the default arrow otherwise."""
        if self.vm.tool == "reroll":
            self.setCursor(Qt.CursorShape.PointingHandCursor)
        else:
            self.unsetCursor()

    def leaveEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        old, self._hover = self._hover, None
        self.update(self._cursor_dirty_rect(old))
        super().leaveEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.set_zoom(self.zoom * (1.15 ** steps), anchor=event.position())
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_down = True
            self.setCursor(Qt.CursorShape.OpenHandCursor)
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_down = False
            self._tool_cursor()
            return
        super().keyReleaseEvent(event)
