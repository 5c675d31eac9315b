"""The semantic painting workspace: its document, model, panels and actions, and the canvas beside the output.

The window docks the panels, puts the actions in its menus and shows the
messages (`notice`, `failed`); everything about the painting itself — which
classes a model brings, what a file holds, saving and recovery — is here.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np
from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QSplitter, QUndoView, QVBoxLayout, QWidget

from ganstudio import families
from ganstudio.app.inference import InferenceController
from ganstudio.app.model_library import ModelLibrary
from ganstudio.app.painting_export import PaintingExporter
from ganstudio.app.painting_synthesis import PaintingSynthesis
from ganstudio.app.painting_viewmodel import PaintingViewModel, palette_from_model_labels
from ganstudio.app.project_document import ProjectDocument
from ganstudio.document.autosave import RecoveryStore
from ganstudio.document.palette import Palette, default_palette
from ganstudio.document.starter_map import starter_label_map

from ..actions import make_action
from ..dialogs import Dialogs
from .canvas import PaintingCanvas
from .classes_dock import ClassesPanel
from .files import PaintingFiles
from .output_view import OutputView
from .project_part import PaintingProjectPart
from .region_styles_dock import RegionStylesPanel
from .style_dialogs import StyleDialogs
from .tools_dock import ToolsPanel

NO_MODEL_PLACEHOLDER = "No model loaded: open one from the Model menu (or the Models dock) to see a photo here."


def model_palette(info: dict[str, Any]) -> Palette:
    """The classes a painting model's header or info names (its own, the default landscape ones, or numbered)."""
    labels = info.get("labels") or []
    label_nc = int((info.get("config") or {}).get("label_nc", len(labels) or 1))
    if labels:
        return palette_from_model_labels(labels)
    if label_nc == len(default_palette()):
        return default_palette()
    return Palette.generic(label_nc)


class PaintingWorkspace(QWidget):
    title = "Paint"
    notice = Signal(str)
    failed = Signal(str, str)  # title, text: the window shows it in a box
    modelRequested = Signal(str)  # a project names its model: the window routes and records it

    def __init__(self, controller: InferenceController, library: ModelLibrary, dialogs: Dialogs, settings: QSettings,
                 recovery: RecoveryStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.dialogs = dialogs
        self.settings = settings
        self.starter_document = False  # the untouched starting landscape: follows a new model's classes

        self.vm = PaintingViewModel(parent=self)
        self.synthesis = PaintingSynthesis(self.vm, controller, self)
        self.synthesis.accept = self._adopt_model_palette
        self.exporter = PaintingExporter(self.vm, controller, self)
        self.document = ProjectDocument(recovery, self)
        self.document.add_part(PaintingProjectPart(self))

        self.canvas = PaintingCanvas(self.vm)
        self.output = OutputView(self.vm)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.canvas)
        self.splitter.addWidget(self.output)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([1, 1])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        # panels the window docks beside the workspace
        self.tools_panel = ToolsPanel(self.vm)
        self.classes_panel = ClassesPanel(self.vm)
        self.styles_panel = RegionStylesPanel(self.vm)
        self.history_view = QUndoView(self.vm.undo_stack)
        self.history_view.setEmptyLabel("Blank document")

        self.files = PaintingFiles(self)
        self.styles = StyleDialogs(self)
        self._build_actions()
        self._connect()
        self._active = True
        self._on_model_changed(None)

    # ------------------------------------------------------------------ actions
    def _action(self, text: str, slot: Callable[..., object], shortcut: Any = None, icon_name: str | None = None, checkable: bool = False) -> QAction:
        return make_action(self, text, slot, shortcut, icon_name, checkable)

    def _build_actions(self) -> None:
        K = QKeySequence.StandardKey
        a = self._action
        files, styles = self.files, self.styles
        # the document's file commands: active in every workspace (the project holds the latent favourites too)
        self.act_new = a("&New", files.new_document, K.New, "fa5s.file")
        self.act_save = a("&Save", files.save, K.Save, "fa5s.save")
        self.act_save_as = a("Save project &as...", files.save_as, K.SaveAs)
        # painting-only commands: enabled while Paint shows
        self.act_open_labels = a("Open &label map...", files.open_label_map_dialog)
        self.act_reference = a("Open &reference photo...", files.open_reference_dialog)
        self.act_save_labels = a("Save label map as &PNG...", files.save_label_map_dialog)
        self.act_smaller = a("Smaller brush", self.vm.shrink_brush, "[")
        self.act_larger = a("Larger brush", self.vm.grow_brush, "]")
        self.act_split = a("&Compare (split view)", self.set_compare_split, "Ctrl+K", "fa5s.columns", checkable=True)
        self.act_style_image = a("Style from &image...", styles.style_from_image, None, "fa5s.palette")
        self.act_random_style = a("&Random style", styles.random_style, "Ctrl+R", "fa5s.dice")

    @property
    def document_actions(self) -> tuple[QAction, ...]:
        return (self.act_new, self.act_save, self.act_save_as)

    @property
    def painting_actions(self) -> tuple[QAction, ...]:
        """Actions that act on the painting only (disabled while another workspace shows)."""
        return (self.act_open_labels, self.act_reference, self.act_save_labels, self.act_smaller, self.act_larger, self.act_split,
                self.act_style_image, self.act_random_style, *self.tools_panel.tool_actions.values())

    def set_active(self, active: bool) -> None:
        """Paint is (or stops being) the workspace on screen."""
        self._active = active
        self._enable_actions()

    def _enable_actions(self) -> None:
        for action in self.painting_actions:
            action.setEnabled(self._active)
        self.act_style_image.setEnabled(self._active and self._style_image_possible())
        self.act_random_style.setEnabled(self._active and self.synthesis.info is not None)
        self._enable_noise_actions()

    def _enable_noise_actions(self) -> None:
        """Re-rolls (also in the Model menu) only on Paint; there the tools panel enables them while the model draws noise."""
        if self._active:
            self.tools_panel.show_noise_available(self.vm.noise_available)
        else:
            for action in self.tools_panel.noise_actions:
                action.setEnabled(False)

    def _connect(self) -> None:
        self.synthesis.modelChanged.connect(self._on_model_changed)
        self.synthesis.modelRejected.connect(lambda path, why: self.failed.emit(
            "Cannot use this model", f"{Path(path).name}: {why}" + ("\nThe current model stays loaded." if self.synthesis.path else "")))
        self.synthesis.synthesisFailed.connect(lambda msg: self.notice.emit(f"{msg} (your painting is unchanged)"))
        self.exporter.exported.connect(lambda path: self.notice.emit(f"Exported {Path(path).name}"))
        self.exporter.exportFailed.connect(lambda why: self.failed.emit("Cannot export", why))
        self.vm.notice.connect(self.notice)
        self.vm.modifiedChanged.connect(lambda _modified: self.document.titleChanged.emit())
        self.document.notice.connect(self.notice)
        self.document.failed.connect(self.failed)
        self.tools_panel.referenceRequested.connect(self.files.open_reference_dialog)
        self.tools_panel.referenceCleared.connect(lambda: self.vm.set_reference(None))
        self.tools_panel.opacityChanged.connect(self.canvas.set_overlay_opacity)
        self.styles_panel.addSourceRequested.connect(self.styles.add_style_source)
        # after the tools panel's own handlers, so that off Paint the re-rolls stay off
        for changed in (self.vm.noiseAvailableChanged, self.vm.currentClassChanged, self.vm.documentReset):
            changed.connect(lambda *_: self._enable_noise_actions())

    def set_compare_split(self, split: bool) -> None:
        """Split: the output alone with a draggable label/photo divider; otherwise side by side."""
        self.output.set_split(split)
        self.canvas.setVisible(not split)
        if not split:
            self.canvas.setFocus()

    # ------------------------------------------------------------------ model
    def _style_image_possible(self) -> bool:
        return "style_image" in families.capabilities_of(self.synthesis.info)

    def _on_model_changed(self, info: dict[str, Any] | None) -> None:
        self.vm.synthesis_enabled = info is not None
        self._enable_actions()
        self.styles_panel.set_sean("region_styles" in families.capabilities_of(info))
        if info is None:
            self.output.placeholder = NO_MODEL_PLACEHOLDER
            self.output.update()
            return
        self.notice.emit(f"Loaded {info.get('name')} on {info.get('device', 'the worker')}")
        self.vm.request_synthesis(preview=False)

    def load_model(self, path: str) -> None:
        """Load a painting model; an untouched document takes its classes at once, from the file's header."""
        self.notice.emit(f"Loading {Path(path).name}...")
        entry = self.library.entry_for(path)
        if entry is not None and entry.labels and self._untouched():
            # the classes list shows the model's classes from the start, not the default ones until the worker answers
            try:
                self._adopt_model_palette({"labels": entry.labels, "config": {"label_nc": entry.num_classes}})
            except (ValueError, TypeError):
                pass  # a header the loader will refuse anyway: it says why when the worker answers
        self.synthesis.load(path)

    def _untouched(self) -> bool:
        return not self.vm.is_modified and self.document.path is None

    def _adopt_model_palette(self, info: dict[str, Any]) -> str | None:
        """Switch to the model's palette before it becomes current; the reason it cannot, or None."""
        palette = model_palette(info)
        if palette == self.vm.palette:
            return None
        if self._untouched():
            # an untouched document simply starts over with the model's classes (the starting landscape stays one)
            starter = starter_label_map(palette, self.vm.width, self.vm.height) if self.starter_document else None
            self.vm.set_palette_and_labels(palette, np.zeros_like(self.vm.labels) if starter is None else starter)
            return None
        try:
            self.vm.set_palette(palette)
        except ValueError as exc:
            return f"the painting does not fit its classes ({exc}); replace the extra classes first"
        return None

    def show_starter_map(self) -> bool:
        """Replace the (untouched) painting by the starting landscape of the current classes; False if they make none."""
        labels = starter_label_map(self.vm.palette, self.vm.width, self.vm.height)
        if labels is None:
            return False
        self.vm.set_labels(labels)
        self.starter_document = True
        return True

    # ------------------------------------------------------------------ settings
    def restore_settings(self) -> None:
        self.vm.set_brush_size(int(self.settings.value("painting/brush_size", self.vm.brush_size)))
        self.tools_panel.opacity_slider.setValue(int(self.settings.value("painting/overlay_opacity", 100)))
        split = str(self.settings.value("painting/split", "false")).lower() == "true"
        self.act_split.setChecked(split)
        self.set_compare_split(split)

    def save_settings(self) -> None:
        self.settings.setValue("painting/brush_size", self.vm.brush_size)
        self.settings.setValue("painting/overlay_opacity", self.tools_panel.opacity_slider.value())
        self.settings.setValue("painting/split", self.act_split.isChecked())
