"""The Layout workspace's state and actions: labelled boxes, one seed per object and one for the scene.

The layout (boxes with a class, a position and a seed, plus the scene seed) is a
small immutable `LayoutState`; every edit is a `LayoutEditCommand` holding the
state before and after, so add, move, resize, delete, change class and re-roll
all undo the same way. While a box is dragged the view-model posts preview jobs
(half size) on channel "layout"; the worker's mailbox keeps only the newest
waiting one (latest wins), and the release posts a full render. Results carry
the revision they were asked for; older ones than the picture shown are dropped.
"""
from __future__ import annotations

import os
import random
from dataclasses import dataclass, replace
from typing import Any, Callable

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from ganstudio import families
from ganstudio.engine.jobs import Job, Result
from ganstudio.engine.layout_spec import (
    CHANNEL,
    DEFAULT_MAX_OBJECTS,
    MAX_SEED,
    LayoutJob,
)

from .inference import InferenceController
from .model_slot import ModelSlot

MIN_SIZE = 0.02  # a box narrower or lower than this (of the canvas side) is no box
PADDING_CLASS = "__image__"  # LostGAN's class 0 pads layouts; nobody draws it
# boxes offered when a model arrives and the layout is empty, by class name: (name, x0, y0, w, h)
STARTER = (("sky", 0.0, 0.0, 1.0, 0.45), ("mountain", 0.05, 0.22, 0.6, 0.35), ("tree", 0.62, 0.35, 0.3, 0.35),
           ("water", 0.0, 0.62, 1.0, 0.38))


@dataclass(frozen=True)
class LayoutBox:
    """One object: its class id (the model's), its box (x0, y0, w, h) as fractions of the picture, its latent's seed."""

    class_id: int
    x: float
    y: float
    w: float
    h: float
    seed: int

    def clamped(self) -> LayoutBox:
        """The same box kept on the canvas and at least MIN_SIZE on each side."""
        w, h = min(max(self.w, MIN_SIZE), 1.0), min(max(self.h, MIN_SIZE), 1.0)
        return replace(self, x=min(max(self.x, 0.0), 1.0 - w), y=min(max(self.y, 0.0), 1.0 - h), w=w, h=h)

    @property
    def rect(self) -> tuple[float, float, float, float]:
        return (self.x, self.y, self.w, self.h)


@dataclass(frozen=True)
class LayoutState:
    boxes: tuple[LayoutBox, ...] = ()
    scene_seed: int = 0


@dataclass(frozen=True)
class LayoutClass:
    id: int
    name: str
    color: tuple[int, int, int]


@dataclass
class LayoutOutput:
    image: np.ndarray  # [H, W, 3] uint8
    masks: np.ndarray  # [K, H, W] uint8, one per box of `state`, 255 = all of the object
    state: LayoutState  # what was rendered
    preview: bool
    revision: int


class LayoutEditCommand(QUndoCommand):
    """Switch the layout between two states; push() applies `after` through redo()."""

    def __init__(self, text: str, before: LayoutState, after: LayoutState, apply: Callable[[LayoutState], None]) -> None:
        super().__init__(text)
        self.before, self.after, self._apply = before, after, apply

    def undo(self) -> None:
        self._apply(self.before)

    def redo(self) -> None:
        self._apply(self.after)


def class_color(class_id: int) -> tuple[int, int, int]:
    """A colour for a class the file gives none: hue, saturation and value each stepped by its own irrational
    fraction, so that classes far apart in id rarely share a colour (hue alone repeats every few dozen ids)."""
    import colorsys

    hue, sat, val = (class_id * 0.618034) % 1.0, 0.45 + 0.5 * ((class_id * 0.7548777) % 1.0), 0.6 + 0.38 * ((class_id * 0.5698403) % 1.0)
    r, g, b = colorsys.hsv_to_rgb(hue, sat, val)
    return int(r * 255), int(g * 255), int(b * 255)


def model_classes(info: dict[str, Any] | None) -> list[LayoutClass]:
    """The classes a LostGAN model draws (padding left out): from its labels (trained here) or class names (official)."""
    if not info:
        return []
    count = int((info.get("config") or {}).get("num_classes") or 0)
    labels = {int(entry.get("id", i)): entry for i, entry in enumerate(info.get("labels") or [])}
    names = list(info.get("class_names") or [])
    found = []
    for class_id in range(count):
        entry = labels.get(class_id) or {}
        name = str(entry.get("name") or (names[class_id] if class_id < len(names) else f"class {class_id}"))
        if name == PADDING_CLASS or (class_id == 0 and not entry and not names):
            continue
        color = entry.get("color")
        rgb = tuple(int(c) for c in color[:3]) if isinstance(color, (list, tuple)) and len(color) >= 3 else class_color(class_id)
        found.append(LayoutClass(class_id, name, rgb))  # type: ignore[arg-type]
    return found


def model_max_objects(info: dict[str, Any] | None) -> int:
    """Objects per layout the model was trained with: an official file's preset, a trained one's options, else 8."""
    if not info:
        return DEFAULT_MAX_OBJECTS
    options = ((info.get("provenance") or {}).get("options") or {}) if isinstance(info.get("provenance"), dict) else {}
    value = info.get("max_objects") or options.get("max_objects")
    try:
        return max(1, int(value)) if value else DEFAULT_MAX_OBJECTS
    except (TypeError, ValueError):
        return DEFAULT_MAX_OBJECTS


class LayoutViewModel(QObject):
    modelChanged = Signal(object)  # model info, or None
    modelRejected = Signal(str, str)  # path, why
    layoutChanged = Signal()  # boxes or scene seed
    selectionChanged = Signal(int)  # the selected box's index, -1 for none
    currentClassChanged = Signal(int)  # the class id new boxes get
    outputChanged = Signal()
    notice = Signal(str)  # a refusal or a limit, in words
    renderFailed = Signal(str)

    def __init__(self, controller: InferenceController, parent: QObject | None = None, seed: int | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.model = ModelSlot(controller, families.archs_for_workspace("layout"), families.needs_message("layout"), self)
        self.model.modelChanged.connect(self._on_model)
        self.model.modelRejected.connect(self.modelRejected)
        self.undo_stack = QUndoStack(self)
        self.state = LayoutState()
        self.classes: list[LayoutClass] = []
        self.max_objects = DEFAULT_MAX_OBJECTS
        self.current_class = -1
        self._restored: dict[str, Any] | None = None  # a project's layout waiting for a model to name its classes
        self.selected = -1
        self.output: LayoutOutput | None = None
        self.last_ms: float | None = None  # how long the picture shown took to render
        self.revision = 0
        self._rng = random.Random(seed)
        self._drag_before: LayoutState | None = None
        self._requests: dict[int, LayoutState] = {}
        controller.resultReady.connect(self._on_result)
        controller.failed.connect(self._on_failed)

    # -- model ---------------------------------------------------------------------------------
    def load_model(self, path: str | os.PathLike[str]) -> None:
        self.model.load(path)

    @property
    def model_info(self) -> dict[str, Any] | None:
        return self.model.info

    @property
    def boxes(self) -> tuple[LayoutBox, ...]:
        return self.state.boxes

    def class_named(self, name: str) -> LayoutClass | None:
        return next((c for c in self.classes if c.name == name), None)

    def class_by_id(self, class_id: int) -> LayoutClass | None:
        return next((c for c in self.classes if c.id == class_id), None)

    def _on_model(self, info: dict[str, Any] | None) -> None:
        old = {c.id: c.name for c in self.classes}
        self.classes = model_classes(info)
        self.max_objects = model_max_objects(info)
        # boxes keep their class by name; those whose class the new model lacks go (the undo history spoke of the old ids)
        kept = []
        for box in self.state.boxes:
            found = self.class_named(old.get(box.class_id, ""))
            if found is not None:
                kept.append(replace(box, class_id=found.id))
        if len(kept) != len(self.state.boxes):
            self.notice.emit(f"{len(self.state.boxes) - len(kept)} box(es) had a class this model does not know and were removed")
        self.undo_stack.clear()
        self.state = replace(self.state, boxes=tuple(kept))
        if self._restored is not None and self.classes:
            for note in self._take_restored():
                self.notice.emit(note)
        elif not kept:
            self.state = replace(self.state, boxes=self._starter_boxes())
        if self.class_by_id(self.current_class) is None:
            self.set_current_class(self.classes[0].id if self.classes else -1)
        self._select(-1)
        self.modelChanged.emit(info)
        self.layoutChanged.emit()
        self.request()

    def _starter_boxes(self) -> tuple[LayoutBox, ...]:
        """A small landscape from the model's classes, if it has them, so that the first picture shows something."""
        boxes = []
        for name, x, y, w, h in STARTER:
            found = self.class_named(name)
            if found is not None and len(boxes) < self.max_objects:
                boxes.append(LayoutBox(found.id, x, y, w, h, self._new_seed()))
        return tuple(boxes)

    def _new_seed(self, old: int | None = None) -> int:
        seed = self._rng.randint(0, MAX_SEED)
        return seed if seed != old else (seed + 1) % (MAX_SEED + 1)

    # -- selection and the class for new boxes -------------------------------------------------
    def set_current_class(self, class_id: int) -> None:
        """New boxes get `class_id`; a selected box changes to it (one undo step)."""
        if class_id != self.current_class:
            self.current_class = class_id
            self.currentClassChanged.emit(class_id)
        if 0 <= self.selected < len(self.boxes) and class_id >= 0 and self.boxes[self.selected].class_id != class_id:
            self.set_box_class(self.selected, class_id)

    def select(self, index: int) -> None:
        self._select(index)
        if 0 <= index < len(self.boxes):
            class_id = self.boxes[index].class_id
            if class_id != self.current_class:  # the class list shows the selected box's class
                self.current_class = class_id
                self.currentClassChanged.emit(class_id)

    def _select(self, index: int) -> None:
        index = index if 0 <= index < len(self.boxes) else -1
        if index != self.selected:
            self.selected = index
            self.selectionChanged.emit(index)

    def box_at(self, x: float, y: float) -> int:
        """The index of the top-most box containing (x, y), or -1: later boxes are drawn over earlier ones."""
        for index in range(len(self.boxes) - 1, -1, -1):
            b = self.boxes[index]
            if b.x <= x <= b.x + b.w and b.y <= y <= b.y + b.h:
                return index
        return -1

    # -- edits (each one undo step) ------------------------------------------------------------
    def _push(self, text: str, after: LayoutState) -> None:
        if after != self.state:
            self.undo_stack.push(LayoutEditCommand(text, self.state, after, self._apply))

    def _apply(self, state: LayoutState) -> None:
        self.state = state
        if self.selected >= len(state.boxes):
            self._select(len(state.boxes) - 1)
        self.layoutChanged.emit()
        self.request()

    def _with_box(self, index: int, box: LayoutBox | None) -> LayoutState:
        boxes = list(self.boxes)
        if box is None:
            del boxes[index]
        else:
            boxes[index] = box
        return replace(self.state, boxes=tuple(boxes))

    def add_box(self, x: float, y: float, w: float, h: float, class_id: int | None = None) -> int:
        """Add a box of `class_id` (default: the current class); its index, or -1 when refused (the notice says why)."""
        class_id = self.current_class if class_id is None else class_id
        if self.class_by_id(class_id) is None:
            self.notice.emit("Open a LostGAN model first: its classes are what boxes are drawn with" if not self.classes
                             else f"class {class_id} is not one of this model's classes")
            return -1
        if len(self.boxes) >= self.max_objects:
            self.notice.emit(f"This model was trained with at most {self.max_objects} objects per layout: "
                             "delete a box before adding another")
            return -1
        if w < MIN_SIZE or h < MIN_SIZE:
            return -1
        box = LayoutBox(class_id, x, y, w, h, self._new_seed()).clamped()
        self._push(f"Add {self.class_by_id(class_id).name}", replace(self.state, boxes=self.boxes + (box,)))  # type: ignore[union-attr]
        # left unselected: picking the next class from the list then draws with it instead of changing this box
        return len(self.boxes) - 1

    def delete_box(self, index: int) -> None:
        if 0 <= index < len(self.boxes):
            self._push(f"Delete {self._name(index)}", self._with_box(index, None))
            self._select(-1)

    def delete_selected(self) -> None:
        self.delete_box(self.selected)

    def set_box_class(self, index: int, class_id: int) -> None:
        if 0 <= index < len(self.boxes) and self.class_by_id(class_id) is not None:
            self._push(f"Change {self._name(index)} to {self.class_by_id(class_id).name}",  # type: ignore[union-attr]
                       self._with_box(index, replace(self.boxes[index], class_id=class_id)))

    def reroll_object(self, index: int | None = None) -> None:
        """A new seed for one object (default: the selected one): only its look changes."""
        index = self.selected if index is None else index
        if not 0 <= index < len(self.boxes):
            self.notice.emit("Select a box to re-roll its object")
            return
        box = self.boxes[index]
        self._push(f"Re-roll {self._name(index)}", self._with_box(index, replace(box, seed=self._new_seed(box.seed))))

    def reroll_scene(self) -> None:
        self._push("Re-roll scene", replace(self.state, scene_seed=self._new_seed(self.state.scene_seed)))

    def _name(self, index: int) -> str:
        found = self.class_by_id(self.boxes[index].class_id)
        return found.name if found else "box"

    # -- dragging: previews while it lasts, one undo step and a full render at the end -----------
    def begin_drag(self) -> None:
        self._drag_before = self.state

    def drag_box(self, index: int, x: float, y: float, w: float, h: float) -> None:
        """Move or resize box `index` live (no undo step yet) and ask for a preview."""
        if self._drag_before is None or not 0 <= index < len(self.boxes):
            return
        box = replace(self.boxes[index], x=x, y=y, w=w, h=h).clamped()
        if box != self.boxes[index]:
            self.state = self._with_box(index, box)
            self.layoutChanged.emit()
            self.request(preview=True)

    def end_drag(self, text: str = "Move box") -> None:
        before, self._drag_before = self._drag_before, None
        if before is None or before == self.state:
            return
        after, self.state = self.state, before
        self._push(text, after)  # applies `after` again: a full render

    @property
    def dragging(self) -> bool:
        return self._drag_before is not None

    # -- rendering -----------------------------------------------------------------------------
    def request(self, preview: bool = False) -> int | None:
        """Post the current layout (latest wins on the channel); None without a model."""
        if not self.model.path:
            return None
        self.revision += 1
        boxes = self.boxes
        job = LayoutJob(revision=self.revision, model_path=self.model.path, preview=preview, scene_seed=self.state.scene_seed,
                        boxes=np.array([b.rect for b in boxes], dtype=np.float32).reshape(-1, 4),
                        classes=np.array([b.class_id for b in boxes], dtype=np.int64),
                        object_seeds=np.array([b.seed for b in boxes], dtype=np.int64))
        self._requests[self.revision] = self.state
        return self.controller.submit(job)

    def _on_result(self, result: Result) -> None:
        if result.channel != CHANNEL or "image" not in result.outputs:
            return
        state = self._requests.pop(result.revision, None)
        if state is None or (self.output is not None and result.revision < self.output.revision):
            return
        for stale in [r for r in self._requests if r < result.revision]:
            del self._requests[stale]
        out = result.outputs
        self.last_ms = float(result.elapsed_ms)
        self.output = LayoutOutput(np.asarray(out["image"]), np.asarray(out["masks"]), state, bool(out.get("preview")), result.revision)
        self.outputChanged.emit()

    def _on_failed(self, job: Job, message: str) -> None:
        if job.channel == CHANNEL:
            self._requests.pop(job.revision, None)
            self.renderFailed.emit(message)

    # -- export --------------------------------------------------------------------------------
    def export(self, path: str | os.PathLike[str]) -> None:
        """Write the picture with its layout (boxes, classes, seeds, scene seed, model) in the PNG's text chunks."""
        from ganstudio.document.errors import DocumentError
        from ganstudio.document.image_io import write_image

        if self.output is None:
            raise DocumentError("there is no picture to export yet: open a LostGAN model and draw a box")
        state = self.output.state
        settings = {"model": os.path.basename(self.model.path), "scene_seed": state.scene_seed,
                    "objects": [{"class": self._class_name(b.class_id), "class_id": b.class_id, "box": [round(v, 5) for v in b.rect],
                                 "seed": b.seed} for b in state.boxes]}
        write_image(path, self.output.image, settings=settings)

    # -- the project file -----------------------------------------------------------------------
    def layout_json(self) -> dict[str, Any]:
        """The layout as a project file keeps it: classes by name, since ids differ between models."""
        if self._restored is not None:  # restored before any model could name its classes: kept as it came
            return dict(self._restored)
        if not self.state.boxes:
            return {}
        return {"scene_seed": self.state.scene_seed,
                "boxes": [{"class": self._class_name(b.class_id), "x": b.x, "y": b.y, "w": b.w, "h": b.h, "seed": b.seed}
                          for b in self.state.boxes]}

    def restore_layout(self, data: dict[str, Any]) -> list[str]:
        """Take a project's layout (checked by document.project); applied once a model names the classes."""
        if not data:
            return []
        self._restored = dict(data)
        if not self.classes:
            return []
        notes = self._take_restored()
        self._select(-1)
        self.layoutChanged.emit()
        self.request()
        return notes

    def _take_restored(self) -> list[str]:
        data, self._restored = self._restored or {}, None
        boxes, unknown = [], []
        for entry in data.get("boxes") or []:
            found = self.class_named(str(entry["class"]))
            if found is None:
                unknown.append(str(entry["class"]))
            elif len(boxes) < self.max_objects:
                box = LayoutBox(found.id, float(entry["x"]), float(entry["y"]), float(entry["w"]), float(entry["h"]),
                                int(entry["seed"]) % (MAX_SEED + 1))
                boxes.append(box.clamped())
        self.undo_stack.clear()
        self.state = LayoutState(tuple(boxes), int(data.get("scene_seed", 0)) % (MAX_SEED + 1))
        notes = []
        if unknown:
            notes.append(f"{len(unknown)} box(es) of the layout have a class this model does not know "
                         f"({', '.join(sorted(set(unknown))[:5])}) and were left out")
        if len(boxes) + len(unknown) < len(data.get("boxes") or []):
            notes.append(f"the layout has more boxes than this model takes ({self.max_objects}); the first ones were kept")
        return notes

    def _class_name(self, class_id: int) -> str:
        found = self.class_by_id(class_id)
        return found.name if found else f"class {class_id}"
