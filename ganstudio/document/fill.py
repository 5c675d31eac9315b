"""Flood fill (the bucket tool): recolour the 4-connected region under a point.

Works on horizontal runs rather than pixels, all in numpy: the pixels of the
seed's class are cut into maximal runs per row, runs in neighbouring rows that
share a column are linked, and the links are merged by a vectorised
union-find (hook the larger root under the smaller, then pointer-jump). The
cost grows with the number of runs, not with the length of the region's
outline, so spirals and mazes are as quick as blobs.
"""
from __future__ import annotations

import math

import numpy as np

from .bbox import BBox


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Maximal runs of True per row: (row, start, stop) sorted by row then start."""
    height, width = mask.shape
    padded = np.zeros((height, width + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    step = np.diff(padded, axis=1)  # +1 where a run starts, -1 one past where it ends
    rows, starts = np.nonzero(step == 1)
    _, stops = np.nonzero(step == -1)
    return rows, starts, stops


def _links(rows: np.ndarray, starts: np.ndarray, stops: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of runs (i in row y, j in row y + 1) that share at least one column."""
    stride = width + 1  # a run stops at most at `width`, so rows never overlap in key space
    start_key = rows * stride + starts
    stop_key = rows * stride + stops
    below = (rows + 1) * stride
    # run j of the next row touches run i when starts[j] < stops[i] and stops[j] > starts[i]
    first = np.searchsorted(stop_key, below + starts, side="right")
    last = np.searchsorted(start_key, below + stops, side="left")
    counts = np.maximum(last - first, 0)
    total = int(counts.sum())
    src = np.repeat(np.arange(len(rows)), counts)
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    dst = np.repeat(first, counts) + offsets
    return src, dst


def _components(count: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Root label of every node of an undirected graph given by edges (src, dst)."""
    parent = np.arange(count)
    while True:
        pu, pv = parent[src], parent[dst]
        differ = pu != pv
        if not differ.any():
            return parent
        pu, pv = pu[differ], pv[differ]
        # roots only ever point to smaller ids, so no cycles can form
        np.minimum.at(parent, np.maximum(pu, pv), np.minimum(pu, pv))
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand


def region_mask(ids: np.ndarray, seed: tuple[float, float]) -> tuple[BBox, np.ndarray] | None:
    """The 4-connected region of the seed pixel's class: (box, mask within the box).

    None when the seed lies outside the array.
    """
    height, width = ids.shape
    x, y = math.floor(seed[0]), math.floor(seed[1])
    if not (0 <= x < width and 0 <= y < height):
        return None
    rows, starts, stops = _runs(ids == ids[y, x])
    stride = width + 1
    seed_run = int(np.searchsorted(rows * stride + starts, y * stride + x, side="right")) - 1
    src, dst = _links(rows, starts, stops, width)
    labels = _components(len(rows), src, dst)
    chosen = labels == labels[seed_run]
    rows, starts, stops = rows[chosen], starts[chosen], stops[chosen]
    box = BBox(int(starts.min()), int(rows.min()), int(stops.max()), int(rows.max()) + 1)
    # rebuild the mask from its runs: +1 at each start, -1 at each stop, running sum
    step = np.zeros((box.height, box.width + 1), dtype=np.int8)
    step[rows - box.y0, starts - box.x0] = 1
    step[rows - box.y0, stops - box.x0] = -1  # runs of a row never touch, so no clashes
    mask = np.cumsum(step, axis=1, dtype=np.int8)[:, :-1].astype(bool)
    return box, mask


def flood_fill(ids: np.ndarray, seed: tuple[float, float], value: int) -> BBox | None:
    """Paint the 4-connected region under `seed` with `value`; returns the touched box.

    None when the seed is outside or the region already has that class.
    """
    height, width = ids.shape
    x, y = math.floor(seed[0]), math.floor(seed[1])
    if not (0 <= x < width and 0 <= y < height) or int(ids[y, x]) == value:
        return None
    found = region_mask(ids, seed)
    assert found is not None
    box, mask = found
    np.putmask(ids[box.slices], mask, value)
    return box
