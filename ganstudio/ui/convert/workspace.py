"""The converter workspace: a translation model, one image in a compare view, or a folder.

Layout, from the top: the model row (model, direction, mode, seed), the view
row, the style row (only for models with styles: variants, style from an image,
mixing two styles; see style_panel), the compare view taking the rest (with the Instances column at its
right for instance models: InstaGAN, see instance_panel), and the compact
folder panel always visible below it (no splitter to discover): from about
760x560 up, which is what the workspace gets in a 1024x700 window, nothing is
clipped. Folder runs are off for instance models (each picture needs its own
masks); the start button's tooltip says so.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ganstudio import families
from ganstudio.app.converter_viewmodel import (
    FOLDER_STYLE_MODES,
    INSTANCE_HINT,
    MODES,
    NO_INSTANCE_FOLDERS,
    ConverterViewModel,
)
from ganstudio.app.instance_masks import colour_masks
from ganstudio.app.samples import CONVERT_KINDS
from ganstudio.document.batch_names import DEFAULT_TEMPLATE

from ..file_prompts import (
    EXPORT_FILTER,
    IMAGE_FILTER,
    STATE_DICT_MODEL_FILTER,
    FileDialogs,
    ask_open,
    ask_save,
    name_after,
)
from ..samples_menu import samples_button
from .folder_panel import FolderRunPanel, scrollable, shrinkable
from .instance_panel import WIDTH as INSTANCE_PANEL_WIDTH
from .instance_panel import InstancePanel
from .instance_view import InstanceCompareView
from .style_panel import StylePanel

NO_MODEL = f"No model: open {families.describe_archs(families.archs_for_workspace('convert'))}"
SPLIT_STEPS = 1000
MASK_FILTER = "Masks (*.png);;Images (*.png *.jpg *.jpeg *.bmp *.webp *.tif *.tiff);;All files (*)"
FOLDER_TIP = "Convert every image of the input folder with the model"
DIRECTION_CHARS = (10, 22)  # the direction menu is as wide as its longest name within these bounds (characters)


class ConverterWorkspace(QWidget):
    title = "Convert"
    notice = Signal(str)

    def __init__(self, viewmodel: ConverterViewModel, dialogs: FileDialogs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = viewmodel
        self.dialogs = dialogs
        self.model_label = shrinkable(QLabel(NO_MODEL))
        self.open_model_button = QPushButton("Open model...")
        self.direction_combo = QComboBox()
        self.direction_combo.addItem("A → B", "AtoB")
        self.direction_combo.addItem("B → A", "BtoA")
        # sized by its names (domain names such as "summer → winter"), eliding past DIRECTION_CHARS[1]
        self.direction_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.direction_combo.setMinimumContentsLength(DIRECTION_CHARS[0])
        self.mode_combo = QComboBox()
        for key, text in MODES.items():
            self.mode_combo.addItem(text, key)
        self.mode_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.mode_combo.setMinimumContentsLength(14)
        self.mode_combo.setToolTip("pix2pix only: the reference test.py runs with dropout and batch statistics unless --eval")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setPrefix("seed ")
        self.open_image_button = QPushButton("Open image...")
        self.samples_button = samples_button(CONVERT_KINDS, viewmodel.open_image)
        self.save_button = QPushButton("Save output...")
        self.fit_button = QPushButton("Fit")
        self.actual_button = QPushButton("100 %")
        self.split_slider = QSlider(Qt.Orientation.Horizontal)
        self.split_slider.setRange(0, SPLIT_STEPS)
        self.split_slider.setValue(SPLIT_STEPS // 2)
        self.split_slider.setToolTip("Split between input (left) and output (right)")
        self.info_label = shrinkable(QLabel(""))
        self.compare = InstanceCompareView()
        self.instances = InstancePanel(viewmodel, self.import_masks_dialog)
        self.instance_area = scrollable(self.instances)
        self.instance_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.instance_area.setFixedWidth(INSTANCE_PANEL_WIDTH + self.instance_area.verticalScrollBar().sizeHint().width())
        self.folder = FolderRunPanel("Convert a folder", viewmodel.batch, DEFAULT_TEMPLATE, "Convert folder")
        self.styles = StylePanel(viewmodel, self.reference_dialog)
        self.folder_style_combo = QComboBox()
        for key, text in FOLDER_STYLE_MODES.items():
            self.folder_style_combo.addItem(text, key)
        self.folder_style_combo.setToolTip("The chosen style for every image, or style number seed + index per image (written into each PNG)")
        self.folder.add_option(self.folder_style_combo)

        top = QHBoxLayout()
        for widget in (self.open_model_button, self.model_label, self.direction_combo, self.mode_combo, self.seed_spin):
            top.addWidget(widget, 1 if widget is self.model_label else 0)
        view_row = QHBoxLayout()
        for widget in (self.open_image_button, self.samples_button, self.save_button, self.fit_button, self.actual_button, self.split_slider, self.info_label):
            view_row.addWidget(widget, 1 if widget is self.info_label else 0)
        self.split_slider.setMinimumWidth(80)
        # The compare view takes all the height the compact folder panel leaves: the
        # folder run's start button, progress bar and result line stay in sight.
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(view_row)
        layout.addWidget(self.styles)
        middle = QHBoxLayout()
        middle.setContentsMargins(0, 0, 0, 0)
        middle.addWidget(self.compare, 1)
        middle.addWidget(self.instance_area)
        layout.addLayout(middle, 1)
        layout.addWidget(self.folder)

        self.open_model_button.clicked.connect(self.open_model_dialog)
        self.open_image_button.clicked.connect(self.open_image_dialog)
        self.save_button.clicked.connect(self.save_dialog)
        self.fit_button.clicked.connect(self.compare.fit)
        self.actual_button.clicked.connect(self.compare.actual_size)
        self.direction_combo.currentIndexChanged.connect(lambda _i: self.vm.set_direction(self.direction_combo.currentData()))
        self.mode_combo.currentIndexChanged.connect(lambda _i: self.vm.set_reference_mode(self.mode_combo.currentData() == "reference"))
        self.seed_spin.valueChanged.connect(self.vm.set_seed)
        self.split_slider.valueChanged.connect(lambda v: self.compare.set_split(v / SPLIT_STEPS))
        self.compare.splitChanged.connect(lambda f: self.split_slider.setValue(round(f * SPLIT_STEPS)))
        self.folder.startRequested.connect(self._start_folder)
        masks = viewmodel.instances
        self.compare.strokeBegan.connect(lambda x, y, erase: masks.begin_stroke(x, y, erase=erase))
        self.compare.strokeMoved.connect(masks.stroke_to)
        self.compare.strokeEnded.connect(masks.end_stroke)
        self.instances.brush_spin.valueChanged.connect(self.compare.set_brush)
        self.compare.set_brush(masks.brush)
        masks.masksChanged.connect(self._update_overlay)
        masks.layersChanged.connect(self._show)
        masks.edited.connect(self._show)
        self.instances.overlay_check.toggled.connect(lambda _on: self._show())
        viewmodel.batch.runningChanged.connect(lambda _running: self._sync_folder())
        viewmodel.conversionProgress.connect(self._on_passes)
        self.folder_style_combo.currentIndexChanged.connect(lambda _i: self.vm.set_folder_style_mode(self.folder_style_combo.currentData()))
        viewmodel.styleChanged.connect(self._show)
        viewmodel.modelChanged.connect(self._on_model)
        viewmodel.optionsChanged.connect(self._sync_options)
        viewmodel.inputChanged.connect(self._show)
        viewmodel.outputChanged.connect(self._show)
        viewmodel.notice.connect(self.notice)
        self._on_model(None)

    # ---- actions ---------------------------------------------------------------------
    def open_model_dialog(self) -> None:
        ask_open(self.dialogs, "Open a translation model", STATE_DICT_MODEL_FILTER, self.vm.load_model)

    def open_image_dialog(self) -> None:
        ask_open(self.dialogs, "Open an image to convert", IMAGE_FILTER, self.vm.open_image)

    def reference_dialog(self) -> None:
        ask_open(self.dialogs, "Take the style of an image", IMAGE_FILTER, self.vm.style_from_image)

    def import_masks_dialog(self) -> None:
        """One or more mask PNGs, each a new instance (refused with a notice if one does not fit the picture)."""
        paths = self.dialogs.open_files("Import instance masks", MASK_FILTER)
        if paths:
            self.vm.instances.import_files(paths)

    def save_dialog(self) -> None:
        suggested = name_after(self.vm.input_path, "_converted", "output")
        ask_save(self.dialogs, "Save the converted image", EXPORT_FILTER, suggested, self.vm.save_output)

    def _start_folder(self, source: str, target: str, template: str, overwrite: bool) -> None:
        if not source:
            self.notice.emit("Choose the folder of images to convert")
            return
        self.vm.convert_folder(source, target, template, overwrite=overwrite)

    # ---- state -------------------------------------------------------------------------
    def _on_model(self, info: dict[str, Any] | None) -> None:
        if info is None:
            self.model_label.setText(NO_MODEL)
        else:
            owner = families.family_of(info.get("arch"))
            kind = owner.display_name if owner is not None else str(info.get("arch"))
            self.model_label.setText(f"{info.get('name')} ({kind}, trained at {info.get('resolution') or '?'} px, {info.get('device', '')})")
        self.model_label.setToolTip(self.model_label.text())  # the label may be cut short in a narrow window
        self._sync_options()

    def _sync_options(self) -> None:
        self._name_directions()
        self.direction_combo.setEnabled(self.vm.can_reverse)
        self.direction_combo.setToolTip("" if self.vm.can_reverse else "This model converts one way only")
        self.compare.set_captions(*self.vm.captions())
        self.mode_combo.setEnabled(self.vm.has_test_mode)
        self.seed_spin.setEnabled(self.vm.reference_mode)
        styled = self.vm.has_styles
        self.styles.setVisible(styled)
        self.folder_style_combo.setVisible(styled)
        instances = self.vm.has_instances
        self.instance_area.setVisible(instances)
        self.compare.set_painting(instances)
        self._sync_folder()
        self._show()
        for combo, value in ((self.direction_combo, self.vm.direction), (self.mode_combo, "reference" if self.vm.reference_mode else "deterministic")):
            index = combo.findData(value)
            if index != combo.currentIndex():
                combo.blockSignals(True)
                combo.setCurrentIndex(index)
                combo.blockSignals(False)

    def _name_directions(self) -> None:
        """The direction menu in the model's domain names (summer → winter), "A → B" when it has none."""
        texts = [self.vm.direction_text(self.direction_combo.itemData(i)) for i in range(self.direction_combo.count())]
        for i, text in enumerate(texts):
            self.direction_combo.setItemText(i, text)
        longest = max(len(text) for text in texts)
        self.direction_combo.setMinimumContentsLength(min(max(longest, DIRECTION_CHARS[0]), DIRECTION_CHARS[1]))

    def _sync_folder(self) -> None:
        """Folder runs are for the models that need nothing but the picture (not InstaGAN's masks)."""
        button = self.folder.start_button
        if self.vm.has_instances:
            button.setEnabled(False)
            button.setToolTip(NO_INSTANCE_FOLDERS)
        else:
            button.setEnabled(not self.vm.batch.running)
            button.setToolTip(FOLDER_TIP)

    def _update_overlay(self, x: int, y: int, width: int, height: int) -> None:
        """The painted masks over the input: only the changed rectangle while a stroke goes on."""
        masks = self.vm.instances
        if not self.vm.has_instances or masks.size is None:
            return
        if self.compare.input_overlay is None or (width, height) == (masks.size[1], masks.size[0]):
            self.compare.set_input_overlay(masks.overlay())
        else:
            self.compare.update_input_overlay(x, y, masks.overlay(x, y, width, height))

    def _on_passes(self, done: int, total: int) -> None:
        if self.vm.pending_job is not None and total > 0:
            self.info_label.setText(f"converting: pass {min(done + 1, total)} of {total}...")

    def _show(self) -> None:
        self.compare.set_images(self.vm.input, self.vm.output)
        self.save_button.setEnabled(self.vm.output is not None)
        info = self.vm.output_info
        if self.vm.has_instances:
            self._show_instances()
        elif self.vm.output is not None and info:
            layout = f"{info.get('tiles', 1)} tiles of {info.get('tile')} px" if info.get("tile") else "whole image"
            text = f"{layout}, {info.get('mode')}"
            if info.get("style") is not None:
                text += f", {self.vm.style_label}" + (" (preview)" if info.get("preview") else "")
            self.info_label.setText(text)
        elif self.vm.input is not None:
            self.info_label.setText("converting..." if self.vm.model.path else "open a model to convert")
        else:
            self.info_label.setText("")

    def _show_instances(self) -> None:
        """An instance model: the masks as overlays, the hint when there is none, the passes when converted."""
        masks, vm = self.vm.instances, self.vm
        self.compare.set_input_overlay(masks.overlay() if masks.size is not None else None)
        shown = self.instances.overlay_check.isChecked() and vm.output is not None and vm.output_masks
        colours = [(layer.colour if (layer := masks.layer(n)) is not None else (200, 200, 200)) for n, _ in vm.output_masks]
        self.compare.set_output_overlay(colour_masks([m for _, m in vm.output_masks], colours) if shown else None)
        self.compare.waiting_caption = INSTANCE_HINT if vm.needs_masks else "converting..."
        if vm.input is None:
            self.info_label.setText("")
        elif not vm.model.path:
            self.info_label.setText("open a model to convert")
        elif vm.needs_masks:
            self.info_label.setText(INSTANCE_HINT[0].upper() + INSTANCE_HINT[1:])
        elif vm.output is not None and vm.output_masks:
            self.info_label.setText(f"{len(vm.output_masks)} instance(s), {vm.output_info.get('passes')} pass(es), largest first")
        else:
            self.info_label.setText("converting...")
