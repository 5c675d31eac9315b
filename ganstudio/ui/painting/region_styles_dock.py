"""SEAN region styles: each class present, the source its style comes from (with a thumbnail), and a blend.

With an OASIS model the panel says that style sources and encoders do not
apply (OASIS draws each region's look from noise) and shows the noise instead:
its base seed, which regions were re-rolled, and the re-roll commands.

The list follows the classes present in the map. After an edit it is rebuilt
only when that set changed (an O(map) count, then nothing), and not at all
while the panel is hidden; source thumbnails are scaled once per source.
"""
from __future__ import annotations

import numpy as np
import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ganstudio import families
from ganstudio.app.painting_viewmodel import PaintingViewModel
from ganstudio.document.oasis_noise import MAX_SEED

from ..icons import icon
from ..image_widgets import rgb_qimage
from .classes_dock import swatch

RANDOM = "Random (seed)"
THUMB = 40
SEAN_NOTE = "Region styles need a SEAN model. With SPADE, use Model > Style from image / Random style."
OASIS_NOTE = (
    "OASIS draws each region's look from noise, not from a style: style photos, sources and encoders do not apply. "
    "Re-roll a region for a new look there (the rest keeps its look), or re-roll everything."
)


def thumbnail(image: np.ndarray, size: int = THUMB) -> QIcon:
    pixmap = QPixmap.fromImage(rgb_qimage(image)).scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
    return QIcon(pixmap)


class RegionStylesPanel(QWidget):
    addSourceRequested = Signal()

    def __init__(self, viewmodel: PaintingViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = viewmodel
        self._shown_classes: list[int] | None = None  # the classes the list shows
        self._source_names: list[str] = []  # the sources the choosers offer
        self._thumbnails: dict[str, tuple[np.ndarray, QIcon]] = {}  # source name -> (its image, icon)
        self._sean = False
        self.note = QLabel(SEAN_NOTE)
        self.note.setWordWrap(True)
        self.add_button = QPushButton(icon("fa5s.plus"), "Add style source...")
        self.add_button.setToolTip("A reference photo and its label map")
        self.add_button.clicked.connect(self.addSourceRequested)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setPrefix("seed ")
        self.seed.valueChanged.connect(viewmodel.random_style)

        self.regions = QTreeWidget()
        self.regions.setHeaderLabels(["Region", "Style from"])
        self.regions.setRootIsDecorated(False)
        self.regions.setIconSize(self.regions.iconSize().expandedTo(self.regions.iconSize()))

        self.all_combo = QComboBox()
        self.all_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.all_combo.setMinimumContentsLength(6)
        self.apply_all_button = QPushButton("All regions")
        self.apply_all_button.clicked.connect(lambda: viewmodel.set_all_regions(self._source_of(self.all_combo)))

        self.blend_combo = QComboBox()
        self.blend_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.blend_combo.setMinimumContentsLength(6)
        self.blend_slider = QSlider(Qt.Orientation.Horizontal)
        self.blend_slider.setRange(0, 100)
        self.blend_slider.setToolTip("Mix every region's style with this source")
        self.blend_slider.valueChanged.connect(self._blend_changed)
        self.blend_combo.currentIndexChanged.connect(lambda _i: self._blend_changed(self.blend_slider.value()))

        self.seed.setToolTip("The seed of the random style that regions without a source take")
        top = QHBoxLayout()  # two short rows rather than one wide one: the dock must fit a 1024 px window
        top.addWidget(QLabel("Random style"))
        top.addWidget(self.seed, 1)
        all_row = QHBoxLayout()
        all_row.addWidget(self.all_combo, 1)
        all_row.addWidget(self.apply_all_button)
        blend_row = QHBoxLayout()
        blend_row.addWidget(QLabel("Blend"))
        blend_row.addWidget(self.blend_combo, 1)
        blend_row.addWidget(self.blend_slider, 1)
        # the SEAN controls in one widget, so that OASIS can put its noise controls in their place
        self.sean_controls = QWidget()
        sean_layout = QVBoxLayout(self.sean_controls)
        sean_layout.setContentsMargins(0, 0, 0, 0)
        sean_layout.addWidget(self.add_button)
        sean_layout.addLayout(top)
        sean_layout.addWidget(self.regions, 1)
        sean_layout.addLayout(all_row)
        sean_layout.addLayout(blend_row)
        self.noise_controls = self._build_noise_controls()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.note)
        layout.addWidget(self.sean_controls, 1)
        layout.addWidget(self.noise_controls)
        layout.addStretch(0)

        viewmodel.stylesChanged.connect(self._on_styles_changed)
        viewmodel.documentReset.connect(self.rebuild)
        viewmodel.undo_stack.indexChanged.connect(self._on_history_moved)
        viewmodel.noiseChanged.connect(self._show_noise)
        viewmodel.noiseAvailableChanged.connect(lambda _available: self._show_mode())
        viewmodel.currentClassChanged.connect(lambda _cid: self._show_noise())
        self.rebuild()
        self._show_mode()

    # ---- OASIS noise ------------------------------------------------------------
    def _build_noise_controls(self) -> QWidget:
        box = QWidget()
        self.noise_seed = QSpinBox()
        self.noise_seed.setRange(0, min(MAX_SEED, 2**31 - 1))  # QSpinBox is 32-bit; re-rolls draw seeds in this range
        self.noise_seed.setPrefix("seed ")
        self.noise_seed.setKeyboardTracking(False)  # one undo step per typed seed, not one per digit
        self.noise_seed.setToolTip("The base noise of the whole picture; the same seed gives the same picture")
        self.noise_seed.valueChanged.connect(self.vm.set_noise_seed)
        self.reroll_region_button = QPushButton(icon("fa5s.dice-d6"), "Re-roll region")
        self.reroll_region_button.clicked.connect(lambda: self.vm.reroll_current_class())
        self.reroll_all_button = QPushButton(icon("fa5s.dice"), "Re-roll all")
        self.reroll_all_button.setToolTip("New noise everywhere: a new base seed, and no region keeps an earlier re-roll")
        self.reroll_all_button.clicked.connect(lambda: self.vm.reroll_all())
        self.rerolled = QLabel()
        self.rerolled.setWordWrap(True)
        seed_row = QHBoxLayout()
        seed_row.addWidget(QLabel("Noise"))
        seed_row.addWidget(self.noise_seed, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.reroll_region_button)
        buttons.addWidget(self.reroll_all_button)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(seed_row)
        layout.addLayout(buttons)
        layout.addWidget(self.rerolled)
        return box

    def _show_mode(self) -> None:
        """SEAN: its controls; OASIS: the noise instead of styles; SPADE: the SEAN note over the (unused) controls, as before."""
        oasis = "noise_reroll" in families.capabilities(self.vm.model_arch)
        if oasis:
            self.note.setText(OASIS_NOTE if self.vm.noise_available else
                              "This OASIS model was trained without noise: each label map has one picture, and there is nothing to re-roll.")
        else:
            self.note.setText(SEAN_NOTE)
        self.note.setVisible(oasis or not self._sean)
        self.sean_controls.setVisible(not oasis)
        self.noise_controls.setVisible(oasis)
        self.noise_controls.setEnabled(self.vm.noise_available)
        self._show_noise()

    def _show_noise(self) -> None:
        """The base seed (without emitting a change), what the region button re-rolls, and which regions were re-rolled."""
        if not shiboken6.isValid(self.noise_seed):
            return
        noise = self.vm.noise
        self.noise_seed.blockSignals(True)
        self.noise_seed.setValue(min(int(noise.seed), self.noise_seed.maximum()))
        self.noise_seed.blockSignals(False)
        palette = self.vm.palette
        current = palette[self.vm.current_class].name if self.vm.current_class < len(palette) else "the current class"
        self.reroll_region_button.setToolTip(f"New noise for every {current} pixel (the current class); the rest keeps its look. "
                                             "Or pick the Re-roll tool and click a region on the canvas.")
        names = []
        for reroll in noise.rerolls:
            if reroll.class_id is not None:
                names.append(palette[reroll.class_id].name if reroll.class_id < len(palette) else f"class {reroll.class_id}")
            else:
                names.append("an area")
        self.rerolled.setText(("Re-rolled: " + ", ".join(names)) if names else "No region re-rolled")

    def _on_history_moved(self, _index: int) -> None:
        # the classes present may have changed; the undo stack also emits while the window is torn down
        if not shiboken6.isValid(self.all_combo):
            return
        if not self.isVisible():
            self._shown_classes = None  # rebuilt when shown
        elif self._shown_classes is None:
            self.rebuild()
        else:
            self._sync_rows(self.vm.classes_present())

    def _on_styles_changed(self) -> None:
        # a chooser's own change lands here too: update the choosers in place rather
        # than deleting the one whose signal is being delivered
        if self._shown_classes is not None and list(self.vm.style_sources) == self._source_names:
            self._show_choices()
        else:
            self.rebuild()

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        if self._shown_classes is None:
            self.rebuild()

    def _thumbnail(self, name: str, image: np.ndarray) -> QIcon:
        cached = self._thumbnails.get(name)
        if cached is None or cached[0] is not image:
            cached = self._thumbnails[name] = (image, thumbnail(image, 20))
        return cached[1]

    def set_sean(self, sean: bool) -> None:
        self._sean = bool(sean)
        self._show_mode()

    def _source_of(self, combo: QComboBox) -> str | None:
        data = combo.currentData()
        return data if data else None

    def _fill_combo(self, combo: QComboBox, current: str | None) -> None:
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(RANDOM, "")
        for name, source in self.vm.style_sources.items():
            combo.addItem(self._thumbnail(name, source["image"]), name, name)
        _select(combo, current)
        combo.blockSignals(False)

    def rebuild(self) -> None:
        self.regions.clear()
        self._source_names = list(self.vm.style_sources)
        self._thumbnails = {name: icon for name, icon in self._thumbnails.items() if name in self.vm.style_sources}
        self._shown_classes = []
        self._sync_rows(self.vm.classes_present())
        self._fill_combo(self.all_combo, self.vm.default_source)
        self._fill_combo(self.blend_combo, self.vm.blend_source)
        self._show_choices()

    def _show_choices(self) -> None:
        """Show the view-model's seed, per-region sources and blend without emitting changes."""
        for widget, update in (
            (self.seed, lambda: self.seed.setValue(self.vm.style_seed)),
            (self.all_combo, lambda: _select(self.all_combo, self.vm.default_source)),
            (self.blend_combo, lambda: _select(self.blend_combo, self.vm.blend_source)),
            (self.blend_slider, lambda: self.blend_slider.setValue(round(self.vm.blend_amount * 100))),
        ):
            widget.blockSignals(True)
            update()
            widget.blockSignals(False)
        for class_id in self._shown_classes or []:
            combo = self.region_combo(class_id)
            if combo is not None:
                combo.blockSignals(True)
                _select(combo, self.vm.region_sources.get(class_id, self.vm.default_source))
                combo.blockSignals(False)

    def _sync_rows(self, present: list[int]) -> None:
        """Add rows for classes that appeared, drop rows of classes that are gone (both lists sorted)."""
        shown = self._shown_classes if self._shown_classes is not None else []
        if present == shown:
            return
        keep = set(present)
        for row in reversed(range(len(shown))):
            if shown[row] not in keep:
                self.regions.takeTopLevelItem(row)
        rows = [cid for cid in shown if cid in keep]
        for class_id in present:
            if class_id not in rows:
                row = sum(1 for cid in rows if cid < class_id)
                rows.insert(row, class_id)
                self._insert_row(row, class_id)
        self._shown_classes = list(present)

    def _insert_row(self, row: int, class_id: int) -> None:
        entry = self.vm.palette[class_id]
        item = QTreeWidgetItem([entry.name, ""])
        item.setIcon(0, swatch(entry.color))
        item.setData(0, Qt.ItemDataRole.UserRole, class_id)
        self.regions.insertTopLevelItem(row, item)
        combo = QComboBox()
        # long source names elide instead of widening the column past a narrow dock
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(6)
        self._fill_combo(combo, self.vm.region_sources.get(class_id, self.vm.default_source))
        combo.currentIndexChanged.connect(lambda _i, c=combo, cid=class_id: self.vm.set_region_source(cid, self._source_of(c)))
        self.regions.setItemWidget(item, 1, combo)

    def region_combo(self, class_id: int) -> QComboBox | None:
        """The source chooser of a region's row (None if the class is not in the map)."""
        for row in range(self.regions.topLevelItemCount()):
            item = self.regions.topLevelItem(row)
            if item.data(0, Qt.ItemDataRole.UserRole) == class_id:
                widget = self.regions.itemWidget(item, 1)
                return widget if isinstance(widget, QComboBox) else None
        return None

    def _blend_changed(self, value: int) -> None:
        self.vm.set_blend(self._source_of(self.blend_combo), value / 100.0)


def _select(combo: QComboBox, source: str | None) -> None:
    """Show `source` in a chooser (the random style when None or unknown)."""
    combo.setCurrentIndex(max(0, combo.findData(source or "")))
