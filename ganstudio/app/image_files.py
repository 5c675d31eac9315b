"""The file steps the image workspaces share: open a photo, write a result, list a folder to run on.

Each one tells the user why it could not go on through `notice` (a
view-model's ``notice.emit``) and answers False or None then, so the
view-models keep only what differs: their wording and their settings.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ganstudio.document.batch_names import TemplateError, check_template, list_images
from ganstudio.document.errors import DocumentError
from ganstudio.document.image_io import read_photo, write_image

Notice = Callable[[str], None]
ShowPhoto = Callable[[np.ndarray, str, list[str]], None]  # pixels, path, notes (what read_photo adjusted)


def open_photo(path: str | os.PathLike[str], show: ShowPhoto, notice: Notice, what: str) -> bool:
    """Read an image file and hand it to `show`; `what` names it in the error ("photo", "image")."""
    try:
        photo = read_photo(path)
    except DocumentError as exc:
        notice(f"Cannot open the {what}: {exc}")
        return False
    show(photo.pixels, os.fspath(path), photo.notes)
    if photo.notes:
        notice(f"{Path(path).name}: " + "; ".join(photo.notes))
    return True


def write_result(path: str | os.PathLike[str], pixels: np.ndarray, settings: dict[str, Any], notice: Notice, *,
                 source_path: str, source_name: str, action: str) -> bool:
    """Write `pixels` with the settings that made them, never over the source file.

    `source_name` names the source in the refusal ("input image"), `action` the
    step in the error ("save", "export").
    """
    if source_path and os.path.realpath(path) == os.path.realpath(source_path):
        notice(f"Choose another name: the {source_name} is never overwritten")
        return False
    try:
        write_image(path, pixels, settings=settings)
    except (DocumentError, OSError) as exc:
        notice(f"Cannot {action}: {exc}")
        return False
    return True


def folder_inputs(input_folder: str | os.PathLike[str], template: str, notice: Notice) -> tuple[str, ...] | None:
    """The image files a folder run would read, once the output-name template is known to be valid."""
    try:
        check_template(template)
        inputs = list_images(input_folder)
    except TemplateError as exc:
        notice(f"Output names: {exc}")
        return None
    except OSError as exc:
        notice(f"Cannot read the folder {input_folder}: {exc.strerror or exc}")
        return None
    if not inputs:
        notice(f"There are no image files in {input_folder}")
        return None
    return tuple(os.fspath(p) for p in inputs)
