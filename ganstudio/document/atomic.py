"""Atomic file writes: a temporary file in the same folder, fsync, then os.replace.

Readers see either the old file or the complete new one, never a partial
write; when anything fails the old file is left as it was and the temporary
file is removed.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from .errors import FileWriteError


def _fsync_dir(folder: Path) -> None:
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


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """``with atomic_writer(p) as f: f.write(...)`` replaces `p` only if the block succeeds.

    OSErrors (disk full, permission denied...) become FileWriteError naming the
    file; other exceptions from the block propagate unchanged. Either way the
    previous file is untouched.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise FileWriteError(f"cannot write in {folder}: {exc.strerror or exc}", path=target) from exc
    tmp = Path(tmp_name)
    try:
        # mkstemp creates the file private (0600); keep the old file's mode, else a usual 0644
        try:
            mode = target.stat().st_mode & 0o777
        except OSError:
            mode = 0o644
        if os.name == "posix":
            os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise FileWriteError(f"could not be saved: {exc.strerror or exc}", path=target) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(folder)


def write_atomic(path: str | os.PathLike[str], produce: bytes | Callable[[BinaryIO], None]) -> Path:
    """Write `produce` (bytes, or a function that writes to the file) atomically; returns the path."""
    with atomic_writer(path) as handle:
        if isinstance(produce, (bytes, bytearray, memoryview)):
            handle.write(produce)
        else:
            produce(handle)
    return Path(path)
