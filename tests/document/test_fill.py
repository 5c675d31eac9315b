from collections import deque

import numpy as np
import pytest

from ganstudio.document.bbox import mask_bbox
from ganstudio.document.fill import flood_fill, region_mask


def reference_region(ids, x, y):
    """Plain BFS, the definition of a 4-connected region."""
    target = ids[y, x]
    seen = np.zeros(ids.shape, bool)
    seen[y, x] = True
    queue = deque([(y, x)])
    while queue:
        cy, cx = queue.popleft()
        for ny, nx in ((cy - 1, cx), (cy + 1, cx), (cy, cx - 1), (cy, cx + 1)):
            if 0 <= ny < ids.shape[0] and 0 <= nx < ids.shape[1] and not seen[ny, nx] and ids[ny, nx] == target:
                seen[ny, nx] = True
                queue.append((ny, nx))
    return seen


@pytest.mark.parametrize("seed", range(8))
def test_random_maps_match_bfs(seed):
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, 2 + seed % 3, size=(37, 41)).astype(np.uint8)
    for _ in range(5):
        x, y = int(rng.integers(0, 41)), int(rng.integers(0, 37))
        expected = reference_region(ids, x, y)
        box, mask = region_mask(ids, (x + 0.5, y + 0.5))
        full = np.zeros(ids.shape, bool)
        full[box.slices] = mask
        assert np.array_equal(full, expected)
        assert box == mask_bbox(expected)


def spiral(n: int) -> np.ndarray:
    """A one-pixel-wide spiral wall (class 1) in an n x n field of class 0."""
    ids = np.zeros((n, n), np.uint8)
    top, left, bottom, right = 0, 0, n - 1, n - 1
    while top <= bottom and left <= right:
        ids[top, left : right + 1] = 1
        ids[top : bottom + 1, right] = 1
        if bottom - top >= 2:
            ids[bottom, left : right + 1] = 1
        if right - left >= 2:
            ids[top + 2 : bottom + 1, left] = 1
        top, left, bottom, right = top + 2, left + 2, bottom - 2, right - 2
    return ids


def test_spiral_and_diagonal_leaks():
    ids = spiral(31)
    for x, y in ((1, 1), (15, 15), (1, 2)):
        work = ids.copy()
        flood_fill(work, (x, y), 5)
        assert np.array_equal(work == 5, reference_region(ids, x, y))
    # diagonal neighbours are not connected (4-connectivity)
    checker = (np.indices((6, 6)).sum(0) % 2).astype(np.uint8)
    box = flood_fill(checker, (0, 0), 7)
    assert box == (0, 0, 1, 1) and (checker == 7).sum() == 1


def test_u_shape_with_region_below_and_above():
    ids = np.zeros((9, 9), np.uint8)
    ids[2:8, 2] = ids[2:8, 6] = ids[7, 2:7] = 1  # a U of class 1
    work = ids.copy()
    box = flood_fill(work, (2, 2), 3)
    assert box == (2, 2, 7, 8) and (work == 3).sum() == (ids == 1).sum()
    work = ids.copy()
    flood_fill(work, (4, 3), 4)  # inside the U, open to the top
    assert (work == 4).sum() == (ids == 0).sum()


def test_no_op_cases():
    ids = np.ones((4, 4), np.uint8)
    assert flood_fill(ids, (1, 1), 1) is None
    assert flood_fill(ids, (9, 1), 2) is None and flood_fill(ids, (-1, 1), 2) is None
    assert region_mask(ids, (-1, 0)) is None
    assert flood_fill(ids, (3, 3), 2) == (0, 0, 4, 4) and (ids == 2).all()


def test_uint16_maps():
    ids = np.full((6, 6), 300, np.uint16)
    ids[3, :] = 1000
    assert flood_fill(ids, (0, 0), 700) == (0, 0, 6, 3)
    assert (ids[:3] == 700).all() and (ids[4:] == 300).all()
