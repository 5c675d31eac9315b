"""Exceptions raised by the document layer.

Every problem the user should see as a message (not a crash) is a
`DocumentError`. Messages name the file (when there is one) and what is wrong,
so the app can show ``str(error)`` as is.
"""
from __future__ import annotations

import os
from typing import Iterable


class DocumentError(Exception):
    """Base class: something about a document, palette or file cannot be used."""

    def __init__(self, message: str, *, path: str | os.PathLike[str] | None = None) -> None:
        self.path = os.fspath(path) if path is not None else None
        self.reason = message
        if self.path is not None:
            message = f"{os.path.basename(self.path) or self.path}: {message}"
        super().__init__(message)


class FileReadError(DocumentError):
    """A file is missing, corrupt, truncated or not in a format we can read."""


class FileWriteError(DocumentError):
    """Writing a file failed; the previous file at that path (if any) is untouched."""


class PaletteError(DocumentError):
    """A palette description is malformed, or a class name/colour is unknown."""


class ClassIdOutOfRangeError(DocumentError):
    """A label map holds class ids that the palette does not have.

    `ids` are the offending ids (sorted, distinct); `num_classes` is the palette
    size, so valid ids are ``0 .. num_classes - 1``.
    """

    def __init__(
        self,
        ids: Iterable[int],
        num_classes: int,
        *,
        path: str | os.PathLike[str] | None = None,
    ) -> None:
        self.ids = sorted({int(i) for i in ids})
        self.num_classes = int(num_classes)
        shown = ", ".join(str(i) for i in self.ids[:12])
        if len(self.ids) > 12:
            shown += f", ... ({len(self.ids)} distinct ids)"
        super().__init__(
            f"class ids out of range for a palette of {self.num_classes} classes "
            f"(valid 0..{self.num_classes - 1}): {shown}",
            path=path,
        )
