"""Representative inputs per kind of model, for measuring precisions (see precision.py).

A probe runs the model the way its workspace does, on fixed seeded inputs,
and returns pictures: a painting model paints two blocky label maps through
the painting session (with its random style, so SEAN's encoder runs too), a
StyleGAN2 renders three seeds through the latent session at full size, an
attribute editor edits a smooth random face-sized picture, a translator
converts one. A multimodal translator (MUNIT, BicycleGAN) converts a smooth
picture with two random styles and with a style taken from another picture,
each way it converts; a text-to-image model draws three seeds for each of two
sentences made of its own vocabulary; a lone StyleGAN2 W encoder encodes two
pictures, and the pictures are what its generator (the file beside it that
`ganstudio-train encoder` names it after: X-encoder.safetensors -> X.safetensors)
renders from those codes in fp32, so only the encoder's precision is measured.
The model's current `runtime` (set by the measurement for each candidate)
formats the inputs. Models of other kinds have no probe and keep the default
precision.
"""
from __future__ import annotations

import os
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
STYLES = 2  # random styles per direction of a multimodal translator
TEXT_SEEDS = 3  # samples per sentence of a text-to-image model
ENCODER_PHOTOS = 2


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
    if "z_only_latent" in capabilities:
        return _z_latent_probe(ready)
    if "latent_space" in capabilities:
        return _latent_probe(ready)
    if "attribute_editing" in capabilities:
        return _image_probe(ready, with_attributes=True)
    if "image_translation" in capabilities:
        if families.translator(loaded.arch) is not None:
            return _composed_probe(ready)  # MUNIT, UNIT, BicycleGAN: directions built from the file's networks
        return _image_probe(ready, with_attributes=False)
    if "text_input" in capabilities:
        return _text_probe(ready)
    if loaded.arch == "stylegan2_encoder":
        return _encoder_probe(ready)
    if "layout_input" in capabilities:
        return _layout_probe(ready)
    if "instance_translation" in capabilities:
        return _instance_probe(ready)
    return None


def _run_job(session_class: type, ready: ReadyModel, job: object) -> dict:
    """One job through a fresh session (nothing cached from another precision), outside the worker."""
    from .session import RunContext

    return dict(session_class(ready, ready.runtime).run(job, RunContext(job)))


def _layout_probe(ready: ReadyModel) -> Probe:
    """LostGAN: two layouts of three boxes each, of the file's first real classes, as the Layout tool renders them."""
    from .layout import LayoutJob, LayoutSession

    boxes = np.array([[0.0, 0.55, 1.0, 0.45], [0.1, 0.1, 0.5, 0.5], [0.55, 0.3, 0.35, 0.4]], dtype=np.float32)
    classes = np.array([1, 2, 3]) % max(2, ready.module.label_embedding.num_embeddings)

    def probe() -> list[np.ndarray]:
        return [_run_job(LayoutSession, ready, LayoutJob(channel="probe", boxes=boxes, classes=classes, object_seeds=np.arange(3) + 10 * k,
                                                         scene_seed=k))["image"] for k in range(2)]

    return probe


def _instance_probe(ready: ReadyModel) -> Probe:
    """InstaGAN: a smooth picture with two rectangular instances, translated as the Convert tab does."""
    from .instance_session import InstanceConvertJob, InstanceTranslateSession

    size = int(ready.loaded.resolution or 64)
    image = ((smooth_image(3, size, seed=0)[0].permute(1, 2, 0) + 1) * 127.5).round().to(torch.uint8).numpy()
    masks = np.zeros((2, size, size), np.uint8)
    masks[0, size // 2:, : size // 2] = 255
    masks[1, size // 4: size // 2, size // 2:] = 255

    def probe() -> list[np.ndarray]:
        out = _run_job(InstanceTranslateSession, ready, InstanceConvertJob(channel="probe", image=image, masks=masks))
        return [out["image"], *out["masks"]]

    return probe


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


def _z_latent_probe(ready: ReadyModel) -> Probe:
    """DCGAN / ProGAN: the explorer's first seeds, z straight into the generator."""
    from .latent_spec import NoiseSettings
    from .z_latent import ZLatentSession

    def probe() -> list[np.ndarray]:
        session = ZLatentSession(ready, ready.runtime)
        return [session.synthesize(session.z_for_seed(seed).float()[None], NoiseSettings()) for seed in range(LATENT_SEEDS)]

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


def _composed_probe(ready: ReadyModel) -> Probe:
    from .translate import DIRECTIONS, is_styled, resolve_translator

    loaded = ready.loaded
    capabilities = set(loaded.capabilities)
    target = families.translator(loaded.arch)
    assert target is not None
    parts = {name: part.module for name, part in loaded.parts.items()}
    directions = DIRECTIONS if "reverse_direction" in capabilities else DIRECTIONS[:1]
    # composed once: the networks are shared, so the candidate set by ready.use applies to them
    modules = [resolve_translator(target)(loaded.module, parts, d) for d in directions]

    def probe() -> list[np.ndarray]:
        runtime = ready.runtime
        size = int(loaded.resolution or 256)
        pictures = []
        for k, module in enumerate(modules):
            x = runtime.tensor(smooth_image(int(loaded.config.get("input_nc", loaded.config.get("input_dim", 3))), size, seed=k))
            if not is_styled(module):
                pictures.append(runtime.numpy(module(x).float().clamp(-1, 1)))
                continue
            styles = [module.random_styles(1, seed) for seed in range(STYLES)]
            if module.can_encode_style:  # the style encoder runs in the candidate too
                reference = runtime.tensor(smooth_image(x.shape[1], size, seed=100 + k))
                styles.append(module.encode_style(reference).float().cpu())
            for style in styles:
                out = module(x, style.to(device=runtime.device, dtype=runtime.dtype))
                pictures.append(runtime.numpy(out.float().clamp(-1, 1)))
        return pictures

    return probe


def probe_sentences(vocabulary: list[str], count: int = 2, words: int = 8) -> list[str]:
    """`count` sentences of `words` words of the model's own vocabulary (every word known), different per sentence."""
    step = max(1, len(vocabulary) // words)
    return [" ".join(vocabulary[(k + i * step) % len(vocabulary)] for i in range(words)) for k in range(count)]


def _text_probe(ready: ReadyModel) -> Probe:
    from ganstudio.models.text_encoder import encode, pad_ids

    from .describe import z_for_seeds

    gen = ready.module

    def probe() -> list[np.ndarray]:
        device = ready.runtime.device
        z = torch.from_numpy(z_for_seeds(0, TEXT_SEEDS, gen.z_dim)).to(device)
        pictures = []
        for sentence in probe_sentences(list(gen.vocabulary)):
            tokens = pad_ids([encode(sentence, gen.vocabulary, gen.max_words).ids], gen.max_words).to(device)
            embedding = gen.embed(tokens).float()  # as DescribeSession: the embedding is kept in fp32
            pictures.append(ready.runtime.numpy(gen.synthesize(z, embedding.expand(TEXT_SEEDS, -1)).float().clamp(-1, 1)))
        return pictures

    return probe


def companion_generator_path(encoder_path: str) -> str | None:
    """The generator a W encoder file belongs to: X.safetensors beside X-encoder.safetensors, if it is there."""
    stem, suffix = os.path.splitext(encoder_path)
    if not stem.endswith("-encoder"):
        return None
    path = stem[: -len("-encoder")] + suffix
    return path if os.path.isfile(path) else None


def _encoder_probe(ready: ReadyModel) -> Probe | None:
    from ganstudio.checkpoints import load_model

    from .encoders import render

    path = companion_generator_path(ready.loaded.path)
    if path is None:
        return None  # codes alone have no levels to gate: without its generator the encoder keeps the default
    generator = load_model(path).module.to(ready.runtime.device).eval()
    config = ready.loaded.config
    if (getattr(generator, "num_ws", None), getattr(generator, "w_dim", None)) != (config.get("num_ws"), config.get("w_dim")):
        return None  # a file of that name for another generator: nothing to render its codes with
    side = int(config.get("resolution") or 256)

    def probe() -> list[np.ndarray]:
        runtime = ready.runtime
        pictures = []
        for seed in range(ENCODER_PHOTOS):
            x = runtime.tensor(smooth_image(3, side, seed=seed))  # a photo as encoder_input gives it
            ws = ready.module(x).float()
            with torch.autocast(runtime.device.type, enabled=False):  # the generator stays in fp32: only the encoder is measured
                pictures.append(runtime.numpy(render(generator, ws).float().clamp(-1, 1)))
        return pictures

    return probe
