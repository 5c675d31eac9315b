"""Sample grids of the synthetic data, as used in docs/synthetic-data.md.

    python -m trainer.synthetic.preview docs/images

writes synthetic-landscapes.png (photos over their label maps, then one layout
in five styles) and synthetic-faces.png (sampled faces, then one identity with
each attribute changed), small enough for the docs (< 300 KB each).
"""
from __future__ import annotations

import os
import sys

import numpy as np
from PIL import Image

from trainer.synthetic import faces, landscapes

STYLES = [("summer", "day"), ("autumn", "day"), ("winter", "day"), ("summer", "dusk"), ("summer", "night"), ("winter", "dusk")]


def landscape_grid(size: int = 128, columns: int = 5, layout_for_styles: int = 8) -> np.ndarray:
    """[3*size, columns*size, 3]: photos, their colourised label maps, one layout in several styles."""
    seeds = list(range(columns))
    labels, photos = landscapes.render_batch(seeds, [s * 7 + 3 for s in seeds], size)
    styled = [landscapes.render(layout_for_styles, 1, size, season, tod)[1] for season, tod in STYLES[:columns]]
    rows = [np.concatenate(list(photos), 1), np.concatenate([landscapes.colorize(l) for l in labels], 1),
            np.concatenate(styled, 1)]
    return np.concatenate(rows, 0)


def face_grid(size: int = 128, columns: int = 8, identity: int = 3) -> np.ndarray:
    """[2*size, columns*size, 3]: sampled faces, then one identity with attributes changed."""
    seeds = list(range(100, 100 + columns))
    sampled = faces.render_batch(seeds, np.stack([faces.sample_attributes(s) for s in seeds]), size)
    base = faces.sample_attributes(identity)
    variants = []
    for change in [None, *faces.HAIR_COLOURS, "Eyeglasses", "Male", "Smiling", "Young"][:columns]:
        vec = base.copy()
        if change in faces.HAIR_COLOURS:
            vec[[faces.FACE_ATTRIBUTES.index(h) for h in faces.HAIR_COLOURS]] = False
            vec[faces.FACE_ATTRIBUTES.index(change)] = True
        elif change is not None:
            vec[faces.FACE_ATTRIBUTES.index(change)] = ~vec[faces.FACE_ATTRIBUTES.index(change)]
        variants.append(faces.render(identity, vec, size))
    return np.concatenate([np.concatenate(list(sampled), 1), np.concatenate(variants, 1)], 0)


def save_small_png(image: np.ndarray, path: str, limit: int = 290_000) -> None:
    """Full colour if that stays under `limit` bytes, else quantised to 256 colours."""
    Image.fromarray(image).save(path, optimize=True)
    if os.path.getsize(path) > limit:
        Image.fromarray(image).quantize(256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = argv[0] if argv else "."
    os.makedirs(out, exist_ok=True)
    save_small_png(landscape_grid(), os.path.join(out, "synthetic-landscapes.png"))
    save_small_png(face_grid(), os.path.join(out, "synthetic-faces.png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
