"""Speed of the painting tools on a 1024x1024 label map (pure numpy, one thread).

Prints milliseconds per stroke segment for brushes of 10, 50 and 200 px, for
pointer-sized segments (16 px, what a 60 Hz mouse or pen delivers when moving
quickly) and for a worst case (a 724 px diagonal across the map in one event),
plus the time of a whole-map flood fill on an open map and on a maze-like map.
Run: ``OMP_NUM_THREADS=1 python benchmarks/bench_strokes.py``. A frame at
60 fps leaves 16.7 ms for everything; painting should use a small part of it.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from ganstudio.document.edits import BrushStroke
from ganstudio.document.fill import flood_fill
from ganstudio.document.labelmap import LabelMap
from ganstudio.document.palette import Palette

SIZE = 1024


def per_call_ms(fn, repeats: int) -> float:
    fn()  # warm-up
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeats):
            fn()
        best = min(best, (time.perf_counter() - start) / repeats)
    return best * 1000


def bench_segments(brush: int, step: float, repeats: int, colorize: bool = False) -> float:
    labelmap = LabelMap.blank(SIZE, SIZE, Palette.generic(8))
    stroke = BrushStroke(labelmap, 3, brush)
    stroke.begin(150.0, 150.0)
    state = {"i": 0}
    # a zig-zag path that stays on the map, one segment of length `step` per call
    directions = np.array([[1.0, 0.6], [0.6, 1.0], [-1.0, 0.6], [-0.6, -1.0]])
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    pos = np.array([150.0, 150.0])

    def segment() -> None:
        nonlocal pos
        d = directions[(state["i"] // 8) % 4]
        state["i"] += 1
        pos = np.clip(pos + d * step, 100, SIZE - 100)
        box = stroke.move_to(float(pos[0]), float(pos[1]))
        if colorize and box is not None:
            labelmap.colorize(box)  # what the canvas does next: recolour the dirty box

    ms = per_call_ms(segment, repeats)
    stroke.finish()
    return ms


def bench_long_diagonal(brush: int) -> float:
    labelmap = LabelMap.blank(SIZE, SIZE, Palette.generic(8))
    flip = {"i": 0}

    def segment() -> None:
        flip["i"] += 1
        stroke = BrushStroke(labelmap, 1 + flip["i"] % 2, brush)
        stroke.begin(100.0, 100.0)
        stroke.move_to(612.0, 612.0)

    return per_call_ms(segment, 5)


def bench_fill_open() -> float:
    ids = np.zeros((SIZE, SIZE), np.uint8)
    flip = {"v": 1}

    def fill() -> None:
        flood_fill(ids, (500, 500), flip["v"])
        flip["v"] ^= 1

    return per_call_ms(fill, 3)


def bench_fill_maze() -> float:
    # vertical walls every 4 px with alternating gaps at top and bottom: one long serpentine region
    ids = np.zeros((SIZE, SIZE), np.uint8)
    ids[:, 2::4] = 2
    ids[:4, 2::8] = 0
    ids[-4:, 6::8] = 0
    flip = {"v": 1}

    def fill() -> None:
        flood_fill(ids, (0, 0), flip["v"])
        flip["v"] ^= 1

    return per_call_ms(fill, 3)


def main() -> None:
    print(f"label map {SIZE}x{SIZE}, uint8")
    for brush in (10, 50, 200):
        short = bench_segments(brush, 16.0, 200)
        shown = bench_segments(brush, 16.0, 200, colorize=True)
        long = bench_long_diagonal(brush)
        print(
            f"brush {brush:3d} px: {short:6.3f} ms per 16 px segment ({shown:6.3f} with recolouring its box), "
            f"{long:6.2f} ms per 724 px diagonal segment"
        )
    print(f"flood fill, whole open map : {bench_fill_open():6.2f} ms")
    print(f"flood fill, serpentine maze: {bench_fill_maze():6.2f} ms")


if __name__ == "__main__":
    main()
