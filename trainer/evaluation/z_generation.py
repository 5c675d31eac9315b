"""Generators from z alone (DCGAN, WGAN-GP, ProGAN) on landscapes: Frechet distance to held-out photos in the landscape
feature space, beside the same baseline and floor as StyleGAN2's (trainer.evaluation.generation)."""
from __future__ import annotations

import numpy as np
import torch

from ganstudio.checkpoints.loaded import LoadedModel
from trainer.evaluation import heldout
from trainer.evaluation.context import EvalContext, ModelEvaluation, Table
from trainer.evaluation.generation import landscape_frechet, seed_latents
from trainer.evaluation.grids import tile_grid


def generate_z(model: LoadedModel, seeds: range | list[int], batch: int = 25) -> np.ndarray:
    """uint8 images for seeds (z as the explorer draws it), the network in eval mode (batch norm's running statistics)."""
    net = model.module.eval()
    out = []
    with torch.inference_mode():
        for start in range(0, len(seeds), batch):
            z = seed_latents(seeds[start:start + batch], net.z_dim)
            out.append(heldout.to_uint8(net(z).clamp(-1, 1)))
    return np.concatenate(out)


def evaluate_z_generator(name: str, model: LoadedModel, ctx: EvalContext) -> ModelEvaluation:
    s = ctx.settings
    size = int(model.module.img_resolution)
    n = s.n_fid
    figures, rows, _ = landscape_frechet(ctx, size, {name: generate_z(model, range(n))})
    tables = [Table(
        f"Frechet distance to {n} held-out photos ({n} images per set, {size} px) ↓", ["images", "Frechet distance"], rows,
        "Features: the 64-d penultimate layer of the landscape CNN (see 'Measurement networks'), as for StyleGAN2, so the "
        "figures compare with its section; seeds 0.. (z = RandomState(seed).randn). The real-vs-real distance is the floor "
        "that finite samples allow.")]
    grid_seeds = list(range(s.n_grid * 8))
    images = generate_z(model, grid_seeds)
    grid = tile_grid([list(images[r * 8:(r + 1) * 8]) for r in range(s.n_grid)])
    return ModelEvaluation(name, model.arch, "z_generator", tables, grid, f"Seeds 0–{len(grid_seeds) - 1} (row by row).", figures)
