"""The interpolation pad: anchors on a square, a cursor that blends them in W while dragged.

Dragging the cursor posts preview renders (latest wins on the worker) and the
release posts the full-resolution one. Anchors are dragged the same way;
right-click (or Delete on the selected anchor) removes one.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QContextMenuEvent, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QMenu, QSizePolicy, QWidget

from ganstudio.app.latent_viewmodel import LatentViewModel

MARGIN = 14
ANCHOR_RADIUS = 9
GRAB_DISTANCE = 12


class InterpolationPad(QWidget):
    anchorSelected = Signal(int)  # -1: none

    def __init__(self, viewmodel: LatentViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = viewmodel
        self.selected = -1
        self._dragging: str | None = None  # "cursor" or "anchor"
        self.setMinimumSize(180, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setMouseTracking(False)
        viewmodel.anchorsChanged.connect(self._on_anchors)
        viewmodel.cursorChanged.connect(lambda _x, _y: self.update())
        viewmodel.settingsChanged.connect(self.update)

    # -- geometry ---------------------------------------------------------------------
    def pad_rect(self) -> QRectF:
        side = max(1.0, min(self.width(), self.height()) - 2 * MARGIN)
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def to_widget(self, x: float, y: float) -> QPointF:
        rect = self.pad_rect()
        return QPointF(rect.left() + x * rect.width(), rect.top() + y * rect.height())

    def to_pad(self, point: QPointF) -> tuple[float, float]:
        rect = self.pad_rect()
        x = (point.x() - rect.left()) / rect.width()
        y = (point.y() - rect.top()) / rect.height()
        return min(max(x, 0.0), 1.0), min(max(y, 0.0), 1.0)

    def anchor_at(self, point: QPointF) -> int:
        best, best_distance = -1, float(GRAB_DISTANCE)
        for index, anchor in enumerate(self.vm.anchors):
            centre = self.to_widget(anchor.x, anchor.y)
            distance = ((centre.x() - point.x()) ** 2 + (centre.y() - point.y()) ** 2) ** 0.5
            if distance <= best_distance:
                best, best_distance = index, distance
        return best

    # -- events -----------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        index = self.anchor_at(event.position())
        if index >= 0 and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self._dragging = "anchor"
            self._select(index)
        else:  # Shift+click on an anchor moves the cursor onto it
            self._dragging = "cursor"
            self.vm.set_cursor(*self.to_pad(event.position()), preview=True)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        x, y = self.to_pad(event.position())
        if self._dragging == "cursor":
            self.vm.set_cursor(x, y, preview=True)
        elif self._dragging == "anchor" and self.selected >= 0:
            self.vm.move_anchor(self.selected, x, y, preview=True)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._dragging is None:
            return super().mouseReleaseEvent(event)
        x, y = self.to_pad(event.position())
        if self._dragging == "cursor":
            self.vm.set_cursor(x, y, preview=False)
        elif self.selected >= 0:
            self.vm.move_anchor(self.selected, x, y, preview=False)
        self._dragging = None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selected >= 0:
            self.remove_anchor(self.selected)
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        index = self.anchor_at(QPointF(event.pos()))
        if index < 0:
            return
        menu = QMenu(self)
        menu.addAction(f"Remove {self.vm.anchors[index].label}", lambda: self.remove_anchor(index))
        menu.addAction("Put the cursor here", lambda: self.vm.set_cursor(self.vm.anchors[index].x, self.vm.anchors[index].y))
        menu.popup(event.globalPos())

    def remove_anchor(self, index: int) -> None:
        try:
            self.vm.remove_anchor(index)
        except ValueError as exc:
            self.vm.notice.emit(str(exc))
            return
        self._select(-1)

    def _select(self, index: int) -> None:
        self.selected = index
        self.anchorSelected.emit(index)
        self.update()

    def _on_anchors(self) -> None:
        if self.selected >= len(self.vm.anchors):
            self._select(-1)
        self.update()

    # -- painting ---------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.fillRect(self.rect(), QColor(40, 40, 44))
        rect = self.pad_rect()
        painter.fillRect(rect, QColor(58, 58, 64))
        painter.setPen(QPen(QColor(80, 80, 88), 1))
        for step in range(1, 4):
            painter.drawLine(QPointF(rect.left() + rect.width() * step / 4, rect.top()), QPointF(rect.left() + rect.width() * step / 4, rect.bottom()))
            painter.drawLine(QPointF(rect.left(), rect.top() + rect.height() * step / 4), QPointF(rect.right(), rect.top() + rect.height() * step / 4))
        active = self.vm.base == "pad"
        weights = {id(source): weight for source, weight in self.vm.pad_blend()} if active and self.vm.anchors else {}
        for index, anchor in enumerate(self.vm.anchors):
            centre = self.to_widget(anchor.x, anchor.y)
            weight = weights.get(id(anchor.source), 0.0)
            fill = QColor(90 + int(150 * weight), 140, 220 - int(120 * weight))
            painter.setBrush(fill)
            painter.setPen(QPen(QColor(255, 210, 80) if index == self.selected else QColor(20, 20, 20), 2))
            painter.drawEllipse(centre, ANCHOR_RADIUS, ANCHOR_RADIUS)
            painter.setPen(QColor(230, 230, 230))
            label_x = centre.x() + ANCHOR_RADIUS + 2 if anchor.x < 0.6 else centre.x() - ANCHOR_RADIUS - 80
            painter.drawText(QRectF(label_x, centre.y() - 8, 78, 16),
                             Qt.AlignmentFlag.AlignVCenter | (Qt.AlignmentFlag.AlignLeft if anchor.x < 0.6 else Qt.AlignmentFlag.AlignRight),
                             anchor.label)
        cursor = self.to_widget(*self.vm.cursor)
        painter.setPen(QPen(QColor(255, 255, 255) if active else QColor(150, 150, 150), 2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(cursor, 6, 6)
        painter.drawLine(QPointF(cursor.x() - 11, cursor.y()), QPointF(cursor.x() + 11, cursor.y()))
        painter.drawLine(QPointF(cursor.x(), cursor.y() - 11), QPointF(cursor.x(), cursor.y() + 11))
        painter.end()
