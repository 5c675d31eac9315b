"""Tool palette: the painting tools, brush size, eraser class, overlay opacity, reference photo, OASIS re-rolls."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QComboBox, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QPushButton, QSlider, QSpinBox, QToolButton, QVBoxLayout, QWidget

from ganstudio.app.painting_viewmodel import MAX_BRUSH, MIN_BRUSH, PaintingViewModel

from ..icons import icon

# tool id, label, icon, single-key shortcut
TOOL_SPECS = (
    ("brush", "Brush", "fa5s.paint-brush", "B"),
    ("eraser", "Eraser", "fa5s.eraser", "E"),
    ("fill", "Fill", "fa5s.fill-drip", "G"),
    ("eyedropper", "Eyedropper (or Alt+click)", "fa5s.eye-dropper", "I"),
    ("line", "Line", "fa5s.slash", "L"),
    ("rect", "Rectangle", "fa5.square", "R"),
    ("replace", "Replace class everywhere", "fa5s.exchange-alt", "X"),
)

# OASIS noise (enabled only while a model with re-rollable noise is loaded; kept out of `tool_actions`,
# which the workspace enables with the painting as a whole)
REROLL_TOOL_TIP = (
    "Re-roll tool (Shift+N): click a region to draw new noise for its class (OASIS); Shift+click: only that connected area"
)
REROLL_REGION_KEY = "Ctrl+Shift+R"
REROLL_ALL_KEY = "Ctrl+Alt+R"
NO_NOISE_TIP = "Needs an OASIS model: its picture comes from noise that can be drawn again"


class ToolsPanel(QWidget):
    referenceRequested = Signal()
    referenceCleared = Signal()
    opacityChanged = Signal(float)

    def __init__(self, viewmodel: PaintingViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = viewmodel
        self.tool_actions: dict[str, QAction] = {}
        group = QActionGroup(self)
        group.setExclusive(True)
        grid = QGridLayout()
        for index, (tool, label, icon_name, key) in enumerate(TOOL_SPECS):
            action = QAction(icon(icon_name), label, self)
            action.setCheckable(True)
            action.setShortcut(QKeySequence(f"Shift+{key}"))  # plain letters type-to-search a class
            action.setToolTip(f"{label} (Shift+{key})")
            action.setData(tool)
            action.setChecked(tool == viewmodel.tool)
            action.triggered.connect(lambda _checked=False, t=tool: viewmodel.set_tool(t))
            group.addAction(action)
            self.tool_actions[tool] = action
            button = QToolButton()
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
            button.setAutoRaise(True)
            button.setObjectName(f"tool_{tool}")
            grid.addWidget(button, index // 4, index % 4)
        viewmodel.toolChanged.connect(self._show_tool)

        # OASIS noise: the re-roll tool joins the exclusive tool group; the two commands act at once
        self.reroll_tool_action = QAction(icon("fa5s.magic"), "Re-roll tool", self)
        self.reroll_tool_action.setCheckable(True)
        self.reroll_tool_action.setShortcut(QKeySequence("Shift+N"))
        self.reroll_tool_action.setData("reroll")
        self.reroll_tool_action.triggered.connect(lambda _checked=False: viewmodel.set_tool("reroll"))
        group.addAction(self.reroll_tool_action)
        self.reroll_region_action = QAction(icon("fa5s.dice-d6"), "Re-roll region", self)
        self.reroll_region_action.setShortcut(QKeySequence(REROLL_REGION_KEY))
        self.reroll_region_action.triggered.connect(lambda _checked=False: viewmodel.reroll_current_class())
        self.reroll_all_action = QAction(icon("fa5s.dice"), "Re-roll all", self)
        self.reroll_all_action.setShortcut(QKeySequence(REROLL_ALL_KEY))
        self.reroll_all_action.triggered.connect(lambda _checked=False: viewmodel.reroll_all())
        self.noise_actions = (self.reroll_tool_action, self.reroll_region_action, self.reroll_all_action)
        for action in self.noise_actions:
            self.addAction(action)  # the shortcuts work wherever the focus is in the window while the panel shows
        noise_row = QHBoxLayout()
        noise_row.setContentsMargins(4, 4, 4, 4)
        for action, name, style in (
            (self.reroll_tool_action, "reroll_tool", Qt.ToolButtonStyle.ToolButtonIconOnly),
            # icon-only like the tools above, so the dock keeps its width (the Region styles dock has the labelled buttons)
            (self.reroll_region_action, "reroll_region", Qt.ToolButtonStyle.ToolButtonIconOnly),
            (self.reroll_all_action, "reroll_all", Qt.ToolButtonStyle.ToolButtonIconOnly),
        ):
            button = QToolButton()
            button.setDefaultAction(action)
            button.setToolButtonStyle(style)
            button.setAutoRaise(True)
            button.setObjectName(f"tool_{name}")
            noise_row.addWidget(button)
        noise_row.addStretch(1)
        self.noise_box = QGroupBox("Noise (OASIS)")
        self.noise_box.setLayout(noise_row)
        viewmodel.noiseAvailableChanged.connect(self.show_noise_available)
        viewmodel.currentClassChanged.connect(lambda _cid: self.show_noise_available(viewmodel.noise_available))
        viewmodel.documentReset.connect(lambda: self.show_noise_available(viewmodel.noise_available))
        self.show_noise_available(viewmodel.noise_available)

        self.size_slider = QSlider(Qt.Orientation.Horizontal)
        self.size_slider.setRange(MIN_BRUSH, MAX_BRUSH)
        self.size_spin = QSpinBox()
        self.size_spin.setRange(MIN_BRUSH, MAX_BRUSH)
        self.size_spin.setSuffix(" px")
        for widget in (self.size_slider, self.size_spin):
            widget.setValue(viewmodel.brush_size)
            widget.valueChanged.connect(viewmodel.set_brush_size)
        viewmodel.brushSizeChanged.connect(self._show_size)

        self.background_combo = QComboBox()
        self.background_combo.setToolTip("The class the eraser paints")
        self.background_combo.currentIndexChanged.connect(lambda i: viewmodel.set_background_class(i) if i >= 0 else None)
        viewmodel.documentReset.connect(self._fill_background_classes)
        self._fill_background_classes()

        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setValue(100)
        self.opacity_slider.setToolTip("Label overlay opacity (the reference photo shows through)")
        self.opacity_slider.valueChanged.connect(lambda v: self.opacityChanged.emit(v / 100.0))

        reference = QPushButton(icon("fa5s.image"), "Open...")
        reference.setToolTip("A photo shown under the labels to trace over (lower the label opacity to see it)")
        reference.clicked.connect(self.referenceRequested)
        self.remove_reference_button = QPushButton(icon("fa5s.times"), "Remove")
        self.remove_reference_button.setToolTip("Take the reference photo away from under the labels (the painting stays)")
        self.remove_reference_button.clicked.connect(self.referenceCleared)
        self.remove_reference_button.setEnabled(viewmodel.reference is not None)
        viewmodel.referenceChanged.connect(lambda: self.remove_reference_button.setEnabled(viewmodel.reference is not None))

        form = QFormLayout()
        form.addRow("Size", self.size_slider)
        form.addRow("", self.size_spin)
        form.addRow("Eraser paints", self.background_combo)
        form.addRow("Label opacity", self.opacity_slider)
        reference_box = QGroupBox("Reference photo")
        reference_row = QHBoxLayout(reference_box)
        reference_row.setContentsMargins(4, 4, 4, 4)
        reference_row.addWidget(reference)
        reference_row.addWidget(self.remove_reference_button)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.noise_box)
        layout.addLayout(form)
        layout.addWidget(reference_box)
        layout.addStretch(1)

    def _show_tool(self, tool: str) -> None:
        (self.reroll_tool_action if tool == "reroll" else self.tool_actions[tool]).setChecked(True)

    def show_noise_available(self, available: bool) -> None:
        """Re-rolls only where the model draws noise; the tooltips say what each one does now, or why it is off."""
        for action in self.noise_actions:
            action.setEnabled(available)
        if not available:
            for action in self.noise_actions:
                action.setToolTip(f"{action.text()}: {NO_NOISE_TIP}")
            return
        name = self.vm.palette[self.vm.current_class].name if self.vm.current_class < len(self.vm.palette) else "the current class"
        self.reroll_tool_action.setToolTip(REROLL_TOOL_TIP)
        self.reroll_region_action.setToolTip(f"Re-roll region ({REROLL_REGION_KEY}): new noise for every {name} pixel; the rest keeps its look")
        self.reroll_all_action.setToolTip(f"Re-roll all ({REROLL_ALL_KEY}): new noise everywhere (a new base seed)")

    def _show_size(self, size: int) -> None:
        for widget in (self.size_slider, self.size_spin):
            widget.blockSignals(True)
            widget.setValue(size)
            widget.blockSignals(False)

    def _fill_background_classes(self) -> None:
        self.background_combo.blockSignals(True)
        self.background_combo.clear()
        self.background_combo.addItems(self.vm.palette.names)
        self.background_combo.setCurrentIndex(self.vm.background_class)
        self.background_combo.blockSignals(False)
