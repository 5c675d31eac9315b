"""Instance data for InstaGAN from the synthetic landscapes: trees (domain A) and rocks (domain B).

Each rendered landscape's label map is split into connected components (4-neighbour) of the tree class and
of the rock class; components of at least `min_area` pixels become instance masks. A landscape with tree
instances goes to trainA/ with its masks in trainA_seg/<name>_<i>.png (the reference's layout, largest
first, at most 20); one with rock instances to trainB/ likewise; meta.json (parameters and counts) comes last. No scipy: the labelling is a min-label
flood in numpy, fine at these sizes.
"""
from __future__ import annotations

import argparse
import json
import os

import numpy as np
from PIL import Image

from .landscapes import CLASS_ID, render

MAX_INSTANCES = 20
DOMAINS = (("A", "tree"), ("B", "rock"))


def components(mask: np.ndarray) -> list[np.ndarray]:
    """Boolean masks of the 4-connected components of `mask`, largest first."""
    h, w = mask.shape
    big = h * w + 1
    labels = np.where(mask, np.arange(h * w).reshape(h, w), big)
    while True:
        padded = np.pad(labels, 1, constant_values=big)
        neighbours = np.minimum.reduce([padded[1:-1, 1:-1], padded[:-2, 1:-1], padded[2:, 1:-1], padded[1:-1, :-2], padded[1:-1, 2:]])
        updated = np.where(mask, neighbours, big)
        if np.array_equal(updated, labels):
            break
        labels = updated
    found = [labels == value for value in np.unique(labels[mask])]
    return sorted(found, key=lambda m: -int(m.sum()))


def instance_masks(label: np.ndarray, class_name: str, min_area: int) -> list[np.ndarray]:
    return [m for m in components(label == CLASS_ID[class_name]) if m.sum() >= min_area][:MAX_INSTANCES]


def make_instance_landscapes(out: str, n: int, size: int = 64, seed: int = 0, min_area: int = 12) -> dict[str, int]:
    """Render `n` landscapes from `seed` on; returns how many images each domain got."""
    counts = {domain: 0 for domain, _ in DOMAINS}
    for domain, _ in DOMAINS:
        os.makedirs(os.path.join(out, f"train{domain}_seg"), exist_ok=True)
        os.makedirs(os.path.join(out, f"train{domain}"), exist_ok=True)
    for index in range(seed, seed + n):
        label, image = render(index, index, size)
        name = f"{index:06d}"
        for domain, class_name in DOMAINS:
            masks = instance_masks(label, class_name, min_area)
            if not masks:
                continue
            Image.fromarray(image).save(os.path.join(out, f"train{domain}", f"{name}.png"))
            for i, m in enumerate(masks):
                Image.fromarray((m * 255).astype(np.uint8)).save(os.path.join(out, f"train{domain}_seg", f"{name}_{i}.png"))
            counts[domain] += 1
    # written last: its presence tells trainer.defaults (and a user) that the folder is complete
    meta = {"kind": "instances", "n": n, "size": size, "seed": seed, "min_area": min_area,
            "domains": {domain: class_name for domain, class_name in DOMAINS}, "images": counts}
    with open(os.path.join(out, "meta.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render tree (A) and rock (B) instance data for the instagan recipe.")
    parser.add_argument("--out", required=True, help="dataset folder to write (trainA/, trainA_seg/, trainB/, trainB_seg/)")
    parser.add_argument("-n", type=int, default=2000, help="landscapes to render (default 2000)")
    parser.add_argument("--size", type=int, default=64, help="side in pixels (default 64)")
    parser.add_argument("--seed", type=int, default=0, help="first layout/style seed (default 0)")
    parser.add_argument("--min-area", type=int, default=12, help="smallest instance in pixels (default 12)")
    args = parser.parse_args(argv)
    counts = make_instance_landscapes(args.out, args.n, args.size, args.seed, args.min_area)
    print(f"trees (A): {counts['A']} images, rocks (B): {counts['B']} images in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
