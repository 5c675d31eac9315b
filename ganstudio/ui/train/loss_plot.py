"""Loss curves, one colour per term, drawn with QPainter (a few hundred points: no plotting library needed)."""
from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
NOT_LOSSES = ("kimg",)  # columns of losses.csv that count progress, not a loss
MAX_POINTS = 2000  # per term; older points are thinned so a long run stays quick to draw


class LossPlot(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.series: dict[str, list[tuple[int, float]]] = {}
        self.setMinimumSize(260, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def clear(self) -> None:
        self.series = {}
        self.update()

    def add_rows(self, restarted: bool, rows: list) -> None:  # list[LossRow]
        if restarted:
            self.series = {}
        for row in rows:
            for name, value in row.values.items():
                if name not in NOT_LOSSES and math.isfinite(value):
                    self.series.setdefault(name, []).append((row.iteration, value))
        for name, points in self.series.items():
            if len(points) > MAX_POINTS:
                self.series[name] = points[::2]
        self.update()

    @property
    def point_count(self) -> int:
        return sum(len(points) for points in self.series.values())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), self.palette().base())
        text_pen = QPen(self.palette().text().color())
        painter.setPen(text_pen)
        if not self.point_count:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Loss curves appear here once the run logs")
            return
        points = [p for series in self.series.values() for p in series]
        x0, x1 = min(p[0] for p in points), max(p[0] for p in points)
        y0, y1 = min(p[1] for p in points), max(p[1] for p in points)
        if x1 == x0:
            x1 = x0 + 1
        if y1 - y0 < 1e-9:
            y0, y1 = y0 - 0.5, y1 + 0.5
        metrics = painter.fontMetrics()
        left = metrics.horizontalAdvance("-0.000e+00") + 8
        area = QRectF(left, 8, self.width() - left - 8, self.height() - 8 - 2 * metrics.height() - 6)
        painter.drawRect(area)
        for value, y in ((y1, area.top()), (y0, area.bottom())):
            painter.drawText(QRectF(0, y - metrics.height() / 2, left - 4, metrics.height()),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{value:.3g}")
        painter.drawText(QRectF(area.left(), area.bottom() + 2, area.width(), metrics.height()),
                         Qt.AlignmentFlag.AlignLeft, f"iteration {x0}")
        painter.drawText(QRectF(area.left(), area.bottom() + 2, area.width(), metrics.height()),
                         Qt.AlignmentFlag.AlignRight, f"{x1}")

        def at(x: float, y: float) -> QPointF:
            return QPointF(area.left() + (x - x0) / (x1 - x0) * area.width(), area.bottom() - (y - y0) / (y1 - y0) * area.height())

        legend_x = area.left()
        legend_y = area.bottom() + metrics.height() + 4
        for index, (name, series) in enumerate(self.series.items()):
            colour = QColor(COLOURS[index % len(COLOURS)])
            painter.setPen(QPen(colour, 1.5))
            path = QPainterPath(at(*series[0]))
            for point in series[1:]:
                path.lineTo(at(*point))
            painter.drawPath(path)
            painter.drawText(QPointF(legend_x, legend_y + metrics.ascent()), name)
            legend_x += metrics.horizontalAdvance(name) + 12
        painter.end()
