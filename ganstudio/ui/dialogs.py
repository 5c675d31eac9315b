"""Every question and message the window puts to the user, in one replaceable object.

Messages use non-blocking boxes (`open()`), so a failed inference or a bad
file never stops the event loop. Tests replace this object (or monkeypatch its
methods) so no dialog ever waits for a click.
"""
from __future__ import annotations

import os

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

MODEL_FILTER = "Models (*.safetensors *.pth *.pt *.ckpt *.pkl);;All files (*)"
LABEL_FILTER = "Label maps (*.png *.bmp *.tif *.tiff);;All files (*)"
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.webp *.tif *.tiff);;All files (*)"
PROJECT_FILTER = "GAN Studio projects (*.gstudio)"
OPEN_FILTER = "All supported (*.gstudio *.png *.jpg *.jpeg *.bmp *.tif *.tiff *.webp *.safetensors *.pth *.pt *.ckpt *.pkl);;" + PROJECT_FILTER + ";;" + IMAGE_FILTER
EXPORT_FILTER = "PNG image (*.png);;JPEG image (*.jpg *.jpeg)"


LAST_FOLDER_KEY = "dialogs/last_folder"


class Dialogs:
    def __init__(self, parent: QWidget | None = None, settings: QSettings | None = None) -> None:
        self.parent = parent
        self.settings = settings
        self._boxes: list[QMessageBox] = []

    def start_folder(self) -> str:
        """Where file dialogs open: the folder last used (in any of them), else the user's Pictures folder."""
        folder = str(self.settings.value(LAST_FOLDER_KEY, "", str)) if self.settings is not None else ""
        if folder and os.path.isdir(folder):
            return folder
        pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
        return pictures if pictures and os.path.isdir(pictures) else os.path.expanduser("~")

    def remember(self, path: str) -> None:
        if path and self.settings is not None:
            self.settings.setValue(LAST_FOLDER_KEY, os.path.dirname(os.path.abspath(path)))

    def open_file(self, title: str, file_filter: str) -> str:
        path = QFileDialog.getOpenFileName(self.parent, title, self.start_folder(), file_filter)[0]
        self.remember(path)
        return path

    def open_files(self, title: str, file_filter: str) -> list[str]:
        """Several files at once (instance masks): multiple selection, in the folder used last."""
        paths = QFileDialog.getOpenFileNames(self.parent, title, self.start_folder(), file_filter)[0]
        if paths:
            self.remember(paths[0])
        return list(paths)

    def save_file(self, title: str, file_filter: str, suggested: str = "") -> str:
        start = os.path.join(self.start_folder(), os.path.basename(suggested)) if suggested else self.start_folder()
        path = QFileDialog.getSaveFileName(self.parent, title, start, file_filter)[0]
        self.remember(path)
        return path

    def open_folder(self, title: str) -> str:
        folder = QFileDialog.getExistingDirectory(self.parent, title, self.start_folder())
        if folder and self.settings is not None:
            self.settings.setValue(LAST_FOLDER_KEY, folder)
        return folder

    def choose(self, title: str, text: str, options: list[str], current: int = 0) -> int | None:
        """The index of the option picked, or None if cancelled."""
        item, ok = QInputDialog.getItem(self.parent, title, text, options, max(0, min(current, len(options) - 1)), False)
        return options.index(item) if ok and item in options else None

    def error(self, title: str, text: str) -> None:
        self._show(QMessageBox.Icon.Warning, title, text)

    def info(self, title: str, text: str) -> None:
        self._show(QMessageBox.Icon.Information, title, text)

    def _show(self, icon: QMessageBox.Icon, title: str, text: str) -> None:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self.parent)
        box.setModal(False)
        box.finished.connect(lambda _result, b=box: self._boxes.remove(b) if b in self._boxes else None)
        self._boxes.append(box)
        box.open()

    def ask_unsaved(self, document: str) -> str:
        """'save', 'discard' or 'cancel'."""
        answer = QMessageBox.question(
            self.parent,
            "Unsaved changes",
            f"{document} has unsaved changes. Save them first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        return {QMessageBox.StandardButton.Save: "save", QMessageBox.StandardButton.Discard: "discard"}.get(answer, "cancel")

    def ask_recover(self, description: str) -> bool:
        answer = QMessageBox.question(
            self.parent,
            "Recover unsaved work?",
            f"GAN Studio did not close properly last time. Recover the autosaved work?\n\n{description}",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,
        )
        return answer == QMessageBox.StandardButton.Yes
