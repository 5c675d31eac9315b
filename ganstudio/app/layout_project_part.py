"""The Layout workspace's share of the project file: its boxes (classes by name) and scene seed."""
from __future__ import annotations

from typing import Any

from ganstudio.document.project import Project

from .layout_viewmodel import LayoutViewModel


class LayoutProjectPart:
    def __init__(self, viewmodel: LayoutViewModel) -> None:
        self.vm = viewmodel

    @property
    def is_modified(self) -> bool:
        return False  # like the favourites: kept with every save and autosave, never a reason to ask before closing

    def mark_saved(self) -> None:
        pass

    def capture(self) -> dict[str, Any]:
        return {"layout": self.vm.layout_json()}

    def restore(self, project: Project, *, modified: bool) -> list[str]:
        return self.vm.restore_layout(project.layout)
