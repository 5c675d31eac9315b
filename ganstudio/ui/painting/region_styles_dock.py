"""SEAN region styles: each class present, the source its style comes from (with a thumbnail), and a blend.

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

from ganstudio.app.painting_viewmodel import PaintingViewModel

from ..icons import icon
from .classes_dock import swatch
from .label_image import rgb_image

RANDOM = "Random (seed)"
THUMB = 40


def thumbnail(image: np.ndarray, size: int = THUMB) -> QIcon:
    pixmap = QPixmap.fromImage(rgb_image(image)).scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
    return QIcon(pixmap)


class RegionStylesPanel(QWidget):
    addSourceRequested = Signal()

    def __init__(self, viewmodel: PaintingViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = viewmodel
        self._shown_classes: list[int] | None = None  # the classes the list shows
        self._thumbnails: dict[str, tuple[np.ndarray, QIcon]] = {}  # source name -> (its image, icon)
        self.note = QLabel("Region styles need a SEAN model. With SPADE, use Model > Style from image / Random style.")
        self.note.setWordWrap(True)
        add = QPushButton(icon("fa5s.plus"), "Add style source...")
        add.setToolTip("A reference photo and its label map")
        add.clicked.connect(self.addSourceRequested)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setPrefix("seed ")
        self.seed.valueChanged.connect(viewmodel.random_style)

        self.regions = QTreeWidget()
        self.regions.setHeaderLabels(["Region", "Style from"])
        self.regions.setRootIsDecorated(False)
        self.regions.setIconSize(self.regions.iconSize().expandedTo(self.regions.iconSize()))

        self.all_combo = QComboBox()
        apply_all = QPushButton("All regions")
        apply_all.clicked.connect(lambda: viewmodel.set_all_regions(self._source_of(self.all_combo)))

        self.blend_combo = QComboBox()
        self.blend_slider = QSlider(Qt.Orientation.Horizontal)
        self.blend_slider.setRange(0, 100)
        self.blend_slider.setToolTip("Mix every region's style with this source")
        self.blend_slider.valueChanged.connect(self._blend_changed)
        self.blend_combo.currentIndexChanged.connect(lambda _i: self._blend_changed(self.blend_slider.value()))

        top = QHBoxLayout()
        top.addWidget(add)
        top.addWidget(self.seed)
        all_row = QHBoxLayout()
        all_row.addWidget(self.all_combo, 1)
        all_row.addWidget(apply_all)
        blend_row = QHBoxLayout()
        blend_row.addWidget(QLabel("Blend"))
        blend_row.addWidget(self.blend_combo, 1)
        blend_row.addWidget(self.blend_slider, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.note)
        layout.addLayout(top)
        layout.addWidget(self.regions, 1)
        layout.addLayout(all_row)
        layout.addLayout(blend_row)

        viewmodel.stylesChanged.connect(self.rebuild)
        viewmodel.documentReset.connect(self.rebuild)
        viewmodel.undo_stack.indexChanged.connect(self._on_history_moved)
        self.rebuild()

    def _on_history_moved(self, _index: int) -> None:
        # the classes present may have changed; the undo stack also emits while the window is torn down
        if not shiboken6.isValid(self.all_combo):
            return
        if not self.isVisible():
            self._shown_classes = None  # rebuilt when shown
        elif self.vm.classes_present() != self._shown_classes:
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
        self.note.setVisible(not sean)

    def _source_of(self, combo: QComboBox) -> str | None:
        data = combo.currentData()
        return data if data else None

    def _fill_combo(self, combo: QComboBox, current: str | None) -> None:
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(RANDOM, "")
        for name, source in self.vm.style_sources.items():
            combo.addItem(self._thumbnail(name, source["image"]), name, name)
        index = combo.findData(current or "")
        combo.setCurrentIndex(max(0, index))
        combo.blockSignals(False)

    def rebuild(self) -> None:
        self.seed.blockSignals(True)
        self.seed.setValue(self.vm.style_seed)
        self.seed.blockSignals(False)
        self.regions.clear()
        self._thumbnails = {name: icon for name, icon in self._thumbnails.items() if name in self.vm.style_sources}
        self._shown_classes = self.vm.classes_present()
        for class_id in self._shown_classes:
            entry = self.vm.palette[class_id]
            item = QTreeWidgetItem([entry.name, ""])
            item.setIcon(0, swatch(entry.color))
            item.setData(0, Qt.ItemDataRole.UserRole, class_id)
            self.regions.addTopLevelItem(item)
            combo = QComboBox()
            self._fill_combo(combo, self.vm.region_sources.get(class_id, self.vm.default_source))
            combo.currentIndexChanged.connect(lambda _i, c=combo, cid=class_id: self.vm.set_region_source(cid, self._source_of(c)))
            self.regions.setItemWidget(item, 1, combo)
        self._fill_combo(self.all_combo, self.vm.default_source)
        self._fill_combo(self.blend_combo, self.vm.blend_source)
        self.blend_slider.blockSignals(True)
        self.blend_slider.setValue(round(self.vm.blend_amount * 100))
        self.blend_slider.blockSignals(False)

    def _blend_changed(self, value: int) -> None:
        self.vm.set_blend(self._source_of(self.blend_combo), value / 100.0)
