"""Representative inputs per kind of model, for measuring precisions (see precision.py).

A probe runs the model the way its workspace does, on fixed seeded inputs,
and returns pictures: a painting model paints two blocky label maps through
the painting session (with its random style, so SEAN's encoder runs too), a
StyleGAN2 renders three seeds through the latent session at full size, an
attribute editor edits a smooth random face-sized picture, a translator
converts one. The model's current `runtime` (set by the measurement for each
candidate) formats the inputs. Models of other kinds have no probe and keep
the default precision.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import numpy as np
import torch
import torch.nn.functional as F

from ganstudio import families

if TYPE_CHECKING:
    from .model_cache import ReadyModel

Probe = Callable[[], list[np.ndarray]]
PAINT_MAPS = 2
LATENT_SEEDS = 3


def blocky_labels(classes: int, size: int, seed: int, cells: int = 8) -> np.ndarray:
    """A label map of `cells` x `cells` blocks of random classes: painted regions, not per-pixel noise."""
    rng = np.random.default_rng(seed)
    grid = rng.integers(0, classes, (cells, cells))
    side = max(1, -(-size // cells))
    return np.kron(grid, np.ones((side, side), dtype=np.int64))[:size, :size].astype(np.uint8 if classes <= 256 else np.int64)


def smooth_image(channels: int, size: int, seed: int) -> torch.Tensor:
    """[1, C, size, size] in [-1, 1]: random colours upsampled from an 8x8 grid plus a little grain, like a photo."""
    generator = torch.Generator().manual_seed(seed)
    coarse = torch.rand(1, channels, 8, 8, generator=generator) * 2 - 1
    image = F.interpolate(coarse, size=(size, size), mode="bicubic", align_corners=False)
    return (image + 0.05 * torch.randn(image.shape, generator=generator)).clamp(-1, 1)


def probe_for(ready: ReadyModel) -> Probe | None:
    """The probe of a loaded model, or None when its kind has none."""
    loaded = ready.loaded
    capabilities = set(loaded.capabilities)
    if "label_map_input" in capabilities:
        return _paint_probe(ready)
    if "latent_space" in capabilities:
        return _latent_probe(ready)
    if "attribute_editing" in capabilities:
        return _image_probe(ready, with_attributes=True)
    # a translator composed from several networks (MUNIT) or driven by a style code has no one-call forward
    if "image_translation" in capabilities and families.translator(loaded.arch) is None and "style_code" not in capabilities:
        return _image_probe(ready, with_attributes=False)
    return None


def _paint_probe(ready: ReadyModel) -> Probe:
    from .painting import PaintingSession

    def probe() -> list[np.ndarray]:
        session = PaintingSession(ready, ready.runtime)  # fresh: no codes cached from another precision
        size = int(ready.loaded.resolution or 256)
        classes = session.num_classes
        # one style dict every painting family reads its part of
        return [session.synthesize(blocky_labels(classes, size, seed), {"mode": "random", "seed": seed, "noise": {"seed": seed}})
                for seed in range(PAINT_MAPS)]

    return probe


def _latent_probe(ready: ReadyModel) -> Probe:
    from .latent import LatentSession
    from .latent_spec import NoiseSettings

    def probe() -> list[np.ndarray]:
        session = LatentSession(ready, ready.runtime)
        gen = session.generator
        pictures = []
        for seed in range(LATENT_SEEDS):
            ws = gen.mapping(session.z_for_seed(seed).float(), session.class_vector(0), truncation_psi=0.7)
            pictures.append(session.synthesize(ws.float(), NoiseSettings(mode="const")))
        return pictures

    return probe


def _image_probe(ready: ReadyModel, *, with_attributes: bool) -> Probe:
    def probe() -> list[np.ndarray]:
        module, runtime = ready.module, ready.runtime
        config = ready.loaded.config
        size = int(ready.loaded.resolution or 256)
        x = runtime.tensor(smooth_image(int(config.get("input_nc", 3)), size, seed=0))
        if with_attributes:
            c_dim = int(config.get("c_dim", 0))
            c = torch.tensor([[float(i % 2) for i in range(c_dim)]], device=runtime.device, dtype=runtime.dtype)
            out = module(x, c)
        else:
            out = module(x)
        return [runtime.numpy(out.float().clamp(-1, 1))]

    return probe
