"""Project files (.gstudio): everything needed to reproduce a piece of work.

A project file is a zip archive holding

``project.json``
    ``{"format": "ganstudio-project", "version": 1, "model": {...} | null,
    "label_map": {"file", "width", "height", "palette"} | null, "view": {...},
    "region_styles": {...}, "latent_favourites": [...], "layout": {...}, "workspace": {...}}``
``labelmap.png``
    the label map as written by `image_io.encode_label_map`.
``styles.safetensors`` / ``latents.safetensors``
    named numpy arrays (style codes; latent vectors), dtype and shape exact.

``region_styles.noise`` (optional; files without it open with the default
noise) is the OASIS noise state of `oasis_noise.NoiseState`: ``{"seed": int,
"rerolls": [{"seed": int, "class_id": int} | {"seed": int, "mask":
"noise.reroll<i>.mask"}]}``, at most `oasis_noise.MAX_REROLLS` re-rolls; each
mask is a uint8 (height x width) array in styles.safetensors.

``layout`` (optional) is the Layout workspace's boxes: ``{"scene_seed": int, "boxes": [{"class": name,
"x", "y", "w", "h": fractions of the picture, "seed": int}]}``, at most `MAX_LAYOUT_BOXES` boxes; classes go
by name, since ids differ between models.

The JSON parts are free-form for the app (view state, the description of
which source each region's style comes from, favourites that refer to arrays
by name, per-workspace state); they only need to be JSON-serialisable, with
no booleans among the arrays. Saving is atomic. Loading treats the file as
untrusted: member sizes and compression ratios are checked from the zip
directory before anything is inflated and counted while inflating, the JSON's
nesting is bounded and every field the app reads is type-checked, safetensors
headers (dtypes, shapes) are checked before their data is read (limits in
`limits.py`). Any problem is a FileReadError (or ClassIdOutOfRangeError for a
label map that does not fit its palette) naming the file; never half a project.
"""
from __future__ import annotations

import io
import json
import os
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np
from safetensors.numpy import save as save_arrays

from . import limits
from .atomic import write_atomic
from .errors import ClassIdOutOfRangeError, DocumentError, FileReadError, PaletteError
from .image_io import encode_label_map, read_label_map
from .labelmap import LabelMap
from .oasis_noise import MAX_CLASS_ID, MAX_REROLLS, MAX_SEED
from .palette import Palette
from .safe_read import ArrayCheck, SafeZip, parse_json, read_safetensors

FORMAT = "ganstudio-project"
VERSION = 1
MAX_LAYOUT_BOXES = 256  # LostGAN's published files take 8 (COCO) or 31 (Visual Genome) objects
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
    layout: dict[str, Any] = field(default_factory=dict)
    workspace: dict[str, Any] = field(default_factory=dict)


def _arrays_bytes(arrays: Mapping[str, np.ndarray], what: str) -> bytes:
    clean = {}
    for key, value in arrays.items():
        array = np.asarray(value)
        if array.dtype.kind not in "iuf":  # no booleans: readers refuse them where numbers go
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
        "layout": project.layout,
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


# ---------------------------------------------------------------------------
# reading: every size is checked before it is inflated, every field the app
# reads is checked for its type, so a hostile or broken file is one
# FileReadError naming the file (issue 22)

_MEMBER_LIMITS = {
    STATE_FILE: limits.MAX_PROJECT_JSON_BYTES,
    STYLES_FILE: limits.MAX_STYLES_MEMBER_BYTES,
    LATENTS_FILE: limits.MAX_LATENTS_MEMBER_BYTES,
}
_SOURCE_IMAGE = re.compile(r"^(source\d+|spade)\.image$")
_SOURCE_LABELS = re.compile(r"^source\d+\.labels$")
_NOISE_MASK = re.compile(r"^noise\.reroll\d{1,4}\.mask$")
_FAVOURITE_W = re.compile(r"^favourite\d+\.w$")
_FAVOURITE_THUMBNAIL = re.compile(r"^favourite\d+\.thumbnail$")
_MAX_INT = 1 << 63  # seeds, class ids, sizes: anything larger is not ours


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return {dict: "an object", list: "a list", str: "a string", int: "a whole number", float: "a number"}.get(type(value), type(value).__name__)


class _Fields:
    """Checks the types of a project.json's fields, naming each by its path (e.g. 'view.zoom')."""

    def __init__(self, label: str) -> None:
        self.label = label

    def fail(self, where: str, wanted: str, value: Any) -> FileReadError:
        return FileReadError(f"'{where}' in {STATE_FILE} should be {wanted}, not {_type_name(value)}", path=self.label)

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "an object", value)
        return value

    def sequence(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(where, "a list", value)
        return value

    def text(self, value: Any, where: str, *, optional: bool = False) -> str | None:
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise self.fail(where, "a string" + (" or null" if optional else ""), value)
        return value

    def integer(self, value: Any, where: str, low: int = -_MAX_INT, high: int = _MAX_INT) -> int:
        # bool is an int to Python; `version: true` is not a version
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(where, "a whole number", value)
        if not low <= value <= high:
            raise FileReadError(f"'{where}' in {STATE_FILE} is {value}, outside {low}..{high}", path=self.label)
        return value

    def number(self, value: Any, where: str) -> float:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise self.fail(where, "a number", value)
        return float(value)

    def flag(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(where, "true or false", value)
        return value

    def optional(self, data: dict[str, Any], key: str, check: Any, where: str, *args: Any) -> None:
        """Check `data[key]` with `check` when it is there."""
        if key in data:
            check(data[key], f"{where}.{key}", *args)


def _check_state(state: Any, label: str) -> dict[str, Any]:
    """The parsed project.json, with the type of every field the app reads checked."""
    f = _Fields(label)
    if not isinstance(state, dict):
        raise FileReadError(f"the top level of {STATE_FILE} should be an object, not {_type_name(state)}", path=label)
    if state.get("format") != FORMAT:
        shown = state.get("format")
        shown = shown[:40] if isinstance(shown, str) else _type_name(shown)
        raise FileReadError(f"not a GAN Studio project (format {shown!r})", path=label)
    version = state.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        shown = version if isinstance(version, int) and not isinstance(version, bool) else _type_name(version)
        raise FileReadError(f"unknown project format version {shown!r} (a whole number from 1 is expected)", path=label)
    if version > VERSION:
        raise FileReadError(
            f"made by a newer GAN Studio (project format {version}; this version reads up to {VERSION})",
            path=label,
        )

    model = state.get("model")
    if model is not None:
        f.mapping(model, "model")
        f.optional(model, "path", f.text, "model")
        f.optional(model, "arch", f.text, "model")
        if "sha256" in model:
            f.text(model["sha256"], "model.sha256", optional=True)

    described = state.get("label_map")
    if described is not None:
        f.mapping(described, "label_map")
        f.optional(described, "file", f.text, "label_map")
        if len(described.get("file", LABEL_MAP_FILE)) > 255:
            raise FileReadError(f"'label_map.file' in {STATE_FILE} is not a member name (over 255 characters)", path=label)
        width = f.integer(described.get("width"), "label_map.width", 1, limits.MAX_LABEL_MAP_PIXELS)
        height = f.integer(described.get("height"), "label_map.height", 1, limits.MAX_LABEL_MAP_PIXELS)
        if width * height > limits.MAX_LABEL_MAP_PIXELS:
            raise FileReadError(
                f"its label map is {width}x{height} ({limits.megapixels(width * height)}); label maps can be at most "
                f"{limits.megapixels(limits.MAX_LABEL_MAP_PIXELS)} (4096x4096)",
                path=label,
            )
        entries = f.sequence(described.get("palette"), "label_map.palette")
        if not 1 <= len(entries) <= 65536:
            raise FileReadError(f"its palette has {len(entries)} classes (1 to 65536 can be used)", path=label)
        for index, entry in enumerate(entries):
            where = f"label_map.palette[{index}]"
            f.mapping(entry, where)
            f.optional(entry, "name", f.text, where)
            color = entry.get("color")
            if not isinstance(color, str):
                parts = f.sequence(color, f"{where}.color")
                if len(parts) != 3:
                    raise FileReadError(f"'{where}.color' in {STATE_FILE} should be [r, g, b]", path=label)
                for part in parts:
                    f.integer(part, f"{where}.color", 0, 255)

    view = f.mapping(state.get("view") or {}, "view")
    for key in ("zoom", "overlay_opacity", "brush_size"):
        f.optional(view, key, f.number, "view")
    f.optional(view, "split", f.flag, "view")
    f.optional(view, "current_class", f.integer, "view", 0, 65535)

    styles = f.mapping(state.get("region_styles") or {}, "region_styles")
    f.optional(styles, "seed", f.integer, "region_styles", 0, (1 << 64) - 1)
    if "sources" in styles:
        for index, name in enumerate(f.sequence(styles["sources"], "region_styles.sources")):
            f.text(name, f"region_styles.sources[{index}]")
    if "regions" in styles:
        for class_id, name in f.mapping(styles["regions"], "region_styles.regions").items():
            if not class_id.isdecimal() or int(class_id) > 65535:
                raise FileReadError(f"'region_styles.regions' in {STATE_FILE} has a key {class_id[:20]!r} that is not a class id", path=label)
            f.text(name, f"region_styles.regions.{class_id}")
    if "default" in styles:
        f.text(styles["default"], "region_styles.default", optional=True)
    if "blend" in styles and styles["blend"] is not None:
        blend = f.mapping(styles["blend"], "region_styles.blend")
        if "source" in blend:
            f.text(blend["source"], "region_styles.blend.source", optional=True)
        f.optional(blend, "amount", f.number, "region_styles.blend")

    if styles.get("noise") is not None:
        _check_noise(f, styles["noise"], label)

    favourites = f.sequence(state.get("latent_favourites") or [], "latent_favourites")
    for index, entry in enumerate(favourites):
        where = f"latent_favourites[{index}]"
        f.mapping(entry, where)
        for key in ("name", "w", "thumbnail"):
            f.optional(entry, key, f.text, where)
        if entry.get("settings") is not None:
            f.mapping(entry["settings"], f"{where}.settings")

    layout = f.mapping(state.get("layout") or {}, "layout")
    f.optional(layout, "scene_seed", f.integer, "layout", 0, _MAX_INT)
    boxes = f.sequence(layout.get("boxes") or [], "layout.boxes")
    if len(boxes) > MAX_LAYOUT_BOXES:
        raise FileReadError(f"its layout has {len(boxes)} boxes (at most {MAX_LAYOUT_BOXES} can be used)", path=label)
    for index, box in enumerate(boxes):
        where = f"layout.boxes[{index}]"
        f.mapping(box, where)
        f.text(box.get("class"), f"{where}.class")
        for key in ("x", "y", "w", "h"):
            if not -1.0 <= f.number(box.get(key), f"{where}.{key}") <= 2.0:  # NaN fails too
                raise f.fail(f"{where}.{key}", "a fraction of the picture", box.get(key))
        f.integer(box.get("seed"), f"{where}.seed", 0, _MAX_INT)

    workspace = f.mapping(state.get("workspace") or {}, "workspace")
    f.optional(workspace, "active", f.text, "workspace")
    return state


def _check_noise(f: _Fields, value: Any, label: str) -> None:
    """region_styles.noise: the OASIS noise state (seeds, a bounded list of class or mask re-rolls)."""
    noise = f.mapping(value, "region_styles.noise")
    f.optional(noise, "seed", f.integer, "region_styles.noise", 0, MAX_SEED)
    rerolls = f.sequence(noise.get("rerolls") or [], "region_styles.noise.rerolls")
    if len(rerolls) > MAX_REROLLS:
        raise FileReadError(f"its noise has {len(rerolls)} region re-rolls (at most {MAX_REROLLS} are kept)", path=label)
    for index, entry in enumerate(rerolls):
        where = f"region_styles.noise.rerolls[{index}]"
        f.mapping(entry, where)
        f.integer(entry.get("seed"), f"{where}.seed", 0, MAX_SEED)
        if ("class_id" in entry) == ("mask" in entry):
            raise FileReadError(f"'{where}' in {STATE_FILE} should name either a class_id or a mask", path=label)
        if "class_id" in entry:
            f.integer(entry["class_id"], f"{where}.class_id", 0, MAX_CLASS_ID)
        elif not _NOISE_MASK.match(f.text(entry["mask"], f"{where}.mask") or ""):
            raise FileReadError(f"'{where}.mask' in {STATE_FILE} is not a mask array's name", path=label)


def _style_array_problem(name: str, dtype: np.dtype[Any], shape: tuple[int, ...]) -> str | None:
    """Why a styles.safetensors array cannot be what its name says (None: fine). Sees the header only."""
    if _SOURCE_IMAGE.match(name):
        if dtype != np.uint8 or len(shape) != 3 or shape[2] != 3:
            return f"should be an RGB image (height x width x 3, uint8), not {dtype} {list(shape)}"
        if shape[0] * shape[1] > limits.MAX_PHOTO_PIXELS:
            return f"is a {shape[1]}x{shape[0]} image; photos can be at most {limits.megapixels(limits.MAX_PHOTO_PIXELS)}"
    elif _SOURCE_LABELS.match(name):
        if dtype not in (np.uint8, np.uint16) or len(shape) != 2:
            return f"should be a label map (height x width, uint8 or uint16), not {dtype} {list(shape)}"
        if shape[0] * shape[1] > limits.MAX_LABEL_MAP_PIXELS:
            return f"is a {shape[1]}x{shape[0]} label map; label maps can be at most {limits.megapixels(limits.MAX_LABEL_MAP_PIXELS)}"
    elif _NOISE_MASK.match(name):
        if dtype != np.uint8 or len(shape) != 2:
            return f"should be a re-roll mask (height x width, uint8), not {dtype} {list(shape)}"
        if shape[0] * shape[1] > limits.MAX_LABEL_MAP_PIXELS:
            return f"is a {shape[1]}x{shape[0]} mask; masks are label-map sized, at most {limits.megapixels(limits.MAX_LABEL_MAP_PIXELS)}"
    elif len(shape) > 4:
        return f"has {len(shape)} dimensions; style data has at most 4"
    return None


def _latent_array_problem(name: str, dtype: np.dtype[Any], shape: tuple[int, ...]) -> str | None:
    """Why a latents.safetensors array cannot be what its name says (None: fine). Sees the header only."""
    if _FAVOURITE_W.match(name):
        if dtype.kind != "f" or len(shape) != 2:
            return f"should be ws (num_ws x w_dim floats), not {dtype} {list(shape)}"
        if shape[0] * shape[1] > limits.MAX_LATENT_VALUES:
            return f"holds {shape[0]}x{shape[1]} values; a latent holds at most {limits.MAX_LATENT_VALUES}"
    elif _FAVOURITE_THUMBNAIL.match(name):
        if dtype != np.uint8 or len(shape) != 3 or shape[2] != 3:
            return f"should be an RGB thumbnail (height x width x 3, uint8), not {dtype} {list(shape)}"
        if shape[0] * shape[1] > limits.MAX_PHOTO_PIXELS:
            return f"is a {shape[1]}x{shape[0]} image; images can be at most {limits.megapixels(limits.MAX_PHOTO_PIXELS)}"
    elif len(shape) > 4:
        return f"has {len(shape)} dimensions; latent data has at most 4"
    return None


def _read_arrays(zipped: SafeZip, member: str, check: ArrayCheck) -> dict[str, np.ndarray]:
    if member not in zipped:
        return {}
    arrays = read_safetensors(zipped, member, _MEMBER_LIMITS[member], check)
    for name, array in arrays.items():
        if _FAVOURITE_W.match(name) and not np.isfinite(array).all():
            raise FileReadError(f"{member}: array {name!r} contains NaN or infinite values", path=zipped.label)
        if _SOURCE_LABELS.match(name):
            # a style source is a photo and its label map, pixel for pixel
            image = arrays.get(name[: -len("labels")] + "image")
            if image is not None and image.shape[:2] != array.shape:
                raise FileReadError(
                    f"{member}: style source {name[: -len('.labels')]!r} has a {image.shape[1]}x{image.shape[0]} photo "
                    f"but a {array.shape[1]}x{array.shape[0]} label map",
                    path=zipped.label,
                )
    return arrays


def load_project(source: str | os.PathLike[str] | io.BytesIO, *, name: str | None = None) -> Project:
    """Read and validate a .gstudio file.

    Raises FileReadError naming the file for anything unreadable, oversized
    (limits in `limits.py`) or of the wrong type, ClassIdOutOfRangeError for a
    label map that does not fit its palette.
    """
    label = name or (os.fspath(source) if isinstance(source, (str, os.PathLike)) else "<project>")
    with SafeZip(source, label, "GAN Studio project") as zipped:
        try:
            return _load_from_archive(zipped, label)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise FileReadError(f"the project archive is damaged ({exc})", path=label) from None


def _load_from_archive(zipped: SafeZip, label: str) -> Project:
    if STATE_FILE not in zipped:
        raise FileReadError(f"not a GAN Studio project ({STATE_FILE} is missing)", path=label)
    state = _check_state(parse_json(zipped.read_member(STATE_FILE, limits.MAX_PROJECT_JSON_BYTES), label, STATE_FILE), label)

    project = Project(
        view=state.get("view") or {},
        region_styles=state.get("region_styles") or {},
        latent_favourites=state.get("latent_favourites") or [],
        layout=state.get("layout") or {},
        workspace=state.get("workspace") or {},
    )
    if state.get("model") is not None:
        project.model = ModelReference.from_json(state["model"])

    described = state.get("label_map")
    if described is not None:
        member = described.get("file", LABEL_MAP_FILE)
        if member not in zipped:
            raise FileReadError(f"the label map {member} is missing from the archive", path=label)
        try:
            palette = Palette.from_json(described.get("palette"))
        except PaletteError as exc:
            raise FileReadError(f"its palette is invalid ({exc.reason})", path=label) from None
        png = zipped.read_member(member, limits.MAX_LABEL_MAP_MEMBER_BYTES)
        try:
            read = read_label_map(io.BytesIO(png), palette, name=f"{label}/{member}")
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

    project.style_codes = _read_arrays(zipped, STYLES_FILE, _style_array_problem)
    project.latents = _read_arrays(zipped, LATENTS_FILE, _latent_array_problem)
    return project
