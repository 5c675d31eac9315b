"""The instance masks painted or imported over the Convert workspace's picture (InstaGAN's input).

One layer per object instance: a uint8 mask of the picture's size (255 inside, 0 outside), a stable
number for its name ("Instance 3" keeps its name when another is removed) and a colour for the
overlay. Strokes stamp discs along the mouse path; each finished stroke keeps the patch it changed
(before), so undoing it is one copy. Imported PNGs become new layers: any non-zero pixel is inside.

Signals: `layersChanged` (added, removed, selected, a new picture), `masksChanged(x, y, w, h)`
(pixels changed in that rectangle: the overlay redraws only there), `edited` (a change the output
should follow: a finished stroke, an import, a removal, an undo) and `notice` (a refusal, in words).
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from ganstudio.document.errors import DocumentError
from ganstudio.document.image_io import read_photo

MAX_INSTANCES = 20  # the published test procedure keeps at most 20 masks (--ins_max)
MAX_UNDO = 32  # strokes kept for undo
BRUSH_RANGE = (1, 256)  # brush diameter in picture pixels
DEFAULT_BRUSH = 16
OVERLAY_ALPHA = 110  # translucent enough to see the picture through
SELECTED_ALPHA = 150
# distinct colours that read on photos; layer n takes COLOURS[(n - 1) % len]
COLOURS: tuple[tuple[int, int, int], ...] = (
    (230, 25, 75), (0, 130, 200), (255, 225, 25), (145, 30, 180), (245, 130, 48), (70, 240, 240),
    (240, 50, 230), (60, 180, 75), (250, 190, 212), (0, 128, 128), (170, 110, 40), (128, 0, 0),
)


@dataclass(eq=False)
class InstanceLayer:
    number: int  # the n of "Instance n"; never reused while the picture is open
    colour: tuple[int, int, int]
    mask: np.ndarray  # (H, W) uint8: 255 inside

    @property
    def name(self) -> str:
        return f"Instance {self.number}"

    @property
    def painted(self) -> bool:
        return bool(self.mask.any())


@dataclass
class _Stroke:
    layer: InstanceLayer
    before: np.ndarray  # the whole mask at the stroke's start; cut to `box` when it ends
    box: list[int]  # x0, y0, x1, y1 touched so far (exclusive ends)


@dataclass
class _Undo:
    layer: InstanceLayer
    x: int
    y: int
    patch: np.ndarray  # the mask there before the stroke


class InstanceMasks(QObject):
    layersChanged = Signal()
    masksChanged = Signal(int, int, int, int)  # x, y, width, height in picture pixels
    edited = Signal()
    notice = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.size: tuple[int, int] | None = None  # (height, width) of the picture
        self.layers: list[InstanceLayer] = []
        self.selected = -1
        self.brush = DEFAULT_BRUSH
        self._numbers = 0
        self._stroke: _Stroke | None = None
        self._last: tuple[float, float] = (0.0, 0.0)
        self._erase = False
        self._undo: list[_Undo] = []

    # ---- the picture and its layers ----------------------------------------------------
    def reset(self, height: int, width: int) -> None:
        """A new picture: no layers (its objects are others)."""
        self.size = (int(height), int(width))
        self.layers = []
        self.selected = -1
        self._numbers = 0
        self._stroke = None
        self._undo.clear()
        self.layersChanged.emit()
        self.masksChanged.emit(0, 0, self.size[1], self.size[0])

    def add_layer(self) -> int | None:
        """A new empty layer, selected; None (with a notice) without a picture or past MAX_INSTANCES."""
        if self.size is None:
            self.notice.emit("Open an image first: instance masks are painted over it")
            return None
        if len(self.layers) >= MAX_INSTANCES:
            self.notice.emit(f"At most {MAX_INSTANCES} instances: InstaGAN translates no more")
            return None
        self.layers.append(self._new_layer(np.zeros(self.size, np.uint8)))
        self.selected = len(self.layers) - 1
        self.layersChanged.emit()
        return self.selected

    def remove_layer(self, index: int | None = None) -> bool:
        """Remove layer `index` (the selected one by default); its strokes leave the undo history."""
        index = self.selected if index is None else int(index)
        if not 0 <= index < len(self.layers):
            return False
        layer = self.layers.pop(index)
        self._undo = [u for u in self._undo if u.layer is not layer]
        self.selected = min(index, len(self.layers) - 1)
        self.layersChanged.emit()
        if layer.painted:
            self.masksChanged.emit(0, 0, self.size[1], self.size[0])  # type: ignore[index]
            self.edited.emit()
        return True

    def select(self, index: int) -> None:
        index = int(index)
        if index != self.selected and -1 <= index < len(self.layers):
            self.selected = index
            self.layersChanged.emit()
            if self.size is not None:
                self.masksChanged.emit(0, 0, self.size[1], self.size[0])  # the selected layer is drawn stronger

    def set_brush(self, diameter: int) -> None:
        self.brush = min(BRUSH_RANGE[1], max(BRUSH_RANGE[0], int(diameter)))

    def painted(self) -> list[InstanceLayer]:
        """The layers with at least one pixel inside, in list order: what a conversion takes."""
        return [layer for layer in self.layers if layer.painted]

    def layer(self, number: int) -> InstanceLayer | None:
        return next((layer for layer in self.layers if layer.number == number), None)

    def _new_layer(self, mask: np.ndarray) -> InstanceLayer:
        self._numbers += 1
        return InstanceLayer(self._numbers, COLOURS[(self._numbers - 1) % len(COLOURS)], mask)

    # ---- strokes -------------------------------------------------------------------------
    def begin_stroke(self, x: float, y: float, *, erase: bool = False) -> bool:
        """Start a stroke at picture point (x, y) on the selected layer (a first layer is made when there is none)."""
        if self.size is None:
            return False
        if self.selected < 0 and (erase or self.add_layer() is None):
            return False
        layer = self.layers[self.selected]
        self._stroke = _Stroke(layer, layer.mask.copy(), [self.size[1], self.size[0], 0, 0])
        self._erase = erase
        self._last = (float(x), float(y))
        self._stamp(self._last, self._last)
        return True

    def stroke_to(self, x: float, y: float) -> None:
        if self._stroke is None:
            return
        point = (float(x), float(y))
        self._stamp(self._last, point)
        self._last = point

    def end_stroke(self) -> None:
        stroke, self._stroke = self._stroke, None
        if stroke is None:
            return
        x0, y0, x1, y1 = stroke.box
        if x1 <= x0 or y1 <= y0 or np.array_equal(stroke.before[y0:y1, x0:x1], stroke.layer.mask[y0:y1, x0:x1]):
            return  # nothing changed (erasing where nothing was)
        self._undo.append(_Undo(stroke.layer, x0, y0, stroke.before[y0:y1, x0:x1].copy()))
        del self._undo[:-MAX_UNDO]
        self.edited.emit()

    @property
    def stroking(self) -> bool:
        return self._stroke is not None

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def undo(self) -> bool:
        """Take back the last stroke (on whichever layer it was)."""
        if not self._undo or self._stroke is not None:
            return False
        step = self._undo.pop()
        h, w = step.patch.shape
        step.layer.mask[step.y : step.y + h, step.x : step.x + w] = step.patch
        self.masksChanged.emit(step.x, step.y, w, h)
        self.edited.emit()
        return True

    def _stamp(self, start: tuple[float, float], end: tuple[float, float]) -> None:
        """Discs of the brush's diameter along the segment start-end (pixel centres within the radius)."""
        assert self._stroke is not None and self.size is not None
        height, width = self.size
        radius = self.brush / 2.0
        (ax, ay), (bx, by) = start, end
        x0, x1 = max(0, int(np.floor(min(ax, bx) - radius))), min(width, int(np.ceil(max(ax, bx) + radius)) + 1)
        y0, y1 = max(0, int(np.floor(min(ay, by) - radius))), min(height, int(np.ceil(max(ay, by) + radius)) + 1)
        if x1 <= x0 or y1 <= y0:
            return
        px = np.arange(x0, x1, dtype=np.float32)[None, :] + 0.5
        py = np.arange(y0, y1, dtype=np.float32)[:, None] + 0.5
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        t = np.clip(((px - ax) * dx + (py - ay) * dy) / length2, 0.0, 1.0) if length2 > 0 else 0.0
        inside = (px - ax - t * dx) ** 2 + (py - ay - t * dy) ** 2 <= max(radius, 0.5) ** 2
        self._stroke.layer.mask[y0:y1, x0:x1][inside] = 0 if self._erase else 255
        box = self._stroke.box
        box[:] = [min(box[0], x0), min(box[1], y0), max(box[2], x1), max(box[3], y1)]
        self.masksChanged.emit(x0, y0, x1 - x0, y1 - y0)

    # ---- import ----------------------------------------------------------------------------
    def import_files(self, paths: Sequence[str | os.PathLike[str]]) -> int:
        """Each file a new layer (non-zero = inside); all refused, with a notice, if one does not fit."""
        if not paths:
            return 0
        if self.size is None:
            self.notice.emit("Open an image first: masks are imported for its picture")
            return 0
        if len(self.layers) + len(paths) > MAX_INSTANCES:
            self.notice.emit(f"Too many masks: {len(self.layers)} instance(s) and {len(paths)} file(s) make more than "
                             f"the {MAX_INSTANCES} InstaGAN translates")
            return 0
        height, width = self.size
        masks = []
        for path in paths:
            name = Path(path).name
            try:
                pixels = read_photo(path).pixels
            except DocumentError as exc:
                self.notice.emit(f"Cannot import the mask: {exc}")
                return 0
            if pixels.shape[:2] != (height, width):
                self.notice.emit(f"Cannot import {name}: it is {pixels.shape[1]}x{pixels.shape[0]} but the picture is "
                                 f"{width}x{height}; a mask must have the picture's size")
                return 0
            inside = pixels[..., :3].any(axis=2)
            if pixels.shape[2] == 4:
                inside &= pixels[..., 3] > 0  # transparent pixels are outside whatever their colour
            if not inside.any():
                self.notice.emit(f"Cannot import {name}: it has no non-zero pixel, so no instance")
                return 0
            masks.append(np.where(inside, 255, 0).astype(np.uint8))
        self.layers.extend(self._new_layer(mask) for mask in masks)
        self.selected = len(self.layers) - 1
        self.layersChanged.emit()
        self.masksChanged.emit(0, 0, width, height)
        self.edited.emit()
        return len(masks)

    # ---- drawing ------------------------------------------------------------------------------
    def overlay(self, x: int = 0, y: int = 0, width: int | None = None, height: int | None = None) -> np.ndarray:
        """RGBA uint8 of the rectangle: each layer's colour where it is inside, translucent; transparent elsewhere."""
        if self.size is None:
            return np.zeros((0, 0, 4), np.uint8)
        full_h, full_w = self.size
        x1 = full_w if width is None else min(full_w, x + width)
        y1 = full_h if height is None else min(full_h, y + height)
        out = np.zeros((max(0, y1 - y), max(0, x1 - x), 4), np.uint8)
        for index, layer in enumerate(self.layers):
            inside = layer.mask[y:y1, x:x1] > 0
            out[inside] = (*layer.colour, SELECTED_ALPHA if index == self.selected else OVERLAY_ALPHA)
        return out


def colour_masks(masks: Sequence[np.ndarray], colours: Sequence[tuple[int, int, int]], alpha: int = OVERLAY_ALPHA) -> np.ndarray:
    """RGBA uint8 of (H, W) masks drawn in their colours (later ones on top), transparent outside them all."""
    if not masks:
        return np.zeros((0, 0, 4), np.uint8)
    out = np.zeros((*masks[0].shape, 4), np.uint8)
    for mask, colour in zip(masks, colours):
        out[np.asarray(mask) > 0] = (*colour, alpha)
    return out
