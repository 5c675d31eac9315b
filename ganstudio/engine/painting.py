"""Synthesize a photo from a label map with a SPADE, SEAN or OASIS model.

Inputs and outputs are numpy: class ids (H, W) in, RGB uint8 out. The label
map is one-hot encoded at the model's resolution, keeping the document's
aspect where the architecture allows it (SPADE without VAE chooses its first
feature size freely; the VAE and SEAN render at their trained size).

Styles (a plain dict, so it can travel in a job):
- SPADE with a VAE encoder: ``{"mode": "random", "seed": int}`` (reproducible)
  or ``{"mode": "image", "image": RGB uint8}`` (z = the encoder's mean).
- SEAN: ``{"seed": int, "sources": {name: {"image": RGB uint8, "labels": ids}},
  "regions": {class_id: name}, "default": name | None,
  "blend": {"source": name, "amount": t}}``. Each source's per-class codes are
  computed once and cached; each region takes its code from its assigned
  source (else the default source, else a seeded random source); the blend
  then mixes every region's code with another source's by `amount`.
- OASIS: ``{"noise": {"seed": int, "rerolls": [{"seed": int, "class_id": int}
  | {"seed": int, "mask": (H, W) bool}, ...]}}`` (document.oasis_noise). The
  per-pixel noise map is built at the network's input size from that state
  with seeded CPU generators (the same state gives the same picture on every
  device): the base vector everywhere, then each re-roll's fresh vector over
  its region, later ones winning. It is cached by the state (and, only when a
  re-roll follows a class, the label map), so a stroke rebuilds nothing while
  no region re-roll depends on the painted classes.
"""
from __future__ import annotations

from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Iterator, Mapping

import numpy as np
import torch
import torch.nn.functional as F

from ganstudio import families

from .jobs import Job
from .session import RunContext, Session, array_key

if TYPE_CHECKING:
    from ganstudio.models.oasis import OASISGenerator

PREVIEW_DIVISOR = 2  # previews render at half the latent size where the model allows it
MAX_LATENT_SCALE = 8  # 8x a 256 px model is 2048 px: the largest picture one pass makes
NOISE_CACHE_ENTRIES = 2  # the preview's and the full size's noise maps
NOISE_CACHE_MAX_BYTES = 64 << 20  # larger maps (exports) are built for the one run and dropped


def synthesizes_larger(arch: str, config: Mapping[str, Any]) -> bool:
    """Whether the generator can start from a larger grid than it was trained on.

    SEAN, OASIS and SPADE without a VAE begin from the label map resized to their
    first grid, so any grid works; a VAE's first layer is a dense map to a fixed grid.
    """
    return arch in ("sean", "oasis") or (arch == "spade" and not config.get("use_vae", False))


def oasis_reroll_spill(config: Mapping[str, Any]) -> int:
    """How far (output pixels, chessboard distance) new noise in a region can change the picture, at the trained scale.

    Derived from the generator's shape (ganstudio.models.oasis): the noise enters
    the first conv ``fc`` on the first grid (32 px per cell) and every SPADE norm
    of block i (32 / 2**i px per cell), each time resized by nearest sampling,
    which picks one pixel per cell, so a cell changes when that pixel does and
    its footprint reaches ``cell - 1`` px beyond it. From there each 3x3 conv
    spreads a change by one cell of its scale: ``fc`` one, a SPADE's two convs
    ``spade_kernel_size // 2`` each, each block's conv_0 and conv_1 one each,
    ``conv_img`` one pixel; nearest upsampling keeps a cell's footprint.
    The norms are per pixel in eval mode (batch norm with running statistics),
    so nothing else carries a change further. Every first-grid cell is 32 output
    pixels whatever the grid's size, so the bound holds for larger syntheses
    (latent scale) and previews alike. With the reference's 3x3 SPADE convs it
    is 222 px: a 256 px picture is all within reach of a region in its middle.
    """
    from ganstudio.models.oasis import NUM_BLOCKS, UPSAMPLING

    p = int(config.get("spade_kernel_size", 3)) // 2
    scales = [UPSAMPLING >> i for i in range(NUM_BLOCKS)]  # px per cell at block i
    after = [2 * sum(scales[j] for j in range(i + 1, NUM_BLOCKS)) + 1 for i in range(NUM_BLOCKS)]  # later blocks + conv_img
    fc = (scales[0] - 1) + scales[0] + 2 * scales[0] + after[0]
    spade = max((s - 1) + s * (2 * p + 2) + a for s, a in zip(scales, after))
    return max(fc, spade)


@dataclass(frozen=True, kw_only=True, eq=False)
class PaintJob(Job):
    """Synthesize an image from `labels` (class ids) with the model at `model_path`."""

    channel: str = "canvas"
    labels: np.ndarray
    preview: bool = False
    style: Mapping[str, Any] = field(default_factory=dict)
    latent_scale: int = 1  # k > 1: synthesize on a k-times larger grid (k-times the output), where the family allows


    session: ClassVar[Any] = "ganstudio.engine.painting:PaintingSession"
    title: ClassVar[str] = "Synthesis"


def to_uint8_image(x: torch.Tensor) -> np.ndarray:
    """[1, 3, H, W] in [-1, 1] -> (H, W, 3) uint8."""
    image = ((x[0].float().clamp(-1, 1) + 1.0) * 127.5).round().to(torch.uint8)
    return image.permute(1, 2, 0).cpu().numpy()


def image_tensor(image: np.ndarray, size: tuple[int, int], device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """RGB uint8 (H, W, 3) -> [1, 3, size] in [-1, 1], resized bilinearly."""
    if image.ndim != 3 or image.shape[2] < 3:
        raise ValueError(f"a style image must be (H, W, 3) RGB, got shape {image.shape}")
    x = torch.from_numpy(np.ascontiguousarray(image[..., :3])).to(device).permute(2, 0, 1)[None].float() / 127.5 - 1.0
    if tuple(x.shape[2:]) != tuple(size):
        x = F.interpolate(x, size=size, mode="bilinear", align_corners=False)
    return x.to(dtype)


def nearest_indices(source: int, target: int) -> np.ndarray:
    """The source row (or column) F.interpolate(mode="nearest") samples for each of `target` outputs."""
    scale = np.float32(source) / np.float32(target)  # torch computes the scale and the product in float32
    return np.minimum(np.floor(np.arange(target, dtype=np.float32) * scale).astype(np.int64), source - 1)


def resize_labels(labels: np.ndarray, size: tuple[int, int], device: torch.device) -> torch.Tensor:
    """Class ids (H, W) -> [1, h, w] long, nearest-neighbour (labels never blend).

    Samples the rows and columns F.interpolate(mode="nearest") would, before
    widening to int64: a 1024 px document costs the 128 px map's pixels, not a
    million float conversions.
    """
    labels = np.asarray(labels)
    if tuple(labels.shape) != tuple(size):
        labels = labels[np.ix_(nearest_indices(labels.shape[0], size[0]), nearest_indices(labels.shape[1], size[1]))]
    ids = torch.from_numpy(np.ascontiguousarray(labels).astype(np.int64)).to(device)
    return ids[None]


@contextmanager
def stop_between_blocks(module: torch.nn.Module, ctx: RunContext) -> Iterator[None]:
    """Raise Cancelled before the next of the module's blocks once the job is cancelled."""

    def check(*_: Any) -> None:
        ctx.check()

    handles = [child.register_forward_pre_hook(check) for child in module.children()]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


class PaintingSession(Session):
    """Label map -> photo with a SPADE, SEAN or OASIS generator (see the module docstring for styles)."""

    def __init__(self, model: Any, runtime: Any) -> None:
        super().__init__(model, runtime)
        # OASIS noise maps by state and size; a bounded LRU of its own (they are large, and `cached` keeps 4 per name)
        self._noise_maps: OrderedDict[Any, torch.Tensor] = OrderedDict()
        self.noise_builds = 0  # how many maps were built (the cache test and the benchmark read it)

    def run(self, job: Job, ctx: RunContext) -> Mapping[str, Any]:
        assert isinstance(job, PaintJob)
        if not job.preview or self.model is None:
            return {"image": self.synthesize(job.labels, job.style, preview=job.preview, latent_scale=job.latent_scale), "preview": job.preview}
        # a preview gives way at the next block once cancelled (the stroke ended: the full picture waits for no one)
        with stop_between_blocks(self.generator, ctx):
            return {"image": self.synthesize(job.labels, job.style, preview=True, latent_scale=job.latent_scale), "preview": True}

    # -- public API, also used directly by tests and benchmarks -------------------------
    @property
    def arch(self) -> str:
        if self.model is None:
            raise ValueError("no model is loaded")
        return self.model.loaded.arch

    @property
    def generator(self) -> torch.nn.Module:
        if self.model is None:
            raise ValueError("no model is loaded")
        return self.model.module

    @property
    def num_classes(self) -> int:
        if self.arch == "oasis":
            return int(self.generator.semantic_nc)  # the dontcare class is an id of its own
        return int(self.generator.config["label_nc"])

    def synthesize(self, labels: np.ndarray, style: Mapping[str, Any] | None = None, *, preview: bool = False, latent_scale: int = 1) -> np.ndarray:
        """Class ids (H, W) -> RGB uint8 image at the model's resolution and the document's aspect.

        `latent_scale` k > 1 starts the generator from a k-times larger grid, giving a
        k-times larger picture whose textures keep the trained scale (SPADE without
        VAE and SEAN: see `synthesizes_larger`).
        """
        labels = np.asarray(labels)
        if labels.ndim != 2 or labels.size == 0:
            raise ValueError(f"a label map must be a non-empty 2-D array, got shape {labels.shape}")
        top = int(labels.max())
        if top >= self.num_classes or int(labels.min()) < 0:
            raise ValueError(f"class id {top} is out of range: the model knows {self.num_classes} classes (0-{self.num_classes - 1})")
        style = dict(style or {})
        latent_scale = int(latent_scale)
        if latent_scale != 1 and not (1 < latent_scale <= MAX_LATENT_SCALE and synthesizes_larger(self.arch, self.generator.config)):
            raise ValueError(f"this {self.arch} model cannot synthesize {latent_scale} times larger than it was trained")
        with torch.inference_mode():
            if self.arch == "spade":
                return self._spade(labels, style, preview, latent_scale)
            if self.arch == "sean":
                return self._sean(labels, style, preview, latent_scale)
            if self.arch == "oasis":
                return self._oasis(labels, style, preview, latent_scale)
        raise ValueError(f"a {self.arch} model cannot paint from a label map; load {families.describe_archs(families.archs_for_workspace('paint'))}")

    # -- SPADE ------------------------------------------------------------------------------
    def _spade(self, labels: np.ndarray, style: dict[str, Any], preview: bool, latent_scale: int = 1) -> np.ndarray:
        gen = self.generator
        device, dtype = self.runtime.device, self.runtime.dtype
        z = None
        latent_hw = None
        if gen.use_vae:
            out_h, out_w = gen.output_size
            z = self._spade_z(style)
        else:
            # keep the document's aspect: the latent width is the model's, its height follows the map
            scale = gen.output_size[1] // gen.sw
            sh, sw = self._latent_hw(gen.sw * latent_scale, scale, labels.shape, preview)
            latent_hw = (sh, sw)
            out_h, out_w = sh * scale, sw * scale
        ids = resize_labels(labels, (out_h, out_w), device)
        semantics = gen.semantic_input(ids).to(dtype)
        if self.runtime.channels_last:
            semantics = semantics.contiguous(memory_format=torch.channels_last)
        out = gen(semantics, z) if gen.use_vae else gen(semantics, latent_hw=latent_hw)
        return to_uint8_image(out)

    def _spade_z(self, style: dict[str, Any]) -> torch.Tensor:
        gen = self.generator
        device = self.runtime.device
        if style.get("mode") == "image" and style.get("image") is not None:
            encoder = self.model.part("encoder") if self.model is not None else None
            if encoder is None:
                raise ValueError("this SPADE model has no style encoder: use a random style")
            module, runtime = encoder
            image = np.asarray(style["image"])

            def encode() -> torch.Tensor:
                mu, _logvar = module(image_tensor(image, (module.input_size, module.input_size), runtime.device, runtime.dtype))
                return mu.float()

            return self.cached("spade_style", array_key(image), encode).to(device)
        seed = int(style.get("seed", 0))
        return self.cached("spade_z", seed, lambda: gen.random_z(1, seed=seed, device=device))

    # -- SEAN ------------------------------------------------------------------------------
    def _sean(self, labels: np.ndarray, style: dict[str, Any], preview: bool, latent_scale: int = 1) -> np.ndarray:
        gen = self.generator
        device, dtype = self.runtime.device, self.runtime.dtype
        sh, sw = self._latent_hw(gen.sw * latent_scale, gen.output_size[1] // gen.sw, labels.shape, preview)
        scale = gen.output_size[1] // gen.sw
        ids = resize_labels(labels, (sh * scale, sw * scale), device)
        seg = gen.semantic_input(ids).to(dtype)
        codes = self.region_codes(style)
        seed = int(style.get("seed", 0))
        noise_generator = torch.Generator(device=device).manual_seed(seed)  # repeatable per-pixel noise
        out = gen.generate(seg, codes.to(dtype), generator=noise_generator, latent_hw=(sh, sw))
        return to_uint8_image(out)

    # -- OASIS ------------------------------------------------------------------------------
    def _oasis(self, labels: np.ndarray, style: dict[str, Any], preview: bool, latent_scale: int = 1) -> np.ndarray:
        gen: OASISGenerator = self.generator  # type: ignore[assignment]
        device, dtype = self.runtime.device, self.runtime.dtype
        scale = gen.output_size[1] // gen.sw
        sh, sw = self._latent_hw(gen.sw * latent_scale, scale, labels.shape, preview)
        size = (sh * scale, sw * scale)
        ids = resize_labels(labels, size, device)
        seg = gen.semantic_input(ids).to(dtype)
        if self.runtime.channels_last:
            seg = seg.contiguous(memory_format=torch.channels_last)
        z = self.oasis_noise(labels, style.get("noise"), size) if gen.uses_noise else None
        return to_uint8_image(gen(seg, z, latent_hw=(sh, sw)))

    def oasis_noise(self, labels: np.ndarray, noise: Mapping[str, Any] | None, size: tuple[int, int]) -> torch.Tensor:
        """The noise map [1, z_dim, *size] of a noise state for this label map, on the session's device (cached; see the module docstring)."""
        noise = dict(noise or {})
        seed = int(noise.get("seed", 0))
        rerolls = [dict(r) for r in noise.get("rerolls") or []]
        by_class = any("mask" not in r for r in rerolls)
        reroll_keys = tuple(
            (int(r["seed"]), int(r["class_id"])) if "mask" not in r else (int(r["seed"]), array_key(np.asarray(r["mask"])))
            for r in rerolls
        )
        # the label map matters only where a re-roll follows a class: strokes reuse the map otherwise
        key = (seed, reroll_keys, tuple(size), array_key(labels) if by_class else None)
        cache = self._noise_maps
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
        built = self._build_noise(labels, seed, rerolls, size).to(self.runtime.device, self.runtime.dtype)
        if built.numel() * built.element_size() <= NOISE_CACHE_MAX_BYTES:
            cache[key] = built
            while len(cache) > NOISE_CACHE_ENTRIES:
                cache.popitem(last=False)
        return built

    def _build_noise(self, labels: np.ndarray, seed: int, rerolls: list[dict[str, Any]], size: tuple[int, int]) -> torch.Tensor:
        from ganstudio.models.oasis import reroll_noise

        self.noise_builds += 1
        gen: OASISGenerator = self.generator  # type: ignore[assignment]
        height, width = size
        z = gen.random_z(1, seed=seed)  # seeded CPU generator: the same vector on every device
        noise = z[:, :, None, None].expand(-1, -1, height, width)
        ids = resize_labels(labels, size, torch.device("cpu"))[0] if any("mask" not in r for r in rerolls) else None
        for reroll in rerolls:
            if "mask" in reroll:
                mask = torch.from_numpy(np.ascontiguousarray(np.asarray(reroll["mask"]) != 0))
                if tuple(mask.shape) != size:  # label-map sized: to the input grid as the labels go (nearest)
                    mask = F.interpolate(mask[None, None].float(), size=size, mode="nearest")[0, 0] > 0.5
            else:
                assert ids is not None
                mask = ids == int(reroll["class_id"])
            if bool(mask.any()):
                noise = reroll_noise(noise, mask, gen.random_z(1, seed=int(reroll["seed"])))
        return noise.contiguous()

    def reset(self) -> None:
        super().reset()
        self._noise_maps.clear()  # they live on the old device

    @staticmethod
    def _latent_hw(sw: int, scale: int, shape: tuple[int, ...], preview: bool) -> tuple[int, int]:
        sh = max(1, round(sw * shape[0] / shape[1]))
        if preview and sw >= PREVIEW_DIVISOR:
            sw, sh = sw // PREVIEW_DIVISOR, max(1, sh // PREVIEW_DIVISOR)
        return sh, sw

    def source_codes(self, image: np.ndarray, labels: np.ndarray) -> torch.Tensor:
        """Per-class codes [n_channels, style_dim] of a reference photo and its label map (cached)."""
        gen = self.generator
        image, labels = np.asarray(image), np.asarray(labels)
        if labels.ndim != 2:
            raise ValueError(f"a style source needs a 2-D label map, got shape {labels.shape}")
        if int(labels.max()) >= self.num_classes:
            raise ValueError(f"the style source's label map uses class {int(labels.max())}, the model knows {self.num_classes}")

        def encode() -> torch.Tensor:
            size = gen.output_size
            device, dtype = self.runtime.device, self.runtime.dtype
            seg = gen.semantic_input(resize_labels(labels, size, device)).to(dtype)
            return gen.encode_styles(image_tensor(image, size, device, dtype), seg)[0].float()

        return self.cached("sean_source", (array_key(image), array_key(labels)), encode)

    def random_codes(self, seed: int) -> torch.Tensor:
        """Codes for every class from a seeded random picture: one stripe of noisy colour per class."""
        gen = self.generator

        def encode() -> torch.Tensor:
            h, w = gen.output_size
            rng = np.random.default_rng(seed)
            stripes = np.minimum((np.arange(w) * self.num_classes) // w, self.num_classes - 1)
            labels = np.broadcast_to(stripes, (h, w)).astype(np.int64)
            colors = rng.integers(0, 256, size=(self.num_classes, 3))
            image = np.clip(colors[labels] + rng.normal(0, 24, size=(h, w, 3)), 0, 255).astype(np.uint8)
            return self.source_codes(image, labels)

        return self.cached("sean_random", seed, encode)

    def region_codes(self, style: Mapping[str, Any]) -> torch.Tensor:
        """[1, n_channels, style_dim]: each class's code from its assigned source, then the blend."""
        sources = dict(style.get("sources") or {})
        codes = {name: self.source_codes(src["image"], src["labels"]) for name, src in sources.items()}
        base = self.random_codes(int(style.get("seed", 0)))
        default = style.get("default")
        if default is not None:
            base = _overlay(base, self._codes_of(codes, default))
        final = base.clone()
        for class_id, name in dict(style.get("regions") or {}).items():
            source = self._codes_of(codes, name)
            cid = int(class_id)
            if 0 <= cid < final.shape[0] and bool(source[cid].any()):  # an absent class keeps its code
                final[cid] = source[cid]
        blend = style.get("blend")
        if blend:
            other = self._codes_of(codes, blend["source"])
            amount = float(blend.get("amount", 0.5))
            present = other.abs().sum(dim=1, keepdim=True) > 0
            final = torch.where(present, torch.lerp(final, other, amount), final)
        return final[None]

    @staticmethod
    def _codes_of(codes: Mapping[str, torch.Tensor], name: str) -> torch.Tensor:
        try:
            return codes[name]
        except KeyError:
            raise ValueError(f"unknown style source {name!r}") from None


def _overlay(base: torch.Tensor, top: torch.Tensor) -> torch.Tensor:
    """`top`'s codes where it has the class (non-zero), `base`'s elsewhere."""
    present = top.abs().sum(dim=1, keepdim=True) > 0
    return torch.where(present, top, base)
