"""Exporting the painting's output: at the model's size, at the canvas size (resampled or synthesized), with its recipe.

A picture's PNG text chunks hold every setting that made it (model file and its
SHA-256, style seed or style image hash, SEAN sources, regions and blend, OASIS
noise seeds and re-rolls, the label map itself, the size), so the picture can be made again from its file.
"""
from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from PySide6.QtCore import QObject, Signal

import ganstudio
from ganstudio import families
from ganstudio.document.errors import DocumentError
from ganstudio.document.image_io import encode_label_map, write_image
from ganstudio.document.labelmap import LabelMap
from ganstudio.engine.jobs import Job, Result
from ganstudio.engine.painting import MAX_LATENT_SCALE, PaintJob, synthesizes_larger

from .inference import InferenceController
from .painting_viewmodel import PaintingViewModel

CHANNEL = "canvas-export"
LABELS_KEY = "label_map_png"  # base64 of the indexed label-map PNG, in the settings JSON


@dataclass(frozen=True)
class ExportSize:
    key: str  # "native", "resampled" or "synthesized"
    label: str
    width: int
    height: int


def export_sizes(info: dict[str, Any] | None, output_shape: tuple[int, ...], canvas_size: tuple[int, int]) -> list[ExportSize]:
    """The sizes offered for the current output (H, W, 3) and canvas (width, height)."""
    h, w = output_shape[:2]
    cw, ch = canvas_size
    sizes = [ExportSize("native", f"Model output, {w}x{h}", w, h)]
    if (cw, ch) != (w, h):
        sizes.append(ExportSize("resampled", f"Canvas size, resampled, {cw}x{ch}", cw, ch))
        if info and synthesizes_larger(str(info.get("arch")), info.get("config") or {}) and latent_scale_for(w, cw) > 1:
            sizes.append(ExportSize("synthesized", f"Canvas size, synthesized at {cw}x{ch} (slower, finer detail)", cw, ch))
    return sizes


def latent_scale_for(native_width: int, canvas_width: int) -> int:
    """How many times larger to synthesize to reach at least the canvas width (bounded)."""
    return max(1, min(MAX_LATENT_SCALE, -(-canvas_width // max(1, native_width))))


_hashes: dict[tuple[str, int, int], str] = {}


def file_sha256(path: str) -> str:
    """The file's SHA-256 (cached per path, size and modification time); "" if it cannot be read."""
    try:
        stat = os.stat(path)
    except OSError:
        return ""
    key = (os.path.realpath(path), stat.st_size, stat.st_mtime_ns)
    if key not in _hashes:
        digest = hashlib.sha256()
        try:
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        except OSError:
            return ""
        _hashes[key] = digest.hexdigest()
    return _hashes[key]


def array_sha256(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()[:16]


def painting_settings(vm: PaintingViewModel, info: dict[str, Any] | None, size: ExportSize) -> dict[str, Any]:
    """Every setting that made the output: the picture's recipe, for its PNG text chunks."""
    style: dict[str, Any] = {"seed": vm.style_seed, "mode": "image" if vm.style_image is not None else "random"}
    if vm.style_image is not None:
        style["image_sha256"] = array_sha256(vm.style_image)
    if vm.style_sources:
        style["sources"] = {name: {"image_sha256": array_sha256(src["image"]), "labels_sha256": array_sha256(src["labels"])} for name, src in vm.style_sources.items()}
        style["regions"] = {vm.palette[cid].name: name for cid, name in sorted(vm.region_sources.items()) if cid < len(vm.palette)}
        style["default"] = vm.default_source
        style["blend"] = {"source": vm.blend_source, "amount": vm.blend_amount}
    if "noise_reroll" in families.capabilities_of(info):
        style["noise"] = vm.noise.describe()  # base seed and re-rolls (masks by digest): the picture's noise
    path = str((info or {}).get("path", ""))
    return {
        "software": f"GAN Studio {ganstudio.__version__}",
        "model": path,
        "model_name": Path(path).name,
        "model_sha256": file_sha256(path) if path else "",
        "arch": (info or {}).get("arch"),
        "seed": vm.style_seed,
        "style": style,
        "size": {"mode": size.key, "width": size.width, "height": size.height},
        "canvas": {"width": vm.width, "height": vm.height},
        "revision": vm.output_revision,
        LABELS_KEY: base64.b64encode(encode_label_map(LabelMap(vm.labels, vm.palette))).decode("ascii"),
    }


def resampled(pixels: np.ndarray, width: int, height: int) -> np.ndarray:
    if pixels.shape[1] == width and pixels.shape[0] == height:
        return pixels
    return np.asarray(Image.fromarray(np.ascontiguousarray(pixels[..., :3])).resize((width, height), Image.Resampling.LANCZOS))


class PaintingExporter(QObject):
    """Writes the painting's output in the chosen size; a synthesized size is one more model run on the worker."""

    exported = Signal(str)  # path
    exportFailed = Signal(str)  # the reason, in plain words
    busyChanged = Signal(bool)

    def __init__(self, vm: PaintingViewModel, controller: InferenceController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.vm = vm
        self.controller = controller
        self._pending: dict[int, tuple[str, ExportSize, dict[str, Any]]] = {}
        controller.resultReady.connect(self._on_result)
        controller.failed.connect(self._on_failed)

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def export(self, path: str, size: ExportSize, info: dict[str, Any] | None) -> bool:
        """Start writing the output to `path`; True if it was written (or started, for a synthesized size)."""
        if self.vm.output is None:
            self.exportFailed.emit("There is no output to export yet: load a model and paint")
            return False
        settings = painting_settings(self.vm, info, size)
        if size.key != "synthesized":
            return self._write(path, resampled(self.vm.output, size.width, size.height), settings)
        scale = latent_scale_for(self.vm.output.shape[1], size.width)
        job = PaintJob(channel=CHANNEL, labels=self.vm.labels, revision=self.vm.revision, style=self.vm.style,
                       model_path=str((info or {}).get("path", "")), latent_scale=scale)
        settings["size"]["latent_scale"] = scale
        self._pending[job.job_id] = (path, size, settings)
        self.busyChanged.emit(True)
        self.controller.submit(job)
        return True

    def _write(self, path: str, pixels: np.ndarray, settings: dict[str, Any]) -> bool:
        try:
            write_image(path, pixels, settings=settings)
        except (DocumentError, OSError) as exc:
            self.exportFailed.emit(str(exc))
            return False
        self.exported.emit(path)
        return True

    def _on_result(self, result: Result) -> None:
        pending = self._pending.pop(result.job_id, None)
        if pending is None:
            return
        path, size, settings = pending
        self.busyChanged.emit(self.busy)
        self._write(path, resampled(result.outputs["image"], size.width, size.height), settings)

    def _on_failed(self, job: Job, message: str) -> None:
        if self._pending.pop(job.job_id, None) is not None:
            self.busyChanged.emit(self.busy)
            self.exportFailed.emit(message)
