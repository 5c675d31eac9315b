"""Portrait: open a photo, pick and adjust the face square, encode (and refine) it, edit with Directions, paste back, export.

The crop view is the Attributes workspace's (faces outlined, the selected
one's square moved, scaled and turned by hand); beside it the face as the
model sees it, and the face pasted back into the photo as the export will
have it (that square's part of the photo). The explorer shows the encoded
face, so the Directions panel and every other control act on it.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSpinBox, QVBoxLayout, QWidget

from ganstudio.app.portrait_viewmodel import PortraitViewModel
from ganstudio.document.errors import DocumentError

from ..attributes.crop_view import CropView
from ..dialogs import EXPORT_FILTER, IMAGE_FILTER, MODEL_FILTER
from ..image_widgets import to_qimage
from .elided_label import ElidedLabel

THUMB_PX = 80


class PortraitPanel(QWidget):
    def __init__(self, viewmodel: PortraitViewModel, dialogs: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = viewmodel
        self.dialogs = dialogs
        self.open_button = QPushButton("Open photo...")
        self.open_button.setToolTip("A photo with a face: its faces are found and cut as the model's faces were")
        self.crop_view = CropView(viewmodel)
        self.crop_view.setMinimumSize(120, 120)
        self.crop_view.placeholder = "Open a photo of a face."
        self.faces_label = QLabel("")
        self.encoder_button = QPushButton("Encoder...")
        self.encoder_button.setToolTip("Choose the encoder file (default: <model>-encoder.safetensors beside the model)")
        self.aligned = QLabel()
        self.aligned.setFixedSize(THUMB_PX, THUMB_PX)
        self.aligned.setToolTip("The face as the model sees it")
        self.pasted = QLabel()
        self.pasted.setFixedSize(THUMB_PX, THUMB_PX)
        self.pasted.setToolTip("The edited face back in the photo (as exported)")
        self.encode_button = QPushButton("Encode")
        self.encode_button.setToolTip("The encoder's latent for the face, shown in the explorer: edit it with Directions")
        self.refine_button = QPushButton("Refine")
        self.refine_button.setToolTip("Closer to the photo: optimise the latent from the encoder's guess (W+)")
        self.steps_spin = QSpinBox()
        self.steps_spin.setRange(10, 2000)
        self.steps_spin.setSingleStep(50)
        self.steps_spin.setValue(viewmodel.refine_steps)
        self.steps_spin.setSuffix(" steps")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setVisible(False)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.detail_check = QCheckBox("Keep photo detail")
        self.detail_check.setChecked(viewmodel.keep_detail)
        self.detail_check.setToolTip("On: only the edit's change goes into the photo. Off: the model's face replaces the photo's.")
        self.export_button = QPushButton("Export photo...")
        self.status = ElidedLabel("")

        row = QHBoxLayout()
        row.addWidget(self.open_button)
        row.addWidget(self.faces_label, 1)
        thumbs = QHBoxLayout()
        thumbs.addWidget(self.aligned)
        thumbs.addWidget(self.pasted)
        thumbs.addStretch(1)
        encode_row = QHBoxLayout()
        encode_row.addWidget(self.encode_button)
        encode_row.addWidget(self.encoder_button)
        refine_row = QHBoxLayout()
        refine_row.addWidget(self.refine_button)
        refine_row.addWidget(self.steps_spin, 1)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        export_row = QHBoxLayout()
        export_row.addWidget(self.detail_check)
        export_row.addWidget(self.export_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(row)
        column.addWidget(self.crop_view, 1)
        column.addLayout(thumbs)
        column.addLayout(encode_row)
        column.addLayout(refine_row)
        column.addLayout(progress_row)
        column.addLayout(export_row)
        column.addWidget(self.status)

        self.open_button.clicked.connect(self.open_photo_dialog)
        self.encoder_button.clicked.connect(self.choose_encoder_dialog)
        self.encode_button.clicked.connect(lambda: self._start(viewmodel.encode, "Cannot encode the face"))
        self.refine_button.clicked.connect(lambda: self._start(viewmodel.refine, "Cannot refine the face"))
        self.cancel_button.clicked.connect(viewmodel.cancel)
        self.steps_spin.valueChanged.connect(self._on_steps)
        self.detail_check.toggled.connect(viewmodel.set_keep_detail)
        self.export_button.clicked.connect(self.export_dialog)
        viewmodel.cropChanged.connect(self._show_aligned)
        viewmodel.facesChanged.connect(self._on_faces)
        viewmodel.pastedChanged.connect(self._show_pasted)
        viewmodel.runningChanged.connect(self._on_running)
        viewmodel.progressed.connect(self._on_progress)
        how = {"refine": "Refined", "hyperstyle": "HyperStyle"}
        viewmodel.encoded.connect(lambda r: self.status.setText(
            f"{how.get(r['how'], 'Encoded')}: {r['psnr']:.1f} dB, {r['elapsed_ms'] / 1000:.1f} s; edit it with Directions"))
        viewmodel.failed.connect(self._say)
        viewmodel.latent.modelChanged.connect(lambda _info: (self._refine_kind(), self._update_buttons(), self._show_aligned()))
        viewmodel.photoChanged.connect(self._update_buttons)
        self._refine_kind()
        self._update_buttons()

    def _refine_kind(self) -> None:
        """HyperStyle passes for a file with a hypernetwork, projection steps otherwise."""
        self.steps_spin.blockSignals(True)
        if self.vm.has_hypernet:
            self.steps_spin.setRange(1, 20)
            self.steps_spin.setSingleStep(1)
            self.steps_spin.setSuffix(" passes")
            self.steps_spin.setValue(self.vm.refine_passes)
            self.refine_button.setText("HyperStyle")
            self.refine_button.setToolTip("High fidelity: HyperStyle's hypernetwork tunes the generator's weights to the photo, pass by pass")
        else:
            self.steps_spin.setRange(10, 2000)
            self.steps_spin.setSingleStep(50)
            self.steps_spin.setSuffix(" steps")
            self.steps_spin.setValue(self.vm.refine_steps)
            self.refine_button.setText("Refine")
            self.refine_button.setToolTip("Closer to the photo: optimise the latent from the encoder's guess (W+)")
        self.steps_spin.blockSignals(False)

    def _on_steps(self, value: int) -> None:
        setattr(self.vm, "refine_passes" if self.vm.has_hypernet else "refine_steps", int(value))

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.vm.latent.notice.emit(text)

    def _update_buttons(self) -> None:
        ready = self.vm.photo is not None and self.vm.latent.layout is not None and not self.vm.running
        self.encode_button.setEnabled(ready and bool(self.vm.encoder()))
        if self.vm.has_hypernet:  # HyperStyle refines the encoder's codes: it needs the encoder too
            ready = ready and bool(self.vm.encoder())
        self.refine_button.setEnabled(ready)
        self.export_button.setEnabled(self.vm.edited_face() is not None)

    def _set_thumb(self, label: QLabel, image: np.ndarray | None) -> None:
        if image is None:
            label.clear()
            return
        pixmap = QPixmap.fromImage(to_qimage(np.ascontiguousarray(image)))
        label.setPixmap(pixmap.scaled(THUMB_PX, THUMB_PX, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))

    def _show_aligned(self) -> None:
        try:
            self._set_thumb(self.aligned, self.vm.aligned())
        except ValueError:
            self._set_thumb(self.aligned, None)

    def _show_pasted(self) -> None:
        self._set_thumb(self.pasted, self.vm.pasted_face(THUMB_PX * 2))
        self._update_buttons()

    def _on_faces(self) -> None:
        vm = self.vm
        if vm.faces and vm.face_index >= 0:
            self.faces_label.setText(f"Face {vm.face_index + 1} of {len(vm.faces)}")
        else:
            self.faces_label.setText("No face found" if vm.faces_searched else "")

    def _on_running(self, running: bool) -> None:
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running)
        if running:
            self.progress.setRange(0, 0)  # busy until the first step says how many
        self._update_buttons()

    def _on_progress(self, done: int, total: int, message: str) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.status.setText(message)

    def _start(self, action, title: str) -> None:  # type: ignore[no-untyped-def]
        try:
            action()
        except ValueError as exc:
            self.dialogs.error(title, str(exc))

    def open_photo_dialog(self) -> None:
        path = self.dialogs.open_file("Open a photo of a face", IMAGE_FILTER)
        if not path:
            return
        try:
            self.vm.open_photo(path)
        except (DocumentError, OSError, ValueError) as exc:
            self.dialogs.error("Cannot open the photo", str(exc))

    def choose_encoder_dialog(self) -> None:
        path = self.dialogs.open_file("Choose the encoder for this model", MODEL_FILTER)
        if path:
            self.vm.encoder_path = path
            self._update_buttons()

    def export_dialog(self) -> None:
        path = self.dialogs.save_file("Export the photo with the edited face", EXPORT_FILTER, "portrait_edited.png")
        if path:
            self.vm.export(path)
