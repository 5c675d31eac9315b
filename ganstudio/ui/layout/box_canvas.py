"""The layout canvas: a square standing for the picture, with the labelled boxes on it.

Drag on empty canvas: a new box of the current class. Click a box: select it
(the top-most one under the pointer). Drag inside a box: move it; drag one of
the selected box's eight handles: resize it. Delete or Backspace removes the
selected box, Escape clears the selection, and a typed letter starts the class
search. Moves and resizes go to the view-model as they happen (it renders
previews) and end as one undo step when the button is released.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from ganstudio.app.layout_viewmodel import MIN_SIZE, LayoutBox, LayoutViewModel

from ..image_widgets import BACKGROUND, fit_rect, paint_placeholder

MARGIN = 8
HANDLE = 7  # px, half the side of a resize handle's grab area
GRID = 8  # lines across the square, to judge positions by
# handle name -> which edges it moves: (left, top, right, bottom)
HANDLES = {"tl": (1, 1, 0, 0), "t": (0, 1, 0, 0), "tr": (0, 1, 1, 0), "r": (0, 0, 1, 0),
           "br": (0, 0, 1, 1), "b": (0, 0, 0, 1), "bl": (1, 0, 0, 1), "l": (1, 0, 0, 0)}
CURSORS = {"tl": Qt.CursorShape.SizeFDiagCursor, "br": Qt.CursorShape.SizeFDiagCursor, "tr": Qt.CursorShape.SizeBDiagCursor,
           "bl": Qt.CursorShape.SizeBDiagCursor, "t": Qt.CursorShape.SizeVerCursor, "b": Qt.CursorShape.SizeVerCursor,
           "l": Qt.CursorShape.SizeHorCursor, "r": Qt.CursorShape.SizeHorCursor}


def text_color(color: QColor) -> QColor:
    """Black on light colours, white on dark ones."""
    return QColor(0, 0, 0) if color.lightnessF() > 0.6 else QColor(255, 255, 255)


class BoxCanvas(QWidget):
    searchTyped = Signal(str)  # a letter typed over the canvas: the class search takes it

    def __init__(self, vm: LayoutViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = vm
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 200)
        self._mode = ""  # "draw", "move", "resize" while the button is down
        self._index = -1
        self._handle = ""
        self._press = QPointF()
        self._start_box: LayoutBox | None = None
        self._rubber: QRectF | None = None  # the new box being drawn, normalised
        for signal in (vm.layoutChanged, vm.modelChanged, vm.currentClassChanged):
            signal.connect(self.update)
        vm.selectionChanged.connect(lambda _index: self.update())

    def sizeHint(self) -> QSize:
        return QSize(360, 360)

    # -- geometry ----------------------------------------------------------------------------------
    def square(self) -> QRectF:
        """Where the picture's square is on the widget."""
        return fit_rect(QRectF(self.rect()).adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN), QSize(1, 1))

    def to_widget(self, x: float, y: float, w: float = 0.0, h: float = 0.0) -> QRectF:
        s = self.square()
        return QRectF(s.left() + x * s.width(), s.top() + y * s.height(), w * s.width(), h * s.height())

    def to_layout(self, point: QPointF) -> tuple[float, float]:
        s = self.square()
        return (point.x() - s.left()) / s.width(), (point.y() - s.top()) / s.height()

    def box_rect(self, index: int) -> QRectF:
        return self.to_widget(*self.vm.boxes[index].rect)

    def handle_points(self, index: int) -> dict[str, QPointF]:
        r = self.box_rect(index)
        cx, cy = r.center().x(), r.center().y()
        return {"tl": r.topLeft(), "t": QPointF(cx, r.top()), "tr": r.topRight(), "r": QPointF(r.right(), cy),
                "br": r.bottomRight(), "b": QPointF(cx, r.bottom()), "bl": r.bottomLeft(), "l": QPointF(r.left(), cy)}

    def handle_at(self, point: QPointF) -> str:
        """The selected box's handle under `point`, or ""."""
        if not 0 <= self.vm.selected < len(self.vm.boxes):
            return ""
        for name, centre in self.handle_points(self.vm.selected).items():
            if abs(point.x() - centre.x()) <= HANDLE and abs(point.y() - centre.y()) <= HANDLE:
                return name
        return ""

    # -- mouse -------------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        self.setFocus()
        point = event.position()
        self._press = point
        handle = self.handle_at(point)
        index = self.vm.selected if handle else self.vm.box_at(*self.to_layout(point))
        if index >= 0:
            self.vm.select(index)
            self._mode, self._index, self._handle = ("resize" if handle else "move"), index, handle
            self._start_box = self.vm.boxes[index]
            self.vm.begin_drag()
        else:
            self.vm.select(-1)
            self._mode = "draw"
            self._rubber = None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        point = event.position()
        if not self._mode:
            self._set_hover_cursor(point)
            return
        dx, dy = self.to_layout(point)
        ox, oy = self.to_layout(self._press)
        if self._mode == "draw":
            x0, y0 = min(max(ox, 0.0), 1.0), min(max(oy, 0.0), 1.0)
            x1, y1 = min(max(dx, 0.0), 1.0), min(max(dy, 0.0), 1.0)
            self._rubber = QRectF(min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0))
            self.update()
            return
        box = self._start_box
        assert box is not None
        shift_x, shift_y = dx - ox, dy - oy
        if self._mode == "move":
            self.vm.drag_box(self._index, box.x + shift_x, box.y + shift_y, box.w, box.h)
            return
        left, top, right, bottom = HANDLES[self._handle]
        x0, y0, x1, y1 = box.x + left * shift_x, box.y + top * shift_y, box.x + box.w + right * shift_x, box.y + box.h + bottom * shift_y
        x0, y0, x1, y1 = max(x0, 0.0), max(y0, 0.0), min(x1, 1.0), min(y1, 1.0)
        # an edge dragged past its opposite stops MIN_SIZE short of it
        if left:
            x0 = min(x0, x1 - MIN_SIZE)
        if right:
            x1 = max(x1, x0 + MIN_SIZE)
        if top:
            y0 = min(y0, y1 - MIN_SIZE)
        if bottom:
            y1 = max(y1, y0 + MIN_SIZE)
        self.vm.drag_box(self._index, x0, y0, x1 - x0, y1 - y0)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or not self._mode:
            return
        mode, self._mode = self._mode, ""
        if mode == "draw":
            rubber, self._rubber = self._rubber, None
            if rubber is not None and rubber.width() >= MIN_SIZE and rubber.height() >= MIN_SIZE:
                self.vm.add_box(rubber.x(), rubber.y(), rubber.width(), rubber.height())
            self.update()
        else:
            name = self.vm.class_by_id(self._start_box.class_id).name if self._start_box and self.vm.class_by_id(self._start_box.class_id) else "box"
            self.vm.end_drag(f"{'Move' if mode == 'move' else 'Resize'} {name}")
        self._set_hover_cursor(event.position())

    def _set_hover_cursor(self, point: QPointF) -> None:
        handle = self.handle_at(point)
        if handle:
            self.setCursor(CURSORS[handle])
        elif self.vm.box_at(*self.to_layout(point)) >= 0:
            self.setCursor(Qt.CursorShape.SizeAllCursor)
        else:
            self.setCursor(Qt.CursorShape.CrossCursor)

    # -- keys --------------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.vm.delete_selected()
        elif key == Qt.Key.Key_Escape:
            self.vm.select(-1)
        elif event.text().isalpha() and len(event.text()) == 1 and not (event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier):
            self.searchTyped.emit(event.text())
        else:
            super().keyPressEvent(event)

    # -- painting ----------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        square = self.square()
        painter.fillRect(square, QColor(78, 78, 84))
        painter.setPen(QPen(QColor(96, 96, 104), 1))
        for i in range(1, GRID):
            x = square.left() + square.width() * i / GRID
            y = square.top() + square.height() * i / GRID
            painter.drawLine(QPointF(x, square.top()), QPointF(x, square.bottom()))
            painter.drawLine(QPointF(square.left(), y), QPointF(square.right(), y))
        if not self.vm.classes:
            paint_placeholder(painter, square, "Open a LostGAN model to draw its objects")
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.save()
        painter.setClipRect(square.adjusted(-1, -1, 1, 1))
        for index, box in enumerate(self.vm.boxes):
            self._paint_box(painter, index, box)
        if self._rubber is not None:
            colour = self._colour(self.vm.current_class)
            painter.setPen(QPen(colour, 2, Qt.PenStyle.DashLine))
            fill = QColor(colour)
            fill.setAlpha(60)
            painter.setBrush(fill)
            painter.drawRect(self.to_widget(self._rubber.x(), self._rubber.y(), self._rubber.width(), self._rubber.height()))
        painter.restore()
        painter.end()

    def _colour(self, class_id: int) -> QColor:
        found = self.vm.class_by_id(class_id)
        return QColor(*found.color) if found else QColor(200, 200, 200)

    def _paint_box(self, painter: QPainter, index: int, box: LayoutBox) -> None:
        rect = self.to_widget(*box.rect)
        colour = self._colour(box.class_id)
        fill = QColor(colour)
        fill.setAlpha(70)
        selected = index == self.vm.selected
        painter.setPen(QPen(colour, 3 if selected else 2))
        painter.setBrush(fill)
        painter.drawRect(rect)
        found = self.vm.class_by_id(box.class_id)
        label = found.name if found else f"class {box.class_id}"
        font = QFont(self.font())
        font.setBold(selected)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        tag = QRectF(rect.left(), rect.top(), min(metrics.horizontalAdvance(label) + 8, max(rect.width(), 24)), metrics.height() + 2)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRect(tag)
        painter.setPen(text_color(colour))
        painter.drawText(tag.adjusted(4, 0, -2, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                         metrics.elidedText(label, Qt.TextElideMode.ElideRight, int(tag.width()) - 6))
        if selected:
            painter.setPen(QPen(QColor(255, 255, 255), 1, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(-2, -2, 2, 2))
            painter.setPen(QPen(QColor(20, 20, 20), 1))
            painter.setBrush(QColor(255, 255, 255))
            for centre in self.handle_points(index).values():
                painter.drawRect(QRectF(centre.x() - 4, centre.y() - 4, 8, 8))
