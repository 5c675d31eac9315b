"""The Describe workspace's state and actions: a sentence, a seed, a grid of samples, a second sentence to blend towards.

Every change that alters the pictures posts a DescribeJob on channel "describe": the
worker's mailbox keeps only the newest waiting request of a channel, so typing fast
renders the latest text, not every keystroke (latest wins), and results older than the
newest shown are dropped by revision. The vocabulary comes from the model's file
(its config); words it does not know are named in `note`, and the rest of the
sentence still counts. Sentences that were rendered go to the history (newest first),
which the text field offers as completions with the vocabulary.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from ganstudio import families
from ganstudio.engine.describe_spec import CHANNEL, MAX_SAMPLES, MAX_SEED, DescribeJob
from ganstudio.engine.jobs import Job, Result

from .inference import InferenceController
from .model_slot import ModelSlot

HISTORY_SIZE = 30
__all__ = ["MAX_SAMPLES", "MAX_SEED", "DescribeOutput", "DescribeViewModel"]  # the widgets read the limits here


@dataclass
class DescribeOutput:
    images: np.ndarray  # [N, H, W, 3] uint8
    latents: np.ndarray  # [N, z_dim] float32
    settings: dict[str, Any]  # what made them (prompt, seed, other, mix, model)
    revision: int
    unknown: list[str] = field(default_factory=list)


class DescribeViewModel(QObject):
    modelChanged = Signal(object)  # model info, or None
    modelRejected = Signal(str, str)  # path, why
    settingsChanged = Signal()
    outputChanged = Signal()
    noteChanged = Signal(str)  # unknown words, an empty prompt ... ("" when all is well)
    historyChanged = Signal()
    renderFailed = Signal(str)

    def __init__(self, controller: InferenceController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.model = ModelSlot(controller, families.archs_for_workspace("describe"), families.needs_message("describe"), self)
        self.model.modelChanged.connect(self._on_model)
        self.model.modelRejected.connect(self.modelRejected)
        self.prompt = ""
        self.other = ""
        self.mix = 0.0
        self.seed = 0
        self.count = 4
        self.history: list[str] = []
        self.output: DescribeOutput | None = None
        self.note = ""
        self.revision = 0
        self._requests: dict[int, dict[str, Any]] = {}
        controller.resultReady.connect(self._on_result)
        controller.failed.connect(self._on_failed)

    # -- model ---------------------------------------------------------------------------------
    def load_model(self, path: str | os.PathLike[str]) -> None:
        self.model.load(path)

    @property
    def model_info(self) -> dict[str, Any] | None:
        return self.model.info

    @property
    def vocabulary(self) -> list[str]:
        config = (self.model.info or {}).get("config") or {}
        words = config.get("vocabulary") or []
        return [str(w) for w in words]

    def _on_model(self, info: dict[str, Any] | None) -> None:
        self.modelChanged.emit(info)
        if self.prompt:
            self.request()

    # -- settings ------------------------------------------------------------------------------
    def set_prompt(self, text: str) -> None:
        if text == self.prompt:
            return
        self.prompt = text
        self.settingsChanged.emit()
        self.request()

    def set_other(self, text: str) -> None:
        if text == self.other:
            return
        self.other = text
        self.settingsChanged.emit()
        if self.mix > 0:
            self.request()

    def set_mix(self, mix: float) -> None:
        mix = min(max(float(mix), 0.0), 1.0)
        if mix == self.mix:
            return
        self.mix = mix
        self.settingsChanged.emit()
        if self.other:
            self.request()

    def set_seed(self, seed: int) -> None:
        seed = min(max(int(seed), 0), MAX_SEED)
        if seed == self.seed:
            return
        self.seed = seed
        self.settingsChanged.emit()
        self.request()

    def set_count(self, count: int) -> None:
        count = min(max(int(count), 1), MAX_SAMPLES)
        if count == self.count:
            return
        self.count = count
        self.settingsChanged.emit()
        self.request()

    def remember(self, text: str | None = None) -> None:
        """Put a sentence (default: the prompt) first in the history."""
        text = (self.prompt if text is None else text).strip()
        if not text:
            return
        self.history = [text] + [h for h in self.history if h != text][: HISTORY_SIZE - 1]
        self.historyChanged.emit()

    def completions(self, text: str) -> list[str]:
        """History sentences that start with `text`, then `text` with its last word completed from the vocabulary."""
        lowered = text.lower()
        found = [h for h in self.history if h.lower().startswith(lowered) and h != text]
        head, _, last = text.rpartition(" ")
        if last:
            prefix = f"{head} " if head else ""
            found += [prefix + w for w in self.vocabulary if w.startswith(last.lower()) and w != last.lower()]
        return found

    # -- rendering -----------------------------------------------------------------------------
    def request(self) -> int | None:
        """Post the current settings (latest wins on the channel); None while there is nothing to render."""
        if not self.model.path or not self.prompt.strip():
            return None
        self.revision += 1
        settings = {"prompt": self.prompt, "seed": self.seed, "count": self.count, "other": self.other if self.mix > 0 else "",
                    "mix": self.mix if self.other else 0.0, "model": os.path.basename(self.model.path)}
        self._requests[self.revision] = settings
        job = DescribeJob(prompt=self.prompt, seed=self.seed, count=self.count, other=settings["other"], mix=settings["mix"],
                          revision=self.revision, model_path=self.model.path)
        return self.controller.submit(job)

    def _on_result(self, result: Result) -> None:
        if result.channel != CHANNEL or "images" not in result.outputs:
            return
        settings = self._requests.pop(result.revision, None)
        if settings is None or (self.output is not None and result.revision < self.output.revision):
            return
        for stale in [r for r in self._requests if r < result.revision]:
            del self._requests[stale]
        out = result.outputs
        unknown = [str(w) for w in out.get("unknown", [])]
        self.output = DescribeOutput(np.asarray(out["images"]), np.asarray(out["latents"]), settings, result.revision, unknown)
        self._set_note(self._note_for(unknown, bool(out.get("empty")), bool(out.get("truncated"))))
        self.outputChanged.emit()

    def _on_failed(self, job: Job, message: str) -> None:
        if job.channel == CHANNEL:
            self._requests.pop(job.revision, None)
            self.renderFailed.emit(message)

    @staticmethod
    def _note_for(unknown: list[str], empty: bool, truncated: bool) -> str:
        parts = []
        if unknown:
            quoted = ", ".join(f"“{w}”" for w in unknown[:8]) + (" ..." if len(unknown) > 8 else "")
            parts.append(f"The model does not know {quoted}: {'it was' if len(unknown) == 1 else 'they were'} left out.")
        if empty:
            parts.append("No word of the sentence is known to the model, so the pictures follow no description.")
        if truncated:
            parts.append("The sentence is longer than the model reads; the end was cut.")
        return " ".join(parts)

    def _set_note(self, note: str) -> None:
        if note != self.note:
            self.note = note
            self.noteChanged.emit(note)

    # -- export --------------------------------------------------------------------------------
    def export(self, path: str | os.PathLike[str], index: int = 0) -> None:
        """Write sample `index` with its prompt, seed and latent in the PNG's text chunks."""
        from ganstudio.document.errors import DocumentError
        from ganstudio.document.image_io import write_image

        if self.output is None or not 0 <= index < len(self.output.images):
            raise DocumentError("there is no picture to export yet: type a sentence first")
        s = self.output.settings
        settings = {"prompt": s["prompt"], "seed": int(s["seed"]) + index, "model": s["model"],
                    "latent": [round(float(v), 7) for v in self.output.latents[index]]}
        if s.get("other"):
            settings.update({"other_prompt": s["other"], "mix": s["mix"]})
        write_image(path, self.output.images[index], settings=settings)
