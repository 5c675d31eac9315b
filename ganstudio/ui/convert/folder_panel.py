"""Folder run controls: input and output folders, the output name template, start, progress.

Compact on purpose: a titled box of four short rows (folders, names, start with
its progress bar, the result line) that a workspace can leave on screen below
its picture, so the folder run never hides behind a splitter or a scroll bar.
Where it is wide enough, both folders share one row; narrower, they take one
row each.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ganstudio.app.batch_run import BatchRun

from .progress import BatchProgressPanel

FolderChooser = Callable[[str], str]
EDIT_MIN_WIDTH = 90  # a folder edit narrower than this shows too little of a path to be useful


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
        self.output_edit.setPlaceholderText("same as input")
        self.output_edit.setToolTip("Where the results go; it may be the input folder: inputs are never replaced")
        for edit in (self.input_edit, self.output_edit):
            edit.setMinimumWidth(EDIT_MIN_WIDTH)
        self.template_edit = QLineEdit(template)
        self.template_edit.setToolTip("Output file names. Fields: {stem} {name} {ext} {index} {model} {direction}; end with .png or .jpg")
        self.overwrite_check = QCheckBox("Replace existing")
        self.overwrite_check.setToolTip("Replace earlier outputs of the same name (inputs are never replaced)")
        self.start_button = QPushButton(start_text)
        # the start button leads the progress row, so the action and how it goes sit together
        self.progress = BatchProgressPanel(run, leading=self.start_button)
        self.browse_input, self.browse_output = QPushButton("Browse..."), QPushButton("Browse...")
        self.browse_input.setToolTip("Choose the folder of images")
        self.browse_output.setToolTip("Choose where the results go")
        self._input_label, self._output_label = QLabel("Input folder"), QLabel("Output folder")
        self._folders = QGridLayout()
        self._folders.setContentsMargins(0, 0, 0, 0)
        self._one_row: bool | None = None
        self._arrange_folders(one_row=False)
        names = QHBoxLayout()
        names.setContentsMargins(0, 0, 0, 0)
        names.addWidget(QLabel("Output names"))
        names.addWidget(self.template_edit, 1)
        names.addWidget(self.overwrite_check)
        self._names = names
        layout = QVBoxLayout(self)
        layout.setSpacing(4)
        layout.addLayout(self._folders)
        layout.addLayout(names)
        layout.addWidget(self.progress)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        # The widths both arrangements need. The panel may be as narrow as the two-row one:
        # an explicit minimum width, or the one-row layout's larger minimum would stop the
        # panel from ever getting narrow enough to switch to two rows.
        self._arrange_folders(one_row=True)
        self._one_row_min = self._minimum_width()
        self._arrange_folders(one_row=False)
        self.setMinimumWidth(self._minimum_width())
        self.browse_input.clicked.connect(lambda: self._browse(self.input_edit, "Input folder"))
        self.browse_output.clicked.connect(lambda: self._browse(self.output_edit, "Output folder"))
        self.start_button.clicked.connect(self._start)
        run.runningChanged.connect(lambda running: self.start_button.setEnabled(not running))

    def add_option(self, widget: QWidget) -> None:
        """A workspace's own folder-run option (Convert's style mode), on the names row before "Replace existing"."""
        self._names.insertWidget(self._names.indexOf(self.overwrite_check), widget)

    def _arrange_folders(self, one_row: bool) -> None:
        """Both folders on one row (wide) or one row each (narrow)."""
        if one_row == self._one_row:
            return
        self._one_row = one_row
        for widget in (self._input_label, self.input_edit, self.browse_input, self._output_label, self.output_edit, self.browse_output):
            self._folders.removeWidget(widget)
        self._folders.addWidget(self._input_label, 0, 0)
        self._folders.addWidget(self.input_edit, 0, 1)
        self._folders.addWidget(self.browse_input, 0, 2)
        row, column = (0, 3) if one_row else (1, 0)
        self._folders.addWidget(self._output_label, row, column)
        self._folders.addWidget(self.output_edit, row, column + 1)
        self._folders.addWidget(self.browse_output, row, column + 2)
        for c in range(6):  # the edits take the spare width (an empty column must not)
            self._folders.setColumnStretch(c, 1 if c == 1 or (c == 4 and one_row) else 0)

    def _minimum_width(self) -> int:
        self._folders.invalidate()  # the grid caches its sizes; it was just rearranged
        self.layout().invalidate()
        return self.layout().totalMinimumSize().width()

    def resizeEvent(self, event: QResizeEvent) -> None:
        # The choice depends on the width only, so it cannot feed back into itself through the height.
        self._arrange_folders(event.size().width() >= self._one_row_min)
        super().resizeEvent(event)

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
