"""StyleGAN2 landscapes: Frechet distance to held-out photos and perceptual path length, both in a landscape feature space."""
from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from ganstudio.checkpoints.loaded import LoadedModel
from trainer.evaluation import heldout, measure_nets, ppl, separability
from trainer.evaluation.context import EvalContext, ModelEvaluation, Table
from trainer.evaluation.grids import tile_grid
from trainer.evaluation.metrics import frechet_distance


def seed_latents(seeds: range | list[int], z_dim: int) -> torch.Tensor:
    """z for each seed as the reference tools draw it: RandomState(seed).randn(z_dim)."""
    return torch.from_numpy(np.stack([np.random.RandomState(s).randn(z_dim) for s in seeds])).float()


def generate(model: LoadedModel, seeds: range | list[int], batch: int = 25, psi: float = 1.0) -> np.ndarray:
    net = model.module
    out = []
    with torch.inference_mode():
        for start in range(0, len(seeds), batch):
            z = seed_latents(seeds[start:start + batch], net.z_dim)
            c = torch.zeros(len(z), net.c_dim) if net.c_dim else None
            out.append(heldout.to_uint8(net(z, c, truncation_psi=psi, noise_mode="const")))
    return np.concatenate(out)


def landscape_frechet(ctx: EvalContext, size: int, generated: dict[str, np.ndarray]) -> tuple[dict[str, float], list[list[str]], Any]:
    """Frechet distances of `generated` sets (ctx.settings.n_fid images each) to held-out landscapes, beside the mean
    image + noise baseline and a second held-out real set (the floor); also the feature network, for other figures."""
    n = ctx.settings.n_fid
    labels, real = heldout.render_landscapes(heldout.HELDOUT_LANDSCAPE_SEED, n)
    real, labels = heldout.resize_images(real, size), heldout.resize_labels(labels, size)
    _, real_b = heldout.render_landscapes(heldout.HELDOUT_LANDSCAPE_SEED_2, n)
    real_b = heldout.resize_images(real_b, size)
    net = ctx.landscape_features(size)
    ctx.record_feature_quality(size, labels, real)
    stats = ctx.landscape_stats(size)
    noise = np.random.default_rng(0).standard_normal((n, size, size, 3))
    mean_noise = np.clip(np.round(stats.mean_image + stats.std_image * noise), 0, 255).astype(np.uint8)

    def features(images: np.ndarray) -> np.ndarray:
        return measure_nets.run_batched(net.features, images)

    real_features = features(real)
    sets = {**generated, "baseline: training mean image + Gaussian noise of the per-pixel std": mean_noise,
            "floor: a second held-out real set": real_b}
    figures, rows = {}, []
    for label, images in sets.items():
        fd = frechet_distance(features(images), real_features)
        figures[label] = fd
        rows.append([label, f"{fd:.4g}"])
    return figures, rows, net


def evaluate_stylegan2(name: str, model: LoadedModel, ctx: EvalContext) -> ModelEvaluation:
    s = ctx.settings
    size = int(model.module.img_resolution)
    n = s.n_fid
    figures, rows, net = landscape_frechet(ctx, size, {name: generate(model, range(n))})
    tables = [Table(
        f"Frechet distance to {n} held-out photos ({n} images per set, {size} px) ↓", ["images", "Frechet distance"], rows,
        "Features: the 64-d penultimate layer of a small CNN trained on synthetic landscapes to predict each class's area "
        "fraction from the photo (see 'Measurement networks'); seeds 0.. with truncation ψ = 1 and constant noise. The "
        "real-vs-real distance is the floor that finite samples allow.")]
    started = time.perf_counter()
    path_length = ppl.generator_ppl(model.module, net.features, s.n_ppl)
    ppl_seconds = time.perf_counter() - started
    figures["ppl"] = {"w_end": path_length, "pairs": s.n_ppl, "seconds": ppl_seconds}
    tables.append(Table(
        f"Perceptual path length in W ({s.n_ppl} pairs, end-point sampling) ↓", ["model", "PPL (W, end)"],
        [[name, f"{path_length:.4g}"]],
        f"Karras et al. 2019: for a pair of mapped latents w0, w1, the step from w0 towards w1 by ε = {ppl.EPSILON:g} (lerp in "
        "W); the squared distance between the two images' features divided by ε²; the mean over pairs after dropping "
        "those below the 1st and above the 99th percentile. Lower: smoother latent space. The distance is the squared "
        "Euclidean distance in the same 64-d landscape feature space as the Frechet distance, not LPIPS/VGG (nothing is "
        f"downloaded), so the figure compares this project's landscape models only; {s.n_ppl} pairs instead of the "
        f"paper's 100 000 (took {ppl_seconds:.0f} s). Truncation ψ = 1, constant noise."))
    tables.append(separability_table(name, model, ctx, figures))
    grid_seeds = list(range(s.n_grid * 8))
    images = generate(model, grid_seeds)
    caption = f"Seeds 0–{len(grid_seeds) - 1} (row by row), truncation ψ = 1."
    grid = tile_grid([list(images[r * 8:(r + 1) * 8]) for r in range(s.n_grid)])
    return ModelEvaluation(name, model.arch, "stylegan2", tables, grid, caption, figures)


def separability_table(name: str, model: LoadedModel, ctx: EvalContext, figures: dict) -> Table:
    """Linear separability in Z and W with the landscape class-presence judge; adds figures["separability"]."""
    from trainer.evaluation.text_to_image import LandscapeJudge

    n = ctx.settings.n_separability
    size = int(model.module.img_resolution)
    judge_size = max(size, 16)  # the synthetic renders behind the judge's nets start at 16 px
    judge = LandscapeJudge(ctx, judge_size)

    def attributes(images: np.ndarray) -> dict[str, np.ndarray]:
        images = heldout.resize_images(images, judge_size) if judge_size != size else images
        return separability.landscape_attribute_logits(judge, images)

    result = separability.generator_separability(model.module, attributes, n)
    figures["separability"] = {"z": result.z, "w": result.w, "samples": result.samples, "kept": result.kept,
                               "folds": result.folds, "bits_z": result.entropies_z, "bits_w": result.entropies_w,
                               "positive_share": result.positive_share, "seconds": result.seconds}
    attributes = ", ".join(result.entropies_w)
    return Table(
        f"Linear separability ({n} samples, the surest {result.kept} per attribute) ↓", ["model", "Z", "W"],
        [[name, f"{result.z:.3g}", f"{result.w:.3g}"]],
        "Karras et al. 2019: per binary attribute, a linear SVM (squared hinge, C = 1) from the latent to the label; the "
        "figure is 2^(sum of H(label | SVM side) in bits), 1 when every attribute is a half-space of the space. Attributes: "
        f"{attributes} (the class-presence judge of the text-to-image checks and its season / time-of-day classifier, "
        f"one-vs-rest). Each sample's side comes from an SVM fitted on the other half of the kept samples (with "
        f"{result.kept} samples in {int(model.module.z_dim)} dimensions a same-sample fit splits even random labels). "
        "Not comparable with the paper's figures (FFHQ: Z 165, W 3.74): other classifiers and attributes, "
        f"{n} samples instead of 200 000, constant noise (took {result.seconds:.0f} s).")
