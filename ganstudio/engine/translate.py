"""Convert images with a translation model (pix2pix, CycleGAN, and multimodal MUNIT, UNIT, BicycleGAN), at any size.

Images up to WHOLE_IMAGE_PIXELS run in one pass (exact, and on a CPU about 2.5x
faster than tiles, whose overlap and statistics pass cost extra); larger ones,
a tile size asked for, or a retry after running out of memory run tiled (see
`tiling`): the tile is the model's
training resolution rounded up to the multiple the network needs (2**num_downs
for the U-Net, 4 for the ResNet), but at least CONTEXT_TILE for small-stride
networks, with a quarter-tile overlap. Networks that
normalise with their input's statistics (CycleGAN's InstanceNorm, pix2pix in
reference test mode) get one statistics pass over the whole image first, and
every tile uses those statistics (see `norm_stats`), so tiles agree with each
other and with whole-image inference. Outputs have the input's size; alpha is
carried over unchanged.

pix2pix can run deterministically (eval mode: running BatchNorm statistics, no
dropout) or as the reference ``test.py`` does without ``--eval`` (dropout on,
batch statistics), seeded so a run can be repeated.

Multimodal models: a family that declares a translator (`families.Family.translator`)
gets each direction composed from its file's networks; when that module is a
`StyledTranslator` it takes a style code besides the image. The code is given
(`ConvertOptions.style`) or drawn from a style seed: style number `s` is
`random_styles(1, s)`, so a strip of variants from seed `s` shows styles s, s+1,
..., and a folder run with a random style per image gives image i style s+i.
The code is fixed over every tile (and the statistics pass) of one image.
`StyleVariantsJob` converts one input at a preview size with several styles;
`EncodeStyleJob` takes a reference photo's style (models that can encode one).

Folder conversion reads each file (unreadable ones are skipped and listed),
writes each output atomically under a name from a template (never over an
input), reports progress between tiles and stops between tiles when cancelled:
finished files are complete and no partial file is left.
"""
from __future__ import annotations

import contextlib
import dataclasses
import importlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, ClassVar, Mapping

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from ganstudio import families
from ganstudio.document.batch_names import DEFAULT_TEMPLATE, output_name, safe_output_path
from ganstudio.document.errors import DocumentError
from ganstudio.document.image_io import read_photo, write_image
from ganstudio.models.styled_translation import StyledTranslator

from . import norm_stats
from .device import Runtime, first_line, is_out_of_memory
from .jobs import BatchJob, Job
from .session import Cancelled, RunContext, Session, array_key
from .tiling import pad_reflect, round_up, run_tiled, run_whole, tile_count

# the main networks the Convert workspace opens (pix2pix, CycleGAN: see ganstudio.families)
TRANSLATION_ARCHS = families.archs_for_workspace("convert")
DIRECTIONS = ("AtoB", "BtoA")
DEFAULT_RESOLUTION = 256
# A ResNet generator sees far beyond a small training resolution (the bundled
# CycleGAN's 64 px): tiles that small lose the context at their edges and differ
# visibly from whole-image inference (benchmarks/bench_convert.py: 64 px tiles
# mean 4.5 / max 84 levels; 256 px: mean 0.0 / max 1), so its default tile is at least this.
CONTEXT_TILE = 256
# Up to this many pixels an image runs whole when no tile size is asked for: a 768x512
# photo took 0.72 s whole vs 1.85 s in 256 px tiles (bundled CycleGAN, 1 CPU thread).
# Memory grows with the pixels; running out of it retries in tiles (run_lower_cost).
WHOLE_IMAGE_PIXELS = 1024 * 1024
STATS_TILES = 4  # the statistics pass sees the image downscaled to at most this many tiles across
PROGRESS_SCALE = 1000  # progress units per image in a folder run
MIN_SIDE = 8  # pixels: smaller images are refused with a message
STYLE_MODES = ("same", "per_image")  # folder runs: one style for every image, or style_seed + index per image
VARIANT_PREVIEW = 128  # px, the long side a variant strip converts at (thumbnails; the chosen one runs full size)
MAX_VARIANTS = 16
VARIANT_BATCH_PIXELS = 6 * VARIANT_PREVIEW * VARIANT_PREVIEW  # pixels per forward pass of a strip (a batch of variants)
STYLE_IMAGE_SIDE = 512  # px: a larger reference is downscaled before its style is encoded (the encoders pool globally)
MAX_STYLE_DIM = 4096  # a style code longer than this is not a style code


def _style_tuple(value: Any) -> tuple[float, ...] | None:
    """A style code as a tuple of finite floats (None stays None); ValueError for anything else."""
    if value is None:
        return None
    values = np.asarray(value, dtype=np.float64).reshape(-1)
    if not 0 < values.size <= MAX_STYLE_DIM or not np.isfinite(values).all():
        raise ValueError(f"a style code must be 1 to {MAX_STYLE_DIM} finite numbers")
    return tuple(float(v) for v in values)


@dataclass(frozen=True, kw_only=True, eq=False)
class ConvertOptions:
    """How to convert: the direction (CycleGAN), the pix2pix test mode, and the tiling."""

    direction: str = "AtoB"
    reference_mode: bool = False  # pix2pix: dropout + batch statistics, as the reference test.py
    seed: int = 0  # for reference mode's dropout
    tile: int = 0  # 0: from the model's resolution
    overlap: int = 0  # 0: a quarter of the tile
    tiled: bool = True  # False: the whole image in one pass (may need much memory)
    # multimodal models (capability "style_code"): an explicit style code, else style number style_seed
    style: tuple[float, ...] | None = None
    style_seed: int = 0
    style_mode: str = "same"  # folder runs: see STYLE_MODES
    preview: int = 0  # > 0: convert at most this long a side and scale the result back up (while dragging)

    def __post_init__(self) -> None:
        object.__setattr__(self, "style", _style_tuple(self.style))
        if self.style_mode not in STYLE_MODES:
            raise ValueError(f"style_mode must be one of {STYLE_MODES}, got {self.style_mode!r}")
        if self.preview < 0:
            raise ValueError("preview must be 0 (full size) or a positive side in pixels")


@dataclass(frozen=True, kw_only=True, eq=False)
class ConvertJob(Job):
    """Convert one RGB(A) uint8 image."""

    channel: str = "convert"
    image: np.ndarray
    options: ConvertOptions = ConvertOptions()

    session: ClassVar[Any] = "ganstudio.engine.translate:TranslateSession"
    title: ClassVar[str] = "Conversion"


@dataclass(frozen=True, kw_only=True, eq=False)
class ConvertFolderJob(BatchJob):
    """Convert image files into `output_folder`, named by `template`."""

    channel: str = "convert-folder"
    inputs: tuple[str, ...]
    output_folder: str
    template: str = DEFAULT_TEMPLATE
    overwrite: bool = False  # replace existing outputs (inputs are never replaced)
    options: ConvertOptions = ConvertOptions()

    session: ClassVar[Any] = "ganstudio.engine.translate:TranslateSession"
    title: ClassVar[str] = "Folder conversion"


@dataclass(frozen=True, kw_only=True, eq=False)
class StyleVariantsJob(Job):
    """Convert one image with `count` random styles (numbers first_seed, first_seed + 1, ...) at a preview size."""

    channel: str = "convert-variants"
    image: np.ndarray
    options: ConvertOptions = ConvertOptions()  # the direction
    first_seed: int = 0
    count: int = 6
    preview: int = VARIANT_PREVIEW  # the long side, px; 0: full size

    session: ClassVar[Any] = "ganstudio.engine.translate:TranslateSession"
    title: ClassVar[str] = "Style variants"


@dataclass(frozen=True, kw_only=True, eq=False)
class EncodeStyleJob(Job):
    """The style code of a reference image, in the style space of `direction`'s output domain."""

    channel: str = "convert-style"
    image: np.ndarray
    direction: str = "AtoB"

    session: ClassVar[Any] = "ganstudio.engine.translate:TranslateSession"
    title: ClassVar[str] = "Style from image"


def resolve_translator(target: str) -> Callable[..., nn.Module]:
    """The function a family's `translator` names ("module:function" inside ganstudio.models)."""
    module_name, _, function_name = target.partition(":")
    function = getattr(importlib.import_module(f"ganstudio.models.{module_name}"), function_name, None)
    if not callable(function):
        raise ValueError(f"the translator {target!r} is not a function of ganstudio.models")
    return function


def input_channels(module: nn.Module) -> int:
    """How many channels the network takes (its config's input_nc / input_dim, or its source network's
    for a composed translator; 3 when it does not say)."""
    config = getattr(module, "config", None) or {}
    if isinstance(config.get("source"), dict):
        config = config["source"]
    for key in ("input_nc", "input_dim"):
        if isinstance(config.get(key), int):
            return int(config[key])
    return 3


def is_styled(module: nn.Module) -> bool:
    return isinstance(module, StyledTranslator)


def downscale(x: torch.Tensor, side: int, multiple: int = 1) -> torch.Tensor:
    """[N, C, H, W] with its long side at most `side` (antialiased); smaller images are returned as they are."""
    h, w = x.shape[2], x.shape[3]
    if max(h, w) <= side:
        return x
    scale = side / max(h, w)
    size = (max(multiple, MIN_SIDE, round(h * scale)), max(multiple, MIN_SIDE, round(w * scale)))
    return F.interpolate(x.float(), size=size, mode="bilinear", align_corners=False, antialias=True).to(x.dtype)


def image_to_tensor(rgb: np.ndarray, runtime: Runtime, channels: int) -> torch.Tensor:
    """(H, W, 3) uint8 -> [1, channels, H, W] in [-1, 1] (luma for one-channel networks)."""
    pixels = np.array(rgb[..., :3], order="C")  # a copy: job arrays are read-only
    x = torch.from_numpy(pixels).to(runtime.device).permute(2, 0, 1)[None].float() / 127.5 - 1.0
    if channels == 1:
        x = (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3])
    return x.to(runtime.dtype)


def to_uint8(values: np.ndarray) -> np.ndarray:
    """(C, H, W) floats in [-1, 1] -> (H, W, 3) uint8 (one channel is repeated)."""
    if values.shape[0] == 1:
        values = np.repeat(values, 3, axis=0)
    return np.clip(np.rint((values[:3] + 1.0) * 127.5), 0, 255).astype(np.uint8).transpose(1, 2, 0).copy()


def tile_alignment(multiple: int, overlap: int) -> int:
    """The grid tiles start on: the network's total stride, but at most the overlap's power of two.

    The ResNet (stride 4) is then exactly shift-equivariant between tiles; the
    U-Net's stride is its whole tile (2**num_downs), so it gets the finest grid
    that still lets tiles overlap, and its deepest levels differ a little
    between tiles anyway (they see the whole tile).
    """
    power = 1 << max(0, int(overlap).bit_length() - 1) if overlap > 0 else multiple
    return max(1, min(multiple, power))


class TranslateSession(Session):
    """Conversion of one image or a folder, with a style for multimodal models (see the module docstring)."""

    lower_cost_label = "in smaller tiles"

    def reset(self) -> None:
        super().reset()
        self._directions: dict[str, tuple[nn.Module, Runtime]] = {}

    # -- the model ---------------------------------------------------------------------
    @property
    def arch(self) -> str:
        if self.model is None:
            raise ValueError("no model is loaded")
        return self.model.loaded.arch

    def network(self, direction: str) -> tuple[nn.Module, Runtime]:
        """The network for a direction: composed by the family's translator when it declares one,
        else the file's main network (A->B) or its "reverse" part (B->A)."""
        if self.model is None:
            raise ValueError("no model is loaded")
        capabilities = self.model.loaded.capabilities
        if "image_translation" not in capabilities:
            raise ValueError(f"a {self.arch} model cannot convert images; load {families.describe_archs(TRANSLATION_ARCHS)}")
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
        target = families.translator(self.arch)
        if target is not None:
            if direction == "BtoA" and "reverse_direction" not in capabilities:
                raise ValueError("this model converts one way only (A to B)")
            cache = self.__dict__.setdefault("_directions", {})
            if direction not in cache:
                cache[direction] = self._compose(target, direction)
            return cache[direction]
        if direction == "AtoB":
            return self.model.module, self.runtime
        reverse = self.model.part("reverse")
        if reverse is None:
            raise ValueError("this model converts one way only (A to B); it has no B-to-A generator")
        return reverse

    def _compose(self, target: str, direction: str) -> tuple[nn.Module, Runtime]:
        """One direction built from the file's networks, on the model's device; float32 unless every network runs in half precision."""
        assert self.model is not None
        loaded = self.model.loaded
        parts = {name: part.module for name, part in loaded.parts.items()}
        module = resolve_translator(target)(loaded.module, parts, direction)
        dtypes = {self.runtime.dtype, *(self.model.part_runtimes[name].dtype for name in parts)}
        runtime = self.runtime if len(dtypes) == 1 else Runtime(self.runtime.device)
        return runtime.prepare(module), runtime

    def tile_size(self, module: nn.Module, requested: int = 0) -> int:
        """`requested` px, else the training resolution (at least CONTEXT_TILE when the
        network's stride is smaller than that: the U-Net's is its whole tile)."""
        multiple = int(getattr(module, "size_multiple", 4))
        resolution = requested or self._resolution()
        if not requested and multiple < resolution:
            resolution = max(resolution, CONTEXT_TILE)
        elif not requested and is_styled(module) and norm_stats.statistic_layers(module):
            # BicycleGAN's U-Net: InstanceNorm down to its 1x1 bottleneck, so a tile of one stride sees far
            # less than the whole image (1024x768, random weights: 256 px tiles 13.9 levels mean from whole,
            # 512 px 4.6); two strides across halve what its deepest levels miss
            resolution = max(resolution, 2 * multiple)
        return round_up(max(int(resolution), multiple), multiple)

    def _resolution(self) -> int:
        value = self.model.loaded.resolution if self.model is not None else None
        if isinstance(value, (list, tuple)):
            value = max(int(v) for v in value)
        return int(value) if value else DEFAULT_RESOLUTION

    # -- styles --------------------------------------------------------------------------
    def style_code(self, module: nn.Module, options: ConvertOptions, index: int = 0) -> torch.Tensor | None:
        """The [style_dim] code an image is converted with (None for a model without styles):
        options.style, else style number style_seed (+ index for a folder's "per_image" mode)."""
        if not is_styled(module):
            return None
        dim = int(module.style_dim)
        if options.style is not None and options.style_mode == "same":
            if len(options.style) != dim:
                raise ValueError(f"this model's style codes have {dim} numbers, the given one has {len(options.style)}")
            return torch.tensor(options.style, dtype=torch.float32)
        seed = int(options.style_seed) + (index if options.style_mode == "per_image" else 0)
        return self.random_style(module, seed)

    def random_style(self, module: StyledTranslator, seed: int) -> torch.Tensor:
        """Style number `seed`: [style_dim] float32 on the CPU, the same on every device."""
        return module.random_styles(1, int(seed))[0].float()

    def encode_style(self, image: np.ndarray, direction: str = "AtoB") -> np.ndarray:
        """A reference image's style code for `direction`'s output domain, [style_dim] float32."""
        image = _checked_image(image)
        module, runtime = self.network(direction)
        if not is_styled(module) or not module.can_encode_style:
            raise ValueError("this model cannot take a style from an image (it has no style encoder)")

        def compute() -> np.ndarray:
            multiple = int(getattr(module, "size_multiple", 4))
            x = downscale(image_to_tensor(image, runtime, input_channels(module)), STYLE_IMAGE_SIDE, multiple)
            x = pad_reflect(x, round_up(x.shape[2], multiple), round_up(x.shape[3], multiple))
            return module.encode_style(x)[0].float().cpu().numpy()

        return self.cached("style_image", (array_key(image), direction), compute)

    def variants(self, image: np.ndarray, options: ConvertOptions, first_seed: int, count: int, preview: int,
                 on_variant: Callable[[int, int], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The image converted with styles first_seed .. first_seed + count - 1, its long side at most
        `preview` px: ([count, h, w, 3|4] uint8, [count, style_dim] float32 codes)."""
        image = _checked_image(image)
        if not 1 <= int(count) <= MAX_VARIANTS:
            raise ValueError(f"the number of variants must be 1 to {MAX_VARIANTS}, got {count}")
        module, runtime = self.network(options.direction)
        if not is_styled(module):
            raise ValueError("this model gives one output per input: it has no styles to vary")
        codes = torch.stack([self.random_style(module, int(first_seed) + i) for i in range(int(count))])
        if not preview:
            images = []
            for i in range(int(count)):
                out, _info = self.convert(image, dataclasses.replace(options, style=tuple(codes[i].tolist()), style_mode="same", preview=0))
                images.append(out)
                if on_variant is not None:
                    on_variant(i + 1, int(count))
            return np.stack(images), codes.numpy()
        # at a preview size the variants go through the network in batches: the input once, one style per row
        small = _resize_uint8(image, preview)
        multiple = int(getattr(module, "size_multiple", 4))
        x = image_to_tensor(small, runtime, input_channels(module))
        per_batch = max(1, min(int(count), VARIANT_BATCH_PIXELS // (small.shape[0] * small.shape[1])))
        images = []
        for start in range(0, int(count), per_batch):
            style = codes[start : start + per_batch].to(device=runtime.device, dtype=runtime.dtype)
            batch = x.expand(style.shape[0], -1, -1, -1)
            out = run_whole(lambda t, style=style: module(t, style), batch, multiple).float().cpu().numpy()
            for values in out:
                result = to_uint8(values)
                if small.shape[2] == 4:
                    result = np.concatenate([result, small[..., 3:4]], axis=2)
                images.append(result)
            if on_variant is not None:
                on_variant(len(images), int(count))
        return np.stack(images), codes.numpy()

    # -- one image ---------------------------------------------------------------------
    def convert(
        self,
        image: np.ndarray,
        options: ConvertOptions = ConvertOptions(),
        on_tile: Callable[[int, int], None] | None = None,
        *,
        tile_scale: float = 1.0,
        index: int = 0,
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """RGB(A) uint8 -> converted RGB(A) uint8 of the same size, and how it ran.

        `index`: the image's place in a folder run (its style in "per_image" mode).
        """
        image = _checked_image(image)
        if options.preview and max(image.shape[:2]) > options.preview:
            # while dragging: convert a smaller copy and scale it back to the input's size
            small, info = self.convert(_resize_uint8(image, options.preview), dataclasses.replace(options, preview=0), on_tile, index=index)
            info["preview"] = int(options.preview)
            return _resize_uint8(small, size=image.shape[:2]), info
        module, runtime = self.network(options.direction)
        multiple = int(getattr(module, "size_multiple", 4))
        tile = self.tile_size(module, options.tile)
        if tile_scale != 1.0:
            tile = round_up(max(multiple, int(tile * tile_scale)), multiple)
        overlap = options.overlap or tile // 4
        overlap = min(overlap, tile - multiple) if tile > multiple else 0
        align = tile_alignment(multiple, overlap)
        x = image_to_tensor(image, runtime, input_channels(module))
        h, w = image.shape[:2]
        reference = bool(options.reference_mode and "reference_test_mode" in self.model.loaded.capabilities)
        small = not options.tile and tile_scale == 1.0 and h * w <= WHOLE_IMAGE_PIXELS
        whole = not options.tiled or small or (h <= tile and w <= tile)
        info: dict[str, Any] = {"tile": 0 if whole else tile, "overlap": 0 if whole else overlap, "tiles": 1,
                                "mode": "reference-test" if reference else "deterministic"}
        code = self.style_code(module, options, index)
        if code is not None:
            # one code for every tile (and the statistics pass): the style never varies across the picture
            style = code.to(device=runtime.device, dtype=runtime.dtype)[None]
            fn: Callable[[torch.Tensor], torch.Tensor] = lambda t: module(t, style.expand(t.shape[0], -1))  # noqa: E731
            info["style"] = code.numpy().astype(np.float32)
            if options.style is None or options.style_mode == "per_image":
                info["style_seed"] = int(options.style_seed) + (index if options.style_mode == "per_image" else 0)
        else:
            fn = module

        with self._test_mode(module, reference, options.seed):
            if whole:
                out = run_whole(fn, x, multiple)[0].float().cpu().numpy()
                if on_tile is not None:
                    on_tile(1, 1)
            else:
                info["tiles"] = tile_count(h, w, tile, overlap, align)
                stats = self._statistics(module, fn, x, multiple, tile)
                frozen = norm_stats.frozen(module, stats) if stats else contextlib.nullcontext()
                with frozen:
                    out = run_tiled(fn, x, tile, overlap, on_tile, align)
                info["shared_statistics"] = bool(stats)
        result = to_uint8(out)
        if image.shape[2] == 4:
            result = np.concatenate([result, image[..., 3:4]], axis=2)
        return result, info

    @contextlib.contextmanager
    def _test_mode(self, module: nn.Module, reference: bool, seed: int):  # type: ignore[no-untyped-def]
        if not reference:
            yield
            return
        torch.manual_seed(int(seed))  # dropout draws from the global generator
        module.set_reference_test_mode(True)
        try:
            yield
        finally:
            module.set_reference_test_mode(False)

    def _statistics(self, module: nn.Module, fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, multiple: int, tile: int) -> norm_stats.Stats:
        """Normalisation statistics of the whole image (downscaled to STATS_TILES tiles across), run through `fn`
        (the network with its style, if it has one)."""
        if not norm_stats.statistic_layers(module):
            return {}
        x = downscale(x, STATS_TILES * tile, multiple)
        return norm_stats.capture(module, lambda: run_whole(fn, x, multiple))

    # -- jobs ----------------------------------------------------------------------------
    def run(self, job: Job, ctx: RunContext) -> Mapping[str, Any]:
        return self._run(job, ctx, 1.0)

    def run_lower_cost(self, job: Job, ctx: RunContext) -> Mapping[str, Any]:
        return self._run(job, ctx, 0.5)

    def _run(self, job: Job, ctx: RunContext, tile_scale: float) -> Mapping[str, Any]:
        if tile_scale != 1.0 and isinstance(job, (ConvertJob, ConvertFolderJob)):
            job = dataclasses.replace(job, options=dataclasses.replace(job.options, tiled=True))  # out of memory: always tile
        if isinstance(job, ConvertFolderJob):
            return self.convert_folder(job, ctx, tile_scale=tile_scale)
        if isinstance(job, StyleVariantsJob):
            images, styles = self.variants(job.image, job.options, job.first_seed, job.count, job.preview,
                                           lambda done, total: ctx.step(done, total, f"variant {done} of {total}"))
            return {"images": images, "styles": styles, "first_seed": int(job.first_seed)}
        if isinstance(job, EncodeStyleJob):
            return {"style": self.encode_style(job.image, job.direction)}
        if not isinstance(job, ConvertJob):
            raise TypeError(f"TranslateSession cannot run {type(job).__name__}")
        image, info = self.convert(job.image, job.options, lambda done, total: ctx.step(done, total, f"tile {done} of {total}"), tile_scale=tile_scale)
        return {"image": image, **info}

    def convert_folder(self, job: ConvertFolderJob, ctx: RunContext, *, tile_scale: float = 1.0) -> dict[str, Any]:
        """Convert every input; returns what was written, skipped (with reasons) and whether it was cancelled."""
        inputs = list(job.inputs)
        total = len(inputs) * PROGRESS_SCALE
        folder = Path(job.output_folder)
        model_name = Path(self.model.loaded.path).stem if self.model is not None else ""
        written: list[str] = []
        skipped: list[tuple[str, str]] = []
        notes: dict[str, list[str]] = {}
        cancelled = False
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for index, source in enumerate(inputs):
                base = index * PROGRESS_SCALE
                label = f"{index + 1} of {len(inputs)}: {Path(source).name}"
                ctx.step(base, total, label)
                try:
                    photo = read_photo(source)
                except DocumentError as exc:
                    skipped.append((source, exc.reason))
                    continue

                def on_tile(done: int, count: int, base: int = base, label: str = label) -> None:
                    ctx.step(base + done * PROGRESS_SCALE // count, total, label)

                try:
                    image, info = self.convert(photo.pixels, job.options, on_tile, tile_scale=tile_scale, index=index)
                except (ValueError, RuntimeError) as exc:
                    if is_out_of_memory(exc):
                        raise  # the runner's fallback retries the whole run with smaller tiles
                    skipped.append((source, first_line(exc)))  # one bad file never stops the others
                    continue
                name = output_name(job.template, source, index + 1, model=model_name, direction=job.options.direction)
                target = safe_output_path(folder, name, inputs, overwrite=job.overwrite, taken=written)
                settings = {"source": Path(source).name, "model": model_name, "arch": self.arch, "direction": job.options.direction, "mode": info["mode"], "tile": info["tile"] or "whole image"}
                settings.update(style_settings(info, job.options.style_mode))
                try:
                    write_image(target, image, settings=settings)
                except (DocumentError, OSError) as exc:
                    skipped.append((source, f"could not be written: {exc}"))
                    continue
                written.append(os.fspath(target))
                if photo.notes:
                    notes[source] = list(photo.notes)
        except Cancelled:
            cancelled = True
        return {"written": written, "skipped": skipped, "notes": notes, "cancelled": cancelled, "total": len(inputs)}


def style_settings(info: Mapping[str, Any], mode: str = "same") -> dict[str, Any]:
    """The PNG settings that record an output's style: the code (rounded to 6 decimals, which
    reproduces the output), the style number when it was drawn from one, and the folder mode."""
    if info.get("style") is None:
        return {}
    settings: dict[str, Any] = {"style": [round(float(v), 6) for v in np.asarray(info["style"]).reshape(-1)], "style_mode": mode}
    if info.get("style_seed") is not None:
        settings["style_seed"] = int(info["style_seed"])
    return settings


def _checked_image(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] not in (3, 4) or image.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3|4) uint8 image, got {image.dtype} {image.shape}")
    if min(image.shape[:2]) < MIN_SIDE:
        # below this the deepest features of a ResNet are 1 pixel, where InstanceNorm has nothing to normalise
        raise ValueError(f"the image is {image.shape[1]}x{image.shape[0]} pixels, too small to convert (at least {MIN_SIDE} pixels a side)")
    return image


def _resize_uint8(image: np.ndarray, side: int = 0, *, size: tuple[int, int] | None = None) -> np.ndarray:
    """An (H, W, C) uint8 image with its long side at most `side` (never below MIN_SIDE), or at `size` (h, w)."""
    h, w = image.shape[:2]
    if size is None:
        if max(h, w) <= side:
            return image
        scale = side / max(h, w)
        size = (max(MIN_SIDE, round(h * scale)), max(MIN_SIDE, round(w * scale)))
    if tuple(size) == (h, w):
        return image
    x = torch.from_numpy(np.array(image, order="C")).permute(2, 0, 1)[None].float()  # a copy: job arrays are read-only
    down = size[0] < h or size[1] < w
    y = F.interpolate(x, size=tuple(size), mode="bilinear", align_corners=False, antialias=down)
    return y[0].permute(1, 2, 0).round().clamp(0, 255).to(torch.uint8).numpy().copy()
