"""InstaGAN's test-time procedure (sangwoomo/instagan ``InstaGANModel.test``): pure torch, used by the engine and the evaluation.

Masks are sorted by area, largest first, and at most `max_instances` kept; they are translated
`per_pass` at a time in sequence, each pass taking the image the previous pass produced (the paper's
"sequential mini-batch" translation, so a few masks fit in memory at once). A pass whose masks are all
empty is skipped, as the reference skips it: the image of the last pass that ran is the result.
`step(done, total)` runs before each pass: the engine session passes its RunContext.step to report progress and
honour cancel between passes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch


@dataclass
class InstanceTranslation:
    image: torch.Tensor  # (1, C, H, W) in [-1, 1]
    masks: torch.Tensor  # (1, K, H, W) in [-1, 1], the translated masks in the caller's order (-1 for dropped ones)
    order: list[int]  # the caller's mask indices in the order they were translated (largest first)
    passes: int  # generator calls made


def order_by_area(masks: torch.Tensor) -> list[int]:
    """Mask indices, largest first (mean value over pixels, as ``select_masks_decreasing``); ties keep the given order."""
    areas = masks[0].mean(dim=(-1, -2)).tolist()
    return sorted(range(len(areas)), key=lambda i: -areas[i])


@torch.no_grad()
def translate_instances(
    generator: torch.nn.Module,
    image: torch.Tensor,
    masks: torch.Tensor,
    *,
    per_pass: int = 2,
    max_instances: int = 20,
    step: Callable[[int, int], None] | None = None,
) -> InstanceTranslation:
    """Translate `image` (1, C, H, W) with its instance `masks` (1, K, H, W), both in [-1, 1]."""
    if image.ndim != 4 or masks.ndim != 4 or image.shape[0] != 1 or masks.shape[0] != 1:
        raise ValueError("InstaGAN translates one image at a time: image (1, C, H, W) and masks (1, K, H, W)")
    if image.shape[-2:] != masks.shape[-2:]:
        raise ValueError(f"masks are {tuple(masks.shape[-2:])} but the image is {tuple(image.shape[-2:])}")
    if per_pass < 1 or max_instances < 1:
        raise ValueError("per_pass and max_instances must be at least 1")
    order = order_by_area(masks)[:max_instances]
    # The reference pads to max_instances with empty masks, so the passes are max_instances // per_pass.
    total = max_instances // per_pass
    empty = -torch.ones_like(masks[:, :1])
    slots = [masks[:, i : i + 1] for i in order] + [empty] * (total * per_pass - len(order))
    current = image
    translated = masks.new_full(masks.shape, -1.0)
    passes = 0
    for p in range(total):
        if step is not None:
            step(p, total)
        chunk = torch.cat(slots[p * per_pass : (p + 1) * per_pass], dim=1)
        if not bool(((chunk + 1).sum() > 0)):
            continue  # no instance left in this pass
        out = generator(torch.cat([current, chunk], dim=1))
        passes += 1
        current = out[:, : image.shape[1]]
        for j in range(per_pass):
            index = p * per_pass + j
            if index < len(order):
                translated[:, order[index]] = out[:, image.shape[1] + j]
    return InstanceTranslation(image=current, masks=translated, order=order, passes=passes)
