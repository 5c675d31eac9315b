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

Faces: "Find faces" runs the detector on the worker (`engine.faces`); each
face found gets its own square, cut as the model's training faces were
(`document.face_align.alignment_for_model`: CelebA for StarGAN, the
procedural faces' template for a model trained on them), and the first is
selected. The square can be moved, scaled and turned by hand; an upright box
moved by hand (`set_crop`) replaces it. A photo without a face is said so,
and its crop stays where the user puts it.

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
from ganstudio.document.face_align import STYLE_NAMES, FaceSquare, alignment_for_model
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
from ganstudio.engine.faces import DetectedFace, DetectFacesJob, faces_from_outputs, warp_face
from ganstudio.engine.jobs import Job, Result

from .batch_run import BatchRun
from .image_files import open_photo, write_result
from .inference import InferenceController
from .model_slot import ModelSlot

CHANNEL = "attributes"
DETECT_CHANNEL = "attributes-detect"
FACES_CHANNEL = "attributes-faces"
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
    facesChanged = Signal()  # the faces found in the photo (or none), or the one selected
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
        self.square: FaceSquare | None = None  # an oriented crop (a found face, or turned by hand); None: the upright box
        self.faces: list[DetectedFace] = []
        self.face_index = -1
        self.faces_revision = 0
        self.finding_faces = False
        self.faces_searched = False  # whether the photo on screen has been searched (an empty list then means no face)
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
        if 0 <= self.face_index < len(self.faces):  # another model may want its faces cut another way
            self.square = self.faces[self.face_index].square(self.alignment)
        self._update_model_input(crop_changed=self.square is not None)
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
        self.square = None
        self.faces, self.face_index, self.faces_searched = [], -1, False
        self.faces_revision += 1  # a search still running was for the last photo
        self.finding_faces = False
        self.facesChanged.emit()
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
        """Move/resize the upright crop square (photo pixels); it is kept inside the photo and replaces a face square."""
        if self.photo is None:
            return
        h, w = self.photo.shape[:2]
        box = CropBox(int(round(x)), int(round(y)), int(round(size))).clamped(w, h)
        if box != self.box or self.square is not None:
            self.square = None
            self._set_box(box)

    def reset_crop(self) -> None:
        if self.photo is not None:
            self.square = None
            self.face_index = -1
            self.facesChanged.emit()
            self._set_box(default_crop(self.photo.shape[1], self.photo.shape[0]))

    def _set_box(self, box: CropBox) -> None:
        self.box = box
        self._update_model_input(crop_changed=True)

    @property
    def crop(self) -> CropBox | FaceSquare:
        """What the model sees: the face square when there is one, else the upright box."""
        return self.square if self.square is not None else self.box

    def _update_model_input(self, crop_changed: bool = False) -> None:
        if self.photo is not None:
            if self.square is not None:
                self.model_input = warp_face(self.photo, self.square, self.resolution)
            else:
                self.model_input = crop_for_model(self.photo, self.box, self.resolution)
        if crop_changed:
            self.cropChanged.emit()  # after model_input, so views show the new crop
        if self.photo is not None:
            self.request()

    # ---- faces ------------------------------------------------------------------------
    @property
    def alignment(self) -> str:
        """How the model's training faces were cut (CelebA for StarGAN unless its provenance says otherwise)."""
        return alignment_for_model((self.model.info or {}).get("provenance"), "celeba")

    def find_faces(self) -> int | None:
        """Look for faces in the photo on the worker; each found face gets a square (`facesChanged` when it answers)."""
        if self.photo is None:
            return None
        self.faces_revision += 1
        self.finding_faces = True
        job = DetectFacesJob(photo=self.photo, revision=self.faces_revision, channel=FACES_CHANNEL)
        return self.controller.submit(job)

    def _on_faces(self, result: Result) -> None:
        if result.revision != self.faces_revision:
            return
        self.finding_faces = False
        self.faces = faces_from_outputs(result.outputs)
        self.faces_searched = True
        name = Path(self.photo_path).name or "this photo"
        if not self.faces:
            self.face_index = -1
            self.facesChanged.emit()
            self.notice.emit(f"No face found in {name}: place the crop by hand.")
            return
        self.notice.emit(f"{len(self.faces)} face{'s' if len(self.faces) > 1 else ''} found in {name}; "
                         f"each is cut as {STYLE_NAMES[self.alignment]} faces are ({self.faces[0].points.source} for the first).")
        self.select_face(0)

    def select_face(self, index: int) -> None:
        """Crop the index-th found face, aligned as the model's faces were."""
        if not 0 <= index < len(self.faces):
            raise IndexError(f"there is no face {index + 1}; {len(self.faces)} found")
        self.face_index = index
        self.square = self.faces[index].square(self.alignment)
        self.facesChanged.emit()
        self._update_model_input(crop_changed=True)

    def set_square(self, square: FaceSquare) -> None:
        """The face square moved, scaled or turned by hand (its centre stays on the photo, its side at least 8 px)."""
        if self.photo is None:
            return
        h, w = self.photo.shape[:2]
        square = FaceSquare(float(np.clip(square.cx, 0, w - 1)), float(np.clip(square.cy, 0, h - 1)),
                            float(np.clip(square.size, 8.0, 4.0 * max(w, h))), float(square.angle))
        if square != self.square:
            self.square = square
            self._update_model_input(crop_changed=True)

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
        if result.channel == FACES_CHANNEL:
            self._on_faces(result)
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
        if isinstance(job, DetectFacesJob) and job.channel == FACES_CHANNEL:
            self.finding_faces = False
        if isinstance(job, (AttributeJob, AttributeDetectJob)) or (isinstance(job, DetectFacesJob) and job.channel == FACES_CHANNEL):
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
        return preview_edit(self.photo, self.output, self.reference, self.crop, PREVIEW_SIZE, feather_fraction=self.feather, keep_detail=self.keep_detail)

    def pasted(self) -> np.ndarray | None:
        """The full-size photo with the edit blended in (None before the first output)."""
        if self.photo is None or self.output is None or self.reference is None:
            return None
        crop = self.crop
        return paste_edit(self.photo, self.output, self.reference, crop, feather=round(crop.size * self.feather), keep_detail=self.keep_detail)

    def export(self, path: str | os.PathLike[str]) -> bool:
        full = self.pasted()
        if full is None:
            self.notice.emit("There is no edited photo to export yet")
            return False
        settings = {
            "source": Path(self.photo_path).name,
            "model": Path(self.model.path).name,
            "crop": list(self.box.as_tuple()) if self.square is None else {"square": [round(v, 2) for v in self.square.as_tuple()], "alignment": self.alignment},
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

    def apply_to_folder(self, input_folder: str | os.PathLike[str], output_folder: str | os.PathLike[str], template: str = DEFAULT_FOLDER_TEMPLATE, *,
                        overwrite: bool = False, faces: bool = False) -> int | None:
        """Apply the current toggles to every photo of a folder ("photo has" detected when possible).

        Each photo's default crop, or with `faces` every face found in it (a photo without one is skipped and listed).
        """
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
            faces=faces,
            alignment=self.alignment,
            model_path=self.model.path,
            revision=self.batch.next_revision(),
        )
        return self.batch.start(job)
