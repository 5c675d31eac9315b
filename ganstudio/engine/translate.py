"""Convert images with a pix2pix (U-Net) or CycleGAN (ResNet) generator, at any size.

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

Folder conversion reads each file (unreadable ones are skipped and listed),
writes each output atomically under a name from a template (never over an
input), reports progress between tiles and stops between tiles when cancelled:
finished files are complete and no partial file is left.
"""
from __future__ import annotations

import contextlib
import dataclasses
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

from . import norm_stats
from .device import Runtime, first_line, is_out_of_memory
from .jobs import BatchJob, Job
from .session import Cancelled, RunContext, Session
from .tiling import round_up, run_tiled, run_whole, tile_count

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


@dataclass(frozen=True, kw_only=True, eq=False)
class ConvertOptions:
    """How to convert: the direction (CycleGAN), the pix2pix test mode, and the tiling."""

    direction: str = "AtoB"
    reference_mode: bool = False  # pix2pix: dropout + batch statistics, as the reference test.py
    seed: int = 0  # for reference mode's dropout
    tile: int = 0  # 0: from the model's resolution
    overlap: int = 0  # 0: a quarter of the tile
    tiled: bool = True  # False: the whole image in one pass (may need much memory)


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
    """pix2pix / CycleGAN conversion of one image or a folder (see the module docstring)."""

    lower_cost_label = "in smaller tiles"

    # -- the model ---------------------------------------------------------------------
    @property
    def arch(self) -> str:
        if self.model is None:
            raise ValueError("no model is loaded")
        return self.model.loaded.arch

    def network(self, direction: str) -> tuple[nn.Module, Runtime]:
        """The generator for a direction: the file's main network is A->B, its "reverse" part B->A."""
        if "image_translation" not in self.model.loaded.capabilities:
            raise ValueError(f"a {self.arch} model cannot convert images; load {families.describe_archs(TRANSLATION_ARCHS)}")
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
        if direction == "AtoB":
            return self.model.module, self.runtime
        reverse = self.model.part("reverse")
        if reverse is None:
            raise ValueError("this model converts one way only (A to B); it has no B-to-A generator")
        return reverse

    def tile_size(self, module: nn.Module, requested: int = 0) -> int:
        """`requested` px, else the training resolution (at least CONTEXT_TILE when the
        network's stride is smaller than that: the U-Net's is its whole tile)."""
        multiple = int(getattr(module, "size_multiple", 4))
        resolution = requested or self._resolution()
        if not requested and multiple < resolution:
            resolution = max(resolution, CONTEXT_TILE)
        return round_up(max(int(resolution), multiple), multiple)

    def _resolution(self) -> int:
        value = self.model.loaded.resolution if self.model is not None else None
        if isinstance(value, (list, tuple)):
            value = max(int(v) for v in value)
        return int(value) if value else DEFAULT_RESOLUTION

    # -- one image ---------------------------------------------------------------------
    def convert(
        self,
        image: np.ndarray,
        options: ConvertOptions = ConvertOptions(),
        on_tile: Callable[[int, int], None] | None = None,
        *,
        tile_scale: float = 1.0,
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """RGB(A) uint8 -> converted RGB(A) uint8 of the same size, and how it ran."""
        image = np.asarray(image)
        if image.ndim != 3 or image.shape[2] not in (3, 4) or image.dtype != np.uint8:
            raise ValueError(f"expected an (H, W, 3|4) uint8 image, got {image.dtype} {image.shape}")
        if min(image.shape[:2]) < MIN_SIDE:
            # below this the deepest features of a ResNet are 1 pixel, where InstanceNorm has nothing to normalise
            raise ValueError(f"the image is {image.shape[1]}x{image.shape[0]} pixels, too small to convert (at least {MIN_SIDE} pixels a side)")
        module, runtime = self.network(options.direction)
        multiple = int(getattr(module, "size_multiple", 4))
        tile = self.tile_size(module, options.tile)
        if tile_scale != 1.0:
            tile = round_up(max(multiple, int(tile * tile_scale)), multiple)
        overlap = options.overlap or tile // 4
        overlap = min(overlap, tile - multiple) if tile > multiple else 0
        align = tile_alignment(multiple, overlap)
        x = image_to_tensor(image, runtime, int(module.config.get("input_nc", 3)))
        h, w = image.shape[:2]
        reference = bool(options.reference_mode and "reference_test_mode" in self.model.loaded.capabilities)
        small = not options.tile and tile_scale == 1.0 and h * w <= WHOLE_IMAGE_PIXELS
        whole = not options.tiled or small or (h <= tile and w <= tile)
        info: dict[str, Any] = {"tile": 0 if whole else tile, "overlap": 0 if whole else overlap, "tiles": 1,
                                "mode": "reference-test" if reference else "deterministic"}

        with self._test_mode(module, reference, options.seed):
            if whole:
                out = run_whole(module, x, multiple)[0].float().cpu().numpy()
                if on_tile is not None:
                    on_tile(1, 1)
            else:
                info["tiles"] = tile_count(h, w, tile, overlap, align)
                stats = self._statistics(module, x, multiple, tile)
                frozen = norm_stats.frozen(module, stats) if stats else contextlib.nullcontext()
                with frozen:
                    out = run_tiled(module, x, tile, overlap, on_tile, align)
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

    def _statistics(self, module: nn.Module, x: torch.Tensor, multiple: int, tile: int) -> norm_stats.Stats:
        """Normalisation statistics of the whole image (downscaled to STATS_TILES tiles across)."""
        if not norm_stats.statistic_layers(module):
            return {}
        h, w = x.shape[2], x.shape[3]
        limit = STATS_TILES * tile
        if max(h, w) > limit:
            scale = limit / max(h, w)
            size = (max(multiple, round(h * scale)), max(multiple, round(w * scale)))
            x = F.interpolate(x.float(), size=size, mode="bilinear", align_corners=False, antialias=True).to(x.dtype)
        return norm_stats.capture(module, lambda: run_whole(module, x, multiple))

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
                    image, info = self.convert(photo.pixels, job.options, on_tile, tile_scale=tile_scale)
                except (ValueError, RuntimeError) as exc:
                    if is_out_of_memory(exc):
                        raise  # the runner's fallback retries the whole run with smaller tiles
                    skipped.append((source, first_line(exc)))  # one bad file never stops the others
                    continue
                name = output_name(job.template, source, index + 1, model=model_name, direction=job.options.direction)
                target = safe_output_path(folder, name, inputs, overwrite=job.overwrite, taken=written)
                settings = {"source": Path(source).name, "model": model_name, "arch": self.arch, "direction": job.options.direction, "mode": info["mode"], "tile": info["tile"] or "whole image"}
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
