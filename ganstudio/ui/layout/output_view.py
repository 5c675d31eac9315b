"""The Layout workspace's picture, optionally with each object's predicted mask laid over it in its class colour."""
from __future__ import annotations

from typing import Sequence

import numpy as np
from PySide6.QtWidgets import QWidget

from ..image_widgets import FittedImageView, to_qimage

MASK_OPACITY = 0.55  # of a class colour where the model is sure the object is


def mask_overlay(image: np.ndarray, masks: np.ndarray, colours: Sequence[tuple[int, int, int]]) -> np.ndarray:
    """`image` [H, W, 3] uint8 with each mask [K, H, W] (uint8, 255 = surely the object) tinted in its colour, in order."""
    out = image.astype(np.float32)
    for mask, colour in zip(masks, colours):
        alpha = (mask.astype(np.float32) / 255.0 * MASK_OPACITY)[..., None]
        out = out * (1 - alpha) + np.asarray(colour, dtype=np.float32) * alpha
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


class LayoutOutputView(FittedImageView):
    """The rendered picture scaled to fit (pixels kept sharp: a 128 px picture is shown several times larger)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Draw boxes on the layout to make a picture", parent)
        self.show_masks = False
        self.picture: np.ndarray | None = None
        self.masks: np.ndarray | None = None
        self.colours: list[tuple[int, int, int]] = []

    def set_output(self, picture: np.ndarray | None, masks: np.ndarray | None = None, colours: Sequence[tuple[int, int, int]] = ()) -> None:
        self.picture, self.masks, self.colours = picture, masks, list(colours)
        self._refresh()

    def set_show_masks(self, show: bool) -> None:
        self.show_masks = bool(show)
        self._refresh()

    def shown_array(self) -> np.ndarray | None:
        """What the view draws: the picture, tinted by the masks when they are shown."""
        if self.picture is None:
            return None
        if self.show_masks and self.masks is not None and len(self.masks):
            return mask_overlay(self.picture, self.masks, self.colours)
        return self.picture

    def _refresh(self) -> None:
        shown = self.shown_array()
        self.set_image(None if shown is None else to_qimage(shown))
