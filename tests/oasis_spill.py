"""How far a change to an OASIS picture reaches from the region it was made for."""
from __future__ import annotations

import numpy as np


def output_region(labels: np.ndarray, class_id: int, shape: tuple[int, int]) -> np.ndarray:
    """The class's pixels at the output's size, resized as the engine resizes labels (nearest)."""
    ys = (np.arange(shape[0]) * labels.shape[0]) // shape[0]
    xs = (np.arange(shape[1]) * labels.shape[1]) // shape[1]
    return labels[ys[:, None], xs[None, :]] == class_id


def chessboard_reach(region: np.ndarray, changed: np.ndarray) -> int:
    """The largest chessboard distance (output pixels) from `region` of a changed pixel (0: changes only inside)."""
    covered, reach = region.copy(), 0
    while (changed & ~covered).any():
        grown = covered.copy()
        grown[1:] |= covered[:-1]
        grown[:-1] |= covered[1:]
        grown[:, 1:] |= grown[:, :-1].copy()
        grown[:, :-1] |= grown[:, 1:].copy()
        covered, reach = grown, reach + 1
    return reach
