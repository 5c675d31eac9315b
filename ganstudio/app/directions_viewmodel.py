"""The Directions panel's state: a set of W-space directions for the loaded StyleGAN2 model, a slider amount and ws range each.

Every change of an amount or a range hands the whole list of non-zero edits
to the LatentViewModel (`set_edits`), which posts a render through its usual
latest-wins request path, so the edits combine with seed, psi, mixing and the
pad and reach the exported ws and GIFs. Finding directions (SeFa, GANSpace)
runs on the worker as a FindDirectionsJob (progress, cancel); the found ones
are added to the set (a direction of the same name is replaced).

A set saved "with the model" is the file beside it named
``<model stem>.directions.npz`` (`companion_path`); it is read automatically
when the model loads, if it matches the model (layout and, when both know it,
the file's sha256). Holds numpy arrays and plain values only.
"""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from ganstudio.document.direction_sets import (
    Direction,
    DirectionSet,
    file_sha256,
    read_direction_set,
    write_direction_set,
)
from ganstudio.document.errors import FileReadError
from ganstudio.engine.direction_jobs import FindDirectionsJob
from ganstudio.engine.jobs import Job, Result
from ganstudio.engine.latent_spec import DirectionEdit

from .inference import InferenceController
from .latent_viewmodel import LatentViewModel

COMPANION_SUFFIX = ".directions.npz"
LAYER_PRESETS = ("all", "coarse", "middle", "fine")


def companion_path(model_path: str | os.PathLike[str]) -> Path:
    """Where a model's own direction set lives: beside it, ``landscape.safetensors`` -> ``landscape.directions.npz``."""
    path = Path(model_path)
    return path.with_name(path.stem + COMPANION_SUFFIX)


class DirectionsViewModel(QObject):
    setChanged = Signal()  # directions added, removed or replaced (the panel rebuilds its rows)
    amountsChanged = Signal()  # slider amounts or ws ranges changed (the panel updates its rows)
    findStarted = Signal(str)  # method
    findProgress = Signal(int, int, str)  # done, total, message
    findFinished = Signal(int)  # directions added
    findFailed = Signal(str)
    findCancelled = Signal()
    notice = Signal(str)

    def __init__(self, latent: LatentViewModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.latent = latent
        self.controller: InferenceController | None = latent.controller
        self.directions: list[Direction] = []
        self.amounts: list[float] = []
        self.ranges: list[tuple[int, int]] = []  # per direction, inclusive ws indices
        self.find_job: int | None = None
        self.find_method = ""
        self._sha: tuple[str, str] = ("", "")  # (model path, its sha256): hashing a model takes a moment
        latent.modelChanged.connect(self._on_model)
        self.notice.connect(latent.notice)  # one status line for the whole workspace
        if self.controller is not None:
            self.controller.resultReady.connect(self._on_result)
            self.controller.failed.connect(self._on_failed)
            self.controller.cancelled.connect(self._on_cancelled)
            self.controller.progress.connect(self._on_progress)

    # ------------------------------------------------------------------ model
    @property
    def num_ws(self) -> int:
        return self.latent.num_ws

    @property
    def w_dim(self) -> int:
        return 0 if self.latent.layout is None else self.latent.layout.w_dim

    def model_sha256(self) -> str:
        path = self.latent.model_path
        if not path or not os.path.isfile(path):
            return ""
        if self._sha[0] != path:
            self._sha = (path, file_sha256(path))
        return self._sha[1]

    def _on_model(self, _info: object) -> None:
        # directions belong to one model: a new model starts with none (LatentViewModel dropped the edits already)
        if self.find_job is not None:
            if self.controller is not None:
                self.controller.cancel(self.find_job)
            self.find_job = None  # its answer, if any still comes, is for the old model: ignored
            self.findCancelled.emit()
        self._replace([])
        path = self.latent.model_path
        if path and self.latent.layout is not None:
            beside = companion_path(path)
            if beside.is_file():
                try:
                    self.load(str(beside))
                except (FileReadError, ValueError, OSError) as exc:
                    self.notice.emit(f"Directions beside the model not loaded: {exc}")

    # ------------------------------------------------------------------ the set
    def __len__(self) -> int:
        return len(self.directions)

    def _replace(self, directions: list[Direction], amounts: list[float] | None = None) -> None:
        self.directions = list(directions)
        self.amounts = list(amounts) if amounts is not None else [0.0] * len(directions)
        self.ranges = [(d.first_ws, d.last_ws) for d in directions]
        self.setChanged.emit()
        self._push()

    def add(self, found: DirectionSet) -> int:
        """Add `found`'s directions (same name: replaced in place, amount and range reset); returns how many."""
        why = found.matches(self.num_ws, self.w_dim)
        if why:
            raise ValueError(why)
        directions, amounts, ranges = list(self.directions), list(self.amounts), list(self.ranges)
        for direction in found.directions:
            names = [d.name for d in directions]
            if direction.name in names:
                index = names.index(direction.name)
                directions[index], amounts[index], ranges[index] = direction, 0.0, (direction.first_ws, direction.last_ws)
            else:
                directions.append(direction)
                amounts.append(0.0)
                ranges.append((direction.first_ws, direction.last_ws))
        self.directions, self.amounts, self.ranges = directions, amounts, ranges
        self.setChanged.emit()
        self._push()
        return len(found)

    def remove(self, index: int) -> None:
        if not 0 <= index < len(self.directions):
            return  # a request from a list that has changed since
        del self.directions[index], self.amounts[index], self.ranges[index]
        self.setChanged.emit()
        self._push()

    def clear(self) -> None:
        self._replace([])

    def load(self, path: str) -> int:
        """Read a set and add it; FileReadError for a bad file, ValueError (saying why) for another model's set."""
        found = read_direction_set(path)
        if self.latent.layout is None:
            raise ValueError("load a StyleGAN2 model first: directions only mean something to their model")
        why = found.matches(self.num_ws, self.w_dim, self.model_sha256())
        if why:
            raise ValueError(why)
        added = self.add(found)
        self.notice.emit(f"{added} directions from {os.path.basename(path)}")
        return added

    def current_set(self) -> DirectionSet:
        """The directions as shown (their ws ranges as edited), for the loaded model."""
        directions = tuple(Direction(d.name, d.kind, d.vector, first, last, d.slider)
                           for d, (first, last) in zip(self.directions, self.ranges))
        return DirectionSet(directions, self.num_ws, self.w_dim, self.model_sha256())

    def save(self, path: str) -> Path:
        if not self.directions:
            raise ValueError("there are no directions to save")
        written = write_direction_set(path, self.current_set())
        self.notice.emit(f"Saved {len(self.directions)} directions to {os.path.basename(path)}")
        return written

    def default_save_path(self) -> str:
        """The set's place beside the model, where loading the model finds it."""
        return str(companion_path(self.latent.model_path)) if self.latent.model_path else "directions.npz"

    # ------------------------------------------------------------------ sliders
    def set_amount(self, index: int, amount: float, preview: bool = False) -> None:
        if not 0 <= index < len(self.directions):
            return  # a request from a list that has changed since
        limit = self.directions[index].slider
        self.amounts[index] = min(max(float(amount), -limit), limit)
        self.amountsChanged.emit()
        self._push(preview)

    def set_range(self, index: int, first: int, last: int) -> None:
        """Apply direction `index` to ws first..last (inclusive); an inverted range is put in order."""
        if not self.num_ws or not 0 <= index < len(self.directions):
            return
        first, last = sorted((int(first), int(last)))
        first, last = max(0, first), min(self.num_ws - 1, last)
        if (first, last) == self.ranges[index]:
            return
        self.ranges[index] = (first, last)
        self.amountsChanged.emit()
        if self.amounts[index]:
            self._push()

    def reset_all(self) -> None:
        """Every slider back to 0 (the picture is the unedited one again)."""
        if any(self.amounts):
            self.amounts = [0.0] * len(self.directions)
            self.amountsChanged.emit()
            self._push()

    def edits(self) -> tuple[DirectionEdit, ...]:
        return tuple(DirectionEdit(vector=d.vector, amount=amount, first_ws=first, last_ws=last, name=d.name)
                     for d, amount, (first, last) in zip(self.directions, self.amounts, self.ranges) if amount)

    def _push(self, preview: bool = False) -> None:
        edits = self.edits()
        if edits or self.latent.edits:  # nothing to render when no edit was or is applied
            self.latent.set_edits(edits, preview)

    # ------------------------------------------------------------------ finding directions
    def find(self, method: str, layers: str | tuple[int, int] = "all", count: int = 10,
             samples: int = 20_000, seed: int = 0) -> int:
        """Ask the worker for `count` SeFa or GANSpace directions; they are added when found. Returns the job id."""
        if self.controller is None or self.latent.layout is None:
            raise ValueError("load a StyleGAN2 model first")
        if self.find_job is not None:
            raise ValueError("directions are being found already")
        job = FindDirectionsJob(model_path=self.latent.model_path, method=method, layers=layers, count=count,
                                samples=samples, seed=seed)
        self.find_job, self.find_method = job.job_id, method
        self.findStarted.emit(method)
        self.controller.submit(job)
        return job.job_id

    def cancel_find(self) -> None:
        if self.find_job is not None and self.controller is not None:
            self.controller.cancel(self.find_job)

    def _on_result(self, result: Result) -> None:
        if self.find_job is None or result.job_id != self.find_job:
            return
        self.find_job = None
        found = result.outputs.get("directions")
        if not isinstance(found, DirectionSet):
            self.findFailed.emit("the worker answered without directions")
            return
        try:
            added = self.add(found)
        except ValueError as exc:  # made for another layout (cannot happen for the model it ran on, but said if it does)
            self.findFailed.emit(str(exc))
            return
        self.findFinished.emit(added)

    def _on_failed(self, job: Job, message: str) -> None:
        if self.find_job is not None and job.job_id == self.find_job:
            self.find_job = None
            self.findFailed.emit(message)

    def _on_cancelled(self, job: Job) -> None:
        if self.find_job is not None and job.job_id == self.find_job:
            self.find_job = None
            self.findCancelled.emit()

    def _on_progress(self, job_id: int, done: int, total: int, message: str) -> None:
        if job_id == self.find_job:
            self.findProgress.emit(done, total, message)
