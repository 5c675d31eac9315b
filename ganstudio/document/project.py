"""Project files (.gstudio): everything needed to reproduce a piece of work.

A project file is a zip archive holding

``project.json``
    ``{"format": "ganstudio-project", "version": 1, "model": {...} | null,
    "label_map": {"file", "width", "height", "palette"} | null, "view": {...},
    "region_styles": {...}, "latent_favourites": [...], "workspace": {...}}``
``labelmap.png``
    the label map as written by `image_io.encode_label_map`.
``styles.safetensors`` / ``latents.safetensors``
    named numpy arrays (style codes; latent vectors), dtype and shape exact.

The JSON parts are free-form for the app (view state, the description of
which source each region's style comes from, favourites that refer to arrays
by name, per-workspace state); they only need to be JSON-serialisable.
Saving is atomic; loading checks everything and raises FileReadError (or
ClassIdOutOfRangeError for a label map that does not fit its palette) with
the file name, never returning half a project.
"""
from __future__ import annotations

import io
import json
import os
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load as load_arrays
from safetensors.numpy import save as save_arrays

from .atomic import write_atomic
from .errors import ClassIdOutOfRangeError, DocumentError, FileReadError, PaletteError
from .image_io import encode_label_map, read_label_map
from .labelmap import LabelMap
from .palette import Palette

FORMAT = "ganstudio-project"
VERSION = 1
SUFFIX = ".gstudio"
STATE_FILE = "project.json"
LABEL_MAP_FILE = "labelmap.png"
STYLES_FILE = "styles.safetensors"
LATENTS_FILE = "latents.safetensors"


@dataclass
class ModelReference:
    """Which model the project was made with: where it was, its architecture and hash."""

    path: str
    arch: str = ""
    sha256: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "arch": self.arch, "sha256": self.sha256}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "ModelReference":
        return cls(path=str(data.get("path", "")), arch=str(data.get("arch", "")), sha256=data.get("sha256"))


@dataclass
class Project:
    """The saved state of one piece of work (see the module docstring for the file layout)."""

    label_map: LabelMap | None = None
    model: ModelReference | None = None
    view: dict[str, Any] = field(default_factory=dict)
    region_styles: dict[str, Any] = field(default_factory=dict)
    style_codes: dict[str, np.ndarray] = field(default_factory=dict)
    latent_favourites: list[dict[str, Any]] = field(default_factory=list)
    latents: dict[str, np.ndarray] = field(default_factory=dict)
    workspace: dict[str, Any] = field(default_factory=dict)


def _arrays_bytes(arrays: Mapping[str, np.ndarray], what: str) -> bytes:
    clean = {}
    for key, value in arrays.items():
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            raise DocumentError(f"{what} {key!r} has dtype {array.dtype}; only numeric arrays can be saved")
        clean[str(key)] = np.ascontiguousarray(array)
    return save_arrays(clean)


def encode_project(project: Project) -> bytes:
    """The bytes of a .gstudio file for `project`."""
    state: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "model": project.model.to_json() if project.model else None,
        "label_map": None,
        "view": project.view,
        "region_styles": project.region_styles,
        "latent_favourites": project.latent_favourites,
        "workspace": project.workspace,
    }
    if project.label_map is not None:
        state["label_map"] = {
            "file": LABEL_MAP_FILE,
            "width": project.label_map.width,
            "height": project.label_map.height,
            "palette": project.label_map.palette.to_json(),
        }
    try:
        state_text = json.dumps(state, ensure_ascii=False, indent=1)
    except (TypeError, ValueError) as exc:
        raise DocumentError(f"the project state cannot be saved as JSON: {exc}") from None

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(STATE_FILE, state_text)
        if project.label_map is not None:
            # PNG is compressed already
            archive.writestr(LABEL_MAP_FILE, encode_label_map(project.label_map), compress_type=zipfile.ZIP_STORED)
        if project.style_codes:
            archive.writestr(STYLES_FILE, _arrays_bytes(project.style_codes, "style code"))
        if project.latents:
            archive.writestr(LATENTS_FILE, _arrays_bytes(project.latents, "latent"))
    return buffer.getvalue()


def save_project(path: str | os.PathLike[str], project: Project) -> Path:
    """Write `project` to `path` atomically (the old file stays intact on any failure)."""
    return write_atomic(path, encode_project(project))


def _expect(value: Any, kind: type, what: str, label: str) -> Any:
    if not isinstance(value, kind):
        raise FileReadError(f"{what} in {STATE_FILE} should be a {kind.__name__}", path=label)
    return value


def _read_arrays(archive: zipfile.ZipFile, member: str, label: str) -> dict[str, np.ndarray]:
    if member not in archive.namelist():
        return {}
    try:
        return {key: np.array(value) for key, value in load_arrays(archive.read(member)).items()}
    except (SafetensorError, ValueError, KeyError, OSError) as exc:
        raise FileReadError(f"{member} is corrupt ({exc})", path=label) from None


def load_project(source: str | os.PathLike[str] | io.BytesIO, *, name: str | None = None) -> Project:
    """Read and validate a .gstudio file."""
    label = name or (os.fspath(source) if isinstance(source, (str, os.PathLike)) else "<project>")
    try:
        archive = zipfile.ZipFile(source)
    except FileNotFoundError:
        raise FileReadError("file not found", path=label) from None
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileReadError("not a GAN Studio project (not a readable zip archive)", path=label) from None
    try:
        with archive:
            return _load_from_archive(archive, label)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise FileReadError(f"the project archive is damaged ({exc})", path=label) from None


def _load_from_archive(archive: zipfile.ZipFile, label: str) -> Project:
    names = set(archive.namelist())
    if STATE_FILE not in names:
        raise FileReadError(f"not a GAN Studio project ({STATE_FILE} is missing)", path=label)
    try:
        state = json.loads(archive.read(STATE_FILE).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise FileReadError(f"{STATE_FILE} is not valid JSON ({exc})", path=label) from None
    _expect(state, dict, "the top level", label)
    if state.get("format") != FORMAT:
        raise FileReadError(f"not a GAN Studio project (format {state.get('format')!r})", path=label)
    version = state.get("version")
    if not isinstance(version, int) or version < 1:
        raise FileReadError(f"unknown project format version {version!r}", path=label)
    if version > VERSION:
        raise FileReadError(
            f"made by a newer GAN Studio (project format {version}; this version reads up to {VERSION})",
            path=label,
        )

    project = Project(
        view=_expect(state.get("view") or {}, dict, "'view'", label),
        region_styles=_expect(state.get("region_styles") or {}, dict, "'region_styles'", label),
        latent_favourites=_expect(state.get("latent_favourites") or [], list, "'latent_favourites'", label),
        workspace=_expect(state.get("workspace") or {}, dict, "'workspace'", label),
    )
    if state.get("model") is not None:
        project.model = ModelReference.from_json(_expect(state["model"], dict, "'model'", label))

    described = state.get("label_map")
    if described is not None:
        _expect(described, dict, "'label_map'", label)
        member = described.get("file", LABEL_MAP_FILE)
        if member not in names:
            raise FileReadError(f"the label map {member} is missing from the archive", path=label)
        try:
            palette = Palette.from_json(described.get("palette"))
        except PaletteError as exc:
            raise FileReadError(f"its palette is invalid ({exc.reason})", path=label) from None
        try:
            read = read_label_map(io.BytesIO(archive.read(member)), palette, name=f"{label}/{member}")
        except ClassIdOutOfRangeError as exc:
            raise ClassIdOutOfRangeError(exc.ids, exc.num_classes, path=label) from None
        except FileReadError as exc:
            raise FileReadError(f"its label map is unreadable ({exc.reason})", path=label) from None
        size = (described.get("width"), described.get("height"))
        if size != (read.labelmap.width, read.labelmap.height):
            raise FileReadError(
                f"the label map is {read.labelmap.width}x{read.labelmap.height} but the project says "
                f"{size[0]}x{size[1]}",
                path=label,
            )
        project.label_map = read.labelmap

    project.style_codes = _read_arrays(archive, STYLES_FILE, label)
    project.latents = _read_arrays(archive, LATENTS_FILE, label)
    return project
