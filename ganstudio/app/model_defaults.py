"""Which model each workspace starts with, and remembering the last one per workspace.

At start, a workspace with no model gets the model it had last time (if the
file still exists), else the bundled default for it (see
ModelLibrary.defaults_for). Loading happens on the worker thread; if a
candidate is refused (a broken file), the workspace has already said why and
the next candidate is tried, so one bad file never leaves the others empty.

The workspace on screen goes first: the worker runs jobs one at a time, so a
load queued ahead of its first picture delays that picture (bench_startup: the
text-to-image model's load came before the painting's picture). The other
workspaces' loads are held until `release()` (the window calls it when the
visible workspace shows its first result), until every candidate of the
visible workspace failed, or at the latest FIRST_PICTURE_WAIT_MS after its
model arrived (a workspace with nothing to show never holds the others up).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from PySide6.QtCore import QObject, QSettings, QTimer, Signal, SignalInstance

from .model_library import ModelLibrary

LEGACY_LAST_KEY = "models/last"  # before there was one per workspace; it held the painting model
# after the first workspace's model arrived, the others load at the latest this much later even if no
# picture came (a painting with nothing drawn requests none); about two slow first pictures on a loaded CPU
FIRST_PICTURE_WAIT_MS = 3000


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
        self.first = ""  # the workspace loading ahead of the others, while they are held
        self.held: list[WorkspaceModel] = []  # waiting for release()
        self._fallback = QTimer(self)
        self._fallback.setSingleShot(True)
        self._fallback.setInterval(FIRST_PICTURE_WAIT_MS)
        self._fallback.timeout.connect(self.release)

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

    def start(self, skip: Iterable[str] = (), first: str = "") -> None:
        """Load a model in every workspace that has none (except those in `skip`, which got one by hand).

        `first`: the workspace on screen; when it needs a model, the others wait for `release()`.
        """
        skipped = set(skip)
        for entry in self.library.entries:
            if entry.source == "bundled" and entry.error:
                self.notice.emit(f"The bundled model {entry.name} cannot be used: {entry.error}")
        waiting = []
        for workspace in self.workspaces.values():
            if workspace.name in skipped or workspace.current_path():
                continue
            workspace.candidates = self.candidates(workspace.name)
            waiting.append(workspace)
        ahead = next((w for w in waiting if w.name == first and w.candidates), None)
        if ahead is None:
            for workspace in waiting:
                self._try_next(workspace)
            return
        self.first, self.held = ahead.name, [w for w in waiting if w is not ahead]
        self._try_next(ahead)

    def release(self) -> None:
        """Start the loads held for the first workspace (once; later calls do nothing)."""
        self._fallback.stop()
        held, self.held, self.first = self.held, [], ""
        for workspace in held:
            if not workspace.current_path():  # it may have got a model by hand meanwhile
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
        if workspace.name == self.first and self.held:
            self._fallback.start()  # its first picture normally releases the others sooner
        path = str(info.get("path", ""))
        if path:
            self.settings.setValue(last_model_key(workspace.name), path)

    def _on_rejected(self, workspace: WorkspaceModel, path: str) -> None:
        if workspace.trying and _same_file(workspace.trying, path):
            if workspace.candidates:
                self.notice.emit(f"Trying {Path(workspace.candidates[0]).name} instead")
            self._try_next(workspace)
            if not workspace.trying and workspace.name == self.first:
                self.release()  # nothing to show there: no reason to hold the others


def _same_file(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)
