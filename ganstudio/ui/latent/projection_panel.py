"""Photo → latent: open a photo, move its square crop, project it, watch the preview, cancel, bookmark the result.

The crop view is the Attributes workspace's (the view-model offers the same
crop interface); the preview shows the model's current picture every few
steps and the final one at the end, when the explorer also shows it.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ganstudio.app.projection_viewmodel import ProjectionViewModel
from ganstudio.document.errors import DocumentError

from ..attributes.crop_view import CropView
from ..dialogs import IMAGE_FILTER
from ..image_widgets import to_qimage
from .elided_label import ElidedLabel

PREVIEW_PX = 96


class ProjectionPanel(QWidget):
    def __init__(self, viewmodel: ProjectionViewModel, dialogs: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = viewmodel
        self.dialogs = dialogs
        self.open_button = QPushButton("Open photo...")
        self.open_button.setToolTip("A photo to find in the model's latent space; drag the square to choose what it sees")
        self.crop_view = CropView(viewmodel)  # type: ignore[arg-type]  # same crop interface as the Attributes view-model
        self.crop_view.setMinimumSize(120, 120)
        self.crop_view.placeholder = "Open a photo: the square is what the model redraws."
        self.steps_spin = QSpinBox()
        self.steps_spin.setRange(10, 5000)
        self.steps_spin.setSingleStep(50)
        self.steps_spin.setValue(viewmodel.steps)
        self.steps_spin.setSuffix(" steps")
        self.w_plus_check = QCheckBox("W+")
        self.w_plus_check.setToolTip("One w per layer: closer to the photo, further from what the model usually draws")
        self.noise_check = QCheckBox("Noise")
        self.noise_check.setToolTip("Optimise the noise inputs too (the explorer shows the ws with the model's own noise)")
        self.encoder_check = QCheckBox("Encoder")
        self.encoder_check.setChecked(viewmodel.use_encoder)
        self.encoder_check.setToolTip("Start from the guess of the model's encoder (<model>-encoder.safetensors beside it)")
        self.project_button = QPushButton("Project")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setVisible(False)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.preview = QLabel()
        self.preview.setFixedSize(PREVIEW_PX, PREVIEW_PX)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.favourite_button = QPushButton("Add to favourites")
        self.favourite_button.setEnabled(False)
        self.status = ElidedLabel("")

        # two short rows: the controls column must stay as narrow as its other groups
        options = QHBoxLayout()
        options.addWidget(self.w_plus_check)
        options.addWidget(self.noise_check)
        options.addWidget(self.encoder_check)
        options.addStretch(1)
        run_row = QHBoxLayout()
        run_row.addWidget(self.project_button)
        run_row.addWidget(self.progress, 1)
        run_row.addWidget(self.cancel_button)
        result_row = QHBoxLayout()
        result_row.addWidget(self.preview)
        result_row.addWidget(self.favourite_button, 0, Qt.AlignmentFlag.AlignBottom)
        result_row.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.open_button)
        column.addWidget(self.crop_view, 1)
        column.addWidget(self.steps_spin)
        column.addLayout(options)
        column.addLayout(run_row)
        column.addLayout(result_row)
        column.addWidget(self.status)

        self.open_button.clicked.connect(self.open_photo_dialog)
        self.steps_spin.valueChanged.connect(lambda value: setattr(self.vm, "steps", int(value)))
        self.w_plus_check.toggled.connect(lambda on: setattr(self.vm, "w_plus", bool(on)))
        self.noise_check.toggled.connect(lambda on: setattr(self.vm, "optimize_noise", bool(on)))
        self.encoder_check.toggled.connect(lambda on: setattr(self.vm, "use_encoder", bool(on)))
        self.project_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(viewmodel.cancel)
        self.favourite_button.clicked.connect(self.add_favourite)
        viewmodel.started.connect(self._on_started)
        viewmodel.progressed.connect(self._on_progress)
        viewmodel.previewReady.connect(self._show_preview)
        viewmodel.runningChanged.connect(self._on_running)
        viewmodel.finished.connect(lambda r: self._say(f"PSNR {r['psnr']:.1f} dB after {r['steps']} steps, {r['elapsed_ms'] / 1000:.1f} s"))
        viewmodel.cancelled.connect(lambda: self._say("Projection cancelled"))
        viewmodel.failed.connect(self._say)
        viewmodel.photoChanged.connect(self._update_buttons)
        viewmodel.latent.modelChanged.connect(lambda _info: self._update_buttons())
        self._update_buttons()

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.vm.latent.notice.emit(text)

    def _update_buttons(self) -> None:
        ready = self.vm.photo is not None and self.vm.latent.layout is not None and not self.vm.running
        self.project_button.setEnabled(ready)
        self.encoder_check.setEnabled(bool(self.vm.companion_encoder()) and not self.vm.running)
        self.favourite_button.setEnabled(self.vm.last_result is not None and not self.vm.running)

    def open_photo_dialog(self) -> None:
        path = self.dialogs.open_file("Open a photo to project", IMAGE_FILTER)
        if not path:
            return
        try:
            self.vm.open_photo(path)
        except (DocumentError, OSError, ValueError) as exc:
            self.dialogs.error("Cannot open the photo", str(exc))

    def start(self) -> None:
        try:
            self.vm.start()
        except ValueError as exc:
            self.dialogs.error("Cannot project", str(exc))

    def add_favourite(self) -> None:
        try:
            self.vm.add_to_favourites()
        except ValueError as exc:
            self.dialogs.error("Cannot bookmark", str(exc))

    def _on_started(self, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(0)
        self.status.setText("Projecting...")

    def _on_progress(self, done: int, total: int, message: str) -> None:
        self.progress.setMaximum(total)
        self.progress.setValue(done)
        self.status.setText(message)

    def _on_running(self, running: bool) -> None:
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running)
        self._update_buttons()

    def _show_preview(self, image: np.ndarray) -> None:
        pixmap = QPixmap.fromImage(to_qimage(image))
        self.preview.setPixmap(pixmap.scaled(PREVIEW_PX, PREVIEW_PX, Qt.AspectRatioMode.KeepAspectRatio,
                                             Qt.TransformationMode.SmoothTransformation))
