"""Autosave snapshots and crash recovery (the app's timer drives it; nothing here runs by itself).

Layout under the recovery folder (by default ``<user data dir>/recovery``)::

    session-<pid>-<token>/
        session.lock        held locked for the life of the running app
        session.json        {"pid", "started"}
        <document id>.gstudio   the latest snapshot of an open document
        <document id>.json      {"title", "source_path", "saved_at"}

A running app calls `start_session()` once, `save_snapshot()` for each
modified document (every minute; `AUTOSAVE_INTERVAL_S`), `remove_snapshot()`
once a document is saved or closed, and `end_session()` on a clean exit,
which deletes its folder. A folder whose lock is free therefore belongs to an
app that crashed (the OS drops a dead process's locks, so a reused pid cannot
fool it); its snapshots are offered by `list_recoverable()`, opened with
`recover()` and deleted with `discard()`. The info files are only hints: a
broken, oversized or wrongly typed field is ignored (the snapshot's file time
stands in for ``saved_at``), and `recover()` reads the snapshot like any
untrusted project file, so recovery at start-up never raises for them.
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .atomic import write_atomic
from .errors import DocumentError
from .limits import MAX_INFO_FILE_BYTES
from .project import Project, load_project, save_project

AUTOSAVE_INTERVAL_S = 60
SESSION_PREFIX = "session-"
LOCK_FILE = "session.lock"
SESSION_FILE = "session.json"
SNAPSHOT_SUFFIX = ".gstudio"

_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def default_recovery_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("ganstudio", appauthor=False)) / "recovery"


def _try_lock(handle: IO[Any]) -> bool:
    """Take an exclusive non-blocking lock on an open file; False if someone holds it."""
    if os.name == "nt":
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _pid_alive(pid: int) -> bool:
    # Only a fallback for folders without a lock file.
    if pid <= 0:
        return False
    if os.name == "nt":
        return False  # cannot tell cheaply; the lock file is the real test there
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_info(path: Path) -> dict[str, Any]:
    """A small JSON object written by us ({} when missing, oversized, broken or not an object).

    These files only help (titles, times, pids); a damaged one must never stop
    start-up recovery, so every problem reads as "no information".
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_INFO_FILE_BYTES + 1)
    except OSError:
        return {}
    if len(data) > MAX_INFO_FILE_BYTES:
        return {}
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def _finite_number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _session_alive(folder: Path) -> bool:
    lock_path = folder / LOCK_FILE
    if not lock_path.exists():
        pid = _read_info(folder / SESSION_FILE).get("pid")
        if not isinstance(pid, int) or isinstance(pid, bool) or not 0 < pid < 1 << 31:
            return False
        return _pid_alive(pid)
    try:
        with open(lock_path, "a+b") as handle:
            return not _try_lock(handle)  # closing the file releases a lock we took
    except OSError:
        return True  # cannot tell: leave it alone


@dataclass(frozen=True)
class RecoverableSnapshot:
    """A document left behind by a session that did not exit cleanly."""

    path: Path
    document_id: str
    title: str
    source_path: str | None
    saved_at: float


class RecoveryStore:
    """The recovery folder of this app instance and the crashed sessions in it."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root) if root is not None else default_recovery_dir()
        self._session_dir: Path | None = None
        self._lock_handle: IO[Any] | None = None

    @property
    def session_dir(self) -> Path | None:
        return self._session_dir

    @property
    def active(self) -> bool:
        return self._session_dir is not None

    def start_session(self) -> Path:
        """Create and lock this instance's session folder (idempotent)."""
        if self._session_dir is not None:
            return self._session_dir
        folder = self.root / f"{SESSION_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            folder.mkdir(parents=True)
            handle = open(folder / LOCK_FILE, "a+b")
        except OSError as exc:
            raise DocumentError(f"cannot create the recovery folder {folder}: {exc.strerror or exc}") from None
        if not _try_lock(handle):
            handle.close()
            raise DocumentError(f"the recovery folder {folder} is locked by another process")
        self._lock_handle = handle
        self._session_dir = folder
        write_atomic(folder / SESSION_FILE, json.dumps({"pid": os.getpid(), "started": time.time()}).encode())
        return folder

    def _snapshot_paths(self, document_id: str) -> tuple[Path, Path]:
        if not _SAFE_ID.match(document_id):
            raise ValueError(f"document id {document_id!r} must be 1-64 letters, digits, '-' or '_'")
        if self._session_dir is None:
            raise RuntimeError("start_session() first")
        return (
            self._session_dir / f"{document_id}{SNAPSHOT_SUFFIX}",
            self._session_dir / f"{document_id}.json",
        )

    def save_snapshot(
        self,
        document_id: str,
        project: Project,
        *,
        title: str = "",
        source_path: str | os.PathLike[str] | None = None,
    ) -> Path:
        """Write (atomically) the latest state of a document; replaces its previous snapshot."""
        snapshot, meta = self._snapshot_paths(document_id)
        save_project(snapshot, project)
        info = {
            "title": title,
            "source_path": os.fspath(source_path) if source_path is not None else None,
            "saved_at": time.time(),
        }
        write_atomic(meta, json.dumps(info, ensure_ascii=False).encode("utf-8"))
        return snapshot

    def remove_snapshot(self, document_id: str) -> None:
        """Forget a document's snapshot (it was saved or closed)."""
        for path in self._snapshot_paths(document_id):
            path.unlink(missing_ok=True)

    def end_session(self) -> None:
        """Clean exit: delete this session's snapshots and folder."""
        folder, handle = self._session_dir, self._lock_handle
        self._session_dir = self._lock_handle = None
        if handle is not None:
            handle.close()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)

    def list_recoverable(self) -> list[RecoverableSnapshot]:
        """Snapshots of crashed sessions, newest first. Empty folders of crashed sessions are removed."""
        if not self.root.is_dir():
            return []
        found: list[RecoverableSnapshot] = []
        for folder in sorted(self.root.glob(f"{SESSION_PREFIX}*")):
            if not folder.is_dir() or folder == self._session_dir or _session_alive(folder):
                continue
            snapshots = sorted(folder.glob(f"*{SNAPSHOT_SUFFIX}"))
            if not snapshots:
                shutil.rmtree(folder, ignore_errors=True)
                continue
            for snapshot in snapshots:
                document_id = snapshot.name[: -len(SNAPSHOT_SUFFIX)]
                # the snapshot itself is what matters: a broken field of its info is ignored
                info = _read_info(folder / f"{document_id}.json")
                title, source = info.get("title"), info.get("source_path")
                saved_at = _finite_number(info.get("saved_at"))
                if saved_at is None:
                    try:
                        saved_at = snapshot.stat().st_mtime
                    except OSError:
                        continue  # gone since the listing
                found.append(
                    RecoverableSnapshot(
                        path=snapshot,
                        document_id=document_id,
                        title=title if isinstance(title, str) and title else document_id,
                        source_path=source if isinstance(source, str) and source else None,
                        saved_at=saved_at,
                    )
                )
        found.sort(key=lambda s: s.saved_at, reverse=True)
        return found

    def recover(self, snapshot: RecoverableSnapshot) -> Project:
        """Open a crashed session's snapshot. It stays on disk until `discard`."""
        return load_project(snapshot.path)

    def discard(self, snapshot: RecoverableSnapshot) -> None:
        """Delete a snapshot (recovered and re-saved, or declined), and its folder when empty."""
        snapshot.path.unlink(missing_ok=True)
        (snapshot.path.parent / f"{snapshot.document_id}.json").unlink(missing_ok=True)
        folder = snapshot.path.parent
        if not any(folder.glob(f"*{SNAPSHOT_SUFFIX}")) and not _session_alive(folder):
            shutil.rmtree(folder, ignore_errors=True)
