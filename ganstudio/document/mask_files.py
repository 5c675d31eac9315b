"""Where instance masks live beside a picture: `<stem>_mask<k>.png`, k from 1, one grey PNG per instance.

"Save output..." writes the translated masks this way, Convert reads a picture's masks this way when an
instance model (InstaGAN) opens it, and the shipped InstaGAN samples are laid out so.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

MASK_SUFFIX = re.compile(r"_mask(\d{1,3})$")
MAX_MASK_FILES = 20  # as many as InstaGAN translates


def mask_file(picture: str | os.PathLike[str], k: int) -> Path:
    """The k-th (from 1) mask file beside `picture`."""
    path = Path(picture)
    return path.with_name(f"{path.stem}_mask{k}.png")


def is_mask_file(path: str | os.PathLike[str]) -> bool:
    """Whether `path` is named as a picture's mask (not a picture of its own)."""
    return Path(path).suffix.lower() == ".png" and MASK_SUFFIX.search(Path(path).stem) is not None


def masks_beside(picture: str | os.PathLike[str]) -> list[Path]:
    """The mask files beside `picture`, in order of k (1, 2, ... with gaps allowed), at most MAX_MASK_FILES."""
    path = Path(picture)
    try:
        names = os.listdir(path.parent)
    except OSError:
        return []
    found = []
    for name in names:
        candidate = path.parent / name
        match = MASK_SUFFIX.search(candidate.stem)
        if match and candidate.suffix.lower() == ".png" and candidate.stem[: match.start()] == path.stem and candidate.is_file():
            found.append((int(match.group(1)), candidate))
    return [p for _k, p in sorted(found)][:MAX_MASK_FILES]
