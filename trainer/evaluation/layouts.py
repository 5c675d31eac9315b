"""LostGAN layouts from held-out landscapes: does the picture look like the data, do the masks find the objects,
and does re-rolling one object's latent stay inside that object?

Each held-out label map gives its layout as the training data does (`trainer.synthetic.layout_boxes`: a box per
connected class region, largest first). Frechet distance: the generated pictures against the held-out photos of the
same layouts, beside the flat baseline of every box filled with its class's mean colour (and the usual mean + noise
and real-vs-real floor). Mask IoU: each object's predicted mask (> 0.5) against its true region, beside the box
itself taken as the mask. Re-roll locality: a new latent for the largest object only; the mean change (0-255)
outside and inside that object's predicted mask.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ganstudio.checkpoints.loaded import LoadedModel
from trainer.evaluation import heldout
from trainer.evaluation.context import EvalContext, ModelEvaluation, Table, fmt
from trainer.evaluation.generation import landscape_frechet
from trainer.evaluation.grids import tile_grid
from trainer.synthetic.layout_boxes import label_map_boxes

MAX_OBJECTS = 8  # as the bundled default trained (trainer/defaults.py --max-objects)
MIN_AREA = 16
MASK_THRESHOLD = 0.5
COLUMNS = ["masks", "IoU with the true regions ↑"]


def layouts_of(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(boxes [N, O, 4], classes [N, O], true masks [N, O, H, W]) of label maps, as the recipe derives them."""
    found = [label_map_boxes(label, MAX_OBJECTS, MIN_AREA) for label in labels]
    return tuple(np.stack([f[i] for f in found]) for i in range(3))  # type: ignore[return-value]


def render(net: torch.nn.Module, boxes: np.ndarray, classes: np.ndarray, seed: int, batch: int,
           reroll_first: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images [N, H, W, 3] and masks [N, O, H, W] in [0, 1]; latents standard normal as the recipe trains them,
    one generator per layout (`seed` + index), so a re-roll of the first object changes that latent alone."""
    images, masks = [], []
    z_dim = net.z_dim
    with torch.inference_mode():
        for start in range(0, len(boxes), batch):
            z_obj, z_im = [], []
            for index in range(start, min(start + batch, len(boxes))):
                gen = torch.Generator().manual_seed(seed + index)
                z_o, z_i = torch.randn(boxes.shape[1], z_dim, generator=gen), torch.randn(z_dim, generator=gen)
                if reroll_first:
                    z_o[0] = torch.randn(z_dim, generator=gen)
                z_obj.append(z_o)
                z_im.append(z_i)
            image, mask = net(torch.stack(z_obj), torch.from_numpy(boxes[start:start + batch]), torch.stack(z_im),
                              torch.from_numpy(classes[start:start + batch]), return_masks=True)
            size = image.shape[-1]
            images.append(heldout.to_uint8(image.clamp(-1, 1)))
            masks.append(F.interpolate(mask.float(), size=(size, size), mode="bilinear", align_corners=False).clamp(0, 1).numpy())
    return np.concatenate(images), np.concatenate(masks)


def box_masks(boxes: np.ndarray, size: int) -> np.ndarray:
    """bool [N, O, size, size]: each box's pixels (centres inside the box)."""
    centres = (np.arange(size) + 0.5) / size
    x0, y0, w, h = (boxes[..., i, None] for i in range(4))
    inside_x = (centres >= x0) & (centres < x0 + w)  # [N, O, size]
    inside_y = (centres >= y0) & (centres < y0 + h)
    return inside_y[..., :, None] & inside_x[..., None, :]


def mask_iou(predicted: np.ndarray, truth: np.ndarray, classes: np.ndarray) -> float:
    """Mean IoU over the real objects (class > 0) of predicted bool masks against the true regions."""
    real = classes > 0
    inter = (predicted & truth).sum(axis=(-1, -2))[real]
    union = (predicted | truth).sum(axis=(-1, -2))[real]
    return float(np.mean(inter / np.maximum(union, 1)))


def flat_boxes(boxes: np.ndarray, classes: np.ndarray, size: int, class_colours: np.ndarray, mean_image: np.ndarray) -> np.ndarray:
    """The trivial picture of a layout: the mean image, every box filled with its class's mean colour (small on top)."""
    inside = box_masks(boxes, size)
    out = np.repeat(mean_image[None], len(boxes), axis=0).copy()
    for n in range(len(boxes)):
        for o in range(boxes.shape[1]):  # largest first in the list: painted first, smaller ones over it
            if classes[n, o] > 0:
                out[n][inside[n, o]] = class_colours[min(classes[n, o] - 1, len(class_colours) - 1)]
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def evaluate_lostgan(name: str, model: LoadedModel, ctx: EvalContext) -> ModelEvaluation:
    s = ctx.settings
    net = model.module.eval()
    size = int(model.resolution or net.size)
    n = s.n_fid
    labels, real = heldout.render_landscapes(heldout.HELDOUT_LANDSCAPE_SEED, n)
    labels, real = heldout.resize_labels(labels, size), heldout.resize_images(real, size)
    boxes, classes, truth = layouts_of(labels)
    images, masks = render(net, boxes, classes, seed=0, batch=s.batch)
    stats = ctx.landscape_stats(size)
    flat = flat_boxes(boxes, classes, size, stats.class_colours, stats.mean_image)
    fd_figures, fd_rows, _ = landscape_frechet(ctx, size, {name: images, "baseline: boxes filled with class-mean colours": flat})

    predicted = masks > MASK_THRESHOLD
    ious = {name: mask_iou(predicted, truth, classes), "baseline: the box itself": mask_iou(box_masks(boxes, size), truth, classes)}

    rerolled, _ = render(net, boxes, classes, seed=0, batch=s.batch, reroll_first=True)
    change = np.abs(rerolled.astype(np.float64) - images.astype(np.float64)).mean(-1)  # [N, H, W]
    first = predicted[:, 0]
    inside = float(change[first].mean()) if first.any() else 0.0
    outside = float(change[~first].mean())

    figures = {**fd_figures, "mask_iou": ious, "reroll": {"outside": outside, "inside": inside}}
    tables = [
        Table(f"Frechet distance to {n} held-out photos of the same layouts ({size} px) ↓", ["images", "Frechet distance"], fd_rows,
              "Features: the 64-d penultimate layer of the landscape CNN (see 'Measurement networks'), as for the other "
              "landscape generators. Layouts: up to 8 boxes per held-out label map (a box per connected class region of at "
              f"least {MIN_AREA} pixels, largest first); latents standard normal, as in training."),
        Table(f"Predicted masks against the objects' true regions ({int((classes > 0).sum())} objects)", COLUMNS,
              [[label, fmt(value)] for label, value in ious.items()],
              f"A mask is the network's soft mask > {MASK_THRESHOLD} at the output size; the box baseline takes every pixel of "
              "the box as the object."),
        Table("Re-rolling the largest object's latent (mean change, 0–255)", ["where", "mean change"],
              [["outside its predicted mask", fmt(outside)], ["inside its predicted mask", fmt(inside)]],
              "Every other latent stays the same; the object's features still reach the rest of the picture through the "
              "normalisation, so outside is not exactly 0."),
    ]
    rows = []
    for i in range(min(s.n_grid, n)):
        overlay = np.repeat((predicted[i].max(0) * 255).astype(np.uint8)[..., None], 3, axis=2)
        rows.append([real[i], flat[i], images[i], overlay, rerolled[i]])
    return ModelEvaluation(name, model.arch, "lostgan", tables, tile_grid(rows),
                           "Columns: held-out photo | its boxes in class-mean colours | generated | predicted masks | "
                           "largest object re-rolled.", figures)
