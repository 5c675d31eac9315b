"""The converter workspace's state and actions: an image translation model on one image or a folder.

One image: opening it (or changing the model, direction or mode) converts it
on the worker; the newest request wins and stale results are dropped. A
folder: every image file in it goes through a ConvertFolderJob followed by a
BatchRun (progress, ETA, cancel, summary of written and skipped files).

Multimodal models (capability "style_code": MUNIT, UNIT's kin, BicycleGAN)
convert with a style. The style is a style number (`style_seed`: the engine
draws code number s from the model's prior) or an explicit code (from a
reference image, or a mix of two styles). A strip of variants shows the input
in styles variant_seed .. variant_seed + N - 1 at a preview size; choosing
one makes it the output's style; re-rolling moves the strip on by N. Two
slots, A and B, hold styles to interpolate between (`set_mix`, a preview size
while dragging). The chosen style goes into saved images' settings and into
folder runs (the same style for every image, or a random one per image).

Instance models (capability "instance_translation": InstaGAN) convert the
picture with the instance masks of `instances` (an InstanceMasks document:
painted or imported layers) through an InstanceConvertJob on the same channel,
latest wins; the result brings the translated masks as well (`output_masks`,
one per layer sent, by layer number). Without a painted mask there is no job,
only a hint. Folder runs are for the other models: InstaGAN needs masks for
each picture.
"""
from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from ganstudio import families
from ganstudio.document.atomic import write_atomic
from ganstudio.document.batch_names import DEFAULT_TEMPLATE
from ganstudio.document.errors import DocumentError
from ganstudio.document.mask_files import mask_file, masks_beside
from ganstudio.engine.instance_session import InstanceConvertJob
from ganstudio.engine.jobs import Job, Result
from ganstudio.engine.translate import (
    DIRECTIONS,
    STYLE_MODES,
    VARIANT_PREVIEW,
    ConvertFolderJob,
    ConvertJob,
    ConvertOptions,
    EncodeStyleJob,
    StyleVariantsJob,
    style_settings,
)

from .batch_run import BatchRun
from .image_files import open_photo, write_result
from .inference import InferenceController
from .instance_masks import InstanceMasks
from .model_slot import ModelSlot
from .samples import convert_sample_kind, matching_sample

CHANNEL = "convert"
MAX_DOMAIN_NAME = 24  # longer names are cut: they go in a combo box and on the picture
VARIANTS_CHANNEL = "convert-variants"
STYLE_CHANNEL = "convert-style"
MODES = {"deterministic": "Deterministic (eval mode)", "reference": "As the reference test (dropout + batch statistics)"}
VARIANT_COUNT = 6
DRAG_PREVIEW = 256  # px: the long side converted while the style slider is dragged
FOLDER_STYLE_MODES = {"same": "Same style for every image", "per_image": "A random style per image"}
SLOTS = ("A", "B")
PER_PASS = 2  # masks per generator pass, as the published test procedure (--ins_per)
INSTANCE_HINT = "paint or import at least one instance mask"
NO_INSTANCE_FOLDERS = ("InstaGAN converts one picture at a time here: each picture needs its own instance masks, "
                       "painted or imported. Folder runs are for the other translation models.")


class ConverterViewModel(QObject):
    modelChanged = Signal(object)  # info dict or None
    inputChanged = Signal()
    outputChanged = Signal()  # a new output, or none (new input)
    outputReady = Signal(int)  # a conversion arrived: its revision
    optionsChanged = Signal()
    notice = Signal(str)
    conversionFailed = Signal(str)
    conversionProgress = Signal(int, int)  # passes done, passes in all (instance models)
    variantsChanged = Signal()  # new thumbnails, or none (new input or model)
    variantsProgress = Signal(int, int)  # done, total
    styleChanged = Signal()  # the chosen style, the slots or the mix

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
        # styles (models with "style_code")
        self.variant_seed = 0  # the strip shows style numbers variant_seed .. + variant_count - 1
        self.variant_count = VARIANT_COUNT
        self.variants: np.ndarray | None = None  # [N, h, w, 3|4] uint8 thumbnails
        self.variant_styles: np.ndarray | None = None  # [N, style_dim]
        self.variants_revision = 0
        self.variants_pending = False
        self.style_seed = 0  # the chosen style number, when style_code is None
        self.style_code: tuple[float, ...] | None = None  # an explicit style (a reference's, a mix)
        self.style_label = "style 0"
        self.slots: dict[str, tuple[tuple[float, ...], str] | None] = {name: None for name in SLOTS}
        self.mix = 0.0
        self.folder_style_mode = "same"
        self.style_revision = 0
        self._reference_name = ""
        self._variants_job: int | None = None
        self._sent_layers: dict[int, list[int]] = {}  # revision -> the layer numbers an instance job took
        # instance masks (models with "instance_translation")
        self.instances = InstanceMasks(self)
        self.output_masks: list[tuple[int, np.ndarray]] = []  # (layer number, translated (H, W) uint8 mask)
        self.instances.edited.connect(self.convert)
        self.instances.notice.connect(self.notice)
        self.model.modelChanged.connect(self._on_model_changed)
        self.model.modelRejected.connect(lambda path, why: self.notice.emit(f"Cannot use {Path(path).name}: {why}"))
        controller.resultReady.connect(self._on_result)
        controller.failed.connect(self._on_failed)
        controller.progress.connect(self._on_progress)

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

    @property
    def has_instances(self) -> bool:
        """Whether the model translates a picture with its instance masks (InstaGAN)."""
        return "instance_translation" in families.capabilities_of(self.model.info)

    @property
    def needs_masks(self) -> bool:
        """An instance model with a picture but no painted mask: show the hint, convert nothing."""
        return self.has_instances and self.input is not None and not self.instances.painted()

    @property
    def has_styles(self) -> bool:
        """Whether the model converts with a style code (variants, style mixing)."""
        return "style_code" in families.capabilities_of(self.model.info)

    @property
    def can_style_from_image(self) -> bool:
        """Whether the model can take a style from a reference image (it has a style encoder)."""
        return self.has_styles and "style_image" in families.capabilities_of(self.model.info)

    def _on_model_changed(self, info: dict[str, Any] | None) -> None:
        if not self.can_reverse:
            self.direction = "AtoB"
        if not self.has_test_mode:
            self.reference_mode = False
        self._reset_styles()
        self.output_masks = []  # another model's
        self.modelChanged.emit(info)
        self.optionsChanged.emit()
        # A shipped sample of the other kind (a photo for pix2pix, a label map for CycleGAN)
        # becomes the same scene in the kind this model takes; the user's own images stay.
        swap = matching_sample(self.input_path, convert_sample_kind(self.model.arch)) if self.input_path else None
        if swap is not None and swap != Path(self.input_path).resolve():
            self.open_image(swap)
        else:
            self._import_masks_beside()
            self.convert()
            self.refresh_variants()

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
            self.refresh_variants()

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

    def options(self, *, preview: int = 0, style_mode: str = "same") -> ConvertOptions:
        """How to convert now; the style fields matter only for a model with styles."""
        return ConvertOptions(direction=self.direction, reference_mode=self.reference_mode, seed=self.seed,
                              style=self.style_code if style_mode == "same" else None, style_seed=self.style_seed,
                              style_mode=style_mode, preview=preview)

    # ---- styles ---------------------------------------------------------------
    def _reset_styles(self) -> None:
        """A new model: its styles are another space, so the strip, the choice and the slots start over."""
        self.variants = self.variant_styles = None
        self.variants_revision += 1  # drops a strip still on its way
        self.style_revision += 1
        self.variants_pending = False
        self.style_seed, self.style_code, self.style_label = self.variant_seed, None, f"style {self.variant_seed}"
        self.slots = {name: None for name in SLOTS}
        self.mix = 0.0
        self.variantsChanged.emit()
        self.styleChanged.emit()

    def refresh_variants(self) -> int | None:
        """Convert the input with the strip's styles at a preview size (a model with styles and an input needed)."""
        if not self.has_styles or self.input is None or not self.model.path:
            return None
        self.variants_revision += 1
        self.variants_pending = True
        job = StyleVariantsJob(image=self.input, options=ConvertOptions(direction=self.direction), first_seed=self.variant_seed,
                               count=self.variant_count, preview=VARIANT_PREVIEW, revision=self.variants_revision, model_path=self.model.path)
        self.variantsProgress.emit(0, self.variant_count)
        self._variants_job = self.controller.submit(job)
        return self._variants_job

    def reroll(self) -> int | None:
        """The next N random styles in the strip (the output keeps its style until one is chosen)."""
        self.variant_seed += self.variant_count
        self.variants = self.variant_styles = None
        self.variantsChanged.emit()
        return self.refresh_variants()

    def set_variant_seed(self, seed: int) -> int | None:
        """Start the strip at style number `seed` (reproducible strips)."""
        if int(seed) == self.variant_seed:
            return None
        self.variant_seed = max(0, int(seed))
        self.variants = self.variant_styles = None
        self.variantsChanged.emit()
        return self.refresh_variants()

    @property
    def chosen_variant(self) -> int | None:
        """The strip's index of the chosen style, or None (an explicit code, or a style number off the strip)."""
        index = self.style_seed - self.variant_seed
        return index if self.style_code is None and 0 <= index < self.variant_count else None

    def choose_variant(self, index: int) -> int | None:
        """Make the strip's `index`-th style the output's style (converted at full size)."""
        if not self.has_styles or not 0 <= int(index) < self.variant_count:
            return None
        self._set_style(None, self.variant_seed + int(index), f"style {self.variant_seed + int(index)}")
        return self.convert()

    def current_style(self) -> tuple[float, ...] | None:
        """The code the output is (or is being) converted with, when it is known here."""
        if self.style_code is not None:
            return self.style_code
        index = self.chosen_variant
        if index is not None and self.variant_styles is not None:
            return tuple(float(v) for v in self.variant_styles[index])
        style = self.output_info.get("style")
        if style is not None and self.output_info.get("style_seed") == self.style_seed:
            return tuple(float(v) for v in np.asarray(style).reshape(-1))
        return None

    def set_slot(self, name: str) -> bool:
        """Keep the current style in slot A or B, an end of the mixing slider."""
        if name not in SLOTS:
            raise ValueError(f"slot must be one of {SLOTS}")
        code = self.current_style()
        if code is None:
            self.notice.emit("The style is still being computed; try again in a moment")
            return False
        self.slots[name] = (code, self.style_label)
        self.mix = 0.0 if name == "A" else 1.0
        self.styleChanged.emit()
        return True

    @property
    def can_mix(self) -> bool:
        return all(self.slots[name] is not None for name in SLOTS)

    def set_mix(self, t: float, *, preview: bool = False) -> int | None:
        """The output in the style (1 - t) A + t B; `preview` while dragging (a smaller conversion, latest wins)."""
        if not self.can_mix:
            return None
        t = min(1.0, max(0.0, float(t)))
        (a, _), (b, _) = self.slots["A"], self.slots["B"]  # type: ignore[misc]
        code = tuple(float((1.0 - t) * x + t * y) for x, y in zip(a, b))
        self.mix = t
        self._set_style(code, self.style_seed, f"A–B mix {round(t * 100)} %")
        return self.convert(preview=DRAG_PREVIEW if preview else 0)

    def style_from_image(self, path: str | os.PathLike[str]) -> bool:
        """Encode a reference photo's style on the worker; the output takes it when it arrives."""
        if not self.can_style_from_image:
            self.notice.emit("This model cannot take a style from an image (it has no style encoder)")
            return False
        name = Path(path).name

        def encode(pixels: np.ndarray, _path: str, _notes: list[str]) -> None:
            self.style_revision += 1
            self._reference_name = name
            self.controller.submit(EncodeStyleJob(image=pixels, direction=self.direction, revision=self.style_revision, model_path=self.model.path))

        return open_photo(path, encode, self.notice.emit, "reference image")

    def set_folder_style_mode(self, mode: str) -> None:
        if mode not in STYLE_MODES:
            raise ValueError(f"mode must be one of {STYLE_MODES}")
        self.folder_style_mode = mode
        self.styleChanged.emit()

    def _set_style(self, code: tuple[float, ...] | None, seed: int, label: str) -> None:
        self.style_code, self.style_seed, self.style_label = code, int(seed), label
        self.styleChanged.emit()

    # ---- one image ------------------------------------------------------------
    def open_image(self, path: str | os.PathLike[str]) -> bool:
        opened = open_photo(path, self.set_input, self.notice.emit, "image")
        if opened:
            self._import_masks_beside()
        return opened

    def _import_masks_beside(self) -> None:
        """An instance model's picture comes with the masks saved beside it (<stem>_mask<k>.png), if any."""
        if self.has_instances and self.input_path and not self.instances.layers:
            found = masks_beside(self.input_path)
            if found and self.instances.import_files(found):
                self.notice.emit(f"{len(found)} instance mask(s) from beside {Path(self.input_path).name}")

    def set_input(self, pixels: np.ndarray, path: str = "", notes: list[str] | None = None) -> None:
        self.input = np.ascontiguousarray(pixels)
        self.input_path = path
        self.input_notes = list(notes or [])
        self.output = None
        self.output_masks = []
        self.instances.reset(*self.input.shape[:2])
        self.inputChanged.emit()
        self.outputChanged.emit()
        self.convert()
        self.variants = self.variant_styles = None
        self.variantsChanged.emit()
        self.refresh_variants()

    def convert(self, *, preview: int = 0) -> int | None:
        """Convert the current image with the current options (when both a model and an image are there)."""
        if self.input is None or not self.model.path:
            return None
        if self.has_instances:
            return self._convert_instances()
        self.revision += 1
        job = ConvertJob(image=self.input, options=self.options(preview=preview), revision=self.revision, model_path=self.model.path)
        self.pending_job = self.controller.submit(job)
        return self.pending_job

    def _convert_instances(self) -> int | None:
        layers = self.instances.painted()
        self.revision += 1  # what is on its way is stale now, even when nothing replaces it
        if self.pending_job is not None:
            self.controller.cancel(self.pending_job)  # a running one stops before its next pass
            self.pending_job = None
        if not layers:
            if self.output is not None:
                self.output, self.output_masks, self.output_info = None, [], {}
                self.outputChanged.emit()
            return None
        assert self.input is not None
        masks = np.stack([layer.mask for layer in layers])
        # the passes the masks need (the reference pads to 20 masks, whose empty passes it skips: the same picture)
        count = -(-len(layers) // PER_PASS) * PER_PASS
        job = InstanceConvertJob(channel=CHANNEL, image=self.input[..., :3], masks=masks, reverse=self.direction == "BtoA",
                                 per_pass=PER_PASS, max_instances=count, revision=self.revision, model_path=self.model.path)
        self._sent_layers[self.revision] = [layer.number for layer in layers]
        self.pending_job = self.controller.submit(job)
        self.conversionProgress.emit(0, count // PER_PASS)
        return self.pending_job

    def _on_result(self, result: Result) -> None:
        if result.channel == VARIANTS_CHANNEL:
            self._on_variants(result)
            return
        if result.channel == STYLE_CHANNEL:
            self._on_encoded(result)
            return
        if result.channel != CHANNEL or result.revision < self.revision or "image" not in result.outputs:
            return
        self.output = result.outputs["image"]
        self.output_info = {k: v for k, v in result.outputs.items() if k not in ("image", "masks")}
        numbers = self._sent_layers.pop(result.revision, [])
        self._sent_layers = {r: n for r, n in self._sent_layers.items() if r > result.revision}
        translated = result.outputs.get("masks")
        self.output_masks = list(zip(numbers, translated)) if translated is not None else []
        self.output_revision = result.revision
        self.pending_job = None
        if result.note:
            self.notice.emit(result.note)
        self.outputChanged.emit()
        self.outputReady.emit(result.revision)

    def _on_variants(self, result: Result) -> None:
        if result.revision != self.variants_revision or "images" not in result.outputs:
            return
        self.variants_pending = False
        self.variants = np.asarray(result.outputs["images"])
        self.variant_styles = np.asarray(result.outputs["styles"], dtype=np.float32)
        self.variantsChanged.emit()

    def _on_progress(self, job_id: int, done: int, total: int, _message: str) -> None:
        if job_id == self._variants_job and self.variants_pending:
            self.variantsProgress.emit(done, total)
        elif job_id == self.pending_job and self.has_instances:
            self.conversionProgress.emit(done, total)

    def _on_encoded(self, result: Result) -> None:
        if result.revision != self.style_revision or "style" not in result.outputs:
            return
        code = tuple(float(v) for v in np.asarray(result.outputs["style"]).reshape(-1))
        self._set_style(code, self.style_seed, f"from {self._reference_name or 'an image'}")
        self.convert()

    def _on_failed(self, job: Job, message: str) -> None:
        if isinstance(job, (ConvertJob, InstanceConvertJob)):
            if job.revision < self.revision:
                return  # a newer request is on its way
            self.pending_job = None
            self.conversionFailed.emit(message)
            self.notice.emit(message)
        elif isinstance(job, StyleVariantsJob) and job.revision == self.variants_revision:
            self.variants_pending = False
            self.variantsChanged.emit()
            self.notice.emit(message)
        elif isinstance(job, EncodeStyleJob):
            self.notice.emit(message)

    def save_output(self, path: str | os.PathLike[str]) -> bool:
        if self.output is None:
            self.notice.emit("There is no converted image to save yet")
            return False
        settings = {"source": Path(self.input_path).name, "model": Path(self.model.path).name, "direction": self.direction, "mode": self.output_info.get("mode", "")}
        if self.output_info.get("style") is not None:
            settings.update(style_settings(self.output_info))
            settings["style_source"] = self.style_label
        if self.output_masks:
            settings["instances"] = len(self.output_masks)
            settings["passes"] = self.output_info.get("passes")
        if not write_result(path, self.output, settings, self.notice.emit, source_path=self.input_path, source_name="input image", action="save"):
            return False
        written = self._save_masks(path)
        if written is None:
            return False
        self.notice.emit(f"Saved {Path(path).name}" + (f" and {len(written)} translated mask(s) ({written[0].name}, ...)" if written else ""))
        return True

    def mask_paths(self, path: str | os.PathLike[str]) -> list[Path]:
        """Where "Save output..." puts the translated masks beside `path`: <stem>_mask1.png, <stem>_mask2.png, ..."""
        return [mask_file(path, k) for k in range(1, len(self.output_masks) + 1)]

    def _save_masks(self, path: str | os.PathLike[str]) -> list[Path] | None:
        """The translated masks as grayscale PNGs (255 inside), in layer order; None (with a notice) on failure."""
        from PIL import Image

        written = []
        for target, (_number, mask) in zip(self.mask_paths(path), self.output_masks):
            if self.input_path and os.path.realpath(target) == os.path.realpath(self.input_path):
                self.notice.emit(f"Choose another name: {target.name} would replace the input image")
                return None
            buffer = io.BytesIO()
            Image.fromarray(np.asarray(mask, np.uint8), mode="L").save(buffer, format="PNG")
            try:
                write_atomic(target, buffer.getvalue())
            except (DocumentError, OSError) as exc:
                self.notice.emit(f"Cannot save the mask {target.name}: {exc}")
                return None
            written.append(target)
        return written

    # ---- a folder ---------------------------------------------------------------
    def convert_folder(self, input_folder: str | os.PathLike[str], output_folder: str | os.PathLike[str], template: str = DEFAULT_TEMPLATE, *, overwrite: bool = False) -> int | None:
        """Start converting every image file of `input_folder`; None (with a notice) if it cannot start."""
        if self.has_instances:
            self.notice.emit(NO_INSTANCE_FOLDERS)
            return None
        inputs = self.batch.inputs_to_start(self.model.path, input_folder, template, self.notice.emit,
                                            no_model="Open a translation model first", busy="A folder conversion is already running")
        if inputs is None:
            return None
        job = ConvertFolderJob(
            inputs=inputs,
            output_folder=os.fspath(output_folder),
            template=template,
            overwrite=overwrite,
            options=self.options(style_mode=self.folder_style_mode if self.has_styles else "same"),
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
