"""The converter workspace's state and actions: an image translation model (pix2pix, CycleGAN) on one image or a folder.

One image: opening it (or changing the model, direction or mode) converts it
on the worker; the newest request wins and stale results are dropped. A
folder: every image file in it goes through a ConvertFolderJob followed by a
BatchRun (progress, ETA, cancel, summary of written and skipped files).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from ganstudio import families
from ganstudio.document.batch_names import DEFAULT_TEMPLATE
from ganstudio.engine.jobs import Job, Result
from ganstudio.engine.translate import DIRECTIONS, ConvertFolderJob, ConvertJob, ConvertOptions

from .batch_run import BatchRun
from .image_files import open_photo, write_result
from .inference import InferenceController
from .model_slot import ModelSlot
from .samples import convert_sample_kind, matching_sample

CHANNEL = "convert"
MAX_DOMAIN_NAME = 24  # longer names are cut: they go in a combo box and on the picture
MODES = {"deterministic": "Deterministic (eval mode)", "reference": "As the reference test (dropout + batch statistics)"}


class ConverterViewModel(QObject):
    modelChanged = Signal(object)  # info dict or None
    inputChanged = Signal()
    outputChanged = Signal()  # a new output, or none (new input)
    outputReady = Signal(int)  # a conversion arrived: its revision
    optionsChanged = Signal()
    notice = Signal(str)
    conversionFailed = Signal(str)

    def __init__(self, controller: InferenceController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.model = ModelSlot(controller, families.archs_for_workspace("convert"), families.needs_message("convert"), self)
        self.batch = BatchRun(controller, self)
        self.direction = "AtoB"
        self.reference_mode = False
        self.seed = 0
        self.input: np.ndarray | None = None  # RGB(A) uint8
        self.input_path = ""
        self.input_notes: list[str] = []
        self.output: np.ndarray | None = None
        self.output_info: dict[str, Any] = {}
        self.revision = 0
        self.output_revision = -1
        self.pending_job: int | None = None
        self.model.modelChanged.connect(self._on_model_changed)
        self.model.modelRejected.connect(lambda path, why: self.notice.emit(f"Cannot use {Path(path).name}: {why}"))
        controller.resultReady.connect(self._on_result)
        controller.failed.connect(self._on_failed)

    # ---- model and options --------------------------------------------------
    def load_model(self, path: str | os.PathLike[str]) -> None:
        self.model.load(path)

    @property
    def can_reverse(self) -> bool:
        return "reverse_direction" in families.capabilities_of(self.model.info)

    @property
    def has_test_mode(self) -> bool:
        return "reference_test_mode" in families.capabilities_of(self.model.info)

    @property
    def domains(self) -> tuple[str, str] | None:
        """What the model takes and makes, e.g. ("summer", "winter") or ("label map", "photo"); None when its file does not say.

        ganstudio-train records them in the provenance as {"A": input, "B": output}
        of the model's own (A to B) direction; the reverse part maps B to A.
        """
        provenance = (self.model.info or {}).get("provenance")
        named = provenance.get("domains") if isinstance(provenance, dict) else None
        if not isinstance(named, dict):
            return None
        names = tuple(_domain_name(named.get(key)) for key in ("A", "B"))
        return (names[0], names[1]) if all(names) else None

    def direction_text(self, direction: str) -> str:
        """How the direction menu names `direction`: the domain names when known, else "A → B"."""
        a, b = self.domains or ("A", "B")
        return f"{a} → {b}" if direction == "AtoB" else f"{b} → {a}"

    def captions(self) -> tuple[str, str]:
        """The compare view's labels of the input and output sides in the current direction."""
        if self.domains is None:
            return "input", "output"
        a, b = self.domains if self.direction == "AtoB" else self.domains[::-1]
        return f"input: {a}", f"output: {b}"

    def _on_model_changed(self, info: dict[str, Any] | None) -> None:
        if not self.can_reverse:
            self.direction = "AtoB"
        if not self.has_test_mode:
            self.reference_mode = False
        self.modelChanged.emit(info)
        self.optionsChanged.emit()
        # A shipped sample of the other kind (a photo for pix2pix, a label map for CycleGAN)
        # becomes the same scene in the kind this model takes; the user's own images stay.
        swap = matching_sample(self.input_path, convert_sample_kind(self.model.arch)) if self.input_path else None
        if swap is not None and swap != Path(self.input_path).resolve():
            self.open_image(swap)
        else:
            self.convert()

    def set_direction(self, direction: str) -> None:
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}")
        if direction == "BtoA" and not self.can_reverse:
            self.notice.emit("This model converts one way only (A to B)")
            return
        if direction != self.direction:
            self.direction = direction
            self.optionsChanged.emit()
            self.convert()

    def set_reference_mode(self, enabled: bool) -> None:
        enabled = bool(enabled) and self.has_test_mode
        if enabled != self.reference_mode:
            self.reference_mode = enabled
            self.optionsChanged.emit()
            self.convert()

    def set_seed(self, seed: int) -> None:
        if int(seed) != self.seed:
            self.seed = int(seed)
            if self.reference_mode:
                self.convert()

    def options(self) -> ConvertOptions:
        return ConvertOptions(direction=self.direction, reference_mode=self.reference_mode, seed=self.seed)

    # ---- one image ------------------------------------------------------------
    def open_image(self, path: str | os.PathLike[str]) -> bool:
        return open_photo(path, self.set_input, self.notice.emit, "image")

    def set_input(self, pixels: np.ndarray, path: str = "", notes: list[str] | None = None) -> None:
        self.input = np.ascontiguousarray(pixels)
        self.input_path = path
        self.input_notes = list(notes or [])
        self.output = None
        self.inputChanged.emit()
        self.outputChanged.emit()
        self.convert()

    def convert(self) -> int | None:
        """Convert the current image with the current options (when both a model and an image are there)."""
        if self.input is None or not self.model.path:
            return None
        self.revision += 1
        job = ConvertJob(image=self.input, options=self.options(), revision=self.revision, model_path=self.model.path)
        self.pending_job = self.controller.submit(job)
        return self.pending_job

    def _on_result(self, result: Result) -> None:
        if result.channel != CHANNEL or result.revision < self.revision or "image" not in result.outputs:
            return
        self.output = result.outputs["image"]
        self.output_info = {k: v for k, v in result.outputs.items() if k != "image"}
        self.output_revision = result.revision
        self.pending_job = None
        if result.note:
            self.notice.emit(result.note)
        self.outputChanged.emit()
        self.outputReady.emit(result.revision)

    def _on_failed(self, job: Job, message: str) -> None:
        if isinstance(job, ConvertJob):
            self.pending_job = None
            self.conversionFailed.emit(message)
            self.notice.emit(message)

    def save_output(self, path: str | os.PathLike[str]) -> bool:
        if self.output is None:
            self.notice.emit("There is no converted image to save yet")
            return False
        settings = {"source": Path(self.input_path).name, "model": Path(self.model.path).name, "direction": self.direction, "mode": self.output_info.get("mode", "")}
        if not write_result(path, self.output, settings, self.notice.emit, source_path=self.input_path, source_name="input image", action="save"):
            return False
        self.notice.emit(f"Saved {Path(path).name}")
        return True

    # ---- a folder ---------------------------------------------------------------
    def convert_folder(self, input_folder: str | os.PathLike[str], output_folder: str | os.PathLike[str], template: str = DEFAULT_TEMPLATE, *, overwrite: bool = False) -> int | None:
        """Start converting every image file of `input_folder`; None (with a notice) if it cannot start."""
        inputs = self.batch.inputs_to_start(self.model.path, input_folder, template, self.notice.emit,
                                            no_model="Open a pix2pix or CycleGAN model first", busy="A folder conversion is already running")
        if inputs is None:
            return None
        job = ConvertFolderJob(
            inputs=inputs,
            output_folder=os.fspath(output_folder),
            template=template,
            overwrite=overwrite,
            options=self.options(),
            model_path=self.model.path,
            revision=self.batch.next_revision(),
        )
        return self.batch.start(job)

    def cancel_folder(self) -> bool:
        return self.batch.cancel()


def _domain_name(value: Any) -> str:
    """A domain name fit to show: one line, at most MAX_DOMAIN_NAME characters; '' if unusable."""
    if not isinstance(value, str):
        return ""
    text = " ".join(value.split())
    return text if len(text) <= MAX_DOMAIN_NAME else text[: MAX_DOMAIN_NAME - 1] + "…"
