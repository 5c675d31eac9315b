"""Sample inputs shipped in resources/samples/: face photos for Attributes, landscape photos for Convert."""
from __future__ import annotations

import os
from pathlib import Path

from ganstudio.app.resources import resources_dir

SAMPLES_DIR = resources_dir() / "samples"
SAMPLE_SUFFIXES = (".png", ".jpg", ".jpeg")


def sample_files(kind: str, folder: str | os.PathLike[str] | None = None) -> list[Path]:
    """The sample images of `kind` ("faces" or "landscapes"), by name; none if the folder is missing."""
    directory = Path(folder or SAMPLES_DIR) / kind
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in SAMPLE_SUFFIXES)
