"""The latent explorer workspace: controls on the left, the picture in the middle, the pad and favourites on the right.

It fits from 760x560 up (what a 1024x700 window leaves it beside the Models
dock) with nothing cut off: the controls column scrolls vertically only and is
as wide as its widest row; the GIF export, a walk through the pad's anchors,
sits under the pad; the status line under the picture elides.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ganstudio.app.directions_viewmodel import DirectionsViewModel
from ganstudio.app.latent_viewmodel import LatentViewModel
from ganstudio.app.portrait_viewmodel import PortraitViewModel
from ganstudio.app.projection_viewmodel import ProjectionViewModel
from ganstudio.document.errors import DocumentError

from ..dialogs import EXPORT_FILTER, MODEL_FILTER
from ..icons import icon
from ..image_widgets import rgb_qimage
from .directions_panel import DirectionsPanel
from .elided_label import ElidedLabel
from .favourites_panel import FavouritesPanel
from .image_view import LatentImageView
from .latent_panel import LatentPanel
from .mixing_panel import MixingPanel
from .noise_panel import NoisePanel
from .projection_panel import ProjectionPanel
from .pad import InterpolationPad
from .portrait_panel import PortraitPanel

LATENT_FILTER = "Latents (*.npz);;All files (*)"
# why the W controls are greyed out for a DCGAN or ProGAN model (tooltip of each)
Z_ONLY_TIP = ("{what} needs StyleGAN2's mapping network (W space); this model ({family}) draws its pictures from z "
              "alone, so only seeds, the interpolation pad, favourites and GIFs apply")
GIF_FILTER = "GIF animation (*.gif)"


def _group(title: str, widget: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(4, 4, 4, 4)
    layout.addWidget(widget)
    return box


class ColumnScrollArea(QScrollArea):
    """Scrolls its column vertically only, and asks for the column's full minimum width so nothing is cut at the side."""

    def __init__(self, widget: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(widget)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        inner = self.widget().minimumSizeHint().width() if self.widget() is not None else 0
        return QSize(inner + self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth(), hint.height())

    def sizeHint(self) -> QSize:
        return QSize(self.minimumSizeHint().width(), super().sizeHint().height())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # the column's rows change with the model (toggles, noise sliders): tell the splitter the width it needs now
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()
        return super().eventFilter(watched, event)


class LatentWorkspace(QWidget):
    title = "Latent"

    def __init__(self, viewmodel: LatentViewModel, dialogs: Any, parent: QWidget | None = None) -> None:
        """`dialogs` answers open_file / save_file / error (see ganstudio.ui.dialogs.Dialogs)."""
        super().__init__(parent)
        self.vm = viewmodel
        self.dialogs = dialogs
        self.latent_panel = LatentPanel(viewmodel)
        self.noise_panel = NoisePanel(viewmodel)
        self.projection_panel = ProjectionPanel(ProjectionViewModel(viewmodel, self), dialogs)
        self.portrait_panel = PortraitPanel(PortraitViewModel(viewmodel, self), dialogs)
        self.mixing_panel = MixingPanel(viewmodel)
        self.directions_vm = DirectionsViewModel(viewmodel, self)
        self.directions_panel = DirectionsPanel(self.directions_vm, dialogs)
        self.view = LatentImageView()
        self.pad = InterpolationPad(viewmodel)
        self.favourites = FavouritesPanel(viewmodel)
        self.status = ElidedLabel("")

        controls = QWidget()
        column = QVBoxLayout(controls)
        column.setContentsMargins(0, 0, 2, 0)
        column.addWidget(_group("Latent", self.latent_panel))
        # the groups that need W: disabled (with a tooltip saying why) for a model whose latent is z alone
        self.w_only_groups = {
            "Style mixing": _group("Style mixing", self.mixing_panel),
            "Per-layer noise": _group("Noise", self.noise_panel),
            "Projection": _group("Photo \u2192 latent", self.projection_panel),
            "Portrait editing": _group("Portrait: edit a face in a photo", self.portrait_panel),
            "Directions": _group("Directions", self.directions_panel),
        }
        for box in self.w_only_groups.values():
            column.addWidget(box)
        column.addStretch(1)
        self.controls_scroll = ColumnScrollArea(controls)

        self.reset_pad_button = QPushButton("Corners from seed")
        self.reset_pad_button.setToolTip("Four corner anchors: the current seed and the next three")
        # the GIF walks through the pad's anchors, so its controls live under the pad
        self.gif_button = QPushButton(icon("fa5s.film"), "Export GIF...")
        self.gif_button.setToolTip("A GIF that walks through the pad's anchors in order and back to the first")
        self.gif_frames = QSpinBox()
        self.gif_frames.setRange(1, 240)
        self.gif_frames.setValue(12)
        self.gif_frames.setSuffix(" frames/anchor")
        self.gif_frames.setToolTip("Frames of the GIF from one anchor to the next")
        self.gif_progress = QProgressBar()
        self.gif_progress.setVisible(False)
        self.gif_cancel = QPushButton("Cancel")
        self.gif_cancel.setVisible(False)
        gif_row = QHBoxLayout()
        gif_row.setSpacing(4)
        gif_row.addWidget(self.gif_button)
        gif_row.addWidget(self.gif_frames, 1)
        progress_row = QHBoxLayout()
        progress_row.setSpacing(4)
        progress_row.addWidget(self.gif_progress, 1)
        progress_row.addWidget(self.gif_cancel)
        pad_box = QWidget()
        pad_column = QVBoxLayout(pad_box)
        pad_column.setContentsMargins(0, 0, 0, 0)
        pad_column.setSpacing(4)
        pad_column.addWidget(self.pad, 1)
        pad_column.addWidget(self.reset_pad_button)
        pad_column.addLayout(gif_row)
        pad_column.addLayout(progress_row)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(_group("Interpolation pad", pad_box))
        right.addWidget(_group("Favourites", self.favourites))
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)
        right.setChildrenCollapsible(False)

        self.open_button = QPushButton(icon("fa5s.cube"), "Open model...")
        self.export_button = QPushButton(icon("fa5s.file-export"), "Export image...")
        self.export_latent_button = QPushButton("Export latent...")
        self.import_latent_button = QPushButton("Import latent...")
        bar = QHBoxLayout()
        for widget in (self.open_button, self.export_button, self.export_latent_button, self.import_latent_button):
            bar.addWidget(widget)
        bar.addStretch(1)

        centre = QWidget()
        centre_column = QVBoxLayout(centre)
        centre_column.setContentsMargins(0, 0, 0, 0)
        centre_column.setSpacing(2)
        centre_column.addWidget(self.view, 1)
        # a ProGAN's picture at each growth stage (4x4, 8x8, ...: toRGB at each scale), hidden for other models
        self.stages_box = QWidget()
        self.stages_row = QHBoxLayout(self.stages_box)
        self.stages_row.setContentsMargins(0, 0, 0, 0)
        self.stages_row.setSpacing(4)
        self.stage_labels: list[QLabel] = []
        self.stages_box.setToolTip("The same z rendered at each growth stage: every scale's own toRGB output, 4x4 first")
        self.stages_box.setVisible(False)
        centre_column.addWidget(self.stages_box)
        centre_column.addWidget(self.status)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.controls_scroll)
        self.splitter.addWidget(centre)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        # an explicit minimum keeps this tab from widening the whole window (the painting tab shares it);
        # below its natural size (about 740x450) the panels are squeezed instead
        self.setMinimumSize(400, 300)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)

        self.open_button.clicked.connect(self.open_model_dialog)
        self.export_button.clicked.connect(self.export_image_dialog)
        self.export_latent_button.clicked.connect(self.export_latent_dialog)
        self.import_latent_button.clicked.connect(self.import_latent_dialog)
        self.gif_button.clicked.connect(self.export_gif_dialog)
        self.gif_cancel.clicked.connect(viewmodel.cancel_animation)
        self.reset_pad_button.clicked.connect(viewmodel.reset_anchors)
        viewmodel.outputChanged.connect(self._on_output)
        viewmodel.modelChanged.connect(self._on_model)
        viewmodel.modelRejected.connect(lambda path, why: self.dialogs.error("Cannot explore this model", f"{path}: {why}"))
        viewmodel.renderFailed.connect(self.status.setText)
        viewmodel.animationStarted.connect(self._on_animation_started)
        viewmodel.animationProgress.connect(lambda done, total: (self.gif_progress.setMaximum(total), self.gif_progress.setValue(done)))
        viewmodel.animationFinished.connect(lambda path: self._animation_ended(f"Saved {path}"))
        viewmodel.animationCancelled.connect(lambda: self._animation_ended("GIF export cancelled"))
        viewmodel.animationFailed.connect(lambda message: (self._animation_ended(message), self.dialogs.error("GIF export failed", message)))
        self._on_model(viewmodel.model_info)

    def sizeHint(self) -> QSize:
        # modest, like the painting tab's: the window's dock layout is sized from the tabs' hints
        return QSize(640, 480)

    # -- reactions -------------------------------------------------------------------
    def _on_model(self, _info: object) -> None:
        loaded = self.vm.layout is not None
        for button in (self.export_button, self.export_latent_button, self.import_latent_button, self.gif_button):
            button.setEnabled(loaded)
        self.pad.setEnabled(loaded)
        self.view.set_waiting(loaded)
        z_only = self.vm.z_only
        family = str((self.vm.model_info or {}).get("family", "")).upper() or "this model"
        for what, box in self.w_only_groups.items():
            box.setEnabled(not z_only)
            box.setToolTip(Z_ONLY_TIP.format(what=what, family=family) if z_only else "")
        for widget, what in ((self.latent_panel.psi_slider, "Truncation psi"), (self.latent_panel.cutoff_spin, "Truncation cutoff")):
            widget.setEnabled(not z_only)
            if z_only:
                widget.setProperty("w_tooltip", widget.property("w_tooltip") or widget.toolTip())
                widget.setToolTip(Z_ONLY_TIP.format(what=what, family=family))
            elif widget.property("w_tooltip"):
                widget.setToolTip(widget.property("w_tooltip"))
        if not z_only:
            self._show_stages(())

    def _on_output(self) -> None:
        output = self.vm.output
        self.view.set_pixels(None if output is None else output.image)
        if output is not None:
            side = output.image.shape[0]
            self.status.setText(f"{'preview ' if output.preview else ''}{side}x{side}, {output.elapsed_ms:.0f} ms")
            if not output.preview:
                self._show_stages(output.stages)

    def _show_stages(self, stages: tuple) -> None:  # type: ignore[type-arg]
        """One thumbnail per growth stage, labelled with its side; hidden when the model has none."""
        while len(self.stage_labels) < len(stages):
            label = QLabel()
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.stages_row.addWidget(label)
            self.stage_labels.append(label)
        sides = [4 * 2**index for index in range(len(stages))]
        for index, label in enumerate(self.stage_labels):
            if index < len(stages):
                label.setPixmap(QPixmap.fromImage(rgb_qimage(np.asarray(stages[index]))))
                label.setToolTip(f"growth stage {index}: {sides[index]}x{sides[index]}")
            label.setVisible(index < len(stages))
        self.stages_box.setVisible(bool(stages))

    def _on_animation_started(self, total: int) -> None:
        self.gif_progress.setRange(0, total)
        self.gif_progress.setValue(0)
        self.gif_progress.setVisible(True)
        self.gif_cancel.setVisible(True)
        self.gif_button.setEnabled(False)

    def _animation_ended(self, message: str) -> None:
        self.gif_progress.setVisible(False)
        self.gif_cancel.setVisible(False)
        self.gif_button.setEnabled(self.vm.layout is not None)
        self.status.setText(message)
        self.vm.notice.emit(message)

    # -- files -------------------------------------------------------------------------
    def open_model_dialog(self) -> None:
        path = self.dialogs.open_file("Open StyleGAN2 model", MODEL_FILTER)
        if path:
            self.vm.load_model(path)

    def _run(self, title: str, action, *args: Any) -> bool:  # type: ignore[no-untyped-def]
        """Do a file action; a problem becomes a message naming it, never a crash."""
        try:
            action(*args)
        except (ValueError, OSError, DocumentError) as exc:
            self.dialogs.error(title, str(exc))
            return False
        return True

    def export_image_dialog(self) -> None:
        path = self.dialogs.save_file("Export image", EXPORT_FILTER, "latent.png")
        if path and self._run("Cannot export the image", self.vm.export_image, path):
            self.vm.notice.emit(f"Exported {path}")

    def export_latent_dialog(self) -> None:
        path = self.dialogs.save_file("Export latent", LATENT_FILTER, "latent.npz")
        if path and self._run("Cannot export the latent", self.vm.export_latent, path):
            self.vm.notice.emit(f"Exported {path}")

    def import_latent_dialog(self) -> None:
        path = self.dialogs.open_file("Import latent", LATENT_FILTER)
        if path:
            self._run("Cannot import the latent", self.vm.import_latent, path)

    def export_gif_dialog(self) -> None:
        path = self.dialogs.save_file("Export GIF", GIF_FILTER, "walk.gif")
        if path:
            self._run("Cannot export the GIF", self.vm.export_gif, path, self.gif_frames.value())
