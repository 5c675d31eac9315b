"""The classes of the layout's model, searchable: type to narrow the list; Enter picks the best match, a click any.

The picked class is the one new boxes get, and the selected box changes to it.
"""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QKeyEvent, QPainter, QPixmap
from PySide6.QtWidgets import (
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ganstudio.app.layout_viewmodel import LayoutClass


def swatch(rgb: tuple[int, int, int], size: int = 14) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(*rgb))
    painter = QPainter(pixmap)  # an outline, so that white and near-background colours still show
    painter.setPen(QColor(90, 90, 90))
    painter.drawRect(0, 0, size - 1, size - 1)
    painter.end()
    return QIcon(pixmap)


class ClassSearchEdit(QLineEdit):
    """The search field: Down moves into the list, so the keyboard alone can pick a class."""

    downPressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Down:
            self.downPressed.emit()
            return
        super().keyPressEvent(event)


class ClassList(QWidget):
    classChosen = Signal(int)  # class id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = ClassSearchEdit()
        self.search.setPlaceholderText("Search classes...")
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setIconSize(QSize(14, 14))
        self.list.setUniformItemSizes(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        self._syncing = False
        self.search.textChanged.connect(self.apply_filter)
        self.search.returnPressed.connect(self.pick_first_shown)
        self.search.downPressed.connect(self._into_list)
        self.list.currentItemChanged.connect(self._on_current)

    def set_classes(self, classes: list[LayoutClass]) -> None:
        self._syncing = True
        self.list.clear()
        for entry in classes:
            item = QListWidgetItem(swatch(entry.color), entry.name)
            item.setData(Qt.ItemDataRole.UserRole, entry.id)
            self.list.addItem(item)
        self._syncing = False
        self.apply_filter(self.search.text())

    def shown_names(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count()) if not self.list.item(i).isHidden()]

    def apply_filter(self, text: str) -> None:
        """Show the classes whose name contains every typed word (any case)."""
        words = text.lower().split()
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setHidden(not all(w in item.text().lower() for w in words))

    def pick_first_shown(self) -> None:
        """Choose the shown class that best fits the search: the same name, else one starting with it, else the first."""
        shown = [self.list.item(i) for i in range(self.list.count()) if not self.list.item(i).isHidden()]
        text = self.search.text().strip().lower()
        ranked = sorted(shown, key=lambda it: (it.text().lower() != text, not it.text().lower().startswith(text)))
        item = ranked[0] if ranked else None
        if item is None:
            return
        if item is self.list.currentItem():
            self.classChosen.emit(int(item.data(Qt.ItemDataRole.UserRole)))  # chosen again: a selected box may change to it
        else:
            self.list.setCurrentItem(item)  # chooses it through currentItemChanged

    def show_class(self, class_id: int) -> None:
        """Mark `class_id` as current without choosing it again (the view-model changed it)."""
        self._syncing = True
        for i in range(self.list.count()):
            if int(self.list.item(i).data(Qt.ItemDataRole.UserRole)) == class_id:
                self.list.setCurrentRow(i)
                break
        else:
            self.list.setCurrentItem(None)
        self._syncing = False

    def start_search(self, text: str) -> None:
        self.search.setFocus()
        self.search.setText(text)

    @property
    def current_class(self) -> int:
        item = self.list.currentItem()
        return -1 if item is None else int(item.data(Qt.ItemDataRole.UserRole))

    def _into_list(self) -> None:
        self.list.setFocus()
        if self.list.currentItem() is None or self.list.currentItem().isHidden():
            self.pick_first_shown()

    def _on_current(self, item: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if item is not None and not self._syncing:
            self.classChosen.emit(int(item.data(Qt.ItemDataRole.UserRole)))
