"""The painting's style commands that ask the user something: a random style, a style photo, a style source."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ganstudio.document.errors import DocumentError
from ganstudio.document.image_io import read_label_map, read_photo

from ..dialogs import IMAGE_FILTER, LABEL_FILTER

if TYPE_CHECKING:
    from .workspace import PaintingWorkspace


class StyleDialogs:
    def __init__(self, workspace: "PaintingWorkspace") -> None:
        self.workspace = workspace

    def random_style(self) -> None:
        """A new random look: a style seed where the model has styles, new noise everywhere where it draws noise (OASIS)."""
        seed = int(np.random.default_rng().integers(0, 2**31 - 1))
        vm = self.workspace.vm
        if vm.noise_available:
            if vm.reroll_all(seed):
                self.workspace.notice.emit(f"New noise everywhere, seed {seed}")
            return
        vm.random_style(seed)
        self.workspace.notice.emit(f"Random style, seed {seed}")

    def style_from_image(self) -> None:
        ws = self.workspace
        path = ws.dialogs.open_file("Style from image", IMAGE_FILTER)
        if not path:
            return
        try:
            photo = read_photo(path, keep_alpha=False)
        except DocumentError as exc:
            ws.failed.emit("Cannot read the style image", str(exc))
            return
        ws.vm.set_style_image(photo.pixels)
        ws.notice.emit(f"Style from {Path(path).name}")

    def add_style_source(self) -> None:
        ws = self.workspace
        photo_path = ws.dialogs.open_file("Style source: reference photo", IMAGE_FILTER)
        if not photo_path:
            return
        labels_path = ws.dialogs.open_file("Style source: its label map", LABEL_FILTER)
        if not labels_path:
            return
        try:
            photo = read_photo(photo_path, keep_alpha=False)
            labels = read_label_map(labels_path, ws.vm.palette).labelmap.ids
            name = ws.vm.add_style_source(Path(photo_path).stem, photo.pixels, labels)
        except (DocumentError, ValueError) as exc:
            ws.failed.emit("Cannot use this style source", str(exc))
            return
        ws.notice.emit(f"Style source {name} added")
