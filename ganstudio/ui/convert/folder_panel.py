"""Folder run controls: input and output folders, the output name template, start, progress."""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QFileDialog, QFormLayout, QFrame, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from ganstudio.app.batch_run import BatchRun

from .progress import BatchProgressPanel

FolderChooser = Callable[[str], str]


def ask_folder(parent: QWidget | None) -> FolderChooser:
    return lambda title: QFileDialog.getExistingDirectory(parent, title)


class FolderRunPanel(QGroupBox):
    startRequested = Signal(str, str, str, bool)  # input folder, output folder, template, overwrite

    def __init__(self, title: str, run: BatchRun, template: str, start_text: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.choose_folder: FolderChooser = ask_folder(self)
        self.input_edit = QLineEdit()
        self.input_edit.setPlaceholderText("folder of images")
        self.output_edit = QLineEdit()
        self.output_edit.setPlaceholderText("where the results go (may be the same folder: inputs are never replaced)")
        self.template_edit = QLineEdit(template)
        self.template_edit.setToolTip("Fields: {stem} {name} {ext} {index} {model} {direction}; .png or .jpg")
        self.overwrite_check = QCheckBox("Replace earlier outputs of the same name")
        self.start_button = QPushButton(start_text)
        self.progress = BatchProgressPanel(run)
        browse_in, browse_out = QPushButton("Browse..."), QPushButton("Browse...")
        form = QFormLayout()
        form.addRow("Input folder", _row(self.input_edit, browse_in))
        form.addRow("Output folder", _row(self.output_edit, browse_out))
        form.addRow("Output names", self.template_edit)
        form.addRow("", self.overwrite_check)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.start_button)
        layout.addWidget(self.progress)
        browse_in.clicked.connect(lambda: self._browse(self.input_edit, "Input folder"))
        browse_out.clicked.connect(lambda: self._browse(self.output_edit, "Output folder"))
        self.start_button.clicked.connect(self._start)
        run.runningChanged.connect(lambda running: self.start_button.setEnabled(not running))

    def _browse(self, edit: QLineEdit, title: str) -> None:
        folder = self.choose_folder(title)
        if folder:
            edit.setText(folder)
            if edit is self.input_edit and not self.output_edit.text():
                self.output_edit.setText(folder)

    def _start(self) -> None:
        source = self.input_edit.text().strip()
        target = self.output_edit.text().strip() or source
        self.startRequested.emit(source, target, self.template_edit.text().strip(), self.overwrite_check.isChecked())


def scrollable(widget: QWidget) -> QScrollArea:
    """`widget` in a frameless scroll area, so it never forces the window to grow."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setMinimumSize(120, 80)
    return area


def shrinkable(label: QLabel) -> QLabel:
    """A label that may be narrower than its text (long model names, messages)."""
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    label.setMinimumWidth(40)
    return label


def _row(*widgets: QWidget) -> QWidget:
    holder = QWidget()
    layout = QHBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    for i, widget in enumerate(widgets):
        layout.addWidget(widget, 1 if i == 0 else 0)
    return holder
