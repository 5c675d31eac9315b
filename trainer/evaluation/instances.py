"""InstaGAN trees -> rocks: is the picture kept outside the instances, and do the instances change class?

Held-out landscapes (seeds of their own, never rendered for training) with tree instances (4-connected
components of the tree class, as `trainer.synthetic.instances` makes the training data) go through the
published procedure (largest first, two per pass). Outside error: mean absolute difference (0-255)
outside every input instance (the context-preserving loss's target: 0). Colour shift inside: how far the
mean colour inside the instances moved from the trees' mean colour towards the rocks' (0 = not at all,
1 = all the way). Mask IoU: the translated masks' union against the input's.
"""
from __future__ import annotations

import numpy as np
import torch

from ganstudio.checkpoints.loaded import LoadedModel
from ganstudio.models.instagan_procedure import translate_instances
from trainer.evaluation import heldout
from trainer.evaluation.context import EvalContext, ModelEvaluation, Table, fmt
from trainer.evaluation.grids import tile_grid
from trainer.synthetic.instances import instance_masks
from trainer.synthetic.landscapes import CLASS_ID, render

FIRST_SEED = heldout.HELDOUT_LANDSCAPE_SEED * 1000  # far from the training renders (seeds 0..n)
MIN_AREA = 12
COLUMNS = ["mapping", "outside error ↓", "colour shift inside (trees → rocks) ↑", "mask IoU ↑"]


def instance_test(count: int, size: int, limit: int = 2000) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray, np.ndarray]:
    """`count` held-out pictures with tree instances, their masks, and the mean colours of trees and rocks."""
    images, masks, trees, rocks = [], [], [], []
    for seed in range(FIRST_SEED, FIRST_SEED + limit):
        label, image = render(seed, seed, size)
        rocks.append(image[label == CLASS_ID["rock"]])
        found = instance_masks(label, "tree", MIN_AREA)
        if found and len(images) < count:
            images.append(image)
            masks.append(np.stack(found))
            trees.append(image[label == CLASS_ID["tree"]])
        if len(images) >= count and sum(len(r) for r in rocks) > 0:
            break
    tree_colour = np.concatenate(trees).astype(np.float64).mean(0)
    rock_colour = np.concatenate(rocks).astype(np.float64).mean(0)
    return images, masks, tree_colour, rock_colour


def score(images: list[np.ndarray], masks: list[np.ndarray], outputs: list[np.ndarray], out_masks: list[np.ndarray],
          tree_colour: np.ndarray, rock_colour: np.ndarray) -> dict[str, float]:
    direction = rock_colour - tree_colour
    outside, shifts, ious = [], [], []
    for image, mask, out, out_mask in zip(images, masks, outputs, out_masks):
        union = mask.any(0)
        diff = np.abs(out.astype(np.float64) - image.astype(np.float64))
        outside.append(diff[~union].mean() if (~union).any() else 0.0)
        moved = out[union].astype(np.float64).mean(0) - image[union].astype(np.float64).mean(0)
        shifts.append(float(moved @ direction / (direction @ direction)))
        out_union = out_mask.any(0)
        ious.append((union & out_union).sum() / max(1, (union | out_union).sum()))
    return {"outside_error": float(np.mean(outside)), "colour_shift": float(np.mean(shifts)), "mask_iou": float(np.mean(ious))}


def evaluate_instagan(name: str, model: LoadedModel, ctx: EvalContext) -> ModelEvaluation:
    size = int(model.resolution or 64)
    count = max(1, ctx.settings.n_cycle // 3)
    images, masks, tree_colour, rock_colour = instance_test(count, size)
    outputs, out_masks = [], []
    with torch.inference_mode():
        for image, mask in zip(images, masks):
            x = heldout.to_tensor(image[None])
            m = torch.from_numpy(mask.astype(np.float32))[None] * 2 - 1
            result = translate_instances(model.module, x, m)
            outputs.append(heldout.to_uint8(result.image)[0])
            out_masks.append((result.masks[0] > 0).numpy())
    painted = []
    for image, mask in zip(images, masks):
        flat = image.copy()
        flat[mask.any(0)] = np.round(rock_colour).astype(np.uint8)
        painted.append(flat)
    outcomes = {
        name: score(images, masks, outputs, out_masks, tree_colour, rock_colour),
        "baseline: identity": score(images, masks, images, masks, tree_colour, rock_colour),
        "baseline: instances painted the rocks' mean colour": score(images, masks, painted, masks, tree_colour, rock_colour),
    }
    rows = [[label, fmt(f["outside_error"]), fmt(f["colour_shift"]), fmt(f["mask_iou"])] for label, f in outcomes.items()]
    table = Table(f"Held-out trees → rocks ({len(images)} landscapes with tree instances, {size} px)", COLUMNS, rows,
                  "Outside error: mean absolute difference (0–255) outside every instance. Colour shift: the instances' mean "
                  "colour moved from the trees' towards the rocks' mean colour (1 = all the way). Mask IoU: union of the "
                  "translated masks against the input's. Identity keeps everything and changes nothing; painting the rocks' "
                  "mean colour into the masks is the trivial way to score a shift of about 1.")
    grey = lambda m: np.repeat((m.any(0) * 255).astype(np.uint8)[..., None], 3, axis=2)  # noqa: E731
    grid_rows = [[images[i], grey(masks[i]), outputs[i], grey(out_masks[i])] for i in range(min(ctx.settings.n_grid, len(images)))]
    return ModelEvaluation(name, model.arch, "instagan", [table], tile_grid(grid_rows),
                           "Columns: landscape | tree instances | → rocks | translated masks.", outcomes)
