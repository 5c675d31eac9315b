"""The one exception type every loader raises for a file it cannot use."""
from __future__ import annotations

import os


class CheckpointError(Exception):
    """A model file cannot be used. The message names the file and what is wrong."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        self.path = os.fspath(path)
        self.reason = reason
        super().__init__(f"{os.path.basename(self.path) or self.path}: {reason}")
