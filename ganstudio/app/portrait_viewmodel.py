"""Edit your own portrait in the Latent workspace: photo -> faces -> aligned face -> ws -> directions -> back into the photo.

Open a photo: the worker finds its faces (`engine.faces.DetectFacesJob`);
each gets a square cut as the model's training faces were
(`document.face_align.alignment_for_model`: FFHQ for StyleGAN2 unless the
model's provenance says otherwise; FFHQ's blurred, faded padding where the
square leaves the photo) and the first (largest) is selected. The
square can be moved, scaled and turned by hand in the crop view (the one the
Attributes workspace uses); a photo without a face is said so, and the user
may place the square by hand.

Encode runs the encoder on the aligned face. A published pSp / e4e /
HyperStyle file (a model with an "encoder" or "hypernet" part) goes through
`engine.encoders.EncodeJob` with the face at their 256 px input; otherwise
the model's companion `<stem>-encoder.safetensors` (or a file the user picks)
through `engine.portrait.EncodeFaceJob` at the model's resolution. Refine is
HyperStyle's passes when the file has a hypernetwork (weight offsets that
the explorer renders with the latent), else the projection from the
encoder's guess in W+ (`engine.projection.ProjectJob`); both with progress
and cancel. Either result becomes the explorer's latent ("projected"), so the
Directions panel's edits act on it; the explorer's picture is then the edited face. Pasting back puts
it into the full photo through the square's inverse warp with a feathered
edge (`engine.faces.paste_face`): with "keep photo detail" only the change
from the unedited reconstruction is added, so an unedited face leaves the
photo as it was; without it the model's face replaces the photo's.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from ganstudio import families
from ganstudio.document.face_align import STYLE_NAMES, FaceSquare, alignment_for_model, square_from_box
from ganstudio.document.face_crop import CropBox, default_crop
from ganstudio.document.image_io import read_photo
from ganstudio.engine.encoders import INPUT_SIZE as PUBLISHED_INPUT_SIZE
from ganstudio.engine.encoders import EncodeJob
from ganstudio.engine.faces import DetectedFace, DetectFacesJob, faces_from_outputs, paste_face, warp_face
from ganstudio.engine.jobs import Job, Result
from ganstudio.engine.portrait import ENCODER_PART, EncodeFaceJob
from ganstudio.engine.projection import ProjectJob

from .image_files import write_result
from .latent_viewmodel import LatentViewModel

FACES_CHANNEL = "portrait-faces"
REFINE_CHANNEL = "portrait-refine"
DEFAULT_REFINE_STEPS = 100  # from the encoder's guess, in W+: 35.6 dB after 100 steps on the bundled model's renders
DEFAULT_PASSES = 5  # HyperStyle's passes, as in the paper


class PortraitViewModel(QObject):
    photoChanged = Signal()
    cropChanged = Signal()  # the square moved, or another face was selected
    facesChanged = Signal()
    encoded = Signal(object)  # {"ws", "image", "psnr", "how"}: the face is in the explorer now
    progressed = Signal(int, int, str)  # refining: done, total, message
    runningChanged = Signal(bool)
    pastedChanged = Signal()  # a new edited face (or none): the pasted photo changed
    failed = Signal(str)

    def __init__(self, latent: LatentViewModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.latent = latent
        self.controller = latent.controller
        self.photo: np.ndarray | None = None
        self.photo_path = ""
        self.faces: list[DetectedFace] = []
        self.face_index = -1
        self.faces_searched = False
        self.square: FaceSquare | None = None
        self.encoder_path = ""  # chosen by the user; "" = the model's companion encoder
        self.refine_steps = DEFAULT_REFINE_STEPS
        self.refine_passes = DEFAULT_PASSES
        self.keep_detail = True
        self.feather = 0.1
        self.ws: np.ndarray | None = None
        self.reconstruction: np.ndarray | None = None  # the model's picture of the face before any edit
        self.latent_name = ""
        self._faces_revision = 0
        self._jobs: dict[int, str] = {}  # job id -> what it is ("encode", "refine"), for the ones in flight
        if self.controller is not None:
            self.controller.resultReady.connect(self._on_result)
            self.controller.failed.connect(self._on_failed)
            self.controller.progress.connect(self._on_progress)
            self.controller.cancelled.connect(self._on_cancelled)
        latent.outputChanged.connect(self._on_latent_output)
        latent.modelChanged.connect(self._on_model)

    # ------------------------------------------------------------------ the crop view's interface
    @property
    def box(self) -> CropBox:
        """The square's upright bounds, for views that only know boxes."""
        if self.square is None:
            return CropBox(0, 0, 1)
        x0, y0, x1, y1 = self.square.bounds()
        return CropBox(int(round(x0)), int(round(y0)), max(1, int(round(max(x1 - x0, y1 - y0)))))

    def set_crop(self, x: float, y: float, size: float) -> None:
        """An upright square placed by hand (the crop view's box mode)."""
        self.set_square(square_from_box(x, y, size))

    def set_square(self, square: FaceSquare) -> None:
        if self.photo is None:
            return
        h, w = self.photo.shape[:2]
        square = FaceSquare(float(np.clip(square.cx, 0, w - 1)), float(np.clip(square.cy, 0, h - 1)),
                            float(np.clip(square.size, 8.0, 4.0 * max(w, h))), float(square.angle))
        if square != self.square:
            self.square = square
            self.cropChanged.emit()

    def select_face(self, index: int) -> None:
        if not 0 <= index < len(self.faces):
            raise IndexError(f"there is no face {index + 1}; {len(self.faces)} found")
        self.face_index = index
        self.square = self.faces[index].square(self.alignment)
        self.facesChanged.emit()
        self.cropChanged.emit()

    # ------------------------------------------------------------------ model facts
    @property
    def alignment(self) -> str:
        return alignment_for_model((self.latent.model_info or {}).get("provenance"), "ffhq")

    @property
    def resolution(self) -> int:
        if self.latent.layout is None:
            raise ValueError("load a StyleGAN2 model first")
        return int(self.latent.layout.resolution)

    @property
    def parts(self) -> list[str]:
        return list((self.latent.model_info or {}).get("parts") or [])

    @property
    def capabilities(self) -> frozenset[str]:
        info = self.latent.model_info
        return frozenset(families.capabilities_of(info)) if info else frozenset()

    @property
    def published(self) -> bool:
        """A pSp / e4e / HyperStyle file: its encoder (or hypernetwork) travels with the generator."""
        return bool({"photo_encoder", "weight_refinement"} & self.capabilities) or bool({"encoder", "hypernet"} & set(self.parts))

    @property
    def has_hypernet(self) -> bool:
        return "weight_refinement" in self.capabilities or "hypernet" in self.parts

    def encoder(self) -> str:
        """The encoder file used: the one chosen, else the model's own file when it carries an encoder part
        (e4e/pSp files), else `<model stem>-encoder.safetensors` beside the model, else ""."""
        if self.encoder_path:
            return self.encoder_path
        path = self.latent.model_path
        if not path:
            return ""
        if ENCODER_PART in ((self.latent.model_info or {}).get("parts") or []):
            return path
        candidate = os.path.splitext(path)[0] + "-encoder.safetensors"
        return candidate if os.path.isfile(candidate) else ""

    def _on_model(self, _info: Any) -> None:
        if 0 <= self.face_index < len(self.faces):  # the new model may want its faces cut another way
            self.square = self.faces[self.face_index].square(self.alignment)
            self.cropChanged.emit()
        self._forget_face()

    # ------------------------------------------------------------------ photo and faces
    @property
    def running(self) -> bool:
        return bool(self._jobs)

    def open_photo(self, path: str | os.PathLike[str]) -> None:
        """Read a photo and look for its faces; DocumentError names a file that cannot be read."""
        self.set_photo(read_photo(path, keep_alpha=False).pixels, os.fspath(path))

    def set_photo(self, pixels: np.ndarray, path: str = "") -> None:
        self.photo = np.ascontiguousarray(pixels[..., :3])
        self.photo_path = path
        h, w = self.photo.shape[:2]
        self.square = square_from_box(*default_crop(w, h).as_tuple())
        self.faces, self.face_index, self.faces_searched = [], -1, False
        self._forget_face()
        self.photoChanged.emit()
        self.cropChanged.emit()
        self.facesChanged.emit()
        self.find_faces()

    def find_faces(self) -> int | None:
        if self.photo is None or self.controller is None:
            return None
        self._faces_revision += 1
        return self.controller.submit(DetectFacesJob(photo=self.photo, revision=self._faces_revision, channel=FACES_CHANNEL))

    def _on_faces(self, result: Result) -> None:
        if result.revision != self._faces_revision:
            return
        self.faces = faces_from_outputs(result.outputs)
        self.faces_searched = True
        name = Path(self.photo_path).name or "the photo"
        if not self.faces:
            self.face_index = -1
            self.facesChanged.emit()
            self.latent.notice.emit(f"No face found in {name}: place the square on a face by hand, or open another photo.")
            return
        self.latent.notice.emit(f"{len(self.faces)} face{'s' if len(self.faces) > 1 else ''} found in {name}, "
                                f"cut as {STYLE_NAMES[self.alignment]} faces are ({self.faces[0].points.source} for the first).")
        self.select_face(0)

    def aligned(self) -> np.ndarray:
        """The face as the model sees it (its resolution, upright); ValueError without a model or photo."""
        if self.photo is None or self.square is None:
            raise ValueError("open a photo first")
        return warp_face(self.photo, self.square, self.resolution, soft_padding=self.alignment == "ffhq")

    # ------------------------------------------------------------------ encode and refine
    def encode(self) -> int:
        """The encoder's ws for the aligned face, shown in the explorer; returns the job id. ValueError when it cannot start."""
        if self.published:
            return self._submit(self._published_job(0), "encode")
        encoder = self.encoder()
        if not encoder:
            raise ValueError("this model has no encoder beside it (<model>-encoder.safetensors): choose an encoder file, or refine")
        job = EncodeFaceJob(face=self.aligned(), encoder_path=encoder, model_path=self.latent.model_path)
        return self._submit(job, "encode")

    def _published_job(self, passes: int) -> EncodeJob:
        if self.latent.layout is None:
            raise ValueError("load a StyleGAN2 model first")
        if "encoder" not in self.parts and not self.encoder_path:
            raise ValueError("this HyperStyle file has no encoder of its own: choose its W-encoder file (Encoder...)")
        if self.photo is None or self.square is None:
            raise ValueError("open a photo first")
        face = warp_face(self.photo, self.square, PUBLISHED_INPUT_SIZE, soft_padding=self.alignment == "ffhq")
        return EncodeJob(image=face, refine_passes=passes, encoder_path=self.encoder_path, model_path=self.latent.model_path)

    def refine(self) -> int:
        """HyperStyle's passes when the file has a hypernetwork, else the W+ projection from the encoder's guess
        (from the mean w when the encoder is part of the file); returns the job id."""
        if self.has_hypernet:
            return self._submit(self._published_job(int(self.refine_passes)), "hyperstyle")
        encoder = "" if self.published and not self.encoder_path else self.encoder()
        job = ProjectJob(target=self.aligned(), steps=int(self.refine_steps), w_plus=True, encoder_path=encoder,
                         model_path=self.latent.model_path, channel=REFINE_CHANNEL)
        return self._submit(job, "refine")

    def _submit(self, job: Job, kind: str) -> int:
        if self.controller is None:
            raise ValueError("there is no inference worker")
        if self.running:
            raise ValueError("the face is being encoded already")
        self._jobs[job.job_id] = kind
        self.runningChanged.emit(True)
        self.controller.submit(job)
        return job.job_id

    def cancel(self) -> None:
        for job_id in list(self._jobs):
            if self.controller is not None:
                self.controller.cancel(job_id)

    def _finish(self, job_id: int) -> str:
        kind = self._jobs.pop(job_id, "")
        if not self._jobs:
            self.runningChanged.emit(False)
        return kind

    def _on_result(self, result: Result) -> None:
        if result.channel == FACES_CHANNEL:
            self._on_faces(result)
            return
        if result.job_id not in self._jobs:
            return
        kind = self._finish(result.job_id)
        out = result.outputs
        self.ws = np.asarray(out["ws"], np.float32)
        self.reconstruction = np.asarray(out["image"])
        quality = float(out["psnr"] if "psnr_const_noise" not in out else out["psnr_const_noise"])
        self.latent_name = f"portrait {Path(self.photo_path).name or 'photo'}"
        self.latent.show_projected(self.ws, self.latent_name, weight_offsets=out.get("weight_offsets"))
        self.encoded.emit({"ws": self.ws, "image": self.reconstruction, "psnr": quality, "how": kind, "elapsed_ms": result.elapsed_ms})

    def _on_failed(self, job: Job, message: str) -> None:
        if job.job_id in self._jobs:
            self._finish(job.job_id)
            self.failed.emit(message)
        elif isinstance(job, DetectFacesJob) and job.channel == FACES_CHANNEL:
            self.failed.emit(message)

    def _on_cancelled(self, job: Job) -> None:
        if job.job_id in self._jobs:
            self._finish(job.job_id)
            self.failed.emit("Refining cancelled")

    def _on_progress(self, job_id: int, done: int, total: int, message: str) -> None:
        if job_id in self._jobs:
            self.progressed.emit(done, total, message)

    # ------------------------------------------------------------------ paste back and export
    def _forget_face(self) -> None:
        self.ws = self.reconstruction = None
        self.latent_name = ""
        self.pastedChanged.emit()

    def edited_face(self) -> np.ndarray | None:
        """The explorer's picture when it shows this face (directions applied), at full size; None otherwise."""
        out = self.latent.output
        saved = self.latent.saved
        if (self.reconstruction is None or out is None or out.preview or self.latent.base != "saved"
                or saved is None or saved.name != self.latent_name or out.image.shape != self.reconstruction.shape):
            return None
        return out.image

    def _on_latent_output(self) -> None:
        if self.reconstruction is not None:
            self.pastedChanged.emit()

    def set_keep_detail(self, on: bool) -> None:
        if bool(on) != self.keep_detail:
            self.keep_detail = bool(on)
            self.pastedChanged.emit()

    def pasted(self) -> np.ndarray | None:
        """The full-size photo with the edited face put back (None until the explorer shows the encoded face)."""
        edited = self.edited_face()
        if edited is None or self.photo is None or self.square is None:
            return None
        reference = self.reconstruction if self.keep_detail else None
        return paste_face(self.photo, edited, self.square, reference=reference, feather=self.feather)

    def pasted_face(self, size: int) -> np.ndarray | None:
        """The square's part of the pasted photo, upright at `size` px (what the export shows of the face)."""
        full = self.pasted()
        return None if full is None or self.square is None else warp_face(full, self.square, size)

    def export(self, path: str | os.PathLike[str]) -> bool:
        full = self.pasted()
        if full is None:
            self.failed.emit("Encode the face first: the explorer must show it")
            return False
        settings = {
            "source": Path(self.photo_path).name,
            "model": Path(self.latent.model_path).name,
            "encoder": Path(self.encoder()).name,
            "square": [round(v, 2) for v in self.square.as_tuple()] if self.square is not None else None,
            "alignment": self.alignment,
            "keep_detail": self.keep_detail,
            "latent": self.latent.describe(),
        }
        if not write_result(path, full, settings, self.latent.notice.emit, source_path=self.photo_path, source_name="original photo", action="export"):
            return False
        self.latent.notice.emit(f"Exported {Path(path).name} ({full.shape[1]}x{full.shape[0]})")
        return True
