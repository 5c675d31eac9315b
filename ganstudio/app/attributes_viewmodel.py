"""The attributes workspace's state and actions: a face photo, its crop, StarGAN toggles.

Toggles come from the model's attribute list. The photo's own attributes
(`original`, 0/1: the "photo has" ticks) are the starting point; a toggle
flips an attribute or, within an exclusive group (hair colours), selects that
member and clears the group's other toggles; each toggle's strength moves the
target between the original and the toggled value (see
ganstudio.engine.attributes). Every change of crop or toggles sends an
AttributeJob with the crop already at the model's resolution and both label
vectors; the newest wins. The result holds the edit and the model's redraw
of the photo as it is, and the paste-back adds their difference to the photo
(see `engine.attributes.paste_edit`); the preview shows the crop as the
export will have it.

"Photo has" describes one photo, so a new photo starts with those ticks
cleared, or set by the model's classifier when the file carries one (a
StarGAN discriminator part), and says so; the changes asked for (toggles,
strengths) are the user's intent and stay.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from ganstudio import families
from ganstudio.document.face_crop import REFERENCE_FEATHER, CropBox, crop_for_model, default_crop
from ganstudio.engine.attributes import (
    CLASSIFIER_PART,
    DEFAULT_RESOLUTION,
    AttributeDetectJob,
    AttributeFolderJob,
    AttributeJob,
    exclusive_groups,
    labels_from_scores,
    paste_edit,
    preview_edit,
    target_labels,
)
from ganstudio.engine.jobs import Job, Result

from .batch_run import BatchRun
from .image_files import open_photo, write_result
from .inference import InferenceController
from .model_slot import ModelSlot

CHANNEL = "attributes"
DETECT_CHANNEL = "attributes-detect"
DEFAULT_FOLDER_TEMPLATE = "{stem}_edited.png"
PREVIEW_SIZE = 256  # the preview's side in pixels: the export's look at a cost small enough for every edit


class AttributesViewModel(QObject):
    modelChanged = Signal(object)  # info dict or None
    attributesChanged = Signal()  # the list of attributes (new model): rebuild the toggles
    togglesChanged = Signal()  # toggles, strengths or the original attributes
    photoChanged = Signal()
    cropChanged = Signal()
    outputChanged = Signal()  # a new edited crop, or none (new photo), or a new way to paste it
    outputReady = Signal(int)  # an edit arrived: its revision
    originalNote = Signal(str)  # why the "photo has" ticks are what they are (new photo, detected)
    notice = Signal(str)

    def __init__(self, controller: InferenceController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.model = ModelSlot(controller, families.archs_for_workspace("attributes"), families.needs_message("attributes"), self)
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
        self.output: np.ndarray | None = None  # the model's edit of the crop
        self.reference: np.ndarray | None = None  # the model's redraw of the crop with the "photo has" labels
        self.feather = REFERENCE_FEATHER
        self.keep_detail = True
        self.revision = 0
        self.output_revision = -1
        self.detect_revision = 0
        self.detecting = False
        self.original_note = ""
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

    @property
    def has_classifier(self) -> bool:
        """Whether the model file carries a classifier (StarGAN discriminator) that can tell what a photo has."""
        return CLASSIFIER_PART in ((self.model.info or {}).get("parts") or [])

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
        if self.photo is not None and self.has_classifier:
            self.detect()

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

    def _say_original(self, text: str, *, notify: bool = True) -> None:
        self.original_note = text
        self.originalNote.emit(text)
        if notify and text:
            self.notice.emit(text)

    # ---- photo and crop ----------------------------------------------------------------
    def open_photo(self, path: str | os.PathLike[str]) -> bool:
        return open_photo(path, self.set_photo, self.notice.emit, "photo")

    def set_photo(self, pixels: np.ndarray, path: str = "", notes: list[str] | None = None) -> None:
        """Show a new photo with its default crop; "photo has" starts over (cleared, or detected), the changes stay."""
        self.photo = np.ascontiguousarray(pixels)
        self.photo_path = path
        self.photo_notes = list(notes or [])
        self.output = self.reference = None
        name = Path(path).name or "this photo"
        had = [self.attributes[i].replace("_", " ") for i, v in enumerate(self.original) if v]
        self.original = [0] * len(self.attributes)
        self.photoChanged.emit()
        self.outputChanged.emit()
        if had:
            self.togglesChanged.emit()
        h, w = self.photo.shape[:2]
        self.box = default_crop(w, h)
        self.model_input = crop_for_model(self.photo, self.box, self.resolution)
        self.cropChanged.emit()
        if self.has_classifier:
            self.detect()
        elif had:
            kept = " Your changes are kept." if any(self.toggled) else ""
            self._say_original(f"New photo {name}: \u201cphoto has\u201d cleared (it was {', '.join(had)}); tick what this photo shows.{kept}")
        else:
            self._say_original(f"\u201cPhoto has\u201d describes {name}: tick what it already shows.", notify=False)
        self.request()

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

    # ---- detection -------------------------------------------------------------------
    def detect(self) -> int | None:
        """Ask the model's classifier what the crop already shows; the "photo has" ticks follow when it answers."""
        if self.model_input is None or not self.has_classifier:
            return None
        self.detect_revision += 1
        self.detecting = True
        job = AttributeDetectJob(crop=self.model_input, revision=self.detect_revision, model_path=self.model.path, channel=DETECT_CHANNEL)
        return self.controller.submit(job)

    def _on_detected(self, result: Result) -> None:
        if result.revision != self.detect_revision:
            return
        self.detecting = False
        if "scores" not in result.outputs:
            return
        labels = labels_from_scores([float(p) for p in result.outputs["scores"]], self.groups)
        self.original = labels
        self.togglesChanged.emit()
        found = [self.attributes[i].replace("_", " ") for i, v in enumerate(labels) if v]
        name = Path(self.photo_path).name or "this photo"
        self._say_original(f"\u201cPhoto has\u201d detected for {name} by the model's classifier: {', '.join(found) or 'none of them'}. Correct the ticks if it is wrong.")
        self.request()

    # ---- running ----------------------------------------------------------------------
    def request(self) -> int | None:
        if self.model_input is None or not self.model.path or not self.attributes:
            return None
        self.revision += 1
        job = AttributeJob(crop=self.model_input, target=tuple(self.target()), original=tuple(float(v) for v in self.original), revision=self.revision, model_path=self.model.path)
        return self.controller.submit(job)

    def _on_result(self, result: Result) -> None:
        if result.channel == DETECT_CHANNEL:
            self._on_detected(result)
            return
        if result.channel != CHANNEL or result.revision < self.revision or "image" not in result.outputs:
            return
        self.output = result.outputs["image"]
        self.reference = result.outputs.get("reference", self.model_input)
        self.output_revision = result.revision
        if result.note:
            self.notice.emit(result.note)
        self.outputChanged.emit()
        self.outputReady.emit(result.revision)

    def _on_failed(self, job: Job, message: str) -> None:
        if isinstance(job, AttributeDetectJob):
            self.detecting = False
        if isinstance(job, (AttributeJob, AttributeDetectJob)):
            self.notice.emit(message)

    # ---- results ---------------------------------------------------------------------
    def set_keep_detail(self, on: bool) -> None:
        """Add the edit to the photo (keeps its detail) or let the model's output replace the crop."""
        on = bool(on)
        if on != self.keep_detail:
            self.keep_detail = on
            self.outputChanged.emit()

    def preview(self) -> np.ndarray | None:
        """The crop as the export will have it, at most PREVIEW_SIZE pixels square (None before the first output)."""
        if self.photo is None or self.output is None or self.reference is None:
            return None
        return preview_edit(self.photo, self.output, self.reference, self.box, PREVIEW_SIZE, feather_fraction=self.feather, keep_detail=self.keep_detail)

    def pasted(self) -> np.ndarray | None:
        """The full-size photo with the edit blended in (None before the first output)."""
        if self.photo is None or self.output is None or self.reference is None:
            return None
        return paste_edit(self.photo, self.output, self.reference, self.box, feather=round(self.box.size * self.feather), keep_detail=self.keep_detail)

    def export(self, path: str | os.PathLike[str]) -> bool:
        full = self.pasted()
        if full is None:
            self.notice.emit("There is no edited photo to export yet")
            return False
        settings = {
            "source": Path(self.photo_path).name,
            "model": Path(self.model.path).name,
            "crop": list(self.box.as_tuple()),
            "photo_has": dict(zip(self.attributes, self.original)),
            "target": dict(zip(self.attributes, self.target())),
            "keep_detail": self.keep_detail,
        }
        if not write_result(path, full, settings, self.notice.emit, source_path=self.photo_path, source_name="original photo", action="export"):
            return False
        self.notice.emit(f"Exported {Path(path).name} ({full.shape[1]}x{full.shape[0]})")
        return True

    def folder_note(self) -> str:
        """What a folder run does with the "photo has" ticks, for the folder panel."""
        if not self.attributes:
            return ""
        if self.has_classifier:
            return "\u201cPhoto has\u201d is detected for each photo by the model's classifier; the changes ticked above apply to every photo."
        return ("The ticks above, \u201cphoto has\u201d included, apply to every photo of the folder: this model has no classifier "
                "to tell what each photo already shows. Put photos that share those attributes in one folder.")

    def apply_to_folder(self, input_folder: str | os.PathLike[str], output_folder: str | os.PathLike[str], template: str = DEFAULT_FOLDER_TEMPLATE, *, overwrite: bool = False) -> int | None:
        """Apply the current toggles to every photo of a folder (each with its default crop; "photo has" detected when possible)."""
        inputs = self.batch.inputs_to_start(self.model.path, input_folder, template, self.notice.emit, no_model="Open a StarGAN model first")
        if inputs is None:
            return None
        job = AttributeFolderJob(
            inputs=inputs,
            output_folder=os.fspath(output_folder),
            original=tuple(float(v) for v in self.original),
            toggled=tuple(self.toggled),
            strengths=tuple(self.strengths),
            detect=self.has_classifier,
            template=template,
            feather=self.feather,
            keep_detail=self.keep_detail,
            overwrite=overwrite,
            model_path=self.model.path,
            revision=self.batch.next_revision(),
        )
        return self.batch.start(job)
