"""Which model each workspace starts with, and remembering the last one per workspace.

At start, a workspace with no model gets the model it had last time (if the
file still exists), else the bundled default for it (see
ModelLibrary.defaults_for). Loading happens on the worker thread; if a
candidate is refused (a broken file), the workspace has already said why and
the next candidate is tried, so one bad file never leaves the others empty.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from PySide6.QtCore import QObject, QSettings, Signal, SignalInstance

from .model_library import ModelLibrary

LEGACY_LAST_KEY = "models/last"  # before there was one per workspace; it held the painting model


def last_model_key(workspace: str) -> str:
    return f"models/{workspace}/last"


@dataclass
class WorkspaceModel:
    """How to load a model into one workspace and hear whether it became current."""

    name: str
    load: Callable[[str], Any]
    changed: SignalInstance  # (info dict or None)
    rejected: SignalInstance  # (path, why)
    current_path: Callable[[], str]
    candidates: list[str] = field(default_factory=list)  # still to try at start, in order
    trying: str = ""


class ModelDefaults(QObject):
    notice = Signal(str)

    def __init__(self, library: ModelLibrary, settings: QSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.settings = settings
        self.workspaces: dict[str, WorkspaceModel] = {}

    def add_workspace(self, workspace: WorkspaceModel) -> None:
        self.workspaces[workspace.name] = workspace
        workspace.changed.connect(lambda info, w=workspace: self._on_changed(w, info))
        workspace.rejected.connect(lambda path, _why, w=workspace: self._on_rejected(w, path))

    def remembered(self, workspace: str) -> str:
        value = self.settings.value(last_model_key(workspace), "", str)
        if not value and workspace == "paint":
            value = self.settings.value(LEGACY_LAST_KEY, "", str)
        return value or ""

    def candidates(self, workspace: str) -> list[str]:
        """What `workspace` would start with, in the order to try: the remembered model, then the bundled defaults."""
        paths: list[str] = []
        remembered = self.remembered(workspace)
        if remembered and os.path.isfile(remembered):
            paths.append(remembered)
        for entry in self.library.defaults_for(workspace):
            if not any(_same_file(entry.path, p) for p in paths):
                paths.append(entry.path)
        return paths

    def start(self, skip: Iterable[str] = ()) -> None:
        """Load a model in every workspace that has none (except those in `skip`, which got one by hand)."""
        skipped = set(skip)
        for entry in self.library.entries:
            if entry.source == "bundled" and entry.error:
                self.notice.emit(f"The bundled model {entry.name} cannot be used: {entry.error}")
        for workspace in self.workspaces.values():
            if workspace.name in skipped or workspace.current_path():
                continue
            workspace.candidates = self.candidates(workspace.name)
            self._try_next(workspace)

    def _try_next(self, workspace: WorkspaceModel) -> None:
        workspace.trying = workspace.candidates.pop(0) if workspace.candidates else ""
        if workspace.trying:
            if self.library.entry_for(workspace.trying) is None:  # remembered from elsewhere: list it as opened
                self.library.add_opened(workspace.trying)
            workspace.load(workspace.trying)

    def _on_changed(self, workspace: WorkspaceModel, info: dict[str, Any] | None) -> None:
        if info is None:
            return
        workspace.candidates, workspace.trying = [], ""  # it has a model: the start is over for it
        path = str(info.get("path", ""))
        if path:
            self.settings.setValue(last_model_key(workspace.name), path)

    def _on_rejected(self, workspace: WorkspaceModel, path: str) -> None:
        if workspace.trying and _same_file(workspace.trying, path):
            if workspace.candidates:
                self.notice.emit(f"Trying {Path(workspace.candidates[0]).name} instead")
            self._try_next(workspace)


def _same_file(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)
