"""Hard-edged rasterisation of brush strokes, lines and rectangles into a class-id array.

Coordinates are floats in pixel units: pixel (column j, row i) covers
``[j, j+1) x [i, i+1)`` and its centre is ``(j + 0.5, i + 0.5)``. A brush of
diameter ``size`` paints every pixel whose centre lies within ``size / 2`` of
the brush centre, with no anti-aliasing, so labels stay crisp.

Brush centres are snapped so that dabs look the same wherever they land: for
an odd size to the centre of the pixel under the point (size 1 paints exactly
that pixel), for an even size to the nearest pixel corner (size 2 paints a
2x2 block). A stroke segment paints the "capsule" swept by the disc moving
from one centre to the next, computed as one column interval per row
(the capsule is convex) and written with a single vectorised mask, so the
cost is proportional to the segment's box, with no per-dab overdraw.

Every function works on a raw 2-D array in place, clips to its bounds, and
returns the box of the pixels it touched (None when nothing was inside).
"""
from __future__ import annotations

import math

import numpy as np

from .bbox import BBox

MIN_BRUSH = 1
MAX_BRUSH = 200

# Slack for the inside test so that symmetric shapes stay symmetric under
# rounding of the segment geometry.
_EPS = 1e-7


def snap_center(x: float, y: float, size: int) -> tuple[float, float]:
    """Where a brush of `size` pointed at (x, y) is centred (see module docstring)."""
    if size % 2:
        return math.floor(x) + 0.5, math.floor(y) + 0.5
    return float(math.floor(x + 0.5)), float(math.floor(y + 0.5))


def _interval_rows(
    yc: np.ndarray, ax: float, ay: float, bx: float, by: float, r: float
) -> tuple[np.ndarray, np.ndarray]:
    """For row centres `yc`, the x interval [lo, hi] of the capsule A-B of radius r.

    The capsule is the union of the discs at A and B and the band between
    them; it is convex, so its intersection with a row is the hull of the
    pieces' intersections. Empty rows get lo > hi.
    """
    lo = np.full(yc.shape, np.inf)
    hi = np.full(yc.shape, -np.inf)
    r2 = r * r
    for cx, cy in ((ax, ay), (bx, by)):
        h = r2 - (yc - cy) ** 2
        ok = h >= 0
        half = np.sqrt(np.where(ok, h, 0.0))
        lo = np.where(ok, np.minimum(lo, cx - half), lo)
        hi = np.where(ok, np.maximum(hi, cx + half), hi)
    dx, dy = bx - ax, by - ay
    length = math.hypot(dx, dy)
    if length > 0:
        ux, uy = dx / length, dy / length
        t = yc - ay
        # along = s*ux + t*uy in [0, L]; across = -s*uy + t*ux in [-r, r]; s = x - ax
        s_lo = np.full(yc.shape, -np.inf)
        s_hi = np.full(yc.shape, np.inf)
        valid = np.ones(yc.shape, dtype=bool)
        for coef, const, low, high in ((ux, t * uy, 0.0, length), (-uy, t * ux, -r, r)):
            if abs(coef) < 1e-12:
                valid &= (const >= low - _EPS) & (const <= high + _EPS)
            else:
                a = (low - const) / coef
                b = (high - const) / coef
                s_lo = np.maximum(s_lo, np.minimum(a, b))
                s_hi = np.minimum(s_hi, np.maximum(a, b))
        valid &= s_lo <= s_hi
        lo = np.where(valid, np.minimum(lo, ax + s_lo), lo)
        hi = np.where(valid, np.maximum(hi, ax + s_hi), hi)
    return lo, hi


def paint_segment(
    ids: np.ndarray,
    p0: tuple[float, float],
    p1: tuple[float, float],
    size: int,
    value: int,
) -> BBox | None:
    """Paint a round brush of diameter `size` moved from `p0` to `p1` (p0 == p1: one dab).

    Also the line tool: a line of width `size` with round caps.
    """
    if not MIN_BRUSH <= size <= MAX_BRUSH:
        raise ValueError(f"brush size {size} is outside {MIN_BRUSH}..{MAX_BRUSH}")
    height, width = ids.shape
    ax, ay = snap_center(p0[0], p0[1], size)
    bx, by = snap_center(p1[0], p1[1], size)
    r = size / 2.0 + _EPS
    row0 = max(0, math.floor(min(ay, by) - r))
    row1 = min(height, math.ceil(max(ay, by) + r) + 1)
    col0 = max(0, math.floor(min(ax, bx) - r))
    col1 = min(width, math.ceil(max(ax, bx) + r) + 1)
    if row0 >= row1 or col0 >= col1:
        return None
    yc = np.arange(row0, row1, dtype=np.float64) + 0.5
    lo, hi = _interval_rows(yc, ax, ay, bx, by, r)
    # pixel j is inside when lo <= j + 0.5 <= hi
    with np.errstate(invalid="ignore"):
        first = np.ceil(lo - 0.5).clip(col0, col1).astype(np.int64)
        last = (np.floor(hi - 0.5) + 1).clip(col0, col1).astype(np.int64)  # exclusive
    filled = first < last
    if not filled.any():
        return None
    rows = np.flatnonzero(filled)
    r_first, r_last = int(rows[0]), int(rows[-1]) + 1
    first, last = first[r_first:r_last], last[r_first:r_last]
    c_first, c_last = int(first[filled[r_first:r_last]].min()), int(last.max())
    cols = np.arange(c_first, c_last)
    mask = (cols[None, :] >= first[:, None]) & (cols[None, :] < last[:, None])
    region = ids[row0 + r_first : row0 + r_last, c_first:c_last]
    np.putmask(region, mask, value)
    return BBox(c_first, row0 + r_first, c_last, row0 + r_last)


def paint_dab(ids: np.ndarray, point: tuple[float, float], size: int, value: int) -> BBox | None:
    """One stamp of the round brush."""
    return paint_segment(ids, point, point, size, value)


def paint_rectangle(
    ids: np.ndarray,
    corner0: tuple[float, float],
    corner1: tuple[float, float],
    value: int,
    outline_width: int | None = None,
) -> BBox | None:
    """Fill (or, with `outline_width` >= 1, outline) the pixel rectangle spanned by two points.

    Both pixels under the corner points are included. The outline lies
    inside the rectangle; when it is as wide as half the rectangle the result
    is a filled rectangle.
    """
    height, width = ids.shape
    xa, xb = sorted((math.floor(corner0[0]), math.floor(corner1[0])))
    ya, yb = sorted((math.floor(corner0[1]), math.floor(corner1[1])))
    full = BBox(xa, ya, xb + 1, yb + 1)
    box = full.clip(width, height)
    if box.is_empty:
        return None
    if not outline_width:
        ids[box.slices] = value
        return box
    if outline_width < 1:
        raise ValueError(f"outline width {outline_width} must be >= 1")
    w = int(outline_width)
    bands = (
        BBox(full.x0, full.y0, full.x1, full.y0 + w),  # top
        BBox(full.x0, full.y1 - w, full.x1, full.y1),  # bottom
        BBox(full.x0, full.y0, full.x0 + w, full.y1),  # left
        BBox(full.x1 - w, full.y0, full.x1, full.y1),  # right
    )
    touched: BBox | None = None
    for band in bands:
        band = band.intersect(full).clip(width, height)
        if not band.is_empty:
            ids[band.slices] = value
            touched = band if touched is None else touched.union(band)
    return touched


def replace_class(ids: np.ndarray, old: int, new: int) -> BBox | None:
    """Turn every pixel of class `old` into `new`."""
    if old == new:
        return None
    mask = ids == old
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    np.putmask(ids, mask, new)
    return BBox(int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)


def pick_class(ids: np.ndarray, point: tuple[float, float]) -> int | None:
    """The eyedropper: the class id under `point`, or None outside the map."""
    x, y = math.floor(point[0]), math.floor(point[1])
    height, width = ids.shape
    if 0 <= x < width and 0 <= y < height:
        return int(ids[y, x])
    return None
