import math

import numpy as np
import pytest

from ganstudio.document.bbox import mask_bbox
from ganstudio.document.strokes import (
    paint_dab,
    paint_rectangle,
    paint_segment,
    pick_class,
    replace_class,
    snap_center,
)


def brute_capsule(shape, p0, p1, size):
    """Per-pixel reference: centre within size/2 of the segment between the snapped centres."""
    ax, ay = snap_center(*p0, size)
    bx, by = snap_center(*p1, size)
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]] + 0.5
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = np.zeros_like(xs) if length2 == 0 else np.clip(((xs - ax) * dx + (ys - ay) * dy) / length2, 0, 1)
    d2 = (xs - ax - t * dx) ** 2 + (ys - ay - t * dy) ** 2
    return d2 <= (size / 2) ** 2 + 1e-6


def test_size_one_paints_exactly_the_pixel_under_the_point():
    ids = np.zeros((5, 5), np.uint8)
    assert paint_dab(ids, (2.9, 1.1), 1, 7) is not None
    assert np.argwhere(ids).tolist() == [[1, 2]]


def test_dab_is_round_and_symmetric():
    ids = np.zeros((65, 65), np.uint8)  # pixel 32 is the middle one
    paint_dab(ids, (32.5, 32.5), 21, 1)
    mask = ids.astype(bool)
    assert mask.sum() > 0.9 * math.pi * 10.5**2 and mask.sum() < 1.1 * math.pi * 10.5**2
    assert np.array_equal(mask, mask[::-1]) and np.array_equal(mask, mask[:, ::-1]) and np.array_equal(mask, mask.T)
    assert mask_bbox(mask) == (22, 22, 43, 43)  # exactly 21 px across


@pytest.mark.parametrize("size", [1, 2, 3, 7, 10, 33, 200])
def test_segments_match_per_pixel_reference(size):
    rng = np.random.default_rng(size)
    for _ in range(6):
        p0 = tuple(rng.uniform(-20, 100, 2))
        p1 = tuple(rng.uniform(-20, 100, 2))
        ids = np.zeros((80, 90), np.uint8)
        box = paint_segment(ids, p0, p1, size, 3)
        expected = brute_capsule(ids.shape, p0, p1, size)
        assert np.array_equal(ids == 3, expected)
        assert box == mask_bbox(expected)


@pytest.mark.parametrize("size", [1, 200])
@pytest.mark.parametrize("point", [(0, 0), (0.2, 99.7), (119.9, 0.5), (119.5, 99.5)])
def test_brush_at_borders_is_clipped(size, point):
    ids = np.zeros((100, 120), np.uint8)
    box = paint_dab(ids, point, size, 2)
    expected = brute_capsule(ids.shape, point, point, size)
    assert np.array_equal(ids == 2, expected)
    assert box == mask_bbox(expected)
    assert ids[min(int(point[1]), 99), min(int(point[0]), 119)] == 2


def test_fully_outside_paints_nothing():
    ids = np.zeros((10, 10), np.uint8)
    assert paint_segment(ids, (-50, -50), (-30, -60), 10, 1) is None
    assert paint_dab(ids, (200, 5), 200, 1) is None
    assert not ids.any()


def test_brush_size_limits():
    ids = np.zeros((4, 4), np.uint8)
    with pytest.raises(ValueError):
        paint_dab(ids, (1, 1), 0, 1)
    with pytest.raises(ValueError):
        paint_dab(ids, (1, 1), 201, 1)


def test_horizontal_and_vertical_lines_have_exact_width():
    ids = np.zeros((40, 60), np.uint8)
    paint_segment(ids, (10.5, 20.5), (50.5, 20.5), 5, 1)
    assert ids[:, 30].sum() == 5 and ids[18:23, 30].all()
    ids[:] = 0
    paint_segment(ids, (30.5, 5.5), (30.5, 35.5), 4, 1)
    assert ids[20].sum() == 4


def test_rectangles():
    ids = np.zeros((20, 20), np.uint8)
    box = paint_rectangle(ids, (12.7, 3.2), (4.1, 9.9), 5)
    assert box == (4, 3, 13, 10)
    assert (ids[3:10, 4:13] == 5).all() and ids.sum() == 5 * 9 * 7
    ids[:] = 0
    box = paint_rectangle(ids, (2, 2), (11, 9), 1, outline_width=2)
    assert box == (2, 2, 12, 10)
    assert ids[2:4, 2:12].all() and ids[8:10, 2:12].all() and ids[2:10, 2:4].all() and ids[2:10, 10:12].all()
    assert not ids[4:8, 4:10].any()
    ids[:] = 0
    assert paint_rectangle(ids, (-5, -5), (3, 2), 1) == (0, 0, 4, 3)
    assert paint_rectangle(ids, (30, 30), (40, 40), 1) is None


def test_replace_class_and_pick():
    ids = np.array([[0, 1, 1], [2, 1, 0]], np.uint8)
    assert replace_class(ids, 1, 2) == (1, 0, 3, 2)
    assert ids.tolist() == [[0, 2, 2], [2, 2, 0]]
    assert replace_class(ids, 1, 0) is None
    assert pick_class(ids, (0.5, 1.9)) == 2
    assert pick_class(ids, (3.0, 0.0)) is None and pick_class(ids, (-0.1, 0)) is None


def test_200px_segment_on_1024_map_fits_a_frame():
    # the real figures come from benchmarks/bench_strokes.py; this only guards against
    # an accidental slowdown by orders of magnitude (the budget is one 60 fps frame)
    import time

    ids = np.zeros((1024, 1024), np.uint8)
    times = []
    for i in range(20):
        start = time.perf_counter()
        paint_segment(ids, (300.0 + 16 * i, 400.0), (316.0 + 16 * i, 410.0), 200, 1 + i % 2)
        times.append(time.perf_counter() - start)
    assert sorted(times)[len(times) // 2] < 0.016
