"""The rendered picture, fitted to its panel (previews are scaled up to the same place)."""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QWidget

from ..image_widgets import FittedImageView, rgb_qimage


NO_MODEL = "No StyleGAN2 model loaded: open one with \u201cOpen model\u201d."


class LatentImageView(FittedImageView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(NO_MODEL, parent)

    def set_waiting(self, loaded: bool) -> None:
        """The placeholder while there is no picture: no model yet, or the model's first render on its way."""
        self.placeholder = "Rendering\u2026" if loaded else NO_MODEL
        self.update()

    def set_pixels(self, pixels: np.ndarray | None) -> None:
        self.set_image(None if pixels is None else rgb_qimage(pixels))
