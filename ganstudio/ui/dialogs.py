"""Every question and message the window puts to the user, in one replaceable object.

Messages use non-blocking boxes (`open()`), so a failed inference or a bad
file never stops the event loop. Tests replace this object (or monkeypatch its
methods) so no dialog ever waits for a click.
"""
from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

MODEL_FILTER = "Models (*.safetensors *.pth *.pt *.ckpt *.pkl);;All files (*)"
LABEL_FILTER = "Label maps (*.png *.bmp *.tif *.tiff);;All files (*)"
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.webp *.tif *.tiff);;All files (*)"
PROJECT_FILTER = "GAN Studio projects (*.gstudio)"
OPEN_FILTER = "All supported (*.gstudio *.png *.jpg *.jpeg *.bmp *.tif *.tiff *.webp *.safetensors *.pth *.pt *.ckpt *.pkl);;" + PROJECT_FILTER + ";;" + IMAGE_FILTER
EXPORT_FILTER = "PNG image (*.png);;JPEG image (*.jpg *.jpeg)"


class Dialogs:
    def __init__(self, parent: QWidget | None = None) -> None:
        self.parent = parent
        self._boxes: list[QMessageBox] = []

    def open_file(self, title: str, file_filter: str) -> str:
        return QFileDialog.getOpenFileName(self.parent, title, "", file_filter)[0]

    def save_file(self, title: str, file_filter: str, suggested: str = "") -> str:
        return QFileDialog.getSaveFileName(self.parent, title, suggested, file_filter)[0]

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
