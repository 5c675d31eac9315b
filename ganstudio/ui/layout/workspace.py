"""The Layout workspace: draw labelled boxes, get a LostGAN picture.

From the top: the model row; then the searchable class list, the layout canvas
(draw, select, move, resize, Delete) and the picture side by side; under them
re-rolling (the selected object's seed, the scene's seed), the mask overlay,
undo/redo and the export; last a note on what the picture shown is (a half-size
preview while a box is dragged, the full size after) and any refusal.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ganstudio.app.layout_viewmodel import LayoutViewModel
from ganstudio.document.errors import DocumentError

from ..file_prompts import (
    EXPORT_FILTER,
    STATE_DICT_MODEL_FILTER,
    FileDialogs,
    ask_open,
    ask_save,
)
from ..icons import icon
from .box_canvas import BoxCanvas
from .class_list import ClassList
from .output_view import LayoutOutputView

CLASS_LIST_WIDTH = 170


class LayoutWorkspace(QWidget):
    title = "Layout"

    def __init__(self, vm: LayoutViewModel, dialogs: FileDialogs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm, self.dialogs = vm, dialogs
        self.open_model_button = QPushButton(icon("fa5s.cube"), "Open model...")
        self.open_model_button.setToolTip("A LostGAN-v2 model: this studio's own file, or an official netGv2_*.pth")
        self.model_label = QLabel("No layout model")
        self.model_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # long names never widen the window
        self.class_list = ClassList()
        self.class_list.setFixedWidth(CLASS_LIST_WIDTH)
        self.canvas = BoxCanvas(vm)
        self.canvas.setToolTip("Drag on empty space: a new box of the chosen class. Drag a box to move it, "
                               "its handles to resize it; Delete removes it.")
        self.output = LayoutOutputView()
        self.reroll_object_button = QPushButton(icon("fa5s.dice"), "Re-roll object")
        self.reroll_object_button.setToolTip("A new look for the selected object; the rest of the picture stays")
        self.reroll_scene_button = QPushButton(icon("fa5s.dice-d20"), "Re-roll scene")
        self.reroll_scene_button.setToolTip("A new latent for the whole scene; every object keeps its own")
        self.show_masks_check = QCheckBox("Show masks")
        self.show_masks_check.setToolTip("Tint each object's predicted mask in its class colour")
        self.undo_button = QPushButton(icon("fa5s.undo"), "")
        self.undo_button.setToolTip("Undo the last layout change")
        self.redo_button = QPushButton(icon("fa5s.redo"), "")
        self.redo_button.setToolTip("Redo")
        self.export_button = QPushButton(icon("fa5s.file-export"), "Export picture...")
        self.export_button.setEnabled(False)
        self.status_label = QLabel("")  # what the picture is: preview or full size, and how long it took
        self.status_label.setWordWrap(True)
        self.note_label = QLabel("")
        self.note_label.setWordWrap(True)
        self.note_label.setStyleSheet("color: #d08000;")

        top = QHBoxLayout()
        top.addWidget(self.open_model_button)
        top.addWidget(self.model_label, 1)
        views = QHBoxLayout()
        views.addWidget(self.class_list)
        views.addWidget(self.canvas, 1)
        views.addWidget(self.output, 1)
        buttons = QHBoxLayout()
        for widget in (self.reroll_object_button, self.reroll_scene_button, self.show_masks_check, self.undo_button, self.redo_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(views, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status_label)
        layout.addWidget(self.note_label)

        self.open_model_button.clicked.connect(self.open_model_dialog)
        self.class_list.classChosen.connect(vm.set_current_class)
        self.canvas.searchTyped.connect(self.class_list.start_search)
        self.reroll_object_button.clicked.connect(lambda: vm.reroll_object())
        self.reroll_scene_button.clicked.connect(vm.reroll_scene)
        self.show_masks_check.toggled.connect(self.output.set_show_masks)
        self.undo_button.clicked.connect(vm.undo_stack.undo)
        self.redo_button.clicked.connect(vm.undo_stack.redo)
        vm.undo_stack.canUndoChanged.connect(self.undo_button.setEnabled)
        vm.undo_stack.canRedoChanged.connect(self.redo_button.setEnabled)
        self.export_button.clicked.connect(self.export_dialog)
        vm.modelChanged.connect(self._on_model)
        vm.modelRejected.connect(lambda _path, why: self.note_label.setText(f"Not opened: {why}"))
        vm.currentClassChanged.connect(self.class_list.show_class)
        vm.selectionChanged.connect(self._on_selection)
        vm.outputChanged.connect(self._on_output)
        vm.notice.connect(self.note_label.setText)
        vm.renderFailed.connect(self.note_label.setText)
        self.undo_button.setEnabled(False)
        self.redo_button.setEnabled(False)
        self._on_selection(vm.selected)

    def open_model_dialog(self) -> None:
        ask_open(self.dialogs, "Open a LostGAN layout model", STATE_DICT_MODEL_FILTER, self.vm.load_model)

    def export_dialog(self) -> None:
        ask_save(self.dialogs, "Export the layout's picture", EXPORT_FILTER, "layout.png", self._export_to)

    def _export_to(self, path: str) -> None:
        try:
            self.vm.export(path)
        except (DocumentError, OSError) as exc:  # nothing drawn yet, a full disk: say so, never a traceback
            self.note_label.setText(f"Not exported: {getattr(exc, 'reason', None) or exc}")

    def _on_model(self, info: dict[str, Any] | None) -> None:
        self.class_list.set_classes(self.vm.classes)
        self.class_list.show_class(self.vm.current_class)
        self.note_label.setText("")
        if not info:
            self.model_label.setText("No layout model")
            return
        size = info.get("resolution") or (info.get("config") or {}).get("size") or "?"
        self.model_label.setText(f"{info.get('name', '')} — {len(self.vm.classes)} classes, up to {self.vm.max_objects} objects, {size} px")
        self.model_label.setToolTip(str(info.get("path", "")))

    def _on_selection(self, index: int) -> None:
        self.reroll_object_button.setEnabled(index >= 0)

    def _on_output(self) -> None:
        out = self.vm.output
        if out is None:
            self.output.set_output(None)
            self.export_button.setEnabled(False)
            return
        colours = [(c.color if (c := self.vm.class_by_id(b.class_id)) else (200, 200, 200)) for b in out.state.boxes]
        self.output.set_output(out.image, out.masks, colours)
        self.export_button.setEnabled(True)
        size = out.image.shape[1]
        took = f" in {self.vm.last_ms:.0f} ms" if self.vm.last_ms is not None else ""
        if out.preview:
            self.status_label.setText(f"Preview, {size} px{took}: the full size follows when you let go.")
        else:
            self.status_label.setText(f"{size} px{took}. While a box is dragged, half-size previews follow it.")
