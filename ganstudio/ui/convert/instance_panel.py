"""The Instances column of the Convert workspace, for models that translate object instances (InstaGAN).

From the top: the layers ("Instance 1", "Instance 2", ... each with its colour;
the selected one takes the strokes), Add / Remove / Undo (the last stroke),
"Import masks..." (PNGs, one layer each), the brush size, a hint line (what to
do next, or how the last conversion went), and the translated masks the model
gave back, as thumbnails in their layers' colours, with a switch that lays them
over the output. Hidden for other models; it sits in a scroll area, so it never
makes the window taller.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ganstudio.app.converter_viewmodel import (
    INSTANCE_HINT,
    PER_PASS,
    ConverterViewModel,
)
from ganstudio.app.instance_masks import BRUSH_RANGE, MAX_INSTANCES

from ..image_widgets import to_qimage

THUMB = 44  # px, a translated mask's thumbnail
WIDTH = 196  # px, the column's width
PAINT_HELP = "Left button paints the selected instance on the input side; right button (or Shift) erases"


class CompactList(QListWidget):
    """A list that asks for little height (a QListWidget asks for 192 px), so the column fits low windows."""

    def __init__(self, height: int) -> None:
        super().__init__()
        self._height = height

    def sizeHint(self) -> QSize:
        return QSize(WIDTH, self._height)


def swatch(colour: tuple[int, int, int], size: int = 12) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(*colour))
    return QIcon(pixmap)


def mask_thumbnail(mask: np.ndarray, colour: tuple[int, int, int]) -> QPixmap:
    """A mask in its layer's colour on dark grey, scaled to fit THUMB (aspect kept), framed in that colour
    so that an empty one (the model lost the instance) still says whose it is."""
    rgb = np.empty((*mask.shape, 3), np.uint8)
    rgb[:] = (40, 40, 44)
    rgb[np.asarray(mask) > 0] = colour
    image: QImage = to_qimage(rgb)
    pixmap = QPixmap.fromImage(image).scaled(THUMB - 4, THUMB - 4, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
    framed = QPixmap(pixmap.width() + 4, pixmap.height() + 4)
    framed.fill(QColor(*colour))
    painter = QPainter(framed)
    painter.drawPixmap(2, 2, pixmap)
    painter.end()
    return framed


class InstancePanel(QWidget):
    def __init__(self, viewmodel: ConverterViewModel, ask_mask_files: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = viewmodel
        self.masks = viewmodel.instances
        title = QLabel("<b>Instances</b>")
        title.setToolTip(f"One mask per object to translate (at most {MAX_INSTANCES}). {PAINT_HELP}.")
        self.layer_list = CompactList(84)
        self.layer_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.layer_list.setToolTip(PAINT_HELP)
        self.layer_list.setMinimumHeight(48)
        self.add_button = QToolButton()
        self.add_button.setText("Add")
        self.add_button.setToolTip("A new, empty instance mask to paint")
        self.remove_button = QToolButton()
        self.remove_button.setText("Remove")
        self.remove_button.setToolTip("Remove the selected instance and its mask")
        self.undo_button = QToolButton()
        self.undo_button.setText("Undo")
        self.undo_button.setToolTip("Take back the last stroke")
        self.import_button = QPushButton("Import masks...")
        self.import_button.setToolTip("PNG files of the picture's size, one instance each: non-zero pixels are inside")
        self.brush_spin = QSpinBox()
        self.brush_spin.setRange(*BRUSH_RANGE)
        self.brush_spin.setPrefix("brush ")
        self.brush_spin.setSuffix(" px")
        self.brush_spin.setValue(self.masks.brush)
        self.brush_spin.setToolTip("The brush's diameter in picture pixels")
        self.hint = QLabel("")
        self.hint.setWordWrap(True)
        self.hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.masks_title = QLabel("Translated masks")
        self.mask_strip = CompactList(THUMB + 24)  # one row of thumbnails, scrolled sideways past four
        self.mask_strip.setViewMode(QListView.ViewMode.IconMode)
        self.mask_strip.setFlow(QListView.Flow.LeftToRight)
        self.mask_strip.setWrapping(False)
        self.mask_strip.setMovement(QListView.Movement.Static)
        self.mask_strip.setIconSize(QSize(THUMB, THUMB))
        self.mask_strip.setSpacing(1)
        self.mask_strip.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.mask_strip.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.mask_strip.setFixedHeight(THUMB + 24)
        self.mask_strip.setToolTip("The masks the model gave back: where each instance is in the output")
        self.overlay_check = QCheckBox("Show on output")
        self.overlay_check.setToolTip("Lay the translated masks over the output side of the view")

        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.setSpacing(2)
        for button in (self.add_button, self.remove_button, self.undo_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(4)
        layout.addWidget(title)
        layout.addWidget(self.layer_list, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.import_button)
        layout.addWidget(self.brush_spin)
        layout.addWidget(self.hint)
        layout.addWidget(self.masks_title)
        layout.addWidget(self.mask_strip)
        layout.addWidget(self.overlay_check)
        self.setFixedWidth(WIDTH)

        self.add_button.clicked.connect(self.masks.add_layer)
        self.remove_button.clicked.connect(lambda: self.masks.remove_layer())
        self.undo_button.clicked.connect(self.masks.undo)
        self.import_button.clicked.connect(ask_mask_files)
        self.brush_spin.valueChanged.connect(self.masks.set_brush)
        self.layer_list.currentRowChanged.connect(self._on_row)
        self.masks.layersChanged.connect(self._show_layers)
        self.masks.edited.connect(self._sync)
        viewmodel.outputChanged.connect(self._show_masks)
        viewmodel.inputChanged.connect(self._sync)
        viewmodel.conversionProgress.connect(self._on_progress)
        viewmodel.conversionFailed.connect(lambda message: self.hint.setText(f"Failed: {message}"))
        self._show_layers()
        self._show_masks()

    def _on_row(self, row: int) -> None:
        if row != self.masks.selected:
            self.masks.select(row)

    def _show_layers(self) -> None:
        self.layer_list.blockSignals(True)
        self.layer_list.clear()
        for layer in self.masks.layers:
            item = QListWidgetItem(swatch(layer.colour), layer.name)
            self.layer_list.addItem(item)
        self.layer_list.setCurrentRow(self.masks.selected)
        self.layer_list.blockSignals(False)
        self._sync()

    def _show_masks(self) -> None:
        self.mask_strip.clear()
        for number, mask in self.vm.output_masks:
            layer = self.masks.layer(number)
            colour = layer.colour if layer is not None else (200, 200, 200)
            item = QListWidgetItem(QIcon(mask_thumbnail(mask, colour)), "")
            share = float(np.count_nonzero(mask)) / max(1, mask.size)
            item.setToolTip(f"Instance {number}, translated: {share:.0%} of the picture" if share else
                            f"Instance {number}, translated: empty (the model gave back no mask for it)")
            self.mask_strip.addItem(item)
        self._sync()

    def _on_progress(self, done: int, total: int) -> None:
        if total > 0 and self.vm.pending_job is not None:
            self.hint.setText(f"Translating: pass {min(done + 1, total)} of {total} ({PER_PASS} masks a pass, largest first)")

    def _sync(self) -> None:
        has_picture = self.masks.size is not None
        self.add_button.setEnabled(has_picture)
        self.import_button.setEnabled(has_picture)
        self.remove_button.setEnabled(self.masks.selected >= 0)
        self.undo_button.setEnabled(self.masks.can_undo)
        self.masks_title.setText(f"Translated masks ({len(self.vm.output_masks)})" if self.vm.output_masks else "Translated masks")
        if not has_picture:
            self.hint.setText("Open an image, then paint or import one mask per object.")
        elif self.vm.needs_masks:
            self.hint.setText(f"To translate, {INSTANCE_HINT}. {PAINT_HELP}.")
        elif self.vm.output is not None and self.vm.output_masks:
            passes = self.vm.output_info.get("passes")
            self.hint.setText(f"{len(self.vm.output_masks)} instance(s) translated in {passes} pass(es), largest first.")
        elif self.vm.pending_job is None:
            self.hint.setText("")

