"""Raster operations on a label map used by the interactive tools.

Each returns the bounding box it touched (y0, x0, y1, x1; exclusive ends) or
None, so the caller can store a before/after patch for undo and repaint only
that rectangle. Edges are hard: a pixel takes the new class or keeps its own,
never a blend, so labels stay crisp.
"""
from __future__ import annotations

from collections import deque

import numpy as np

Box = tuple[int, int, int, int]


def _clip_box(y0: float, x0: float, y1: float, x1: float, shape: tuple[int, ...]) -> Box | None:
    h, w = shape[:2]
    box = (max(0, int(np.floor(y0))), max(0, int(np.floor(x0))), min(h, int(np.ceil(y1))), min(w, int(np.ceil(x1))))
    if box[0] >= box[2] or box[1] >= box[3]:
        return None
    return box


def paint_segment(labels: np.ndarray, p0: tuple[float, float], p1: tuple[float, float], diameter: float, value: int) -> Box | None:
    """Paint a round-capped line of `diameter` from p0 to p1 ((x, y) in pixels).

    A pixel is painted when its centre lies within diameter/2 of the segment;
    a diameter below 1 still paints the pixel under the point.
    """
    radius = max(float(diameter), 1.0) / 2.0
    (ax, ay), (bx, by) = p0, p1
    box = _clip_box(min(ay, by) - radius, min(ax, bx) - radius, max(ay, by) + radius + 1, max(ax, bx) + radius + 1, labels.shape)
    if box is None:
        return None
    y0, x0, y1, x1 = box
    ys = np.arange(y0, y1, dtype=np.float32)[:, None] + 0.5
    xs = np.arange(x0, x1, dtype=np.float32)[None, :] + 0.5
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    if length2 > 0:
        t = np.clip(((xs - ax) * dx + (ys - ay) * dy) / length2, 0.0, 1.0)
        px, py = ax + t * dx, ay + t * dy
    else:
        px, py = ax, ay
    inside = (xs - px) ** 2 + (ys - py) ** 2 <= radius * radius
    if radius <= 0.75:  # a 1-px brush must still hit the pixel under the cursor
        for x, y in ((ax, ay), (bx, by)):
            ix, iy = int(np.floor(x)) - x0, int(np.floor(y)) - y0
            if 0 <= iy < inside.shape[0] and 0 <= ix < inside.shape[1]:
                inside[iy, ix] = True
    if not inside.any():
        return None
    labels[y0:y1, x0:x1][inside] = value
    rows, cols = np.nonzero(inside)
    return (y0 + int(rows.min()), x0 + int(cols.min()), y0 + int(rows.max()) + 1, x0 + int(cols.max()) + 1)


def fill_rect(labels: np.ndarray, p0: tuple[float, float], p1: tuple[float, float], value: int) -> Box | None:
    """Fill the axis-aligned rectangle spanned by two corner points (inclusive pixels)."""
    (ax, ay), (bx, by) = p0, p1
    box = _clip_box(min(ay, by), min(ax, bx), max(ay, by) + 1, max(ax, bx) + 1, labels.shape)
    if box is None:
        return None
    y0, x0, y1, x1 = box
    labels[y0:y1, x0:x1] = value
    return box


def flood_fill(labels: np.ndarray, x: int, y: int, value: int) -> Box | None:
    """Give `value` to the 4-connected region of equal class containing (x, y).

    Works on horizontal runs rather than pixels, so a 1024x1024 region costs a
    few thousand steps of Python, not a million.
    """
    h, w = labels.shape[:2]
    if not (0 <= x < w and 0 <= y < h):
        return None
    target = labels[y, x]
    if target == value:
        return None
    same = labels == target
    run_cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def runs(row: int) -> tuple[np.ndarray, np.ndarray]:
        if row not in run_cache:
            padded = np.concatenate(([False], same[row], [False])).astype(np.int8)
            edges = np.diff(padded)
            run_cache[row] = (np.flatnonzero(edges == 1), np.flatnonzero(edges == -1))
        return run_cache[row]

    starts, ends = runs(y)
    index = int(np.searchsorted(starts, x, side="right")) - 1
    seeds = deque([(y, int(starts[index]), int(ends[index]))])
    visited: set[tuple[int, int]] = {(y, int(starts[index]))}
    filled: list[tuple[int, int, int]] = []
    while seeds:
        row, s, e = seeds.popleft()
        filled.append((row, s, e))
        for nrow in (row - 1, row + 1):
            if not 0 <= nrow < h:
                continue
            nstarts, nends = runs(nrow)
            # runs overlapping [s, e): start < e and end > s
            lo = int(np.searchsorted(nends, s, side="right"))
            hi = int(np.searchsorted(nstarts, e, side="left"))
            for k in range(lo, hi):
                key = (nrow, int(nstarts[k]))
                if key not in visited:
                    visited.add(key)
                    seeds.append((nrow, int(nstarts[k]), int(nends[k])))
    for row, s, e in filled:
        labels[row, s:e] = value
    rows = [f[0] for f in filled]
    return (min(rows), min(f[1] for f in filled), max(rows) + 1, max(f[2] for f in filled))


def replace_class(labels: np.ndarray, old: int, new: int) -> Box | None:
    """Give every pixel of class `old` the class `new`."""
    if old == new:
        return None
    mask = labels == old
    if not mask.any():
        return None
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    labels[mask] = new
    return (int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1)


def union(a: Box | None, b: Box | None) -> Box | None:
    if a is None:
        return b
    if b is None:
        return a
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
