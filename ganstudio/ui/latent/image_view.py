"""The rendered picture, fitted to its panel (previews are scaled up to the same place)."""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QWidget

from ..image_widgets import FittedImageView, rgb_qimage


class LatentImageView(FittedImageView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("No StyleGAN2 model loaded: open one with \u201cOpen model\u201d.", parent)

    def set_pixels(self, pixels: np.ndarray | None) -> None:
        self.set_image(None if pixels is None else rgb_qimage(pixels))
