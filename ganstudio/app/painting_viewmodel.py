"""The painting workspace's state and actions: label map, tools, undo, synthesis requests.

Widgets call the actions (begin_stroke, fill_at, ...) with image coordinates
and repaint on the signals. The map is a document LabelMap and every
edit goes through the document's tools (BrushStroke, fill_region, ...), whose
EditRecords become undo commands. The view-model never runs a model: it emits
`synthesisRequested` with a PaintRequest (numpy only) and takes results back
through `accept_output`. Preview requests are throttled while painting and a
full-quality request follows every finished edit.
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from ganstudio.document import edits
from ganstudio.document.bbox import BBox
from ganstudio.document.edits import BrushStroke, EditRecord
from ganstudio.document.errors import DocumentError
from ganstudio.document.fill import region_mask
from ganstudio.document.labelmap import LabelMap
from ganstudio.document.oasis_noise import NoiseState, Reroll
from ganstudio.document.palette import Palette, default_palette

from .undo_commands import LabelEditCommand, NoiseCommand

# "reroll": a click draws new OASIS noise for the clicked class (with Shift: its connected area only)
TOOLS = ("brush", "eraser", "fill", "eyedropper", "line", "rect", "replace", "reroll")
NOISE_SEEDS = 2**31 - 1  # new seeds are drawn below this (short enough to read and type)
MIN_BRUSH, MAX_BRUSH = 1, 200
PREVIEW_INTERVAL_MS = 60


@dataclass(frozen=True)
class PaintRequest:
    """Everything a synthesis run needs, copied so that painting can go on meanwhile."""

    labels: np.ndarray
    revision: int
    preview: bool
    style: dict[str, Any] = field(default_factory=dict)


def palette_from_model_labels(labels: Sequence[Any]) -> Palette:
    """A model's metadata labels ({name, color} dicts, or plain names) as a palette."""
    if labels and all(isinstance(item, dict) and "color" in item for item in labels):
        return Palette.from_json(list(labels))
    generic = Palette.generic(len(labels))
    return Palette([(item.get("name", f"class {i}") if isinstance(item, dict) else str(item), generic[i].color) for i, item in enumerate(labels)])


class PaintingViewModel(QObject):
    labelsChanged = Signal(int, int, int, int)  # y0, x0, y1, x1 (exclusive)
    documentReset = Signal()  # a new map or palette: repaint everything
    currentClassChanged = Signal(int)
    backgroundClassChanged = Signal(int)
    toolChanged = Signal(str)
    brushSizeChanged = Signal(int)
    referenceChanged = Signal()
    outputChanged = Signal()
    stylesChanged = Signal()
    modifiedChanged = Signal(bool)
    synthesisRequested = Signal(object)  # PaintRequest
    notice = Signal(str)
    noiseChanged = Signal()  # the OASIS noise state changed (re-roll, undo, a project opened)
    noiseAvailableChanged = Signal(bool)  # the model does (not) take re-rollable noise

    def __init__(self, width: int = 512, height: int = 512, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self.labelmap = LabelMap.blank(width, height, default_palette())
        self.current_class = self.palette.find("grass") or 0  # a visible first stroke
        self.background_class = 0
        self.tool = "brush"
        self.brush_size = 24
        self.revision = 0
        self.reference: np.ndarray | None = None  # RGB uint8, shown under the labels
        self.output: np.ndarray | None = None  # RGB uint8 from the last synthesis
        self.output_revision = -1
        self.last_inference_ms: float | None = None
        # styles (see ganstudio.engine.painting): SPADE VAE z from a seed or an image,
        # SEAN per-region codes from named sources (photo + its label map)
        self.style_seed = 0
        self.style_image: np.ndarray | None = None
        self.style_sources: dict[str, dict[str, np.ndarray]] = {}
        self.region_sources: dict[int, str] = {}
        self.default_source: str | None = None
        self.blend_source: str | None = None
        self.blend_amount = 0.0
        # OASIS: the document's noise state (ganstudio.document.oasis_noise); re-rolls are undoable commands
        self.noise = NoiseState()
        self.noise_available = False  # set when an OASIS model with 3D noise becomes current
        self.model_arch = ""  # the current model's architecture (what the style panels offer), set with the above
        self._noise_rng = np.random.default_rng()  # only draws seeds: the seeds themselves are saved
        self.synthesis_enabled = False  # the window turns it on when a model is loaded
        self._modified_without_undo = False  # e.g. recovered work that was never saved
        self._stroke: BrushStroke | None = None
        self._class_counts: np.ndarray | None = None  # pixels per class, kept up to date per edit; None: recount
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_INTERVAL_MS)
        self._preview_timer.timeout.connect(lambda: self.request_synthesis(preview=True))
        self._requested_at: dict[int, float] = {}

    def _on_clean_changed(self, clean: bool) -> None:
        self.modifiedChanged.emit(not clean)

    # ---- document -------------------------------------------------------
    @property
    def labels(self) -> np.ndarray:
        """The live class-id array (painted in place; copy it to keep a state)."""
        return self.labelmap.ids

    @property
    def palette(self) -> Palette:
        return self.labelmap.palette

    @property
    def width(self) -> int:
        return self.labelmap.width

    @property
    def height(self) -> int:
        return self.labelmap.height

    @property
    def is_modified(self) -> bool:
        return self._modified_without_undo or not self.undo_stack.isClean()

    def set_palette_and_labels(self, palette: Palette, labels: np.ndarray, *, modified: bool = False) -> None:
        """Replace palette and map together (open a project, recover, adopt a model's classes)."""
        self._replace_map(_checked_labelmap(labels, palette))
        self._modified_without_undo = modified
        self.modifiedChanged.emit(self.is_modified)
        self.currentClassChanged.emit(self.current_class)

    def set_palette(self, entries: Palette) -> None:
        """Switch palettes; fails (ValueError) if the map uses an id the new palette lacks."""
        top = int(self.labels.max()) if self.labels.size else 0
        if top >= len(entries):
            raise ValueError(f"the label map uses class {top}, but the palette has only {len(entries)} classes")
        self.labelmap.set_palette(entries)  # may change the id dtype: views rebuild on documentReset
        self._class_counts = None
        self.current_class = min(self.current_class, len(entries) - 1)
        self.background_class = min(self.background_class, len(entries) - 1)
        self.documentReset.emit()
        self.currentClassChanged.emit(self.current_class)

    def set_labels(self, labels: np.ndarray, *, mark_clean: bool = True) -> None:
        """Replace the whole map (open/new/recover). Clears the undo history."""
        self._replace_map(_checked_labelmap(labels, self.palette), mark_clean=mark_clean)

    def _replace_map(self, labelmap: LabelMap, *, mark_clean: bool = True) -> None:
        if self._stroke is not None:
            self._stroke.cancel()
            self._stroke = None
        self.labelmap = labelmap
        self._class_counts = None
        self.current_class = min(self.current_class, len(labelmap.palette) - 1)
        self.background_class = min(self.background_class, len(labelmap.palette) - 1)
        self.undo_stack.clear()  # its records belong to the old map
        if mark_clean:
            self._modified_without_undo = False
            self.undo_stack.setClean()
        self.revision += 1
        self.documentReset.emit()
        self.request_synthesis(preview=False)

    def new_document(self, width: int, height: int, fill_class: int = 0) -> None:
        self.set_labels(np.full((height, width), fill_class, dtype=np.uint16))

    def set_reference(self, image: np.ndarray | None) -> None:
        self.reference = None if image is None else np.ascontiguousarray(image[..., :3].astype(np.uint8))
        self.referenceChanged.emit()

    def mark_saved(self) -> None:
        self._modified_without_undo = False
        self.undo_stack.setClean()
        self.modifiedChanged.emit(False)

    # ---- tool state -----------------------------------------------------
    def set_tool(self, tool: str) -> None:
        if tool not in TOOLS:
            raise ValueError(f"unknown tool {tool!r}")
        if tool == "reroll" and not self.noise_available:
            self.notice.emit("Re-rolling needs an OASIS model (its picture comes from noise that can be drawn again)")
            return
        if tool != self.tool:
            self.tool = tool
            self.toolChanged.emit(tool)

    def set_current_class(self, class_id: int) -> None:
        class_id = int(class_id)
        if not 0 <= class_id < len(self.palette):
            self.notice.emit(f"Class {class_id} is not in the palette (0-{len(self.palette) - 1})")
            return
        if class_id != self.current_class:
            self.current_class = class_id
            self.currentClassChanged.emit(class_id)

    def set_background_class(self, class_id: int) -> None:
        if 0 <= class_id < len(self.palette) and class_id != self.background_class:
            self.background_class = int(class_id)
            self.backgroundClassChanged.emit(self.background_class)

    def set_brush_size(self, size: int) -> None:
        size = max(MIN_BRUSH, min(MAX_BRUSH, int(size)))
        if size != self.brush_size:
            self.brush_size = size
            self.brushSizeChanged.emit(size)

    def grow_brush(self, factor: float = 1.25) -> None:
        self.set_brush_size(max(self.brush_size + 1, round(self.brush_size * factor)))

    def shrink_brush(self, factor: float = 1.25) -> None:
        self.set_brush_size(min(self.brush_size - 1, round(self.brush_size / factor)))

    # ---- strokes (brush, eraser) ------------------------------------------
    def begin_stroke(self, x: float, y: float, *, erase: bool | None = None) -> None:
        if self._stroke is not None:
            self.end_stroke()
        erase = self.tool == "eraser" if erase is None else erase
        value = self.background_class if erase else self.current_class
        name = "Erase" if erase else "Brush stroke"
        self._stroke = BrushStroke(self.labelmap, value, self.brush_size, f"{name} ({self.palette[value].name})")
        self._stroke_painted(self._stroke.begin(x, y))

    def stroke_to(self, x: float, y: float) -> None:
        if self._stroke is not None:
            self._stroke_painted(self._stroke.move_to(x, y))

    def end_stroke(self) -> None:
        stroke, self._stroke = self._stroke, None
        if stroke is not None:
            self._push(stroke.finish())

    @property
    def stroke_active(self) -> bool:
        return self._stroke is not None

    def _stroke_painted(self, box: BBox | None) -> None:
        if box is None:
            return
        self._announce(box)
        if self.synthesis_enabled and not self._preview_timer.isActive():
            self._preview_timer.start()

    # ---- one-shot tools ---------------------------------------------------
    def fill_at(self, x: float, y: float) -> None:
        self._one_shot(lambda: edits.fill_region(self.labelmap, (x, y), self.current_class))

    def draw_line(self, p0: tuple[float, float], p1: tuple[float, float]) -> None:
        self._one_shot(lambda: edits.draw_line(self.labelmap, p0, p1, self.current_class, self.brush_size))

    def draw_rect(self, p0: tuple[float, float], p1: tuple[float, float]) -> None:
        self._one_shot(lambda: edits.draw_rectangle(self.labelmap, p0, p1, self.current_class))

    def replace_everywhere(self, old: int, new: int | None = None) -> None:
        new = self.current_class if new is None else int(new)
        if not (0 <= old < len(self.palette) and 0 <= new < len(self.palette)):
            self.notice.emit("Replace: class id out of range")
            return
        text = f"Replace {self.palette[old].name} with {self.palette[new].name}"
        self._one_shot(lambda: edits.replace_class_everywhere(self.labelmap, old, new), text)

    def pick_at(self, x: float, y: float) -> int | None:
        class_id = edits.eyedropper(self.labelmap, (x, y))
        if class_id is not None:
            self.set_current_class(class_id)
        return class_id

    def _one_shot(self, edit: Callable[[], EditRecord | None], text: str | None = None) -> None:
        if self._stroke is not None:
            self.end_stroke()
        record = edit()
        if record is not None:
            self._announce(record.bbox)
            self._push(record, text)

    # ---- undo -------------------------------------------------------------
    def _push(self, record: EditRecord | None, text: str | None = None) -> None:
        """Put a finished edit on the undo stack and ask for a full-quality output."""
        if record is None:
            return
        self._count_edit(record.before, record.after)
        self.undo_stack.push(LabelEditCommand(text or record.description, record, self.labelmap, self._patch_written))
        self.request_synthesis(preview=False)

    def _patch_written(self, box: BBox) -> None:
        self._class_counts = None  # undo/redo are rare: recount when next asked
        self._announce(box)
        self.request_synthesis(preview=False)

    def _announce(self, box: BBox) -> None:
        self.revision += 1
        self.labelsChanged.emit(box.y0, box.x0, box.y1, box.x1)

    # ---- OASIS noise -----------------------------------------------------------
    def set_noise_available(self, available: bool) -> None:
        """The current model does (or does not) take re-rollable noise; the re-roll tool goes with it."""
        available = bool(available)
        if available == self.noise_available:
            return
        self.noise_available = available
        if not available and self.tool == "reroll":
            self.set_tool("brush")
        self.noiseAvailableChanged.emit(available)

    def new_noise_seed(self) -> int:
        return int(self._noise_rng.integers(0, NOISE_SEEDS))

    def reroll_class(self, class_id: int, seed: int | None = None) -> bool:
        """New noise over every pixel of `class_id` (it follows the class as it is painted). One undo step."""
        class_id = int(class_id)
        if not 0 <= class_id < len(self.palette):
            self.notice.emit(f"Class {class_id} is not in the palette (0-{len(self.palette) - 1})")
            return False
        reroll = Reroll(self.new_noise_seed() if seed is None else int(seed), class_id=class_id)
        return self._push_noise(f"Re-roll {self.palette[class_id].name}", lambda: self.noise.with_reroll(reroll))

    def reroll_current_class(self, seed: int | None = None) -> bool:
        return self.reroll_class(self.current_class, seed)

    def reroll_at(self, x: float, y: float, *, connected: bool = False, seed: int | None = None) -> bool:
        """Re-roll the class under (x, y); `connected`: only its connected area, as it is now (a fixed mask)."""
        ix, iy = int(np.floor(x)), int(np.floor(y))
        if not (0 <= ix < self.width and 0 <= iy < self.height):
            return False
        class_id = int(self.labels[iy, ix])
        if not connected:
            return self.reroll_class(class_id, seed)
        found = region_mask(self.labels, (x, y))
        if found is None:
            return False
        box, inside = found
        mask = np.zeros(self.labels.shape, bool)
        mask[box.y0 : box.y1, box.x0 : box.x1] = inside
        reroll = Reroll(self.new_noise_seed() if seed is None else int(seed), mask=mask)
        return self._push_noise(f"Re-roll {self.palette[class_id].name} area", lambda: self.noise.with_reroll(reroll))

    def reroll_all(self, seed: int | None = None) -> bool:
        """New noise everywhere: a new base seed, and no region keeps an earlier re-roll. One undo step."""
        seed = self.new_noise_seed() if seed is None else int(seed)
        return self._push_noise("Re-roll all noise", lambda: NoiseState(seed))

    def set_noise_seed(self, seed: int) -> bool:
        """Another base seed (region re-rolls stay). One undo step."""
        seed = int(seed)
        if seed == self.noise.seed:
            return False
        return self._push_noise(f"Noise seed {seed}", lambda: NoiseState(seed, self.noise.rerolls))

    def _push_noise(self, text: str, make: Callable[[], NoiseState]) -> bool:
        if not self.noise_available:
            self.notice.emit("Re-rolling needs an OASIS model (its picture comes from noise that can be drawn again)")
            return False
        if self._stroke is not None:
            self.end_stroke()
        try:
            after = make()
        except ValueError as exc:  # e.g. too many region re-rolls
            self.notice.emit(str(exc))
            return False
        self.undo_stack.push(NoiseCommand(text, self.noise, after, self._apply_noise))
        return True

    def _apply_noise(self, state: NoiseState) -> None:
        self.noise = state
        self.revision += 1  # a new picture for the same labels: results of the old noise are stale
        self.noiseChanged.emit()
        self.request_synthesis(preview=False)

    # ---- styles ---------------------------------------------------------------
    @property
    def style(self) -> dict[str, Any]:
        """The style part of a synthesis request (plain data; arrays are shared, never mutated)."""
        style: dict[str, Any] = {"seed": self.style_seed, "mode": "image" if self.style_image is not None else "random"}
        if self.style_image is not None:
            style["image"] = self.style_image
        if self.style_sources:
            style["sources"] = dict(self.style_sources)
            style["regions"] = {cid: name for cid, name in self.region_sources.items() if name in self.style_sources}
            if self.default_source in self.style_sources:
                style["default"] = self.default_source
            if self.blend_source in self.style_sources and self.blend_amount > 0:
                style["blend"] = {"source": self.blend_source, "amount": self.blend_amount}
        style["noise"] = self.noise.to_style()  # OASIS; the other families ignore it
        return style

    def _styles_changed(self) -> None:
        self.stylesChanged.emit()
        self.request_synthesis(preview=False)

    def random_style(self, seed: int) -> None:
        """A seeded random style (reproducible): SPADE z, or SEAN's codes for regions without a source."""
        self.style_seed = int(seed)
        self.style_image = None
        self._styles_changed()

    def set_style_image(self, image: np.ndarray) -> None:
        self.style_image = np.ascontiguousarray(image[..., :3].astype(np.uint8))
        self._styles_changed()

    def add_style_source(self, name: str, image: np.ndarray, labels: np.ndarray) -> str:
        """Register a reference photo + its label map; returns the (unique) source name."""
        if image.shape[:2] != labels.shape[:2]:
            raise ValueError(f"the photo is {image.shape[1]}x{image.shape[0]} but its label map is {labels.shape[1]}x{labels.shape[0]}")
        if labels.size and int(labels.max()) >= len(self.palette):
            raise ValueError(f"the style label map uses class {int(labels.max())}, the palette has {len(self.palette)} classes")
        base, n = name, 2
        while name in self.style_sources:
            name, n = f"{base} ({n})", n + 1
        self.style_sources[name] = {"image": np.ascontiguousarray(image[..., :3].astype(np.uint8)), "labels": np.ascontiguousarray(labels)}
        self._styles_changed()
        return name

    def remove_style_source(self, name: str) -> None:
        self.style_sources.pop(name, None)
        self.region_sources = {cid: src for cid, src in self.region_sources.items() if src != name}
        if self.default_source == name:
            self.default_source = None
        if self.blend_source == name:
            self.blend_source = None
        self._styles_changed()

    def set_region_source(self, class_id: int, name: str | None) -> None:
        if name is None:
            self.region_sources.pop(int(class_id), None)
        else:
            self.region_sources[int(class_id)] = name
        self._styles_changed()

    def set_all_regions(self, name: str | None) -> None:
        """Every region takes its style from `name` (None: the random style)."""
        self.region_sources.clear()
        self.default_source = name
        self._styles_changed()

    def set_blend(self, name: str | None, amount: float) -> None:
        self.blend_source = name
        self.blend_amount = max(0.0, min(1.0, float(amount)))
        self._styles_changed()

    def style_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """(JSON part, arrays) for a project file."""
        arrays: dict[str, np.ndarray] = {}
        names = list(self.style_sources)
        for index, name in enumerate(names):
            arrays[f"source{index}.image"] = self.style_sources[name]["image"]
            arrays[f"source{index}.labels"] = self.style_sources[name]["labels"]
        if self.style_image is not None:
            arrays["spade.image"] = self.style_image
        state = {
            "seed": self.style_seed,
            "sources": names,
            "regions": {str(cid): name for cid, name in self.region_sources.items()},
            "default": self.default_source,
            "blend": {"source": self.blend_source, "amount": self.blend_amount},
        }
        noise, noise_arrays = self.noise.to_json()
        state["noise"] = noise
        arrays.update(noise_arrays)
        return state, arrays

    def restore_style_state(self, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.style_seed = int(state.get("seed", 0))
        self.style_image = arrays.get("spade.image")
        self.style_sources = {}
        for index, name in enumerate(state.get("sources") or []):
            image, labels = arrays.get(f"source{index}.image"), arrays.get(f"source{index}.labels")
            if image is not None and labels is not None:
                self.style_sources[str(name)] = {"image": image, "labels": labels}
        self.region_sources = {int(cid): str(name) for cid, name in (state.get("regions") or {}).items()}
        self.default_source = state.get("default")
        blend = state.get("blend") or {}
        self.blend_source, self.blend_amount = blend.get("source"), float(blend.get("amount", 0.0))
        try:  # a project's noise is not an edit: it replaces the state without an undo step
            self.noise = NoiseState.from_json(state.get("noise"), arrays)
        except (TypeError, ValueError) as exc:
            self.noise = NoiseState()
            self.notice.emit(f"The project's noise state was not usable ({exc}); it starts from seed 0")
        self.noiseChanged.emit()
        self._styles_changed()

    # ---- synthesis ----------------------------------------------------------

    def request_synthesis(self, preview: bool = False) -> None:
        if not self.synthesis_enabled:
            return
        if not preview:
            self._preview_timer.stop()
        self._requested_at[self.revision] = time.perf_counter()
        if len(self._requested_at) > 256:  # keep the latency book small
            for key in itertools.islice(sorted(self._requested_at), 128):
                del self._requested_at[key]
        self.synthesisRequested.emit(PaintRequest(self.labels.copy(), self.revision, preview, self.style))

    def accept_output(self, revision: int, image: np.ndarray, elapsed_ms: float | None = None) -> bool:
        """Take a synthesized image; an older revision than the one shown is dropped."""
        if revision < self.output_revision:
            return False
        self.output = np.ascontiguousarray(image[..., :3].astype(np.uint8, copy=False))
        self.output_revision = revision
        if elapsed_ms is not None:
            self.last_inference_ms = float(elapsed_ms)
        self.outputChanged.emit()
        return True

    def latency_ms(self, revision: int) -> float | None:
        """Time from the request for `revision` to now (for the stroke-to-output benchmark)."""
        started = self._requested_at.get(revision)
        return None if started is None else (time.perf_counter() - started) * 1000.0

    def _count_edit(self, before: np.ndarray, after: np.ndarray) -> None:
        # O(patch) instead of recounting the whole map after every stroke
        if self._class_counts is not None:
            n = len(self._class_counts)
            self._class_counts += np.bincount(after.ravel(), minlength=n)[:n] - np.bincount(before.ravel(), minlength=n)[:n]

    def classes_present(self) -> list[int]:
        if self._class_counts is None:
            self._class_counts = self.labelmap.class_counts().astype(np.int64)
        return [int(i) for i in np.flatnonzero(self._class_counts)]


def _checked_labelmap(labels: np.ndarray, palette: Palette) -> LabelMap:
    """A LabelMap holding a copy of `labels`; ValueError naming the problem if they do not fit `palette`."""
    labels = np.asarray(labels)
    if labels.ndim != 2 or labels.size == 0:
        raise ValueError(f"a label map must be a non-empty 2-D array, got shape {labels.shape}")
    top = int(labels.max())
    if top >= len(palette):
        raise ValueError(f"class id {top} is out of range: the palette has {len(palette)} classes (0-{len(palette) - 1})")
    if int(labels.min()) < 0:
        raise ValueError("negative class ids in the label map")
    try:
        return LabelMap(labels, palette, copy=True)
    except DocumentError as exc:  # e.g. float "ids"
        raise ValueError(str(exc)) from exc
