"""The studio window: a shell of workspaces (painting first) with shared docks, menus and status bar.

Everything that can go wrong with a file or a model run becomes a message
naming the problem (non-blocking box plus status-bar notice, recorded in
`messages`), and the document is left as it was.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeyEvent, QKeySequence, QUndoGroup
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QSizePolicy, QTabBar, QTabWidget, QToolBar, QWidget

from ganstudio.app.inference import InferenceController
from ganstudio.app.latent_project_part import LatentProjectPart
from ganstudio.app.layout_project_part import LayoutProjectPart
from ganstudio.app.latent_viewmodel import LatentViewModel
from ganstudio.app.model_import import ModelImporter
from ganstudio.app.describe_viewmodel import DescribeViewModel
from ganstudio.app.layout_viewmodel import LayoutViewModel
from ganstudio.app.train_viewmodel import TrainViewModel
from ganstudio.app.model_defaults import ModelDefaults, WorkspaceModel
from ganstudio.app.model_library import MODEL_SUFFIXES, ModelLibrary
from ganstudio.app.samples import convert_sample_kind, sample_files
from ganstudio.document.autosave import RecoveryStore

from .actions import make_action
from .dialogs import MODEL_FILTER, OPEN_FILTER, Dialogs
from .help_texts import DOCS_DIR, about_text, shortcuts_text
from .icons import icon
from .describe.workspace import DescribeWorkspace
from .train.workspace import TrainWorkspace
from .latent.workspace import LatentWorkspace
from .layout.workspace import LayoutWorkspace
from .face_and_convert_tabs import FaceAndConvertTabs
from .models_dock import ModelsPanel
from .painting.workspace import PaintingWorkspace
from .precision_menu import PrecisionControl
from .workspace_commands import WorkspaceCommands, WorkspaceList

APP_NAME = "GAN Studio"
ORGANISATION = "GANStudio"
AUTOSAVE_MS = 60_000


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
        self.requested_workspaces: set[str] = set()  # workspaces given a model by hand (not by the start-up defaults)
        folder = user_model_folder or self.settings.value("models/user_folder", "", str) or None
        self.library = ModelLibrary(folder, bundled_model_folder, self)
        self.importer = ModelImporter(self.controller, self)

        self.painting = PaintingWorkspace(self.controller, self.library, self.dialogs, self.settings, recovery or RecoveryStore())
        # the painting's parts the window docks and reports on
        self.vm, self.canvas, self.synthesis, self.document = self.painting.vm, self.painting.canvas, self.painting.synthesis, self.painting.document
        if self.document.autosave_problem:
            self.notify(self.document.autosave_problem)
        self.workspaces = QTabWidget()
        self.workspaces.setDocumentMode(True)
        self.workspaces.addTab(self.painting, icon("fa5s.paint-brush"), PaintingWorkspace.title)
        self.latent_vm = LatentViewModel(self.controller, self)
        self.latent = LatentWorkspace(self.latent_vm, self.dialogs)
        self.workspaces.addTab(self.latent, icon("fa5s.sliders-h"), LatentWorkspace.title)
        self.latent_vm.notice.connect(self.notify)
        self.document.add_part(LatentProjectPart(self.latent_vm))
        self.face_and_convert = FaceAndConvertTabs(self.workspaces, self.controller, self.dialogs, self.notify, self)
        self.describe_vm = DescribeViewModel(self.controller, self)
        self.describe = DescribeWorkspace(self.describe_vm, self.dialogs)
        self.workspaces.addTab(self.describe, icon("fa5s.keyboard"), DescribeWorkspace.title)
        self.layout_vm = LayoutViewModel(self.controller, self)
        self.layout_workspace = LayoutWorkspace(self.layout_vm, self.dialogs)
        self.document.add_part(LayoutProjectPart(self.layout_vm))
        self.workspaces.addTab(self.layout_workspace, icon("fa5s.object-group"), LayoutWorkspace.title)
        self.layout_vm.notice.connect(self.notify)
        self.layout_vm.renderFailed.connect(self.notify)
        self.layout_vm.modelRejected.connect(lambda path, why: self.notify(f"{Path(path).name} was not opened in Layout: {why}"))
        self.train = TrainWorkspace(TrainViewModel(library=self.library, parent=self), self.dialogs)  # runs the trainer in child processes
        self.workspaces.addTab(self.train, icon("fa5s.dumbbell"), TrainWorkspace.title)
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
        self._on_workspace_changed(self.workspaces.currentIndex())
        self.document.start_autosave(autosave_ms)

    # ------------------------------------------------------------------ building
    def _describe_workspaces(self) -> WorkspaceList:
        """What File › Export, the zoom actions, the Models dock tick and the status bar mean on each tab."""
        tabs = self.face_and_convert
        compare = tabs.converter.compare
        workspaces = WorkspaceList()
        workspaces.add(WorkspaceCommands(
            "paint", self.painting, "canvas", lambda: self.synthesis.info, export=self.painting.files.export_dialog,
            zoom_in=self.canvas.zoom_in, zoom_out=self.canvas.zoom_out, fit=self.canvas.fit, actual_size=self.canvas.actual_size))
        workspaces.add(WorkspaceCommands("latent", self.latent, "latent", lambda: self.latent_vm.model_info, export=self.latent.export_image_dialog))
        workspaces.add(WorkspaceCommands("attributes", tabs.attributes, "attributes", lambda: tabs.attributes_vm.model.info, export=tabs.attributes.export_dialog))
        workspaces.add(WorkspaceCommands(
            "convert", tabs.converter, "convert", lambda: tabs.converter_vm.model.info, export=tabs.converter.save_dialog,
            zoom_in=lambda: compare.zoom_by(1.25), zoom_out=lambda: compare.zoom_by(1 / 1.25), fit=compare.fit, actual_size=compare.actual_size))
        workspaces.add(WorkspaceCommands("describe", self.describe, "describe", lambda: self.describe_vm.model.info, export=self.describe.export_dialog))
        workspaces.add(WorkspaceCommands("layout", self.layout_workspace, "layout", lambda: self.layout_vm.model.info,
                                         export=self.layout_workspace.export_dialog))
        workspaces.add(WorkspaceCommands("train", self.train, "train", lambda: None))
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
        painting = self.painting
        self.tools_panel, self.classes_panel, self.styles_panel = painting.tools_panel, painting.classes_panel, painting.styles_panel
        self.models_panel = ModelsPanel(self.library)
        self.history_view = painting.history_view
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
        action = make_action(self, text, slot, shortcut, icon_name, checkable)
        self.addAction(action)  # shortcuts work even with the menu bar hidden
        return action

    def _build_actions_and_menus(self) -> None:
        K = QKeySequence.StandardKey
        a = self._action
        painting = self.painting
        for action in (*painting.document_actions, *painting.painting_actions):
            self.addAction(action)  # shortcuts work even with the menu bar hidden
        self.act_open = a("&Open...", self.open_dialog, K.Open, "fa5s.folder-open")
        self.act_split = painting.act_split
        self.act_export = a("&Export output...", lambda: self._on_current_workspace("export"), "Ctrl+E", "fa5s.file-export")
        self.act_quit = a("&Quit", self.close, K.Quit)
        # a group, so that undo/redo act on the painting only while Paint shows (no stack elsewhere: disabled)
        self.undo_group = QUndoGroup(self)
        self.undo_group.addStack(self.vm.undo_stack)
        self.undo_group.addStack(self.layout_vm.undo_stack)
        self.undo_group.setActiveStack(self.vm.undo_stack)
        self.act_undo = self.undo_group.createUndoAction(self, "&Undo")
        self.act_undo.setShortcuts(QKeySequence.keyBindings(K.Undo))
        self.act_undo.setIcon(icon("fa5s.undo"))
        self.act_redo = self.undo_group.createRedoAction(self, "&Redo")
        self.act_redo.setShortcuts(QKeySequence.keyBindings(K.Redo))
        self.act_redo.setIcon(icon("fa5s.redo"))
        self.act_zoom_in = a("Zoom &in", lambda: self._on_current_workspace("zoom_in"), K.ZoomIn, "fa5s.search-plus")
        self.act_zoom_out = a("Zoom &out", lambda: self._on_current_workspace("zoom_out"), K.ZoomOut, "fa5s.search-minus")
        self.act_fit = a("&Fit", lambda: self._on_current_workspace("fit"), "Ctrl+0", "fa5s.expand")
        self.act_actual = a("&100 %", lambda: self._on_current_workspace("actual_size"), "Ctrl+1")
        self.act_open_model = a("&Open model...", self.open_model_dialog, "Ctrl+M", "fa5s.cube")
        self.act_import_model = a("&Import official checkpoint...", self.import_model_dialog, None, "fa5s.file-import")
        self.act_model_folder = a("Set user model &folder...", self.choose_model_folder)
        self.act_about = a("&About GAN Studio", self.about)
        self.act_shortcuts = a("&Keyboard shortcuts", self.show_shortcuts, "Ctrl+/")
        self.act_docs = a("&Documentation", self.open_documentation, K.HelpContents)

        file_menu = self.menuBar().addMenu("&File")
        for item in (painting.act_new, self.act_open, painting.act_open_labels, painting.act_reference, None, painting.act_save, painting.act_save_as,
                     painting.act_save_labels, self.act_export, None, self.act_quit):
            file_menu.addSeparator() if item is None else file_menu.addAction(item)
        edit_menu = self.menuBar().addMenu("&Edit")
        for item in (self.act_undo, self.act_redo, None, painting.act_smaller, painting.act_larger):
            edit_menu.addSeparator() if item is None else edit_menu.addAction(item)
        tools_menu = edit_menu.addMenu("&Tool")
        for action in self.tools_panel.tool_actions.values():
            tools_menu.addAction(action)
        tools_menu.addAction(self.tools_panel.reroll_tool_action)
        view_menu = self.menuBar().addMenu("&View")
        for item in (self.act_zoom_in, self.act_zoom_out, self.act_fit, self.act_actual, None, self.act_split, None):
            view_menu.addSeparator() if item is None else view_menu.addAction(item)
        for dock in (self.tools_dock, self.classes_dock, self.models_dock, self.styles_dock, self.history_dock):
            view_menu.addAction(dock.toggleViewAction())
        model_menu = self.menuBar().addMenu("&Model")
        for item in (self.act_open_model, self.act_import_model, self.act_model_folder, None, painting.act_style_image, painting.act_random_style,
                     self.tools_panel.reroll_region_action, self.tools_panel.reroll_all_action):
            model_menu.addSeparator() if item is None else model_menu.addAction(item)
        self.precision = PrecisionControl(self.controller, lambda: self.current_workspace.model_path() or "", self)
        model_menu.addSeparator()
        model_menu.addMenu(self.precision.menu)
        help_menu = self.menuBar().addMenu("&Help")
        for item in (self.act_docs, self.act_shortcuts, None, self.act_about):
            help_menu.addSeparator() if item is None else help_menu.addAction(item)

        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("MainToolbar")
        for item in (painting.act_new, self.act_open, painting.act_save, None, self.act_undo, self.act_redo, None, self.act_fit, painting.act_split, None,
                     self.act_open_model, painting.act_random_style):
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
        bar.addPermanentWidget(self.precision.label)
        bar.addPermanentWidget(self.device_label)
        if self.controller.device_description:
            self._on_device(self.controller.device_description, self.controller.device_note)

    def _connect(self) -> None:
        self.controller.deviceReady.connect(self._on_device)
        self.painting.notice.connect(self.notify)
        self.painting.failed.connect(self.error)
        self.painting.modelRequested.connect(self.load_model)
        self.synthesis.modelChanged.connect(self._refresh_model_indicators)
        self.document.titleChanged.connect(self._update_title)
        self.controller.resultReady.connect(self._on_result_timing)
        self.importer.imported.connect(self._on_imported)
        self.importer.importFailed.connect(lambda _source, reason: self.error("Cannot import the checkpoint", f"{reason}\nNothing was added to your models."))
        self.models_panel.loadRequested.connect(self.load_model)
        self.train.openModel.connect(self.load_model)
        self.models_panel.openRequested.connect(self.open_model_dialog)
        self.models_panel.importRequested.connect(self.import_model_dialog)
        self.canvas.cursorMoved.connect(self._show_cursor)
        self.workspaces.currentChanged.connect(self._on_workspace_changed)
        for model_changed in (self.latent_vm.modelChanged, self.face_and_convert.attributes_vm.modelChanged, self.face_and_convert.converter_vm.modelChanged,
                              self.describe_vm.modelChanged, self.layout_vm.modelChanged):
            model_changed.connect(self._refresh_model_indicators)

    def _painting_docks(self) -> tuple[QDockWidget, ...]:
        return (self.tools_dock, self.classes_dock, self.styles_dock, self.history_dock)

    def _on_workspace_changed(self, _index: int) -> None:
        """Every window-level action and indicator follows the workspace on screen."""
        current = self.current_workspace
        painting = current.name == "paint"
        for action, command in ((self.act_export, current.export), (self.act_zoom_in, current.zoom_in), (self.act_zoom_out, current.zoom_out),
                                (self.act_fit, current.fit), (self.act_actual, current.actual_size)):
            action.setEnabled(command is not None)
        self.painting.set_active(painting)
        # each workspace with a history has its own stack; elsewhere undo/redo are disabled
        stacks = {"paint": self.vm.undo_stack, "layout": self.layout_vm.undo_stack}
        self.undo_group.setActiveStack(stacks.get(current.name))  # type: ignore[arg-type]
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
            self.model_defaults.release()  # the first picture is on screen: the other workspaces' models may load

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

    def _refresh_model_indicators(self, *_: Any) -> None:
        """The status bar and the Models dock's tick speak of the model of the workspace on screen."""
        current = self.current_workspace
        info = current.model_info()
        if info is None:
            self.model_label.setText("No model loaded")
        else:
            self.model_label.setText(f"Model: {info.get('name') or Path(str(info.get('path', ''))).name} ({str(info.get('arch', '')).upper()})")
        self.models_panel.set_current(current.model_path())
        self.precision.refresh()

    def _show_cursor(self, x: int, y: int, class_id: int) -> None:
        self.cursor_label.setText(f"{x}, {y}  {self.vm.palette[class_id].name}" if class_id >= 0 else "")

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.document.title}[*] — {APP_NAME}")
        self.setWindowModified(self.document.is_modified)

    # ------------------------------------------------------------------ models
    def load_model(self, path: str) -> str:
        """Load `path` in the workspace for its architecture; returns that workspace ("paint", "latent", "layout", ...)."""
        entry = self.library.add_opened(path)
        workspace = entry.workspace  # its family's, by arch or by a family's file suffix (.pkl); None until loaded
        if workspace == "latent":
            self.workspaces.setCurrentWidget(self.latent)
            self.latent_vm.load_model(path)
        elif workspace == "describe":
            self.workspaces.setCurrentWidget(self.describe)
            self.describe_vm.load_model(path)
        elif workspace == "layout" or (workspace is None and self.workspaces.currentWidget() is self.layout_workspace):
            # an official netGv2_*.pth says what it is only once loaded: it goes to Layout while Layout shows
            workspace = "layout"
            self.workspaces.setCurrentWidget(self.layout_workspace)
            self.layout_vm.load_model(path)
        elif workspace != "paint":
            # Attributes or Convert; an official state dict goes to whichever of them is on screen, else to Paint
            workspace = self.face_and_convert.route_model(path, entry.arch) or "paint"
        if workspace == "paint":
            self.workspaces.setCurrentWidget(self.painting)
            self.painting.load_model(path)
        self.requested_workspaces.add(workspace)
        return workspace

    def _add_default_model_workspaces(self) -> None:
        """Tell the start-up defaults how each workspace loads a model and reports it."""
        painting_load = self.painting.load_model
        attributes, converter = self.face_and_convert.attributes_vm, self.face_and_convert.converter_vm
        for workspace in (
            WorkspaceModel("paint", painting_load, self.synthesis.modelChanged, self.synthesis.modelRejected, lambda: self.synthesis.path),
            WorkspaceModel("latent", self.latent_vm.load_model, self.latent_vm.modelChanged, self.latent_vm.modelRejected, lambda: self.latent_vm.model_path),
            WorkspaceModel("attributes", attributes.load_model, attributes.model.modelChanged, attributes.model.modelRejected, lambda: attributes.model.path),
            WorkspaceModel("convert", converter.load_model, converter.model.modelChanged, converter.model.modelRejected, lambda: converter.model.path),
            WorkspaceModel("describe", self.describe_vm.load_model, self.describe_vm.model.modelChanged, self.describe_vm.model.modelRejected,
                           lambda: self.describe_vm.model.path),
            WorkspaceModel("layout", self.layout_vm.load_model, self.layout_vm.model.modelChanged, self.layout_vm.model.modelRejected,
                           lambda: self.layout_vm.model.path),
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
        if not self.document.is_modified and self.document.path is None and self.painting.show_starter_map():
            self.canvas.fit()  # to the canvas as shown, not as first built
        # the workspace on screen loads first; the others once it shows a picture (see ModelDefaults.release)
        self.model_defaults.start(skip=self.requested_workspaces, first=self.current_workspace.name)
        attributes, converter = self.face_and_convert.attributes_vm, self.face_and_convert.converter_vm
        faces, scenes = sample_files("faces"), sample_files(convert_sample_kind(converter.model.arch))
        if attributes.photo is None and faces:
            attributes.open_photo(faces[0])
        if converter.input is None and scenes:
            converter.open_image(scenes[0])  # a model that arrives later swaps it for its own kind

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
        folder = Path(self.library.user_folder or Path(self.document.recovery.root).parent / "models")
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

    # ------------------------------------------------------------------ files
    def open_path(self, path: str) -> bool:
        """Open whatever `path` is: a model in its workspace; a project, label map or photo in the painting."""
        if Path(path).suffix.lower() in MODEL_SUFFIXES:
            self.load_model(path)
            return True
        return self.painting.files.open_path(path)

    def open_dialog(self) -> None:
        path = self.dialogs.open_file("Open", OPEN_FILTER)
        if path:
            self.open_path(path)

    # ------------------------------------------------------------------ window events
    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        plain = not (event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier))
        if self.current_workspace.name != "paint":  # the painting's class shortcuts belong to Paint
            super().keyPressEvent(event)
            return
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
        if not self.painting.files.confirm_discard():
            event.ignore()
            return
        self._save_settings()
        self.document.close()
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
        self.painting.restore_settings()

    def _save_settings(self) -> None:
        away = self._docks_away or []
        for dock in away:  # save the painting layout as the user left it, not as hidden for another tab
            dock.show()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        for dock in away:
            dock.hide()
        self.painting.save_settings()
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
