"""The attributes workspace's state and actions: a face photo, its crop, StarGAN toggles.

Toggles come from the model's attribute list. The photo's own attributes
(`original`, 0/1, set by the user) are the starting point; a toggle flips an
attribute or, within an exclusive group (hair colours), selects that member
and clears the group's other toggles; each toggle's strength moves the target
between the original and the toggled value (see ganstudio.engine.attributes).
Every change of crop or toggles sends an AttributeJob with the crop already
at the model's resolution; the newest wins. Export pastes the edited crop
back into the full-size photo with a feathered edge.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from ganstudio.document.face_crop import REFERENCE_FEATHER, CropBox, crop_for_model, default_crop, paste_back
from ganstudio.engine.attributes import DEFAULT_RESOLUTION, AttributeFolderJob, AttributeJob, exclusive_groups, target_labels
from ganstudio.engine.jobs import Job, Result

from .batch_run import BatchRun
from .image_files import open_photo, write_result
from .inference import InferenceController
from .model_slot import ModelSlot

CHANNEL = "attributes"
DEFAULT_FOLDER_TEMPLATE = "{stem}_edited.png"


class AttributesViewModel(QObject):
    modelChanged = Signal(object)  # info dict or None
    attributesChanged = Signal()  # the list of attributes (new model): rebuild the toggles
    togglesChanged = Signal()  # toggles, strengths or the original attributes
    photoChanged = Signal()
    cropChanged = Signal()
    outputChanged = Signal()  # a new edited crop, or none (new photo)
    outputReady = Signal(int)  # an edit arrived: its revision
    notice = Signal(str)

    def __init__(self, controller: InferenceController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.model = ModelSlot(controller, ("stargan",), "attribute editing needs a StarGAN model", self)
        self.batch = BatchRun(controller, self)
        self.attributes: list[str] = []
        self.groups: list[list[int]] = []
        self.original: list[int] = []
        self.toggled: list[bool] = []
        self.strengths: list[float] = []
        self.photo: np.ndarray | None = None
        self.photo_path = ""
        self.photo_notes: list[str] = []
        self.box = CropBox(0, 0, 1)
        self.model_input: np.ndarray | None = None
        self.output: np.ndarray | None = None
        self.feather = REFERENCE_FEATHER
        self.keep_detail = True
        self.revision = 0
        self.output_revision = -1
        self.model.modelChanged.connect(self._on_model_changed)
        self.model.modelRejected.connect(lambda path, why: self.notice.emit(f"Cannot use {Path(path).name}: {why}"))
        controller.resultReady.connect(self._on_result)
        controller.failed.connect(self._on_failed)

    # ---- model ------------------------------------------------------------------
    def load_model(self, path: str | os.PathLike[str]) -> None:
        self.model.load(path)

    @property
    def resolution(self) -> int:
        value = (self.model.info or {}).get("resolution")
        return int(value) if value else DEFAULT_RESOLUTION

    def _on_model_changed(self, info: dict[str, Any] | None) -> None:
        names = list((info or {}).get("attributes") or [])
        c_dim = int(((info or {}).get("config") or {}).get("c_dim", len(names)))
        if len(names) != c_dim:  # a file without names: number them, so the toggles still work
            names = [f"attribute {i + 1}" for i in range(c_dim)]
        if names != self.attributes:
            self.attributes = names
            self.groups = exclusive_groups(names)
            self.original = [0] * len(names)
            self.toggled = [False] * len(names)
            self.strengths = [1.0] * len(names)
            self.attributesChanged.emit()
        self.modelChanged.emit(info)
        self._update_model_input()

    # ---- toggles ------------------------------------------------------------------
    def group_of(self, index: int) -> list[int]:
        return next((g for g in self.groups if index in g), [])

    def set_toggle(self, index: int, on: bool) -> None:
        """Toggle one attribute; turning on a hair colour turns the other hair colours off."""
        on = bool(on)
        if self.toggled[index] == on:
            return
        self._set_in_group(self.toggled, index, on, False)
        self.togglesChanged.emit()
        self.request()

    def set_strength(self, index: int, strength: float) -> None:
        strength = float(np.clip(strength, 0.0, 1.0))
        if self.strengths[index] != strength:
            self.strengths[index] = strength
            self.togglesChanged.emit()
            if self.toggled[index]:
                self.request()

    def set_original(self, index: int, has: bool) -> None:
        """Say whether the photo has an attribute (a hair colour excludes the group's others)."""
        value = 1 if has else 0
        if self.original[index] == value:
            return
        self._set_in_group(self.original, index, value, 0)
        self.togglesChanged.emit()
        self.request()

    def _set_in_group(self, values: list[Any], index: int, value: Any, cleared: Any) -> None:
        """values[index] = value; setting a member of an exclusive group clears the group's others."""
        values[index] = value
        if value:
            for other in self.group_of(index):
                if other != index:
                    values[other] = cleared

    def target(self) -> list[float]:
        return target_labels(self.original, self.toggled, self.strengths, self.groups)

    # ---- photo and crop ----------------------------------------------------------------
    def open_photo(self, path: str | os.PathLike[str]) -> bool:
        return open_photo(path, self.set_photo, self.notice.emit, "photo")

    def set_photo(self, pixels: np.ndarray, path: str = "", notes: list[str] | None = None) -> None:
        self.photo = np.ascontiguousarray(pixels)
        self.photo_path = path
        self.photo_notes = list(notes or [])
        self.output = None
        self.photoChanged.emit()
        self.outputChanged.emit()
        h, w = self.photo.shape[:2]
        self._set_box(default_crop(w, h))

    def set_crop(self, x: float, y: float, size: float) -> None:
        """Move/resize the crop square (photo pixels); it is kept inside the photo."""
        if self.photo is None:
            return
        h, w = self.photo.shape[:2]
        box = CropBox(int(round(x)), int(round(y)), int(round(size))).clamped(w, h)
        if box != self.box:
            self._set_box(box)

    def reset_crop(self) -> None:
        if self.photo is not None:
            self._set_box(default_crop(self.photo.shape[1], self.photo.shape[0]))

    def _set_box(self, box: CropBox) -> None:
        self.box = box
        self._update_model_input(crop_changed=True)

    def _update_model_input(self, crop_changed: bool = False) -> None:
        if self.photo is not None:
            self.model_input = crop_for_model(self.photo, self.box, self.resolution)
        if crop_changed:
            self.cropChanged.emit()  # after model_input, so views show the new crop
        if self.photo is not None:
            self.request()

    # ---- running ----------------------------------------------------------------------
    def request(self) -> int | None:
        if self.model_input is None or not self.model.path or not self.attributes:
            return None
        self.revision += 1
        job = AttributeJob(crop=self.model_input, target=tuple(self.target()), revision=self.revision, model_path=self.model.path)
        return self.controller.submit(job)

    def _on_result(self, result: Result) -> None:
        if result.channel != CHANNEL or result.revision < self.revision or "image" not in result.outputs:
            return
        self.output = result.outputs["image"]
        self.output_revision = result.revision
        if result.note:
            self.notice.emit(result.note)
        self.outputChanged.emit()
        self.outputReady.emit(result.revision)

    def _on_failed(self, job: Job, message: str) -> None:
        if isinstance(job, AttributeJob):
            self.notice.emit(message)

    # ---- results ---------------------------------------------------------------------
    def pasted(self) -> np.ndarray | None:
        """The full-size photo with the edited crop blended in (None before the first output)."""
        if self.photo is None or self.output is None:
            return None
        return paste_back(self.photo, self.output, self.box, feather=round(self.box.size * self.feather), keep_detail=self.keep_detail)

    def export(self, path: str | os.PathLike[str]) -> bool:
        full = self.pasted()
        if full is None:
            self.notice.emit("There is no edited photo to export yet")
            return False
        settings = {"source": Path(self.photo_path).name, "model": Path(self.model.path).name, "crop": list(self.box.as_tuple()), "target": dict(zip(self.attributes, self.target()))}
        if not write_result(path, full, settings, self.notice.emit, source_path=self.photo_path, source_name="original photo", action="export"):
            return False
        self.notice.emit(f"Exported {Path(path).name} ({full.shape[1]}x{full.shape[0]})")
        return True

    def apply_to_folder(self, input_folder: str | os.PathLike[str], output_folder: str | os.PathLike[str], template: str = DEFAULT_FOLDER_TEMPLATE, *, overwrite: bool = False) -> int | None:
        """Apply the current toggles to every photo of a folder (each with its default crop)."""
        inputs = self.batch.inputs_to_start(self.model.path, input_folder, template, self.notice.emit, no_model="Open a StarGAN model first")
        if inputs is None:
            return None
        job = AttributeFolderJob(
            inputs=inputs,
            output_folder=os.fspath(output_folder),
            target=tuple(self.target()),
            template=template,
            feather=self.feather,
            keep_detail=self.keep_detail,
            overwrite=overwrite,
            model_path=self.model.path,
            revision=self.batch.next_revision(),
        )
        return self.batch.start(job)
