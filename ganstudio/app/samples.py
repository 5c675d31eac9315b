"""Sample inputs shipped in resources/samples/: face photos for Attributes; landscape photos
(CycleGAN), colour label maps (pix2pix) and landscapes with their tree masks beside them (InstaGAN) for Convert."""
from __future__ import annotations

import os
from pathlib import Path

from ganstudio import families
from ganstudio.app.resources import resources_dir
from ganstudio.document.mask_files import is_mask_file

SAMPLES_DIR = resources_dir() / "samples"
SAMPLE_SUFFIXES = (".png", ".jpg", ".jpeg")
KIND_TITLES = {"faces": "Face photos", "landscapes": "Landscape photos", "label-maps": "Colour label maps (pix2pix input)",
               "instances": "Landscapes with tree masks (InstaGAN input)"}
CONVERT_KINDS = ("landscapes", "label-maps", "instances")


def sample_files(kind: str, folder: str | os.PathLike[str] | None = None) -> list[Path]:
    """The sample images of `kind` (a KIND_TITLES key), by name; none if the folder is missing."""
    directory = Path(folder or SAMPLES_DIR) / kind
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in SAMPLE_SUFFIXES and not is_mask_file(p))


def convert_sample_kind(arch: str | None) -> str:
    """The samples a conversion model takes, as its family declares them (the bundled pix2pix paints
    colour label maps, CycleGAN converts photos); landscape photos when it is not known yet."""
    kind = families.sample_kind(arch)
    return kind if kind in CONVERT_KINDS else "landscapes"


def matching_sample(path: str | os.PathLike[str], kind: str, folder: str | os.PathLike[str] | None = None) -> Path | None:
    """The sample of `kind` at the same place in its list as the sample `path` (the same scene);
    None when `path` is not one of the samples."""
    resolved = Path(path).resolve()
    for own_kind in KIND_TITLES:
        files = [p.resolve() for p in sample_files(own_kind, folder)]
        if resolved in files:
            others = sample_files(kind, folder)
            return others[min(files.index(resolved), len(others) - 1)] if others else None
    return None
