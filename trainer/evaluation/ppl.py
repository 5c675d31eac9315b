"""Perceptual path length (Karras et al. 2019, "A Style-Based Generator Architecture for GANs", section 3).

How much the image changes, perceptually, for a tiny step along the latent space:
for pairs of latents, a point on the segment between them and a point epsilon
further, the distance between the two images divided by epsilon squared; the
figure is the mean over pairs after dropping those below the 1st and above the
99th percentile (outliers where the path crosses a fold). Lower is smoother.

- In W (the default) the path is linear: w(t) = lerp(w0, w1, t) of two mapped
  latents; in Z it is spherical, slerp(z0, z1, t), then mapped (Gaussian latents
  live near a sphere, so a straight line would leave it).
- End-point sampling: t = 0, i.e. the step leaves w0 (or z0) towards w1 (z1): the
  figure of the end of a path, which is how StyleGAN2 reports PPL ("ppl_wend").
- The paper's distance is LPIPS on VGG features. Nothing is downloaded here, so the
  distance is the squared Euclidean distance between the 64-d features of the
  project's own landscape feature network (the one behind the Frechet distance,
  measure_nets.landscape_feature_net). The values are therefore on that network's
  scale, comparable between landscape models of this project, not with published
  PPL figures.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch

EPSILON = 1e-4
TRIM_PERCENTILES = (1.0, 99.0)

Fn = Callable[[torch.Tensor], torch.Tensor]


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor | float) -> torch.Tensor:
    """Spherical interpolation of the directions of a and b (last dimension), on the unit sphere as the paper does."""
    a = a / a.norm(dim=-1, keepdim=True)
    b = b / b.norm(dim=-1, keepdim=True)
    cos = (a * b).sum(dim=-1, keepdim=True).clamp(-1.0, 1.0)
    angle = torch.acos(cos) * t
    # the part of b orthogonal to a, as a unit vector: the rotation plane
    ortho = b - cos * a
    ortho = ortho / ortho.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    return a * torch.cos(angle) + ortho * torch.sin(angle)


def path_distances(mapping: Fn, synthesis: Fn, features: Fn, z_dim: int, count: int, *, space: str = "w",
                   epsilon: float = EPSILON, sampling: str = "end", batch: int = 16, seed: int = 0) -> np.ndarray:
    """The scaled distance d / epsilon**2 of `count` latent pairs (float64 [count]).

    mapping: z [B, z_dim] -> w (any shape); synthesis: w -> images [B, C, H, W];
    features: images -> [B, D]. Pairs are drawn from a torch generator seeded with `seed`.
    sampling "end": t = 0; "full": t uniform in [0, 1).
    """
    if space not in ("w", "z"):
        raise ValueError(f"space must be 'w' or 'z', not {space!r}")
    if sampling not in ("end", "full"):
        raise ValueError(f"sampling must be 'end' or 'full', not {sampling!r}")
    rng = torch.Generator().manual_seed(seed)
    out = []
    with torch.inference_mode():
        for start in range(0, count, batch):
            n = min(batch, count - start)
            z = torch.randn(2 * n, z_dim, generator=rng)
            t = torch.rand(n, 1, generator=rng) if sampling == "full" else torch.zeros(n, 1)
            if space == "z":
                z0, z1 = z[:n], z[n:]
                a, b = slerp(z0, z1, t), slerp(z0, z1, t + epsilon)
                w = mapping(torch.cat([a, b]))
            else:
                w = mapping(z)
                w0, w1 = w[:n], w[n:]
                shape = (n,) + (1,) * (w.ndim - 1)
                ta = t.view(shape)
                w = torch.cat([torch.lerp(w0, w1, ta), torch.lerp(w0, w1, ta + epsilon)])
            f = features(synthesis(w)).double()
            d = (f[:n] - f[n:]).square().reshape(n, -1).sum(dim=1) / epsilon**2
            out.append(d.numpy())
    return np.concatenate(out) if out else np.zeros(0)


def trimmed_mean(distances: np.ndarray, percentiles: tuple[float, float] = TRIM_PERCENTILES) -> float:
    """The mean of the distances between the two percentiles (inclusive), as the paper reports PPL."""
    d = np.asarray(distances, np.float64)
    lo, hi = np.percentile(d, percentiles[0], method="lower"), np.percentile(d, percentiles[1], method="higher")
    kept = d[(d >= lo) & (d <= hi)]
    return float(kept.mean())


def perceptual_path_length(mapping: Fn, synthesis: Fn, features: Fn, z_dim: int, count: int, **kwargs: object) -> float:
    """PPL: the trimmed mean of `path_distances` (see there for the arguments)."""
    return trimmed_mean(path_distances(mapping, synthesis, features, z_dim, count, **kwargs))  # type: ignore[arg-type]


def generator_ppl(generator: torch.nn.Module, features: Fn, count: int, *, space: str = "w", seed: int = 0,
                  batch: int = 16) -> float:
    """PPL of a StyleGAN2 Generator (ganstudio.models.stylegan2): truncation psi 1, constant noise, end-point sampling."""
    c_dim = int(getattr(generator, "c_dim", 0))
    if c_dim:
        raise ValueError("PPL here is for unconditional generators (c_dim 0)")

    def mapping(z: torch.Tensor) -> torch.Tensor:
        return generator.mapping(z, None, skip_w_avg_update=True)

    def synthesis(ws: torch.Tensor) -> torch.Tensor:
        return generator.synthesis(ws, noise_mode="const")

    return perceptual_path_length(mapping, synthesis, features, int(generator.z_dim), count, space=space, seed=seed, batch=batch)
