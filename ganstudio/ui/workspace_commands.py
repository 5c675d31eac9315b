"""What the window's shared actions and status bar mean on each workspace.

The window has one File › Export, one set of View zoom actions, one Models dock
tick and one status bar; each follows the workspace on screen. A workspace
states here what those do for it (None: it has no such thing, and the action
is disabled while it shows), so the window never reaches into a hidden tab.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtWidgets import QWidget

Command = Callable[[], object]


@dataclass(frozen=True)
class WorkspaceCommands:
    name: str  # "paint", "latent", "attributes", "convert"
    widget: QWidget
    channel: str  # the inference channel whose results are this workspace's pictures
    model_info: Callable[[], dict[str, Any] | None]
    export: Command | None = None  # File › Export output
    zoom_in: Command | None = None
    zoom_out: Command | None = None
    fit: Command | None = None
    actual_size: Command | None = None

    def model_path(self) -> str:
        info = self.model_info()
        return str(info.get("path", "")) if info else ""


class WorkspaceList:
    """The workspaces in tab order, looked up by widget, name or inference channel."""

    def __init__(self) -> None:
        self._items: list[WorkspaceCommands] = []

    def add(self, commands: WorkspaceCommands) -> None:
        self._items.append(commands)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._items)

    def for_widget(self, widget: QWidget | None) -> WorkspaceCommands | None:
        return next((item for item in self._items if item.widget is widget), None)

    def named(self, name: str) -> WorkspaceCommands:
        return next(item for item in self._items if item.name == name)

    def for_channel(self, channel: str) -> WorkspaceCommands | None:
        return next((item for item in self._items if item.channel == channel), None)
