"""Favourites: bookmarked latents with thumbnails (kept in the project file); apply, put on the pad, remove.

Bookmark (acts on the picture) sits above the list and the actions on the
selected favourite below it: two short rows fit the narrow right column.
"""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from ganstudio.app.latent_viewmodel import THUMBNAIL, LatentViewModel

from ..icons import icon
from ..image_widgets import rgb_qimage


class FavouritesPanel(QWidget):
    def __init__(self, viewmodel: LatentViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = viewmodel
        self.list = QListWidget()
        self.list.setViewMode(QListWidget.ViewMode.IconMode)
        self.list.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.setMovement(QListWidget.Movement.Static)
        self.add_button = QPushButton(icon("fa5s.star"), "Bookmark")
        self.add_button.setToolTip("Save the picture's latent and settings as a favourite")
        self.apply_button = QPushButton("Show")
        self.pad_button = QPushButton("To pad")
        self.pad_button.setToolTip("Add the favourite as an anchor in the middle of the pad")
        self.apply_button.setToolTip("Show the favourite's picture again")
        self.remove_button = QPushButton(icon("fa5s.trash"), "")
        self.remove_button.setToolTip("Remove the favourite")
        self.remove_button.setAccessibleName("Remove favourite")
        top = QHBoxLayout()
        top.addWidget(self.add_button)
        top.addStretch(1)
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        for button in (self.apply_button, self.pad_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.add_button.clicked.connect(self.bookmark)
        self.apply_button.clicked.connect(lambda: self._with_current(self.vm.apply_favourite))
        self.pad_button.clicked.connect(lambda: self._with_current(self.vm.add_favourite_anchor))
        self.remove_button.clicked.connect(lambda: self._with_current(self.vm.remove_favourite))
        self.list.itemDoubleClicked.connect(lambda item: self.vm.apply_favourite(self.list.row(item)))
        self.list.currentRowChanged.connect(lambda _row: self._update_buttons())
        viewmodel.favouritesChanged.connect(self.refresh)
        viewmodel.outputChanged.connect(self._update_buttons)
        self.refresh()

    def bookmark(self) -> None:
        try:
            self.vm.add_favourite()
        except ValueError as exc:
            self.vm.notice.emit(str(exc))
            return
        self.list.setCurrentRow(self.list.count() - 1)

    def _with_current(self, action) -> None:  # type: ignore[no-untyped-def]
        row = self.list.currentRow()
        if 0 <= row < len(self.vm.favourites):
            action(row)

    def refresh(self) -> None:
        row = self.list.currentRow()
        self.list.clear()
        for fav in self.vm.favourites:
            item = QListWidgetItem(QIcon(QPixmap.fromImage(rgb_qimage(fav.thumbnail))), fav.name)
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(min(max(row, 0), self.list.count() - 1))
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = 0 <= self.list.currentRow() < len(self.vm.favourites)
        for button in (self.apply_button, self.pad_button, self.remove_button):
            button.setEnabled(has)
        self.add_button.setEnabled(self.vm.output is not None)
