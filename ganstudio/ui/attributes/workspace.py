"""The attributes workspace: photo and crop, the model's view of the crop, the result, toggles, folder runs.

Layout, from the top: the file row; then three columns side by side (the
photo with its crop box taking the spare width, the model input and the
result as it will be exported, the toggles in a column as wide as they need,
scrolling vertically only); then the folder panel, always on screen below
them with a line saying what a folder run does with the "photo has" ticks.
No splitter hides anything: from about 760x560 up (what the workspace gets in
a 1024x700 window) nothing is clipped.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QBoxLayout, QCheckBox, QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from ganstudio.app.attributes_viewmodel import DEFAULT_FOLDER_TEMPLATE, AttributesViewModel

from ..convert.folder_panel import FolderRunPanel, shrinkable
from ..file_prompts import EXPORT_FILTER, IMAGE_FILTER, STATE_DICT_MODEL_FILTER, FileDialogs, ask_open, ask_save, name_after
from ..image_widgets import ImagePane
from ..samples_menu import samples_button
from .crop_view import CropView
from .toggles_panel import AttributeTogglesPanel

PREVIEW_COLUMN_WIDTH = (110, 200)  # the model input / result column: narrowest, widest (px)
TOGGLES_MAX_WIDTH = 440  # wider windows give the toggles' sliders some length, the rest goes to the photo


class ToggleScroll(QScrollArea):
    """The toggles, scrolling vertically only: as wide as their widest row, so no column is ever cut."""

    def __init__(self, panel: QWidget, max_width: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.max_width = max_width
        self.setWidget(panel)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(80)
        self._fit_width()
        panel.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # A scroll area does not pass its content's new size on by itself: rows added
        # (a new model) show a moment later and only then ask for their width.
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self._fit_width()
        return super().eventFilter(watched, event)

    def _fit_width(self) -> None:
        """At most `max_width` wide, unless the rows (long attribute names) need more."""
        self.setMaximumWidth(max(self.max_width, self._width_needed()))
        self.updateGeometry()

    def _width_needed(self) -> int:
        # the panel's own minimum plus room for the vertical scroll bar, which may come and go
        return self.widget().minimumSizeHint().width() + self.verticalScrollBar().sizeHint().width() + 2

    def minimumSizeHint(self):  # type: ignore[no-untyped-def]
        hint = super().minimumSizeHint()
        hint.setWidth(self._width_needed())
        return hint

    def sizeHint(self):  # type: ignore[no-untyped-def]
        hint = super().sizeHint()
        hint.setWidth(max(self._width_needed(), self.widget().sizeHint().width()))
        return hint


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
        self.find_faces_button = QPushButton("Find faces")
        self.find_faces_button.setToolTip("Find the faces in the photo; each is cut as the model's training faces were.\n"
                                          "Drag the square to move it, a corner to scale it, the knob above it to turn it; click another face to edit it.")
        self.faces_label = QLabel("")
        self.export_button = QPushButton("Export full photo...")
        self.detail_check = QCheckBox("Keep photo detail")
        self.detail_check.setChecked(viewmodel.keep_detail)
        self.detail_check.setToolTip(
            "On: only the change you asked for is added to your photo, which keeps all its own detail where the edit does not act.\n"
            "Off: the model's whole output, at its own resolution, replaces the crop.")
        self.crop_view = CropView(viewmodel)
        self.input_pane = ImagePane("Model input", "The crop, at the model's resolution")
        self.output_pane = ImagePane("Result", "The crop as it will be exported")
        self.output_pane.setToolTip("The crop box of the exported photo: your photo with the edit blended in")
        self.toggles = AttributeTogglesPanel(viewmodel)
        self.toggles_scroll = ToggleScroll(self.toggles, TOGGLES_MAX_WIDTH)
        self.folder = FolderRunPanel("Apply these changes to a folder (centre crop of each photo, or every face found)", viewmodel.batch, DEFAULT_FOLDER_TEMPLATE, "Apply to folder")
        self.folder_note = QLabel("")
        self.folder_note.setWordWrap(True)
        self.folder_faces_check = QCheckBox("Find and edit every face in each photo (photos without a face are listed, not edited)")

        previews = QWidget()
        previews_layout = QVBoxLayout(previews)
        previews_layout.setContentsMargins(0, 0, 0, 0)
        previews_layout.addWidget(self.input_pane, 1)
        previews_layout.addWidget(self.output_pane, 1)
        previews_layout.addWidget(self.detail_check)  # how the edit goes back into the photo: next to the result
        previews.setMinimumWidth(max(PREVIEW_COLUMN_WIDTH[0], self.detail_check.sizeHint().width()))
        previews.setMaximumWidth(PREVIEW_COLUMN_WIDTH[1])
        columns = QHBoxLayout()
        columns.addWidget(self.crop_view, 3)
        columns.addWidget(previews, 1)
        columns.addWidget(self.toggles_scroll, 1)
        top = QHBoxLayout()
        for widget in (self.open_model_button, self.model_label, self.open_photo_button, self.samples_button, self.find_faces_button,
                       self.faces_label, self.reset_crop_button, self.export_button):
            top.addWidget(widget, 1 if widget is self.model_label else 0)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(columns, 1)
        layout.addWidget(self.folder)  # compact, below the columns: its start button and progress stay in sight
        if not self._note_in_folder_panel():
            layout.insertWidget(layout.indexOf(self.folder), self.folder_note)
            layout.insertWidget(layout.indexOf(self.folder), self.folder_faces_check)

        self.open_model_button.clicked.connect(self.open_model_dialog)
        self.open_photo_button.clicked.connect(self.open_photo_dialog)
        self.reset_crop_button.clicked.connect(viewmodel.reset_crop)
        self.find_faces_button.clicked.connect(viewmodel.find_faces)
        viewmodel.facesChanged.connect(self._on_faces)
        viewmodel.photoChanged.connect(lambda: self.find_faces_button.setEnabled(viewmodel.photo is not None))
        self.find_faces_button.setEnabled(viewmodel.photo is not None)
        self.export_button.clicked.connect(self.export_dialog)
        self.detail_check.toggled.connect(viewmodel.set_keep_detail)
        self.folder.startRequested.connect(self._start_folder)
        viewmodel.modelChanged.connect(self._on_model)
        viewmodel.cropChanged.connect(lambda: self.input_pane.set_array(viewmodel.model_input))
        viewmodel.modelChanged.connect(lambda _info: self.input_pane.set_array(viewmodel.model_input))
        viewmodel.outputChanged.connect(self._on_output)
        viewmodel.notice.connect(self.notice)
        self._on_output()
        self._on_model(viewmodel.model.info)

    def _note_in_folder_panel(self) -> bool:
        """Put the note first inside the folder panel's box, so it reads as part of the folder run (False: the panel is laid out otherwise)."""
        box = self.folder.layout()
        if not isinstance(box, QBoxLayout):
            return False
        box.insertWidget(0, self.folder_note)
        box.insertWidget(1, self.folder_faces_check)
        return True

    def open_model_dialog(self) -> None:
        ask_open(self.dialogs, "Open a StarGAN model", STATE_DICT_MODEL_FILTER, self.vm.load_model)

    def open_photo_dialog(self) -> None:
        ask_open(self.dialogs, "Open a face photo", IMAGE_FILTER, self.vm.open_photo)

    def export_dialog(self) -> None:
        suggested = name_after(self.vm.photo_path, "_edited", "photo")
        ask_save(self.dialogs, "Export the edited photo (full size)", EXPORT_FILTER, suggested, self.vm.export)

    def _start_folder(self, source: str, target: str, template: str, overwrite: bool) -> None:
        if not source:
            self.notice.emit("Choose the folder of photos")
            return
        self.vm.apply_to_folder(source, target, template, overwrite=overwrite, faces=self.folder_faces_check.isChecked())

    def _on_faces(self) -> None:
        """"Face 2 of 3" beside the button (click another face in the photo to switch), or "no face" after a search."""
        vm = self.vm
        if vm.faces and vm.face_index >= 0:
            self.faces_label.setText(f"Face {vm.face_index + 1} of {len(vm.faces)}")
        elif vm.faces:
            self.faces_label.setText(f"{len(vm.faces)} found")
        else:
            self.faces_label.setText("No face" if vm.faces_searched else "")
        self.faces_label.setToolTip(vm.faces[vm.face_index].points.source if vm.faces and vm.face_index >= 0 else "")

    def _on_model(self, info: dict[str, Any] | None) -> None:
        if info is None:
            self.model_label.setText("No model: open a StarGAN model")
        else:
            classifier = ", detects attributes" if self.vm.has_classifier else ""
            self.model_label.setText(f"{info.get('name')} (StarGAN, {self.vm.resolution} px, {len(self.vm.attributes)} attributes{classifier})")
        self.model_label.setToolTip(self.model_label.text())  # the label may be cut short in a narrow window
        self.folder_note.setText(self.vm.folder_note())
        self.folder_note.setVisible(bool(self.folder_note.text()))

    def _on_output(self) -> None:
        self.output_pane.set_array(self.vm.preview())
        self.export_button.setEnabled(self.vm.output is not None)
