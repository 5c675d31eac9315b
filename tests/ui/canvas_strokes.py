"""Mouse strokes on the painting canvas, in document coordinates."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest


def widget_point(window: Any, x: float, y: float) -> QPoint:
    canvas = window.canvas
    return (canvas.offset + QPointF(x, y) * canvas.zoom).toPoint()


def drag(window: Any, points: list[tuple[float, float]]) -> None:
    """Press at the first point, move through the others, release at the last."""
    canvas = window.canvas
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, widget_point(window, *points[0]))
    for x, y in points[1:]:
        QTest.mouseMove(canvas, widget_point(window, x, y))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, widget_point(window, *points[-1]))
