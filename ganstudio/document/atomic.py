"""Atomic file writes for documents: ganstudio.atomic, with failures as FileWriteError naming the file.

Readers see either the old file or the complete new one, never a partial
write; when anything fails the old file is left as it was and the temporary
file is removed.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from ganstudio.atomic import TemporaryFileError
from ganstudio.atomic import atomic_writer as _replacing_writer

from .errors import FileWriteError


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """``with atomic_writer(p) as f: f.write(...)`` replaces `p` only if the block succeeds.

    OSErrors (disk full, permission denied...) become FileWriteError naming the
    file; other exceptions from the block propagate unchanged. Either way the
    previous file is untouched.
    """
    target = Path(path)
    try:
        with _replacing_writer(target) as handle:
            yield handle
    except TemporaryFileError as exc:
        raise FileWriteError(f"cannot write in {exc.filename}: {exc.strerror or exc}", path=target) from exc
    except OSError as exc:
        raise FileWriteError(f"could not be saved: {exc.strerror or exc}", path=target) from exc


def write_atomic(path: str | os.PathLike[str], produce: bytes | Callable[[BinaryIO], None]) -> Path:
    """Write `produce` (bytes, or a function that writes to the file) atomically; returns the path."""
    with atomic_writer(path) as handle:
        if isinstance(produce, (bytes, bytearray, memoryview)):
            handle.write(produce)
        else:
            produce(handle)
    return Path(path)
