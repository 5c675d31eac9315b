"""Smooth value noise by separable upsampling of small random grids.

A grid of random values is turned into a smooth field with two small matrix
products, ``Ry @ grid @ Rx.T``, where ``Ry``/``Rx`` hold cubic B-spline weights.
Batched over images this is a BLAS call per octave, so a whole batch of noise
fields costs a few milliseconds and no Python loop ever touches a pixel.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np


def _bspline_weights(t: np.ndarray) -> np.ndarray:
    """Cubic B-spline weights for the 4 grid points around fractional offset t."""
    t2, t3 = t * t, t * t * t
    return np.stack(
        [
            (1 - t) ** 3 / 6,
            (3 * t3 - 6 * t2 + 4) / 6,
            (-3 * t3 + 3 * t2 + 3 * t + 1) / 6,
            t3 / 6,
        ],
        axis=-1,
    )


@lru_cache(maxsize=256)
def upsample_matrix(n_out: int, n_grid: int) -> np.ndarray:
    """[n_out, n_grid] float32 matrix mapping grid values to n_out smooth samples.

    Rows are scaled so that unit-variance white grid values give roughly
    unit-variance output (B-spline smoothing shrinks the variance otherwise).
    """
    pos = (np.arange(n_out) + 0.5) / n_out * n_grid - 0.5
    base = np.floor(pos).astype(np.int64)
    weights = _bspline_weights(pos - base)
    matrix = np.zeros((n_out, n_grid), np.float64)
    rows = np.repeat(np.arange(n_out), 4)
    cols = np.clip((base[:, None] + np.arange(-1, 3)[None, :]).ravel(), 0, n_grid - 1)
    np.add.at(matrix, (rows, cols), weights.ravel())
    matrix /= np.sqrt((matrix**2).sum(axis=1).mean())
    matrix.setflags(write=False)
    return matrix.astype(np.float32)


def smooth_noise_2d(grids: np.ndarray, height: int, width: int) -> np.ndarray:
    """[B, gh, gw] random grids -> [B, height, width] smooth float32 fields."""
    ry = upsample_matrix(height, grids.shape[1])
    rx = upsample_matrix(width, grids.shape[2])
    return np.matmul(np.matmul(ry, grids.astype(np.float32, copy=False)), rx.T)


def smooth_noise_1d(grids: np.ndarray, length: int) -> np.ndarray:
    """[B, g] random grids -> [B, length] smooth float32 profiles."""
    return grids.astype(np.float32, copy=False) @ upsample_matrix(length, grids.shape[1]).T


def fractal_2d(
    rngs: list[np.random.Generator],
    grid_sizes: list[tuple[int, int]],
    height: int,
    width: int,
    gain: float = 0.5,
) -> np.ndarray:
    """Sum of octaves, one grid per (gh, gw) in grid_sizes; each image has its own rng.

    Result has roughly unit variance. The draws per image do not depend on the
    batch it is rendered in, so an image is the same alone or in a batch.
    """
    total = np.zeros((len(rngs), height, width), np.float32)
    norm = 0.0
    amplitude = 1.0
    for gh, gw in grid_sizes:
        grids = np.stack([rng.standard_normal((gh, gw), dtype=np.float32) for rng in rngs])
        total += amplitude * smooth_noise_2d(grids, height, width)
        norm += amplitude * amplitude
        amplitude *= gain
    total *= 1.0 / np.sqrt(norm)
    return total


def fractal_1d(
    rngs: list[np.random.Generator], grid_sizes: list[int], length: int, gain: float = 0.5
) -> np.ndarray:
    """1-D counterpart of fractal_2d: [B, length] profiles of roughly unit variance."""
    total = np.zeros((len(rngs), length), np.float32)
    norm = 0.0
    amplitude = 1.0
    for g in grid_sizes:
        grids = np.stack([rng.standard_normal(g, dtype=np.float32) for rng in rngs])
        total += amplitude * smooth_noise_1d(grids, length)
        norm += amplitude * amplitude
        amplitude *= gain
    total *= 1.0 / np.sqrt(norm)
    return total


def auto_batch_size(size: int) -> int:
    """Images per batch so one [B, size, size] float32 field stays around 4 MiB (cache friendly)."""
    return max(1, min(64, (1 << 20) // (size * size)))
