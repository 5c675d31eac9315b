"""The model library panel: bundled, user-folder and opened models with what they are."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from ganstudio.app.model_library import ModelLibrary

from .icons import icon


class ModelsPanel(QWidget):
    loadRequested = Signal(str)
    openRequested = Signal()
    importRequested = Signal()

    def __init__(self, library: ModelLibrary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.current_path = ""
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Model", "What it is", "From"])
        self.tree.setRootIsDecorated(False)
        self.tree.itemActivated.connect(lambda item, _col: self.loadRequested.emit(item.data(0, Qt.ItemDataRole.UserRole)))
        self.empty = QLabel("No models yet. Bundled models go in resources/models; open or import one with the buttons below.")
        self.empty.setWordWrap(True)
        open_button = QPushButton(icon("fa5s.folder-open"), "Open model...")
        open_button.clicked.connect(self.openRequested)
        import_button = QPushButton(icon("fa5s.file-import"), "Import official...")
        import_button.clicked.connect(self.importRequested)
        buttons = QHBoxLayout()
        buttons.addWidget(open_button)
        buttons.addWidget(import_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.empty)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        library.changed.connect(self.rebuild)
        self.rebuild()

    def set_current(self, path: str) -> None:
        self.current_path = path
        self.rebuild()

    def rebuild(self) -> None:
        self.tree.clear()
        for entry in self.library.entries:
            item = QTreeWidgetItem([entry.name, entry.summary, entry.source])
            item.setData(0, Qt.ItemDataRole.UserRole, entry.path)
            for column in range(3):
                item.setToolTip(column, "\n".join(t for t in (entry.path, entry.training) if t))
            if entry.path == self.current_path:
                item.setIcon(0, icon("fa5s.check"))
            self.tree.addTopLevelItem(item)
        self.empty.setVisible(not self.library.entries)
        for column in range(2):
            self.tree.resizeColumnToContents(column)
