"""Render the sample inputs shipped in resources/samples/ (run once; the PNGs are committed).

    python resources/samples/make_samples.py

Faces (128 px) come from trainer.synthetic.faces, landscape photos (256 px,
summer, day) and their label maps in the palette colours (the bundled pix2pix's
input) from trainer.synthetic.landscapes, with fixed seeds, so the Attributes
and Convert workspaces have something to open with no download; InstaGAN's samples (128 px)
are the same scenes with their tree instances as masks beside them.
The application itself never imports the trainer; it only reads these files.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # the repository root, for `trainer`

from trainer.synthetic import faces, landscapes  # noqa: E402
from trainer.synthetic.instances import instance_masks  # noqa: E402

FACE_SIZE = 128
LANDSCAPE_SIZE = 256
# (file stem, identity seed, attributes): different hair colours, sexes and ages
FACES = (
    ("face-1", 11, {"Blond_Hair": True, "Smiling": True, "Young": True}),
    ("face-2", 23, {"Black_Hair": True, "Male": True, "Young": True}),
    ("face-3", 37, {"Brown_Hair": True, "Eyeglasses": True, "Male": False, "Young": False}),
)
# (file stem, layout seed, style seed): lakes, trees and snow-capped mountains
LANDSCAPES = (("landscape-1", 103, 108), ("landscape-2", 110, 115))
# The same scenes at the bundled InstaGAN's scale (trained at 64 px), with their tree instances as masks
# beside each picture (<stem>_mask<k>.png, largest first, as "Save output..." writes them and Convert reads them)
INSTANCE_SIZE = 128
INSTANCE_MIN_AREA = 40  # pixels: smaller specks of tree are no instance worth a mask
# The render's film grain defeats PNG compression; 6 bits per channel (steps hidden
# by the grain) keeps each file under 100 KB.
LANDSCAPE_LEVEL_STEP = 4


def main() -> None:
    (HERE / "faces").mkdir(exist_ok=True)
    (HERE / "landscapes").mkdir(exist_ok=True)
    (HERE / "label-maps").mkdir(exist_ok=True)
    for stem, seed, attrs in FACES:
        Image.fromarray(faces.render(seed, attrs, FACE_SIZE)).save(HERE / "faces" / f"{stem}.png", optimize=True)
    for stem, layout_seed, style_seed in LANDSCAPES:
        labels, photo = landscapes.render(layout_seed, style_seed, LANDSCAPE_SIZE, season="summer", time_of_day="day")
        label_map = HERE / "label-maps" / stem.replace("landscape", "label-map")
        Image.fromarray(landscapes.colorize(labels)).save(label_map.with_suffix(".png"), optimize=True)
        stepped = (photo // LANDSCAPE_LEVEL_STEP * LANDSCAPE_LEVEL_STEP + LANDSCAPE_LEVEL_STEP // 2).astype(np.uint8)
        Image.fromarray(stepped).save(HERE / "landscapes" / f"{stem}.png", optimize=True)
    (HERE / "instances").mkdir(exist_ok=True)
    for stem, layout_seed, style_seed in LANDSCAPES:
        labels, photo = landscapes.render(layout_seed, style_seed, INSTANCE_SIZE, season="summer", time_of_day="day")
        name = stem.replace("landscape", "trees")
        Image.fromarray(photo).save(HERE / "instances" / f"{name}.png", optimize=True)
        for k, mask in enumerate(instance_masks(labels, "tree", INSTANCE_MIN_AREA), start=1):
            Image.fromarray((mask * 255).astype(np.uint8), mode="L").save(HERE / "instances" / f"{name}_mask{k}.png", optimize=True)


if __name__ == "__main__":
    main()
