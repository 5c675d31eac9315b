"""The searchable class list with colour swatches; choosing one sets the brush class."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from ganstudio.app.painting_viewmodel import PaintingViewModel


def swatch(rgb: tuple[int, int, int], size: int = 16) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(*rgb))
    return QIcon(pixmap)


class ClassesPanel(QWidget):
    def __init__(self, viewmodel: PaintingViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = viewmodel
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search classes (type a name)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.search.returnPressed.connect(self._choose_first_visible)
        self.list = QListWidget()
        self.list.setUniformItemSizes(True)
        self.list.currentItemChanged.connect(self._on_current)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.list)
        viewmodel.documentReset.connect(self.rebuild)
        viewmodel.currentClassChanged.connect(self._select)
        self.rebuild()

    def rebuild(self) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for class_id, entry in enumerate(self.vm.palette):
            item = QListWidgetItem(swatch(entry.color), f"{class_id}  {entry.name}")
            item.setData(Qt.ItemDataRole.UserRole, class_id)
            self.list.addItem(item)
        self.list.blockSignals(False)
        self._filter(self.search.text())
        self._select(self.vm.current_class)

    def visible_class_ids(self) -> list[int]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count()) if not self.list.item(i).isHidden()]

    def select_by_number(self, number: int) -> None:
        """Keys 1-9 pick the first nine listed classes, 0 the tenth."""
        visible = self.visible_class_ids()
        index = 9 if number == 0 else number - 1
        if index < len(visible):
            self.vm.set_current_class(visible[index])

    def start_search(self, text: str) -> None:
        self.search.setFocus()
        self.search.setText(text)

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setHidden(bool(needle) and needle not in item.text().lower())

    def _choose_first_visible(self) -> None:
        visible = self.visible_class_ids()
        if visible:
            self.vm.set_current_class(visible[0])

    def _on_current(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if current is not None:
            self.vm.set_current_class(current.data(Qt.ItemDataRole.UserRole))

    def _select(self, class_id: int) -> None:
        if 0 <= class_id < self.list.count():
            self.list.blockSignals(True)
            self.list.setCurrentRow(class_id)
            self.list.blockSignals(False)
