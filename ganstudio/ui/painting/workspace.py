"""The semantic painting workspace: the canvas with the synthesized output beside it (or a split compare)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from ganstudio.app.painting_viewmodel import PaintingViewModel

from .canvas import PaintingCanvas
from .output_view import OutputView


class PaintingWorkspace(QWidget):
    title = "Paint"

    def __init__(self, viewmodel: PaintingViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = viewmodel
        self.canvas = PaintingCanvas(viewmodel)
        self.output = OutputView(viewmodel)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.canvas)
        self.splitter.addWidget(self.output)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([1, 1])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

    def set_compare_split(self, split: bool) -> None:
        """Split: the output alone with a draggable label/photo divider; otherwise side by side."""
        self.output.set_split(split)
        self.canvas.setVisible(not split)
        if not split:
            self.canvas.setFocus()
