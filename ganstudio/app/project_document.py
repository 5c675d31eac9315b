"""The open piece of work: its file, its saving, its autosave snapshots and recovery.

Each workspace that keeps state in the project file adds a part: an object
that captures its share of a `Project` and restores it. The document knows
nothing of painting or latents; it assembles the parts, writes the file
atomically, keeps the autosave snapshot in step, and says what happened in
signals (the window shows them). Asking the user for file names and answers
stays with the views.
"""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from ganstudio.document.autosave import RecoverableSnapshot, RecoveryStore
from ganstudio.document.errors import DocumentError
from ganstudio.document.project import Project, load_project, save_project

PROJECT_SUFFIX = ".gstudio"


class ProjectPart(Protocol):
    """One workspace's share of the project file."""

    @property
    def is_modified(self) -> bool: ...

    def capture(self) -> dict[str, Any]:
        """`Project` fields (keyword -> value) holding this part's state."""
        ...

    def restore(self, project: Project, *, modified: bool) -> list[str]:
        """Take this part's state from `project`; notes on what could not be used.

        Raises ValueError when the project cannot be opened at all (nothing was changed then).
        """
        ...

    def mark_saved(self) -> None: ...


class ProjectDocument(QObject):
    titleChanged = Signal()  # the file name or the modified state changed
    notice = Signal(str)
    failed = Signal(str, str)  # title, what went wrong (in our words)

    def __init__(self, recovery: RecoveryStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path: str | None = None  # the file it was opened from or saved to (a label map counts)
        self.document_id = uuid.uuid4().hex[:12]  # names its autosave snapshot
        self.recovery = recovery
        self.parts: list[ProjectPart] = []
        self.autosave_problem: str | None = None  # read by the window once it listens: nobody is connected yet
        try:
            self.recovery.start_session()
        except DocumentError as exc:
            self.autosave_problem = f"Autosave is off: {exc}"
        self.autosave_timer = QTimer(self)
        self.autosave_timer.timeout.connect(self.autosave)

    def add_part(self, part: ProjectPart) -> None:
        self.parts.append(part)

    # ------------------------------------------------------------------ state
    @property
    def is_modified(self) -> bool:
        return any(part.is_modified for part in self.parts)

    @property
    def title(self) -> str:
        return Path(self.path).name if self.path else "Untitled"

    @property
    def is_project_file(self) -> bool:
        return bool(self.path) and Path(str(self.path)).suffix.lower() == PROJECT_SUFFIX

    def set_path(self, path: str | None) -> None:
        self.path = path
        self.titleChanged.emit()

    def project(self) -> Project:
        fields: dict[str, Any] = {}
        for part in self.parts:
            fields.update(part.capture())
        return Project(**fields)

    # ------------------------------------------------------------------ files
    def save(self, path: str) -> bool:
        """Write the project to `path` (atomically); the document then lives there."""
        try:
            save_project(path, self.project())
        except (DocumentError, OSError) as exc:
            self.failed.emit("Cannot save the project", str(exc))
            return False
        for part in self.parts:
            part.mark_saved()
        self.remove_snapshot()
        self.set_path(path)
        self.notice.emit(f"Saved {Path(path).name}")
        return True

    def open(self, path: str) -> bool:
        """Read `path` and hand each part its state; on any problem the open work is unchanged."""
        try:
            project = load_project(path)
        except (DocumentError, OSError) as exc:
            self.failed.emit("Cannot open the project", f"{exc}\nYour current painting is unchanged.")
            return False
        if not self.apply(project):
            return False
        self.set_path(path)
        self.notice.emit(f"Opened {Path(path).name}")
        return True

    def apply(self, project: Project, *, modified: bool = False) -> bool:
        for part in self.parts:
            try:
                problems = part.restore(project, modified=modified)
            except ValueError as exc:
                self.failed.emit("Cannot open the project", str(exc))
                return False
            for problem in problems:
                self.notice.emit(problem)
        return True

    # ------------------------------------------------------------------ autosave / recovery
    def autosave(self) -> None:
        if not self.is_modified or not self.recovery.active:
            return
        try:
            self.recovery.save_snapshot(self.document_id, self.project(), title=self.title, source_path=self.path)
        except (DocumentError, OSError) as exc:
            self.notice.emit(f"Autosave failed: {exc}")

    def remove_snapshot(self) -> None:
        if self.recovery.active:
            try:
                self.recovery.remove_snapshot(self.document_id)
            except OSError:
                pass

    def recoverable(self) -> list[RecoverableSnapshot]:
        """Snapshots left by sessions that ended without closing, newest first."""
        return self.recovery.list_recoverable()

    def discard(self, snapshots: list[RecoverableSnapshot]) -> None:
        for snapshot in snapshots:
            self.recovery.discard(snapshot)

    def recover(self, snapshot: RecoverableSnapshot) -> bool:
        """Open an autosaved snapshot as modified work; it is protected again at once."""
        try:
            project = self.recovery.recover(snapshot)
        except (DocumentError, OSError) as exc:
            self.failed.emit("Cannot recover", str(exc))
            return False
        if not self.apply(project, modified=True):
            return False
        source = snapshot.source_path
        self.set_path(source if source and source.lower().endswith(PROJECT_SUFFIX) else None)
        self.recovery.discard(snapshot)
        self.autosave()
        self.notice.emit(f"Recovered {snapshot.title}")
        return True

    def start_autosave(self, interval_ms: int) -> None:
        self.autosave_timer.start(interval_ms)

    def close(self) -> None:
        """The window closes with the work saved or discarded: no snapshot is left to recover."""
        self.autosave_timer.stop()
        self.recovery.end_session()
