"""The one exception type every loader raises for a file it cannot use."""
from __future__ import annotations

import os


def printable(text: str) -> str:
    """`text` with control characters (terminal escapes, newlines) shown as escapes.

    Reasons quote names from the file itself (keys, arguments), and a crafted
    name could otherwise colour or rewrite the user's terminal.
    """
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


class CheckpointError(Exception):
    """A model file cannot be used. The message names the file and what is wrong."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        self.path = os.fspath(path)
        self.reason = printable(reason)
        super().__init__(f"{os.path.basename(self.path) or self.path}: {self.reason}")
