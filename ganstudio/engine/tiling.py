"""Tiled inference for image-to-image networks: overlapping tiles, feathered blending.

Tiles are square, `tile` pixels (a multiple of what the network needs), laid
out so neighbours overlap by about `overlap` pixels or more, spread evenly over
the image, starting on multiples of the network's stride; the image is
reflect-padded at the bottom and right so that they fit (and up to one tile
when it is smaller), and the padding is cropped off the result. Each tile's
output is weighted by a separable window that is 0 for the quarter of the
overlap nearest a tile edge (where the network sees reflection padding instead
of the real neighbours), rises as sin^2 over the middle half, and is 1
elsewhere; sides on the image border keep weight 1. In every overlap the two
windows sum to 1, so blending is a partition of unity: no seams, no
brightness dips. The accumulated sum is still divided by the summed weights
to absorb rounding.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

EDGE_DISCARD = 0.25  # fraction of each overlap, at the tile edge, given zero weight


def round_up(value: int, multiple: int) -> int:
    return -(-int(value) // multiple) * multiple


def tile_starts(length: int, tile: int, overlap: int, align: int = 1) -> list[int]:
    """Start offsets of tiles covering [0, length), neighbours overlapping by about `overlap` or more.

    Starts are multiples of `align`: a strided network is only shift-equivariant
    for shifts by its total stride, so tiles cut elsewhere would sample the
    image on a different grid than whole-image inference. `length - tile` must
    be a multiple of `align` (see `padded_length`).
    """
    if length <= tile:
        return [0]
    stride = tile - overlap
    if stride <= 0:
        raise ValueError(f"overlap {overlap} must be smaller than the tile {tile}")
    if (length - tile) % align:
        raise ValueError(f"length {length} minus tile {tile} is not a multiple of {align}")
    steps = (length - tile) // align
    count = 1 + math.ceil((length - tile) / stride)
    return [round(i * steps / (count - 1)) * align for i in range(count)]


def padded_length(length: int, tile: int, align: int) -> int:
    """The smallest length >= `length` (and >= tile) whose tiles can all start on the `align` grid."""
    return tile + round_up(max(length - tile, 0), align)


def ramp(overlap: int) -> np.ndarray:
    """Rising weights across an overlap of `overlap` pixels; ramp(o) + ramp(o)[::-1] == 1."""
    if overlap <= 0:
        return np.zeros(0, dtype=np.float64)
    discard = int(overlap * EDGE_DISCARD)
    width = overlap - 2 * discard
    t = np.arange(overlap, dtype=np.float64)
    phase = np.clip((t - discard + 0.5) / max(width, 1), 0.0, 1.0)
    return np.sin(0.5 * np.pi * phase) ** 2


def window(tile: int, before: int, after: int) -> np.ndarray:
    """1-D tile weights: a ramp up over the overlap with the previous tile, down over the next."""
    w = np.ones(tile, dtype=np.float64)
    if before > 0:
        w[:before] = ramp(before)
    if after > 0:
        w[tile - after :] *= ramp(after)[::-1]
    # never exactly 0: where three tiles overlap, a pixel must still get some weight
    return np.maximum(w, 1e-6)


@dataclass(frozen=True)
class Tile:
    y: int
    x: int
    weight_y: np.ndarray
    weight_x: np.ndarray


def plan_tiles(height: int, width: int, tile: int, overlap: int, align: int = 1) -> list[Tile]:
    """The tiles of a (height, width) image already padded with `padded_length`."""
    tiles = []
    ys, xs = tile_starts(height, tile, overlap, align), tile_starts(width, tile, overlap, align)

    def windows(starts: list[int]) -> list[np.ndarray]:
        out = []
        for i, start in enumerate(starts):
            before = starts[i - 1] + tile - start if i > 0 else 0
            after = start + tile - starts[i + 1] if i + 1 < len(starts) else 0
            out.append(window(tile, before, after))
        return out

    wy, wx = windows(ys), windows(xs)
    for i, y in enumerate(ys):
        for j, x in enumerate(xs):
            tiles.append(Tile(y, x, wy[i], wx[j]))
    return tiles


def pad_reflect(x: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Pad [N, C, H, W] at the bottom and right to (height, width), mirroring the image.

    Reflection needs the pad to be smaller than the side, so large pads are
    done in rounds; a side of one pixel is repeated instead.
    """
    while x.shape[2] < height or x.shape[3] < width:
        h, w = x.shape[2], x.shape[3]
        pad_h, pad_w = min(height - h, h - 1), min(width - w, w - 1)
        if (height > h and pad_h <= 0) or (width > w and pad_w <= 0):
            return F.pad(x, (0, max(width - w, 0), 0, max(height - h, 0)), mode="replicate")
        x = F.pad(x, (0, max(pad_w, 0), 0, max(pad_h, 0)), mode="reflect")
    return x


def run_whole(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, multiple: int) -> torch.Tensor:
    """fn on the whole [1, C, H, W] image, padded to the network's multiple and cropped back."""
    h, w = x.shape[2], x.shape[3]
    out = fn(pad_reflect(x, round_up(h, multiple), round_up(w, multiple)))
    return out[:, :, :h, :w]


def run_tiled(
    fn: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    tile: int,
    overlap: int,
    on_tile: Callable[[int, int], None] | None = None,
    align: int = 1,
) -> np.ndarray:
    """fn over overlapping tiles of [1, C, H, W] `x`, blended: (C_out, H, W) float32 on the CPU.

    `tile` must already be a multiple of what `fn` accepts, and tiles start on
    multiples of `align` (the network's total stride). `on_tile(done, total)`
    is called after each tile (progress, cancellation).
    """
    h, w = x.shape[2], x.shape[3]
    padded = pad_reflect(x, padded_length(h, tile, align), padded_length(w, tile, align))
    ph, pw = padded.shape[2], padded.shape[3]
    tiles = plan_tiles(ph, pw, tile, overlap, align)
    total: np.ndarray | None = None
    weights = np.zeros((ph, pw), dtype=np.float32)
    for index, t in enumerate(tiles):
        out = fn(padded[:, :, t.y : t.y + tile, t.x : t.x + tile])
        values = out[0].float().cpu().numpy()
        if total is None:
            total = np.zeros((values.shape[0], ph, pw), dtype=np.float32)
        weight = np.outer(t.weight_y, t.weight_x).astype(np.float32)
        total[:, t.y : t.y + tile, t.x : t.x + tile] += values * weight
        weights[t.y : t.y + tile, t.x : t.x + tile] += weight
        if on_tile is not None:
            on_tile(index + 1, len(tiles))
    assert total is not None
    return total[:, :h, :w] / np.maximum(weights[:h, :w], 1e-8)


def tile_count(height: int, width: int, tile: int, overlap: int, align: int = 1) -> int:
    rows = tile_starts(padded_length(height, tile, align), tile, overlap, align)
    cols = tile_starts(padded_length(width, tile, align), tile, overlap, align)
    return len(rows) * len(cols)
