"""The Describe workspace: type a sentence, get pictures.

From the top: the model row; the sentence (completions from the history and the
model's vocabulary; Enter keeps it in the history); seed and grid size; a second
sentence and a slider blending the two sentences' embeddings (GAN-INT-CLS's
interpolation); a note naming words the model does not know; the grid of samples;
the export of the picked sample (PNG with the prompt, seed and latent in its text
chunks). Each keystroke asks for new pictures; the worker renders the newest.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import (
    QCompleter,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ganstudio.app.describe_viewmodel import MAX_SAMPLES, MAX_SEED, DescribeViewModel
from ganstudio.document.errors import DocumentError

from ..file_prompts import (
    EXPORT_FILTER,
    STATE_DICT_MODEL_FILTER,
    FileDialogs,
    ask_open,
    ask_save,
)
from .sample_grid import SampleGrid

SLIDER_STEPS = 100


class DescribeWorkspace(QWidget):
    title = "Describe"

    def __init__(self, vm: DescribeViewModel, dialogs: FileDialogs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm, self.dialogs = vm, dialogs
        self.open_model_button = QPushButton("Open model...")
        self.model_label = QLabel("No text-to-image model")
        self.prompt_edit = QLineEdit()
        self.prompt_edit.setPlaceholderText("Describe a picture, e.g. a snowy landscape at dusk with a lake on the left")
        self.completion_model = QStringListModel(self)
        self.completer = QCompleter(self.completion_model, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.prompt_edit.setCompleter(self.completer)
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, min(MAX_SEED, 2**31 - 1))
        self.count_spin = QSpinBox()
        self.count_spin.setRange(1, MAX_SAMPLES)
        self.count_spin.setValue(vm.count)
        for spin in (self.seed_spin, self.count_spin):  # never narrower than its largest value needs
            spin.setMinimumWidth(max(72, spin.sizeHint().width()))
        self.other_edit = QLineEdit()
        self.other_edit.setPlaceholderText("a second sentence to blend towards")
        self.mix_slider = QSlider(Qt.Orientation.Horizontal)
        self.mix_slider.setRange(0, SLIDER_STEPS)
        self.mix_label = QLabel("0 %")
        self.note_label = QLabel("")
        self.note_label.setWordWrap(True)
        self.note_label.setStyleSheet("color: #d08000;")
        self.grid = SampleGrid("Type a sentence to see pictures of it")
        self.export_button = QPushButton("Export picked picture...")
        self.export_button.setEnabled(False)

        top = QHBoxLayout()
        top.addWidget(self.open_model_button)
        top.addWidget(self.model_label, 1)
        form = QFormLayout()
        form.addRow("Sentence", self.prompt_edit)
        numbers = QHBoxLayout()
        numbers.addWidget(QLabel("Seed"))
        numbers.addWidget(self.seed_spin)
        numbers.addWidget(QLabel("Pictures"))
        numbers.addWidget(self.count_spin)
        numbers.addStretch(1)
        numbers.addWidget(self.export_button)
        form.addRow(numbers)
        blend = QHBoxLayout()
        blend.addWidget(self.other_edit, 2)
        blend.addWidget(self.mix_slider, 1)
        blend.addWidget(self.mix_label)
        form.addRow("Blend with", blend)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(form)
        layout.addWidget(self.note_label)
        layout.addWidget(self.grid, 1)

        self.open_model_button.clicked.connect(self.open_model_dialog)
        self.prompt_edit.textEdited.connect(self._on_typed)
        self.prompt_edit.textChanged.connect(self.vm.set_prompt)  # also a completion picked from the list
        self.prompt_edit.returnPressed.connect(lambda: self.vm.remember())
        self.seed_spin.valueChanged.connect(self.vm.set_seed)
        self.count_spin.valueChanged.connect(self.vm.set_count)
        self.other_edit.textChanged.connect(self.vm.set_other)
        self.other_edit.returnPressed.connect(lambda: self.vm.remember(self.other_edit.text()))
        self.mix_slider.valueChanged.connect(self._on_mix)
        self.export_button.clicked.connect(self.export_dialog)
        vm.modelChanged.connect(self._on_model)
        vm.modelRejected.connect(lambda _path, why: self.note_label.setText(why))
        vm.outputChanged.connect(self._on_output)
        vm.noteChanged.connect(self.note_label.setText)
        vm.renderFailed.connect(self.note_label.setText)
        vm.historyChanged.connect(lambda: self._on_typed(self.prompt_edit.text()))

    def open_model_dialog(self) -> None:
        ask_open(self.dialogs, "Open a text-to-image model", STATE_DICT_MODEL_FILTER, self.vm.load_model)

    def export_dialog(self) -> None:
        ask_save(self.dialogs, "Export the picked picture", EXPORT_FILTER, "described.png", self._export_to)

    def _export_to(self, path: str) -> None:
        try:
            self.vm.export(path, self.grid.selected)
        except (DocumentError, OSError) as exc:  # nothing drawn yet, a full disk: say so, never a traceback
            self.note_label.setText(f"Not exported: {getattr(exc, 'reason', None) or exc}")

    def _on_typed(self, text: str) -> None:
        self.completion_model.setStringList(self.vm.completions(text)[:40])

    def _on_mix(self, value: int) -> None:
        self.mix_label.setText(f"{value} %")
        self.vm.set_mix(value / SLIDER_STEPS)

    def _on_model(self, info: dict[str, Any] | None) -> None:
        if not info:
            self.model_label.setText("No text-to-image model")
            return
        words = len((info.get("config") or {}).get("vocabulary") or [])
        self.model_label.setText(f"{info.get('name', '')} — {words} known words, {info.get('resolution') or '?'} px")
        self.model_label.setToolTip(", ".join((info.get("config") or {}).get("vocabulary") or []))

    def _on_output(self) -> None:
        out = self.vm.output
        self.grid.set_images(None if out is None else out.images)
        self.export_button.setEnabled(out is not None)
