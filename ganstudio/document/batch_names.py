"""Names of the files a folder conversion writes: a template, and never an input's name.

A template is a file name with fields in braces: ``{stem}`` (input name without
suffix), ``{name}`` (with suffix), ``{ext}`` (input suffix without the dot),
``{index}`` (1-based position, zero padded with e.g. ``{index:04d}``),
``{model}`` and ``{direction}``. The output format follows the template's
suffix (.png or .jpg/.jpeg); a template without one gets ``.png``.
"""
from __future__ import annotations

import os
import string
from pathlib import Path
from typing import Iterable

FIELDS = ("stem", "name", "ext", "index", "model", "direction")
OUTPUT_SUFFIXES = (".png", ".jpg", ".jpeg")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".gif", ".jfif", ".jpe", ".ppm", ".tga")
DEFAULT_TEMPLATE = "{stem}_{model}.png"


class TemplateError(ValueError):
    """The output name template cannot be used; the message says why."""


def check_template(template: str) -> str:
    """Return the template if it is usable, else raise TemplateError naming the problem."""
    template = template.strip()
    if not template:
        raise TemplateError("the output name template is empty")
    if "/" in template or "\\" in template or os.sep in template:
        raise TemplateError("the output name template must be a file name, not a path")
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise TemplateError(f"the output name template is malformed ({exc})") from None
    names = [field for _text, field, _spec, _conv in parsed if field is not None]
    unknown = [name for name in names if name.split(".")[0].split("[")[0] not in FIELDS]
    if unknown:
        raise TemplateError(f"unknown field(s) {', '.join('{' + u + '}' for u in unknown)} (use {', '.join('{' + f + '}' for f in FIELDS)})")
    if not any(name in ("stem", "name", "index") for name in names):
        raise TemplateError("the template needs {stem}, {name} or {index}, or every output would get the same name")
    suffix = Path(template).suffix.lower()
    if suffix and suffix not in OUTPUT_SUFFIXES and "{" not in suffix:
        raise TemplateError(f"outputs can be written as PNG or JPEG, not {suffix}")
    return template


def output_name(template: str, source: str | os.PathLike[str], index: int, *, model: str = "", direction: str = "") -> str:
    """The file name `template` gives the `index`-th (1-based) input."""
    path = Path(source)
    name = check_template(template).format(
        stem=path.stem, name=path.name, ext=path.suffix.lstrip("."), index=index, model=model, direction=direction
    )
    if Path(name).suffix.lower() not in OUTPUT_SUFFIXES:
        name += ".png"
    return name


def safe_output_path(folder: str | os.PathLike[str], name: str, protected: Iterable[str | os.PathLike[str]], *, overwrite: bool = False, taken: Iterable[str] = ()) -> Path:
    """A path in `folder` for `name` that is none of the `protected` files (the inputs).

    Existing files are replaced only when `overwrite` is set; otherwise (and
    always for an input or a path already used in this run, `taken`) a
    number is added: ``photo_x (2).png``.
    """
    folder = Path(folder)
    never = {os.path.normcase(os.path.realpath(p)) for p in protected} | {os.path.normcase(os.path.realpath(p)) for p in taken}
    candidate = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    number = 1
    while True:
        key = os.path.normcase(os.path.realpath(candidate))
        if key not in never and (overwrite or not candidate.exists()):
            return candidate
        number += 1
        candidate = folder / f"{stem} ({number}){suffix}"


def list_images(folder: str | os.PathLike[str]) -> list[Path]:
    """The files in `folder` (not recursive) whose suffix looks like an image, sorted by name.

    Files that merely look like images may still be unreadable; the
    conversion reports those instead of failing.
    """
    folder = Path(folder)
    return sorted((p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")), key=lambda p: p.name.lower())
