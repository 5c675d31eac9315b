"""Sample grids: tiles of uint8 images joined with gaps, saved as PNG under a size limit."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image

MAX_PNG_BYTES = 300_000


def tile_grid(rows: Sequence[Sequence[np.ndarray]], gap: int = 2, background: int = 255, min_tile: int = 128) -> np.ndarray:
    """Rows of [H,W,3] uint8 tiles -> one image with `gap` pixels between tiles.

    Tiles smaller than `min_tile` are enlarged by a whole factor (nearest), so 64 px
    samples stay readable on the docs page.
    """
    h, w = rows[0][0].shape[:2]
    scale = max(1, -(-min_tile // max(h, w)))
    h, w = h * scale, w * scale
    cols = max(len(r) for r in rows)
    out = np.full((len(rows) * (h + gap) - gap, cols * (w + gap) - gap, 3), background, np.uint8)
    for i, row in enumerate(rows):
        for j, tile in enumerate(row):
            if tile.shape[:2] != (h, w):
                tile = np.asarray(Image.fromarray(tile).resize((w, h), Image.NEAREST))
            out[i * (h + gap):i * (h + gap) + h, j * (w + gap):j * (w + gap) + w] = tile
    return out


def png_bytes(image: np.ndarray, max_bytes: int = MAX_PNG_BYTES) -> bytes:
    """The image as PNG; if too large, with an adaptive palette of fewer and fewer colours."""
    pil = Image.fromarray(image)
    buffer = io.BytesIO()
    pil.save(buffer, format="PNG", optimize=True)
    for colours in (256, 128, 64, 32):
        if buffer.tell() <= max_bytes:
            break
        buffer = io.BytesIO()
        pil.quantize(colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def save_grid(image: np.ndarray, path: Path, max_bytes: int = MAX_PNG_BYTES) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png_bytes(image, max_bytes))
    return path
