"""The converter workspace: a translation model, one image in a compare view, or a folder.

Layout, from the top: the model row (model, direction, mode, seed), the view
row, the style row (only for models with styles: variants, style from an image,
mixing two styles; see style_panel), the compare view taking the rest, and the
compact folder panel always visible below it (no splitter to discover): from
about 760x560 up, which is what the workspace gets in a 1024x700 window,
nothing is clipped.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSlider, QSpinBox, QVBoxLayout, QWidget

from ganstudio import families
from ganstudio.app.converter_viewmodel import FOLDER_STYLE_MODES, MODES, ConverterViewModel
from ganstudio.app.samples import CONVERT_KINDS
from ganstudio.document.batch_names import DEFAULT_TEMPLATE

from ..file_prompts import EXPORT_FILTER, IMAGE_FILTER, STATE_DICT_MODEL_FILTER, FileDialogs, ask_open, ask_save, name_after
from ..samples_menu import samples_button
from .compare_view import CompareView
from .folder_panel import FolderRunPanel, shrinkable
from .style_panel import StylePanel

NO_MODEL = f"No model: open {families.describe_archs(families.archs_for_workspace('convert'))}"
SPLIT_STEPS = 1000
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
        self.compare = CompareView()
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
        layout.addWidget(self.compare, 1)
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

    def _show(self) -> None:
        self.compare.set_images(self.vm.input, self.vm.output)
        self.save_button.setEnabled(self.vm.output is not None)
        info = self.vm.output_info
        if self.vm.output is not None and info:
            layout = f"{info.get('tiles', 1)} tiles of {info.get('tile')} px" if info.get("tile") else "whole image"
            text = f"{layout}, {info.get('mode')}"
            if info.get("style") is not None:
                text += f", {self.vm.style_label}" + (" (preview)" if info.get("preview") else "")
            self.info_label.setText(text)
        elif self.vm.input is not None:
            self.info_label.setText("converting..." if self.vm.model.path else "open a model to convert")
        else:
            self.info_label.setText("")
