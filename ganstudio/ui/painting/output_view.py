"""The synthesized photo, fitted to its panel; in split mode a draggable divider compares it with the label map.

The photo is scaled (smoothly) once per new output or panel size, not on every
paint, and the label map is shown through an Indexed8 image over the live map,
so a repaint never does work proportional to the document.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QWidget

from ganstudio.app.painting_viewmodel import PaintingViewModel

from ..image_widgets import FittedImageView, rgb_qimage
from .label_image import LabelMapImage


class OutputView(FittedImageView):
    def __init__(self, viewmodel: PaintingViewModel, parent: QWidget | None = None) -> None:
        super().__init__("No model loaded: open one from the Model menu to see a photo here.", parent)
        self.vm = viewmodel
        self.split = False
        self.divider = 0.5  # fraction of the width showing the label map in split mode
        self._scaled: QImage | None = None  # self.image at the size it is drawn
        self._labels: LabelMapImage | None = None  # made when split mode first needs it
        self._dragging = False
        viewmodel.outputChanged.connect(self._on_output)
        viewmodel.labelsChanged.connect(self._on_labels_changed)
        viewmodel.documentReset.connect(self._on_document_reset)

    def _on_output(self) -> None:
        self._scaled = None
        self.set_image(None if self.vm.output is None else rgb_qimage(self.vm.output))

    def _on_labels_changed(self, y0: int, x0: int, y1: int, x1: int) -> None:
        if self.split and self._labels is not None:
            self._labels.refresh(y0, x0, y1, x1)
            self.update()

    def _on_document_reset(self) -> None:
        if self._labels is not None:
            self._labels.rebuild()
        if self.split:
            self.update()

    def set_split(self, split: bool) -> None:
        self.split = bool(split)
        if self.split and self._labels is None:
            self._labels = LabelMapImage(self.vm)
        self.update()

    def _scaled_image(self, size: QSize) -> QImage:
        assert self.image is not None
        if self._scaled is None or self._scaled.size() != size:
            # RGB32 scales faster than packed RGB888, and blits without conversion
            rgb32 = self.image.convertToFormat(QImage.Format.Format_RGB32)
            self._scaled = rgb32.scaled(size, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)
        return self._scaled

    def content_size(self) -> QSize:
        # before the first photo, the document's size (where the divider is dragged)
        return self.image.size() if self.image is not None else QSize(self.vm.width, self.vm.height)

    def paint_image(self, painter: QPainter) -> None:
        pixels = self.image_rect().toAlignedRect()
        painter.drawImage(pixels.topLeft(), self._scaled_image(pixels.size()))
        if self.split and self._labels is not None:
            target = QRectF(pixels)
            cut = target.left() + target.width() * self.divider
            labels = self._labels.image
            left = QRectF(target.left(), target.top(), cut - target.left(), target.height())
            src = QRectF(0, 0, labels.width() * self.divider, labels.height())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            painter.drawImage(left, labels, src)
            painter.setPen(QPen(QColor(255, 255, 255), 2))
            painter.drawLine(QPointF(cut, target.top()), QPointF(cut, target.bottom()))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.split and event.button() == Qt.MouseButton.LeftButton:
            self._dragging = True
            self._move_divider(event.position().x())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._dragging:
            self._move_divider(event.position().x())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._dragging = False

    def _move_divider(self, x: float) -> None:
        target = self.image_rect()
        self.divider = min(1.0, max(0.0, (x - target.left()) / max(target.width(), 1.0)))
        self.update()
