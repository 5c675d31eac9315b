"""The studio window: a shell of workspaces (painting first) with shared docks, menus and status bar.

Everything that can go wrong with a file or a model run becomes a message
naming the problem (non-blocking box plus status-bar notice, recorded in
`messages`), and the document is left as it was.
"""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeyEvent, QKeySequence, QUndoGroup
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QSizePolicy, QTabBar, QTabWidget, QToolBar, QUndoView, QWidget

from ganstudio.app.inference import InferenceController
from ganstudio.app.latent_viewmodel import LatentViewModel
from ganstudio.app.model_import import ModelImporter
from ganstudio.app.painting_export import PaintingExporter, export_sizes
from ganstudio.app.model_defaults import ModelDefaults, WorkspaceModel
from ganstudio.app.model_library import MODEL_SUFFIXES, ModelLibrary
from ganstudio.app.painting_synthesis import PaintingSynthesis
from ganstudio.app.painting_viewmodel import PaintingViewModel, palette_from_model_labels
from ganstudio.app.samples import convert_sample_kind, sample_files
from ganstudio.document.autosave import RecoveryStore
from ganstudio.document.errors import DocumentError
from ganstudio.document.image_io import open_image, read_label_map, read_photo, write_image, write_label_map
from ganstudio.document.labelmap import LabelMap
from ganstudio.document.palette import Palette, default_palette
from ganstudio.document.project import ModelReference, Project, load_project, save_project
from ganstudio.document.starter_map import starter_label_map

from .dialogs import EXPORT_FILTER, IMAGE_FILTER, LABEL_FILTER, MODEL_FILTER, OPEN_FILTER, PROJECT_FILTER, Dialogs
from .help_texts import DOCS_DIR, about_text, shortcuts_text
from .icons import icon
from .latent.workspace import LatentWorkspace
from .face_and_convert_tabs import FaceAndConvertTabs
from .models_dock import ModelsPanel
from .painting.classes_dock import ClassesPanel
from .painting.region_styles_dock import RegionStylesPanel
from .painting.tools_dock import ToolsPanel
from .painting.workspace import PaintingWorkspace
from .workspace_commands import WorkspaceCommands, WorkspaceList

APP_NAME = "GAN Studio"
ORGANISATION = "GANStudio"
AUTOSAVE_MS = 60_000
PROJECT_SUFFIX = ".gstudio"
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".webp")


class MainWindow(QMainWindow):
    def __init__(
        self,
        *,
        controller: InferenceController | None = None,
        settings: QSettings | None = None,
        dialogs: Dialogs | None = None,
        recovery: RecoveryStore | None = None,
        user_model_folder: str | None = None,
        bundled_model_folder: str | None = None,
        autosave_ms: int = AUTOSAVE_MS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("GANStudioMainWindow")
        self.setAcceptDrops(True)
        self.settings = settings or QSettings(ORGANISATION, "GANStudio")
        self.dialogs = dialogs or Dialogs(self, self.settings)
        self.messages: list[str] = []  # every notice shown, newest last (tests read it)
        self.controller = controller or InferenceController(parent=self)
        self.document_path: str | None = None
        self.document_id = uuid.uuid4().hex[:12]
        self.starter_document = False  # the untouched starting landscape: follows a new model's classes
        self.requested_workspaces: set[str] = set()  # workspaces given a model by hand (not by the start-up defaults)
        self.recovery = recovery or RecoveryStore()
        try:
            self.recovery.start_session()
        except DocumentError as exc:
            self.notify(f"Autosave is off: {exc}")

        self.vm = PaintingViewModel(parent=self)
        self.synthesis = PaintingSynthesis(self.vm, self.controller, self)
        self.synthesis.accept = self._adopt_model_palette
        folder = user_model_folder or self.settings.value("models/user_folder", "", str) or None
        self.library = ModelLibrary(folder, bundled_model_folder, self)
        self.importer = ModelImporter(self.controller, self)
        self.exporter = PaintingExporter(self.vm, self.controller, self)

        self.painting = PaintingWorkspace(self.vm)
        self.canvas = self.painting.canvas
        self.workspaces = QTabWidget()
        self.workspaces.setDocumentMode(True)
        self.workspaces.addTab(self.painting, icon("fa5s.paint-brush"), PaintingWorkspace.title)
        self.latent_vm = LatentViewModel(self.controller, self)
        self.latent = LatentWorkspace(self.latent_vm, self.dialogs)
        self.workspaces.addTab(self.latent, icon("fa5s.sliders-h"), LatentWorkspace.title)
        self.latent_vm.notice.connect(self.notify)
        self.face_and_convert = FaceAndConvertTabs(self.workspaces, self.controller, self.dialogs, self.notify, self)
        self.setCentralWidget(self.workspaces)
        self.workspace_list = self._describe_workspaces()
        self.inference_ms: dict[str, float] = {}  # channel -> last inference time, shown for the workspace on screen
        self.model_defaults = ModelDefaults(self.library, self.settings, self)
        self._add_default_model_workspaces()

        self._build_docks()
        self._docks_away: list[QDockWidget] | None = None  # painting docks hidden while another tab shows
        self._build_actions_and_menus()
        self._build_workspace_bar()
        self._build_status_bar()
        self._connect()
        self._restore_settings()
        self._update_title()
        self._on_model_changed(None)
        self._on_workspace_changed(self.workspaces.currentIndex())

        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(autosave_ms)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()

    # ------------------------------------------------------------------ building
    def _describe_workspaces(self) -> WorkspaceList:
        """What File › Export, the zoom actions, the Models dock tick and the status bar mean on each tab."""
        tabs = self.face_and_convert
        compare = tabs.converter.compare
        workspaces = WorkspaceList()
        workspaces.add(WorkspaceCommands(
            "paint", self.painting, "canvas", lambda: self.synthesis.info, export=self.export_dialog,
            zoom_in=self.canvas.zoom_in, zoom_out=self.canvas.zoom_out, fit=self.canvas.fit, actual_size=self.canvas.actual_size))
        workspaces.add(WorkspaceCommands("latent", self.latent, "latent", lambda: self.latent_vm.model_info, export=self.latent.export_image_dialog))
        workspaces.add(WorkspaceCommands("attributes", tabs.attributes, "attributes", lambda: tabs.attributes_vm.model.info, export=tabs.attributes.export_dialog))
        workspaces.add(WorkspaceCommands(
            "convert", tabs.converter, "convert", lambda: tabs.converter_vm.model.info, export=tabs.converter.save_dialog,
            zoom_in=lambda: compare.zoom_by(1.25), zoom_out=lambda: compare.zoom_by(1 / 1.25), fit=compare.fit, actual_size=compare.actual_size))
        return workspaces

    @property
    def current_workspace(self) -> WorkspaceCommands:
        current = self.workspace_list.for_widget(self.workspaces.currentWidget())
        assert current is not None, "every tab is described in _describe_workspaces"
        return current

    def _on_current_workspace(self, command: str) -> None:
        """Run a window-level action (export, zoom) on the workspace on screen."""
        action = getattr(self.current_workspace, command)
        if action is not None:
            action()

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)  # saveState keys the layout by object name
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_docks(self) -> None:
        self.tools_panel = ToolsPanel(self.vm)
        self.classes_panel = ClassesPanel(self.vm)
        self.styles_panel = RegionStylesPanel(self.vm)
        self.models_panel = ModelsPanel(self.library)
        self.history_view = QUndoView(self.vm.undo_stack)
        self.history_view.setEmptyLabel("Blank document")
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        self.tools_dock = self._dock("Tools", "ToolsDock", self.tools_panel, left)
        self.classes_dock = self._dock("Classes", "ClassesDock", self.classes_panel, left)
        self.models_dock = self._dock("Models", "ModelsDock", self.models_panel, right)
        self.styles_dock = self._dock("Region styles", "RegionStylesDock", self.styles_panel, right)
        self.history_dock = self._dock("History", "HistoryDock", self.history_view, right)
        self.tabifyDockWidget(self.styles_dock, self.history_dock)
        self.models_dock.raise_()
        self.history_dock.raise_()

    def _action(self, text: str, slot, shortcut: Any = None, icon_name: str | None = None, checkable: bool = False) -> QAction:  # type: ignore[no-untyped-def]
        action = QAction(icon(icon_name) if icon_name else icon("fa5s.circle", "transparent"), text, self)
        if shortcut is not None:
            if isinstance(shortcut, (list, tuple)):
                action.setShortcuts([QKeySequence(s) for s in shortcut])
            else:
                action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        self.addAction(action)  # shortcuts work even with the menu bar hidden
        # only checkable actions pass their state on; the others call slot() with no arguments
        action.triggered.connect(slot if checkable else (lambda _checked=False: slot()))
        return action

    def _build_actions_and_menus(self) -> None:
        K = QKeySequence.StandardKey
        a = self._action
        self.act_new = a("&New", self.new_document, K.New, "fa5s.file")
        self.act_open = a("&Open...", self.open_dialog, K.Open, "fa5s.folder-open")
        self.act_open_labels = a("Open &label map...", self.open_label_map_dialog)
        self.act_reference = a("Open &reference photo...", self.open_reference_dialog)
        self.act_save = a("&Save", self.save, K.Save, "fa5s.save")
        self.act_save_as = a("Save project &as...", self.save_as, K.SaveAs)
        self.act_save_labels = a("Save label map as &PNG...", self.save_label_map_dialog)
        self.act_export = a("&Export output...", lambda: self._on_current_workspace("export"), "Ctrl+E", "fa5s.file-export")
        self.act_quit = a("&Quit", self.close, K.Quit)
        # a group, so that undo/redo act on the painting only while Paint shows (no stack elsewhere: disabled)
        self.undo_group = QUndoGroup(self)
        self.undo_group.addStack(self.vm.undo_stack)
        self.undo_group.setActiveStack(self.vm.undo_stack)
        self.act_undo = self.undo_group.createUndoAction(self, "&Undo")
        self.act_undo.setShortcuts(QKeySequence.keyBindings(K.Undo))
        self.act_undo.setIcon(icon("fa5s.undo"))
        self.act_redo = self.undo_group.createRedoAction(self, "&Redo")
        self.act_redo.setShortcuts(QKeySequence.keyBindings(K.Redo))
        self.act_redo.setIcon(icon("fa5s.redo"))
        self.act_smaller = a("Smaller brush", self.vm.shrink_brush, "[")
        self.act_larger = a("Larger brush", self.vm.grow_brush, "]")
        self.act_zoom_in = a("Zoom &in", lambda: self._on_current_workspace("zoom_in"), K.ZoomIn, "fa5s.search-plus")
        self.act_zoom_out = a("Zoom &out", lambda: self._on_current_workspace("zoom_out"), K.ZoomOut, "fa5s.search-minus")
        self.act_fit = a("&Fit", lambda: self._on_current_workspace("fit"), "Ctrl+0", "fa5s.expand")
        self.act_actual = a("&100 %", lambda: self._on_current_workspace("actual_size"), "Ctrl+1")
        self.act_split = a("&Compare (split view)", self.painting.set_compare_split, "Ctrl+K", "fa5s.columns", checkable=True)
        self.act_open_model = a("&Open model...", self.open_model_dialog, "Ctrl+M", "fa5s.cube")
        self.act_import_model = a("&Import official checkpoint...", self.import_model_dialog, None, "fa5s.file-import")
        self.act_style_image = a("Style from &image...", self.style_from_image_dialog, None, "fa5s.palette")
        self.act_random_style = a("&Random style", self.random_style, "Ctrl+R", "fa5s.dice")
        self.act_model_folder = a("Set user model &folder...", self.choose_model_folder)
        self.act_about = a("&About GAN Studio", self.about)
        self.act_shortcuts = a("&Keyboard shortcuts", self.show_shortcuts, "Ctrl+/")
        self.act_docs = a("&Documentation", self.open_documentation, K.HelpContents)

        file_menu = self.menuBar().addMenu("&File")
        for item in (self.act_new, self.act_open, self.act_open_labels, self.act_reference, None, self.act_save, self.act_save_as, self.act_save_labels, self.act_export, None, self.act_quit):
            file_menu.addSeparator() if item is None else file_menu.addAction(item)
        edit_menu = self.menuBar().addMenu("&Edit")
        for item in (self.act_undo, self.act_redo, None, self.act_smaller, self.act_larger):
            edit_menu.addSeparator() if item is None else edit_menu.addAction(item)
        tools_menu = edit_menu.addMenu("&Tool")
        for action in self.tools_panel.tool_actions.values():
            tools_menu.addAction(action)
        view_menu = self.menuBar().addMenu("&View")
        for item in (self.act_zoom_in, self.act_zoom_out, self.act_fit, self.act_actual, None, self.act_split, None):
            view_menu.addSeparator() if item is None else view_menu.addAction(item)
        for dock in (self.tools_dock, self.classes_dock, self.models_dock, self.styles_dock, self.history_dock):
            view_menu.addAction(dock.toggleViewAction())
        model_menu = self.menuBar().addMenu("&Model")
        for item in (self.act_open_model, self.act_import_model, self.act_model_folder, None, self.act_style_image, self.act_random_style):
            model_menu.addSeparator() if item is None else model_menu.addAction(item)
        help_menu = self.menuBar().addMenu("&Help")
        for item in (self.act_docs, self.act_shortcuts, None, self.act_about):
            help_menu.addSeparator() if item is None else help_menu.addAction(item)

        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("MainToolbar")
        for item in (self.act_new, self.act_open, self.act_save, None, self.act_undo, self.act_redo, None, self.act_fit, self.act_split, None, self.act_open_model, self.act_random_style):
            toolbar.addSeparator() if item is None else toolbar.addAction(item)

    def _build_workspace_bar(self) -> None:
        """The workspace tabs live in a toolbar row above the docks, so they stay put whichever docks a tab shows."""
        self.workspace_bar = QTabBar()
        self.workspace_bar.setObjectName("WorkspaceTabs")
        self.workspace_bar.setDocumentMode(True)
        self.workspace_bar.setDrawBase(False)
        self.workspace_bar.setExpanding(False)
        for index in range(self.workspaces.count()):
            self.workspace_bar.addTab(self.workspaces.tabIcon(index), self.workspaces.tabText(index))
        self.workspaces.tabBar().hide()
        self.workspace_bar.currentChanged.connect(self.workspaces.setCurrentIndex)
        self.workspaces.currentChanged.connect(self.workspace_bar.setCurrentIndex)
        bar = QToolBar("Workspaces")
        bar.setObjectName("WorkspaceToolbar")
        bar.setMovable(False)
        bar.toggleViewAction().setVisible(False)  # the only way between workspaces: never hidden
        bar.addWidget(self.workspace_bar)
        self.addToolBarBreak()
        self.addToolBar(bar)

    def _build_status_bar(self) -> None:
        self.device_label = QLabel("Device: starting...")
        self.model_label = QLabel("No model loaded")
        self.time_label = QLabel("")
        self.cursor_label = QLabel("")
        bar = self.statusBar()
        bar.addPermanentWidget(self.cursor_label)
        bar.addPermanentWidget(self.model_label)
        bar.addPermanentWidget(self.time_label)
        bar.addPermanentWidget(self.device_label)
        if self.controller.device_description:
            self._on_device(self.controller.device_description, self.controller.device_note)

    def _connect(self) -> None:
        self.controller.deviceReady.connect(self._on_device)
        self.synthesis.modelChanged.connect(self._on_model_changed)
        self.synthesis.modelRejected.connect(lambda path, why: self.error("Cannot use this model", f"{Path(path).name}: {why}" + ("\nThe current model stays loaded." if self.synthesis.path else "")))
        self.synthesis.synthesisFailed.connect(lambda msg: self.notify(f"{msg} (your painting is unchanged)"))
        self.controller.resultReady.connect(self._on_result_timing)
        self.exporter.exported.connect(lambda path: self.notify(f"Exported {Path(path).name}"))
        self.exporter.exportFailed.connect(lambda why: self.error("Cannot export", why))
        self.importer.imported.connect(self._on_imported)
        self.importer.importFailed.connect(lambda _source, reason: self.error("Cannot import the checkpoint", f"{reason}\nNothing was added to your models."))
        self.vm.modifiedChanged.connect(lambda _m: self._update_title())
        self.vm.notice.connect(self.notify)
        self.tools_panel.referenceRequested.connect(self.open_reference_dialog)
        self.tools_panel.referenceCleared.connect(lambda: self.vm.set_reference(None))
        self.tools_panel.opacityChanged.connect(self.canvas.set_overlay_opacity)
        self.styles_panel.addSourceRequested.connect(self.add_style_source_dialog)
        self.models_panel.loadRequested.connect(self.load_model)
        self.models_panel.openRequested.connect(self.open_model_dialog)
        self.models_panel.importRequested.connect(self.import_model_dialog)
        self.canvas.cursorMoved.connect(self._show_cursor)
        self.workspaces.currentChanged.connect(self._on_workspace_changed)
        for model_changed in (self.latent_vm.modelChanged, self.face_and_convert.attributes_vm.modelChanged, self.face_and_convert.converter_vm.modelChanged):
            model_changed.connect(self._refresh_model_indicators)

    def _painting_docks(self) -> tuple[QDockWidget, ...]:
        return (self.tools_dock, self.classes_dock, self.styles_dock, self.history_dock)

    def _painting_actions(self) -> tuple[QAction, ...]:
        """Window actions that act on the painting document only."""
        return (self.act_open_labels, self.act_reference, self.act_save_labels, self.act_smaller, self.act_larger, self.act_split,
                *self.tools_panel.tool_actions.values())

    def _on_workspace_changed(self, _index: int) -> None:
        """Every window-level action and indicator follows the workspace on screen."""
        current = self.current_workspace
        painting = current.name == "paint"
        for action, command in ((self.act_export, current.export), (self.act_zoom_in, current.zoom_in), (self.act_zoom_out, current.zoom_out),
                                (self.act_fit, current.fit), (self.act_actual, current.actual_size)):
            action.setEnabled(command is not None)
        for action in self._painting_actions():
            action.setEnabled(painting)
        self.act_style_image.setEnabled(painting and self._style_image_possible())
        self.act_random_style.setEnabled(painting and self.synthesis.info is not None)
        self.undo_group.setActiveStack(self.vm.undo_stack if painting else None)
        self.cursor_label.setVisible(painting)
        self._size_by_current_page()
        self._show_inference_time()
        self._refresh_model_indicators()
        self._show_painting_docks(painting)

    def _size_by_current_page(self) -> None:
        """Only the page on screen sets the window's minimum size, so a hidden tab never widens the window."""
        ignored, preferred = QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred
        for index in range(self.workspaces.count()):
            page = self.workspaces.widget(index)
            policy = preferred if page is self.workspaces.currentWidget() else ignored
            page.setSizePolicy(policy, policy)
        self.workspaces.updateGeometry()

    def _on_result_timing(self, result: Any) -> None:
        self.inference_ms[result.channel] = float(result.elapsed_ms)
        if result.channel == self.current_workspace.channel:
            self._show_inference_time()

    def _show_inference_time(self) -> None:
        ms = self.inference_ms.get(self.current_workspace.channel)
        self.time_label.setText("" if ms is None else f"Inference {ms:.0f} ms")

    def _show_painting_docks(self, painting: bool) -> None:
        """The painting docks belong to Paint: hide them elsewhere, bring back the ones that were open."""
        if not painting and self._docks_away is None:
            # "open" is the view action's state: a dock tabbed behind another is open but not visible
            self._docks_away = [dock for dock in self._painting_docks() if dock.toggleViewAction().isChecked()]
            for dock in self._docks_away:
                dock.hide()
        elif painting and self._docks_away is not None:
            for dock in self._docks_away:
                dock.show()
            self._docks_away = None

    # ------------------------------------------------------------------ messages
    def notify(self, text: str) -> None:
        self.messages.append(text)
        self.statusBar().showMessage(text, 10_000)

    def error(self, title: str, text: str) -> None:
        self.messages.append(f"{title}: {text}")
        self.statusBar().showMessage(f"{title}: {text.splitlines()[0]}", 15_000)
        self.dialogs.error(title, text)

    # ------------------------------------------------------------------ status
    def _on_device(self, description: str, note: str) -> None:
        self.device_label.setText(f"Device: {description}")
        if note:
            self.notify(note)

    def _style_image_possible(self) -> bool:
        info = self.synthesis.info
        return bool(info and info.get("arch") == "spade" and "encoder" in (info.get("parts") or []))

    def _on_model_changed(self, info: dict[str, Any] | None) -> None:
        self.vm.synthesis_enabled = info is not None
        painting = self.current_workspace.name == "paint"
        self.act_style_image.setEnabled(painting and self._style_image_possible())
        self.act_random_style.setEnabled(painting and info is not None)
        self.styles_panel.set_sean(bool(info and info.get("arch") == "sean"))
        self._refresh_model_indicators()
        if info is None:
            self.painting.output.placeholder = "No model loaded: open one from the Model menu (or the Models dock) to see a photo here."
            self.painting.output.update()
            return
        self.notify(f"Loaded {info.get('name')} on {info.get('device', 'the worker')}")
        self.vm.request_synthesis(preview=False)

    def _refresh_model_indicators(self, *_: Any) -> None:
        """The status bar and the Models dock's tick speak of the model of the workspace on screen."""
        current = self.current_workspace
        info = current.model_info()
        if info is None:
            self.model_label.setText("No model loaded")
        else:
            self.model_label.setText(f"Model: {info.get('name') or Path(str(info.get('path', ''))).name} ({str(info.get('arch', '')).upper()})")
        self.models_panel.set_current(current.model_path())

    def _show_cursor(self, x: int, y: int, class_id: int) -> None:
        self.cursor_label.setText(f"{x}, {y}  {self.vm.palette[class_id].name}" if class_id >= 0 else "")

    def _update_title(self) -> None:
        name = Path(self.document_path).name if self.document_path else "Untitled"
        self.setWindowTitle(f"{name}[*] — {APP_NAME}")
        self.setWindowModified(self.vm.is_modified)

    # ------------------------------------------------------------------ models
    def model_palette(self, info: dict[str, Any]) -> Palette:
        labels = info.get("labels") or []
        label_nc = int((info.get("config") or {}).get("label_nc", len(labels) or 1))
        if labels:
            palette = palette_from_model_labels(labels)
        elif label_nc == len(default_palette()):
            palette = default_palette()
        else:
            palette = Palette.generic(label_nc)
        return palette

    def load_model(self, path: str) -> str:
        """Load `path` in the workspace for its architecture; returns that workspace ("paint", "latent", "attributes" or "convert")."""
        entry = self.library.add_opened(path)
        if entry.arch == "stylegan2" or Path(path).suffix.lower() == ".pkl":  # StyleGAN: the latent explorer's
            self.workspaces.setCurrentWidget(self.latent)
            self.latent_vm.load_model(path)
            workspace = "latent"
        else:
            workspace = self.face_and_convert.route_model(path, entry.arch)  # StarGAN, pix2pix, CycleGAN
        if not workspace:
            self._load_painting_model(path)
            workspace = "paint"
        self.requested_workspaces.add(workspace)
        return workspace

    def _add_default_model_workspaces(self) -> None:
        """Tell the start-up defaults how each workspace loads a model and reports it."""
        painting_load = self._load_painting_model
        attributes, converter = self.face_and_convert.attributes_vm, self.face_and_convert.converter_vm
        for workspace in (
            WorkspaceModel("paint", painting_load, self.synthesis.modelChanged, self.synthesis.modelRejected, lambda: self.synthesis.path),
            WorkspaceModel("latent", self.latent_vm.load_model, self.latent_vm.modelChanged, self.latent_vm.modelRejected, lambda: self.latent_vm.model_path),
            WorkspaceModel("attributes", attributes.load_model, attributes.model.modelChanged, attributes.model.modelRejected, lambda: attributes.model.path),
            WorkspaceModel("convert", converter.load_model, converter.model.modelChanged, converter.model.modelRejected, lambda: converter.model.path),
        ):
            self.model_defaults.add_workspace(workspace)
        self.model_defaults.notice.connect(self.notify)

    def start(self, file: str | None = None, model: str | None = None) -> None:
        """Once the window shows: open what was asked for, then give every other workspace a model and something to show.

        Models load on the worker thread; the painting starts from a landscape
        (if its classes allow one), Attributes and Convert from a sample photo.
        """
        if model:
            self.load_model(model)
        if file:
            self.open_path(file)
        if not self.vm.is_modified and self.document_path is None and self.show_starter_map():
            self.canvas.fit()  # to the canvas as shown, not as first built
        self.model_defaults.start(skip=self.requested_workspaces)
        attributes, converter = self.face_and_convert.attributes_vm, self.face_and_convert.converter_vm
        faces, scenes = sample_files("faces"), sample_files(convert_sample_kind(converter.model.arch))
        if attributes.photo is None and faces:
            attributes.open_photo(faces[0])
        if converter.input is None and scenes:
            converter.open_image(scenes[0])  # a model that arrives later swaps it for its own kind

    def show_starter_map(self) -> bool:
        """Replace the (untouched) painting by the starting landscape of the current classes; False if they make none."""
        labels = starter_label_map(self.vm.palette, self.vm.width, self.vm.height)
        if labels is None:
            return False
        self.vm.set_labels(labels)
        self.starter_document = True
        return True

    def _load_painting_model(self, path: str) -> None:
        """Load a painting model; an untouched document takes its classes at once, from the file's header."""
        self.notify(f"Loading {Path(path).name}...")
        entry = self.library.entry_for(path)
        if entry is not None and entry.labels and not self.vm.is_modified and self.document_path is None:
            # the classes list shows the model's classes from the start, not the default ones until the worker answers
            try:
                self._adopt_model_palette({"labels": entry.labels, "config": {"label_nc": entry.num_classes}})
            except (ValueError, TypeError):
                pass  # a header the loader will refuse anyway: it says why when the worker answers
        self.synthesis.load(path)

    def _adopt_model_palette(self, info: dict[str, Any]) -> str | None:
        """Switch to the model's palette before it becomes current; the reason it cannot, or None."""
        palette = self.model_palette(info)
        if palette == self.vm.palette:
            return None
        if not self.vm.is_modified and self.document_path is None:
            # an untouched document simply starts over with the model's classes (the starting landscape stays one)
            starter = starter_label_map(palette, self.vm.width, self.vm.height) if self.starter_document else None
            self.vm.set_palette_and_labels(palette, np.zeros_like(self.vm.labels) if starter is None else starter)
            return None
        try:
            self.vm.set_palette(palette)
        except ValueError as exc:
            return f"the painting does not fit its classes ({exc}); replace the extra classes first"
        return None

    def open_model_dialog(self) -> None:
        path = self.dialogs.open_file("Open model", MODEL_FILTER)
        if path:
            self.load_model(path)

    def import_model_dialog(self) -> None:
        """Convert an official checkpoint into the user model folder (on the worker), then open it."""
        source = self.dialogs.open_file("Import official checkpoint", MODEL_FILTER)
        if source:
            self.import_model(source)

    def import_model(self, source: str) -> bool:
        """Start importing `source` into the user model folder; it opens in its workspace when done."""
        folder = Path(self.library.user_folder or Path(self.recovery.root).parent / "models")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.error("Cannot import the checkpoint", f"The model folder {folder} cannot be created: {exc.strerror or exc}")
            return False
        self.importer.start(source, folder)
        self.notify(f"Importing {Path(source).name}...")
        return True

    def _on_imported(self, _source: str, target: str) -> None:
        self.library.user_folder = Path(target).parent
        self.library.refresh()
        self.notify(f"Imported {Path(target).name} into {Path(target).parent}")
        self.load_model(target)

    def choose_model_folder(self) -> None:
        folder = self.dialogs.open_folder("User model folder")
        if folder:
            self.set_model_folder(folder)

    def set_model_folder(self, folder: str) -> None:
        """Use `folder` for imported and user models; say what was found there."""
        self.settings.setValue("models/user_folder", folder)
        self.library.user_folder = Path(folder)
        self.library.refresh()
        found = sum(1 for entry in self.library.entries if entry.source == "user")
        self.notify(f"User model folder: {folder} ({found} model{'s' if found != 1 else ''} found; imports go here)")

    # ------------------------------------------------------------------ styles
    def random_style(self) -> None:
        seed = int(np.random.default_rng().integers(0, 2**31 - 1))
        self.vm.random_style(seed)
        self.notify(f"Random style, seed {seed}")

    def style_from_image_dialog(self) -> None:
        path = self.dialogs.open_file("Style from image", IMAGE_FILTER)
        if not path:
            return
        try:
            photo = read_photo(path, keep_alpha=False)
        except DocumentError as exc:
            self.error("Cannot read the style image", str(exc))
            return
        self.vm.set_style_image(photo.pixels)
        self.notify(f"Style from {Path(path).name}")

    def add_style_source_dialog(self) -> None:
        photo_path = self.dialogs.open_file("Style source: reference photo", IMAGE_FILTER)
        if not photo_path:
            return
        labels_path = self.dialogs.open_file("Style source: its label map", LABEL_FILTER)
        if not labels_path:
            return
        try:
            photo = read_photo(photo_path, keep_alpha=False)
            labels = read_label_map(labels_path, self.vm.palette).labelmap.ids
            name = self.vm.add_style_source(Path(photo_path).stem, photo.pixels, labels)
        except (DocumentError, ValueError) as exc:
            self.error("Cannot use this style source", str(exc))
            return
        self.notify(f"Style source {name} added")

    # ------------------------------------------------------------------ files
    def open_path(self, path: str) -> bool:
        """Open whatever `path` is: project, model, label map or photo (reference)."""
        suffix = Path(path).suffix.lower()
        if suffix == PROJECT_SUFFIX:
            return self.open_project(path)
        if suffix in MODEL_SUFFIXES:
            self.load_model(path)
            return True
        if suffix in PHOTO_SUFFIXES:
            return self.open_reference(path)
        if self._looks_like_photo(path):
            return self.open_reference(path)
        return self.open_label_map(path)

    def _looks_like_photo(self, path: str) -> bool:
        """An RGB image with many colours is a photo; few colours make it a colour-coded label map."""
        try:
            image = open_image(path)
        except DocumentError:
            return False  # let the label-map reader name the problem
        if image.mode not in ("RGB", "RGBA"):
            return False
        return image.convert("RGB").getcolors(maxcolors=1024) is None

    def _confirm_discard(self) -> bool:
        if not self.vm.is_modified:
            return True
        answer = self.dialogs.ask_unsaved(Path(self.document_path).name if self.document_path else "Untitled")
        if answer == "save":
            return self.save()
        return answer == "discard"

    def new_document(self) -> None:
        if not self._confirm_discard():
            return
        self.vm.new_document(self.vm.width, self.vm.height)
        self.document_path = None
        self.starter_document = False
        self._update_title()

    def open_dialog(self) -> None:
        path = self.dialogs.open_file("Open", OPEN_FILTER)
        if path:
            self.open_path(path)

    def open_label_map_dialog(self) -> None:
        path = self.dialogs.open_file("Open label map", LABEL_FILTER)
        if path:
            self.open_label_map(path)

    def open_reference_dialog(self) -> None:
        path = self.dialogs.open_file("Reference photo", IMAGE_FILTER)
        if path:
            self.open_reference(path)

    def open_label_map(self, path: str) -> bool:
        if not self._confirm_discard():
            return False
        try:
            loaded = read_label_map(path, self.vm.palette)
            self.vm.set_labels(loaded.labelmap.ids)
        except (DocumentError, ValueError) as exc:
            self.error("Cannot open the label map", f"{exc}\nYour current painting is unchanged.")
            return False
        self.document_path = path
        self._update_title()
        self.canvas.fit()
        self.notify(f"Opened {Path(path).name} ({loaded.kind})" + (": " + "; ".join(loaded.notes) if loaded.notes else ""))
        return True

    def open_reference(self, path: str) -> bool:
        try:
            photo = read_photo(path, keep_alpha=False)
        except DocumentError as exc:
            self.error("Cannot open the photo", str(exc))
            return False
        if photo.pixels.shape[:2] != self.vm.labels.shape:
            from PIL import Image

            resized = Image.fromarray(photo.pixels[..., :3]).resize((self.vm.width, self.vm.height), Image.Resampling.BILINEAR)
            self.vm.set_reference(np.asarray(resized))
            self.notify(f"Reference photo {Path(path).name} scaled to {self.vm.width}x{self.vm.height}")
        else:
            self.vm.set_reference(photo.pixels)
        self.tools_panel.opacity_slider.setValue(min(self.tools_panel.opacity_slider.value(), 60))
        return True

    def current_project(self) -> Project:
        styles, arrays = self.vm.style_state()
        favourites, latents = self.latent_vm.favourites_state()
        model = ModelReference(self.synthesis.path, self.synthesis.arch) if self.synthesis.path else None
        return Project(
            label_map=LabelMap(self.vm.labels, self.vm.palette),
            model=model,
            view={"zoom": self.canvas.zoom, "overlay_opacity": self.canvas.overlay_opacity, "split": self.act_split.isChecked(), "current_class": self.vm.current_class, "brush_size": self.vm.brush_size},
            region_styles=styles,
            style_codes=arrays,
            workspace={"active": "painting"},
            latent_favourites=favourites,
            latents=latents,
        )

    def save(self) -> bool:
        if not self.document_path or Path(self.document_path).suffix.lower() != PROJECT_SUFFIX:
            return self.save_as()
        return self.save_project(self.document_path)

    def save_as(self) -> bool:
        path = self.dialogs.save_file("Save project", PROJECT_FILTER, "untitled.gstudio")
        if not path:
            return False
        if not path.lower().endswith(PROJECT_SUFFIX):
            path += PROJECT_SUFFIX
        return self.save_project(path)

    def save_project(self, path: str) -> bool:
        try:
            save_project(path, self.current_project())
        except (DocumentError, OSError) as exc:
            self.error("Cannot save the project", str(exc))
            return False
        self.document_path = path
        self.vm.mark_saved()
        self._remove_snapshot()
        self._update_title()
        self.notify(f"Saved {Path(path).name}")
        return True

    def open_project(self, path: str) -> bool:
        if not self._confirm_discard():
            return False
        try:
            project = load_project(path)
        except (DocumentError, OSError) as exc:
            self.error("Cannot open the project", f"{exc}\nYour current painting is unchanged.")
            return False
        if not self.apply_project(project):
            return False
        self.document_path = path
        self._update_title()
        self.notify(f"Opened {Path(path).name}")
        return True

    def apply_project(self, project: Project, *, modified: bool = False) -> bool:
        if project.label_map is not None:
            try:
                self.vm.set_palette_and_labels(project.label_map.palette, project.label_map.ids, modified=modified)
            except ValueError as exc:
                self.error("Cannot open the project", str(exc))
                return False
        view = project.view or {}
        self.vm.set_brush_size(int(view.get("brush_size", self.vm.brush_size)))
        if "current_class" in view:
            self.vm.set_current_class(int(view["current_class"]))
        self.tools_panel.opacity_slider.setValue(round(float(view.get("overlay_opacity", 1.0)) * 100))
        self.act_split.setChecked(bool(view.get("split", False)))
        self.painting.set_compare_split(self.act_split.isChecked())
        self.vm.restore_style_state(project.region_styles or {}, dict(project.style_codes))
        for problem in self.latent_vm.restore_favourites(project.latent_favourites, project.latents):
            self.notify(problem)
        if project.model is not None and project.model.path and project.model.path != self.synthesis.path:
            if Path(project.model.path).exists():
                self.load_model(project.model.path)
            else:
                self.notify(f"The project's model {project.model.path} was not found; open it from the Model menu")
        self.canvas.fit()
        return True

    def save_label_map_dialog(self) -> None:
        path = self.dialogs.save_file("Save label map", LABEL_FILTER, "labels.png")
        if not path:
            return
        try:
            write_label_map(path, LabelMap(self.vm.labels, self.vm.palette))
        except (DocumentError, OSError) as exc:
            self.error("Cannot save the label map", str(exc))
            return
        self.notify(f"Saved label map {Path(path).name}")

    def export_dialog(self) -> None:
        """Ask for the size (model output, or the canvas size resampled or synthesized), then where to write."""
        if self.vm.output is None:
            self.notify("There is no output to export yet: load a model and paint")
            return
        sizes = export_sizes(self.synthesis.info, self.vm.output.shape, (self.vm.width, self.vm.height))
        choice = 0
        if len(sizes) > 1:
            keys = [size.key for size in sizes]
            last = str(self.settings.value("painting/export_size", "native", str))
            picked = self.dialogs.choose("Export output", "Size of the exported picture:", [size.label for size in sizes], keys.index(last) if last in keys else 0)
            if picked is None:
                return
            choice = picked
            self.settings.setValue("painting/export_size", keys[choice])
        path = self.dialogs.save_file("Export output", EXPORT_FILTER, "output.png")
        if path:
            self.export_output(path, sizes[choice].key)

    def export_output(self, path: str, size: str = "native") -> bool:
        """Write the output at `size` ("native", "resampled" or "synthesized"), with every setting in its text chunks."""
        if self.vm.output is None:
            return False
        sizes = {option.key: option for option in export_sizes(self.synthesis.info, self.vm.output.shape, (self.vm.width, self.vm.height))}
        if size not in sizes:
            self.error("Cannot export", f"This model cannot export at the size asked for ({size}); the choices are: {', '.join(sizes)}")
            return False
        if sizes[size].key == "synthesized":
            self.notify(f"Synthesizing {sizes[size].width}x{sizes[size].height} for {Path(path).name}...")
        return self.exporter.export(path, sizes[size], self.synthesis.info)

    # ------------------------------------------------------------------ autosave / recovery
    def autosave(self) -> None:
        if not self.vm.is_modified or not self.recovery.active:
            return
        try:
            self.recovery.save_snapshot(self.document_id, self.current_project(), title=Path(self.document_path).name if self.document_path else "Untitled", source_path=self.document_path)
        except (DocumentError, OSError) as exc:
            self.notify(f"Autosave failed: {exc}")

    def _remove_snapshot(self) -> None:
        if self.recovery.active:
            try:
                self.recovery.remove_snapshot(self.document_id)
            except OSError:
                pass

    def offer_recovery(self) -> bool:
        """After a crash: offer the newest autosaved document. True if one was recovered."""
        snapshots = self.recovery.list_recoverable()
        if not snapshots:
            return False
        newest = snapshots[0]
        if not self.dialogs.ask_recover(f"{newest.title} (autosaved {_ago(newest.saved_at)})"):
            for snapshot in snapshots:
                self.recovery.discard(snapshot)
            return False
        try:
            project = self.recovery.recover(newest)
        except (DocumentError, OSError) as exc:
            self.error("Cannot recover", str(exc))
            return False
        if not self.apply_project(project, modified=True):
            return False
        self.document_path = newest.source_path if newest.source_path and newest.source_path.endswith(PROJECT_SUFFIX) else None
        self.recovery.discard(newest)
        self.autosave()  # the recovered work is protected again at once
        self._update_title()
        self.notify(f"Recovered {newest.title}")
        return True

    # ------------------------------------------------------------------ window events
    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        plain = not (event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier))
        if plain and text.isdigit() and len(text) == 1:
            self.classes_panel.select_by_number(int(text))
            return
        if plain and len(text) == 1 and text.isalpha():
            self.classes_dock.show()
            self.classes_panel.start_search(text)
            return
        super().keyPressEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.open_path(url.toLocalFile())
        event.acceptProposedAction()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._confirm_discard():
            event.ignore()
            return
        self._save_settings()
        self.autosave_timer.stop()
        self.recovery.end_session()
        self.controller.shutdown()
        event.accept()

    # ------------------------------------------------------------------ settings
    def _restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 860)
        state = self.settings.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        self.vm.set_brush_size(int(self.settings.value("painting/brush_size", self.vm.brush_size)))
        self.tools_panel.opacity_slider.setValue(int(self.settings.value("painting/overlay_opacity", 100)))
        split = str(self.settings.value("painting/split", "false")).lower() == "true"
        self.act_split.setChecked(split)
        self.painting.set_compare_split(split)

    def _save_settings(self) -> None:
        away = self._docks_away or []
        for dock in away:  # save the painting layout as the user left it, not as hidden for another tab
            dock.show()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        for dock in away:
            dock.hide()
        self.settings.setValue("painting/brush_size", self.vm.brush_size)
        self.settings.setValue("painting/overlay_opacity", self.tools_panel.opacity_slider.value())
        self.settings.setValue("painting/split", self.act_split.isChecked())
        self.settings.sync()

    def about(self) -> None:
        self.dialogs.info("About GAN Studio", about_text(self.controller.device_description))

    def show_shortcuts(self) -> None:
        self.dialogs.info("Keyboard shortcuts", shortcuts_text(self.menuBar()))

    def open_documentation(self) -> None:
        """The docs folder of this copy of GAN Studio, in the system's viewer."""
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        if DOCS_DIR.is_dir():
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(DOCS_DIR)))
            self.notify(f"Opened the documentation folder {DOCS_DIR}")
        else:
            self.dialogs.info("Documentation", "The documentation is in the docs/ folder of GAN Studio's source repository "
                              "(architecture.md, models.md, synthetic-data.md); this installation does not carry it.")


def _ago(timestamp: float) -> str:
    import time

    minutes = max(0, int((time.time() - timestamp) // 60))
    return "just now" if minutes == 0 else f"{minutes} min ago"
