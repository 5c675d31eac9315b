"""Axis-aligned pixel rectangles (half-open), the unit of dirty regions and undo patches."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np


class BBox(NamedTuple):
    """Pixels ``x0 <= x < x1``, ``y0 <= y < y1``. Empty when either side is <= 0."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return max(0, self.x1 - self.x0)

    @property
    def height(self) -> int:
        return max(0, self.y1 - self.y0)

    @property
    def is_empty(self) -> bool:
        return self.x1 <= self.x0 or self.y1 <= self.y0

    @property
    def slices(self) -> tuple[slice, slice]:
        """``array[bbox.slices]`` is the patch (rows, then columns)."""
        return slice(self.y0, self.y1), slice(self.x0, self.x1)

    def union(self, other: "BBox | None") -> "BBox":
        if other is None or other.is_empty:
            return self
        if self.is_empty:
            return other
        return BBox(min(self.x0, other.x0), min(self.y0, other.y0), max(self.x1, other.x1), max(self.y1, other.y1))

    def intersect(self, other: "BBox") -> "BBox":
        return BBox(max(self.x0, other.x0), max(self.y0, other.y0), min(self.x1, other.x1), min(self.y1, other.y1))

    def clip(self, width: int, height: int) -> "BBox":
        return self.intersect(BBox(0, 0, width, height))


def union_bbox(a: BBox | None, b: BBox | None) -> BBox | None:
    """Union that treats None (and empty boxes) as "nothing"."""
    if a is None or a.is_empty:
        return None if b is None or b.is_empty else b
    return a.union(b)


def mask_bbox(mask: np.ndarray, origin: tuple[int, int] = (0, 0)) -> BBox | None:
    """The tight box around the True pixels of a 2-D mask, offset by ``origin`` (x, y)."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    ox, oy = origin
    return BBox(ox + int(cols[0]), oy + int(rows[0]), ox + int(cols[-1]) + 1, oy + int(rows[-1]) + 1)
