"""Atomic file replacement: write a temporary file in the same folder, fsync it, then os.replace.

Readers see either the old file or the complete new one, never a partial
write; when anything fails the old file is left as it was and the temporary
file is removed. The new file keeps the old one's permissions (a new file gets
0644 less the umask). Standard library only, so every layer may use it: the
document layer wraps the OSErrors into its own errors, the checkpoint and
training code lets them through.

A process killed mid-write leaves its temporary file behind
(``.<name>.<pid>-<8 hex>.tmp``). Each successful write therefore removes the
stale temporary files of its own target: those whose writer's pid is no longer
alive on this machine (and that are at least a minute old), and any, ours or
older-named ones without a pid, untouched for an hour. A live writer's file is
left alone: its pid is alive, and it is being written (a writer that stalls
for an hour without writing a byte is taken for dead).
"""
from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

NEW_FILE_MODE = 0o644  # before the umask, as a plain open() would give a user's document
STALE_TEMP_AGE_S = 3600.0  # untouched this long: its writer is gone (or stuck past saving anything)
DEAD_WRITER_GRACE_S = 60.0  # a dead pid's file must be this old too (clock skew, shared folders)


class TemporaryFileError(OSError):
    """The temporary file could not be made next to the target (missing or read-only folder, disk full...).

    `filename` is the folder; `errno` and `strerror` are those of the failure.
    """


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """``with atomic_writer(p) as f: f.write(...)`` replaces `p` only if the block succeeds.

    Any exception (OSErrors included) propagates unchanged, after the
    temporary file is removed; TemporaryFileError if none could be made.
    """
    target = Path(path)
    tmp, fd, new_mode = _make_temporary(target)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        _set_mode(target, tmp, new_mode)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)
    remove_stale_temporaries(target)


def atomic_write_to_path(path: str | os.PathLike[str], write: Callable[[str], None]) -> None:
    """Run ``write(tmp_path)`` (for writers that take a file name, e.g. torch.save), then rename over `path`."""
    target = Path(path)
    tmp, fd, new_mode = _make_temporary(target)
    os.close(fd)
    try:
        write(os.fspath(tmp))
        _set_mode(target, tmp, new_mode)  # after the writer: some replace the file rather than write into it
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)
    remove_stale_temporaries(target)


def _temporary_pattern(target: Path) -> re.Pattern[str]:
    # ".<name>.<pid>-<hex>.tmp", or ".<name>.<hex>.tmp" as written before pids were added
    return re.compile(r"\." + re.escape(target.name) + r"\.(?:(\d{1,10})-)?[0-9a-f]{8}\.tmp")


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return True  # os.kill would end the process on Windows; the age rule covers it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # alive but not ours, or cannot tell: keep the file
    return True


def remove_stale_temporaries(path: str | os.PathLike[str], *, now: float | None = None) -> list[Path]:
    """Delete the temporary files that killed writes of `path` left beside it; returns those removed.

    Only names of our own pattern for this very target are considered, and of
    those only files whose writer is gone (see the module docstring). Never
    raises: a folder that cannot be listed, or a file already gone, is skipped.
    """
    target = Path(path)
    pattern = _temporary_pattern(target)
    prefix = f".{target.name}."
    now = time.time() if now is None else now
    candidates: list[tuple[os.DirEntry[str], str | None]] = []
    try:
        with os.scandir(target.parent) as listing:
            for entry in listing:
                # cheap filter first: a folder of outputs can hold many thousands of files
                if entry.name.startswith(prefix) and (match := pattern.fullmatch(entry.name)):
                    candidates.append((entry, match.group(1)))
    except OSError:
        return []
    removed: list[Path] = []
    for entry, pid in candidates:
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        dead_writer = pid is not None and age >= DEAD_WRITER_GRACE_S and not _pid_alive(int(pid))
        if dead_writer or age >= STALE_TEMP_AGE_S:
            try:
                os.unlink(entry.path)
            except OSError:
                continue
            removed.append(Path(entry.path))
    return removed


def _make_temporary(target: Path) -> tuple[Path, int, int]:
    """A new hidden file beside `target`: its path, an open descriptor and its mode.

    It is created 0644 less the umask, the mode a new target gets (mkstemp's
    0600 would hide it from others); reading the umask with os.umask() would
    change it process-wide for a moment, a race with other threads.
    """
    folder = target.parent
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        # the pid lets a later write tell a killed writer's leftover from a live one's file
        tmp = folder / f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, flags, NEW_FILE_MODE)
        except FileExistsError:
            continue
        except OSError as exc:
            raise TemporaryFileError(exc.errno, exc.strerror or str(exc), os.fspath(folder)) from exc
        return tmp, fd, os.fstat(fd).st_mode & 0o777
    raise TemporaryFileError(0, "no free temporary file name", os.fspath(folder))


def _set_mode(target: Path, tmp: Path, new_mode: int) -> None:
    # An existing file's permissions carry over; chmod has no say on Windows beyond read-only.
    if os.name != "posix":
        return
    try:
        mode = target.stat().st_mode & 0o777
    except OSError:
        mode = new_mode
    os.chmod(tmp, mode)


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable; not possible (nor needed) on Windows.
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
