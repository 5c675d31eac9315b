"""The attributes workspace: photo and crop, the model's view of the crop, the edit, toggles, folder runs."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from ganstudio.app.attributes_viewmodel import DEFAULT_FOLDER_TEMPLATE, AttributesViewModel

from ..convert.folder_panel import FolderRunPanel, scrollable, shrinkable
from ..file_prompts import EXPORT_FILTER, IMAGE_FILTER, STATE_DICT_MODEL_FILTER, FileDialogs, ask_open, ask_save, name_after
from ..image_widgets import ImagePane
from ..samples_menu import samples_button
from .crop_view import CropView
from .toggles_panel import AttributeTogglesPanel


class AttributesWorkspace(QWidget):
    title = "Attributes"
    notice = Signal(str)

    def __init__(self, viewmodel: AttributesViewModel, dialogs: FileDialogs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = viewmodel
        self.dialogs = dialogs
        self.model_label = shrinkable(QLabel("No model: open a StarGAN model"))
        self.open_model_button = QPushButton("Open model...")
        self.open_photo_button = QPushButton("Open photo...")
        self.samples_button = samples_button("faces", viewmodel.open_photo)
        self.reset_crop_button = QPushButton("Reset crop")
        self.export_button = QPushButton("Export full photo...")
        self.detail_check = QCheckBox("Keep photo detail")
        self.detail_check.setChecked(viewmodel.keep_detail)
        self.detail_check.setToolTip("Add the model's change to the photo instead of replacing the crop with the (lower-resolution) output")
        self.crop_view = CropView(viewmodel)
        self.input_pane = ImagePane("Model input", "The crop, at the model's resolution")
        self.output_pane = ImagePane("Edited", "The edited crop appears here")
        self.toggles = AttributeTogglesPanel(viewmodel)
        self.folder = FolderRunPanel("Apply to a folder (centre crop of each photo)", viewmodel.batch, DEFAULT_FOLDER_TEMPLATE, "Apply to folder")

        previews = QWidget()
        previews_layout = QVBoxLayout(previews)
        previews_layout.setContentsMargins(0, 0, 0, 0)
        previews_layout.addWidget(self.input_pane)
        previews_layout.addWidget(self.output_pane)
        previews_layout.addWidget(self.detail_check)  # how the edit goes back into the photo: next to the edit
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.crop_view)
        splitter.addWidget(previews)
        splitter.addWidget(scrollable(self.toggles))
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 2)
        splitter.setStretchFactor(2, 3)
        splitter.setSizes([480, 240, 380])
        splitter.setChildrenCollapsible(False)
        top = QHBoxLayout()
        for widget in (self.open_model_button, self.model_label, self.open_photo_button, self.samples_button, self.reset_crop_button, self.export_button):
            top.addWidget(widget, 1 if widget is self.model_label else 0)
        outer = QSplitter(Qt.Orientation.Vertical)
        outer.addWidget(splitter)
        outer.addWidget(scrollable(self.folder))
        outer.setStretchFactor(0, 3)
        outer.setStretchFactor(1, 1)
        outer.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(outer, 1)

        self.open_model_button.clicked.connect(self.open_model_dialog)
        self.open_photo_button.clicked.connect(self.open_photo_dialog)
        self.reset_crop_button.clicked.connect(viewmodel.reset_crop)
        self.export_button.clicked.connect(self.export_dialog)
        self.detail_check.toggled.connect(self._set_keep_detail)
        self.folder.startRequested.connect(self._start_folder)
        viewmodel.modelChanged.connect(self._on_model)
        viewmodel.cropChanged.connect(lambda: self.input_pane.set_array(viewmodel.model_input))
        viewmodel.modelChanged.connect(lambda _info: self.input_pane.set_array(viewmodel.model_input))
        viewmodel.outputChanged.connect(self._on_output)
        viewmodel.notice.connect(self.notice)
        self._on_output()

    def open_model_dialog(self) -> None:
        ask_open(self.dialogs, "Open a StarGAN model", STATE_DICT_MODEL_FILTER, self.vm.load_model)

    def open_photo_dialog(self) -> None:
        ask_open(self.dialogs, "Open a face photo", IMAGE_FILTER, self.vm.open_photo)

    def export_dialog(self) -> None:
        suggested = name_after(self.vm.photo_path, "_edited", "photo")
        ask_save(self.dialogs, "Export the edited photo (full size)", EXPORT_FILTER, suggested, self.vm.export)

    def _set_keep_detail(self, on: bool) -> None:
        self.vm.keep_detail = bool(on)

    def _start_folder(self, source: str, target: str, template: str, overwrite: bool) -> None:
        if not source:
            self.notice.emit("Choose the folder of photos")
            return
        self.vm.apply_to_folder(source, target, template, overwrite=overwrite)

    def _on_model(self, info: dict[str, Any] | None) -> None:
        if info is None:
            self.model_label.setText("No model: open a StarGAN model")
        else:
            self.model_label.setText(f"{info.get('name')} (StarGAN, {self.vm.resolution} px, {len(self.vm.attributes)} attributes)")

    def _on_output(self) -> None:
        self.output_pane.set_array(self.vm.output)
        self.export_button.setEnabled(self.vm.output is not None)
