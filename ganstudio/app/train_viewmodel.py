"""The Train workspace's state: recipes and their options (from the trainer, in a child), the data check,
synthetic data, and the runs (started here or found in the registry at start-up)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from .model_library import ModelLibrary
from .train_command import PRESETS, option_arguments, preset_values, requested_iters, trainer_command
from .train_queries import TrainerQuery, gpu_count, gpu_usage
from .train_registry import RegistryError, RunRecord, RunRegistry
from .train_run import TrainRun

# which synthetic set (make-data KIND) a recipe trains on, and the folder of it that is its --data
SYNTHETIC: dict[str, tuple[str, str]] = {
    "pix2pix": ("landscapes", "pix2pix"), "bicyclegan": ("landscapes", "pix2pix"),
    "cyclegan": ("landscapes", "cyclegan"), "munit": ("landscapes", "cyclegan"), "unit": ("landscapes", "cyclegan"),
    "stargan": ("faces", ""), "stylegan2": ("landscapes", "images"), "dcgan": ("landscapes", "images"),
    "wgan_gp": ("landscapes", "images"), "progan": ("landscapes", "images"), "encoder": ("landscapes", "images"),
}


def synthetic_plan(recipe: str) -> tuple[str, str]:
    """(make-data kind, subfolder that is --data); label-map recipes and text recipes train on the set's root."""
    return SYNTHETIC.get(recipe, ("landscapes", ""))


class TrainViewModel(QObject):
    recipesReady = Signal(list)  # [{"name", "help"}]
    optionsReady = Signal(str, list)  # recipe, [option dicts from trainer.describe]
    dataChecked = Signal(dict)
    dataMade = Signal(str)  # the folder to train on
    runAdded = Signal(object)  # TrainRun
    message = Signal(str)
    error = Signal(str)

    def __init__(self, registry: RunRegistry | None = None, threads: int | None = 1, library: ModelLibrary | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.registry = registry or RunRegistry()
        self.library = library  # an exported model joins the Models dock
        self.threads = threads
        self.recipes: list[dict[str, Any]] = []
        self.options: dict[str, list[dict[str, Any]]] = {}
        self.runs: list[TrainRun] = []
        self.query = TrainerQuery(self)  # recipes and options
        self.checker = TrainerQuery(self)  # the data check runs beside them
        self.maker = TrainerQuery(self)  # and so does make-data
        self._made_data = ""
        self._asked_recipe = ""
        self._gpus: int | None = None
        for query in (self.query, self.checker, self.maker):
            query.answered.connect(self._answered)
            query.failed.connect(lambda question, text: self.error.emit(f"{question}: {text}"))

    # -- questions for the trainer (children) ---------------------------------
    def load_recipes(self) -> None:
        self.query.ask("recipes")

    def request_options(self, recipe: str) -> None:
        if recipe in self.options:
            self.optionsReady.emit(recipe, self.options[recipe])
        else:
            self._asked_recipe = recipe
            self.query.ask("options", recipe)

    def check_data(self, recipe: str, data: str) -> None:
        self.checker.ask("check", recipe, data)

    def make_data(self, recipe: str, folder: str, count: int = 200, size: int = 64) -> None:
        kind, sub = synthetic_plan(recipe)
        self._made_data = str(Path(folder) / sub) if sub else folder
        args = [kind, folder, "--n", str(count), "--size", str(size)]
        if kind == "landscapes" and sub != "cyclegan":
            args += ["--cyclegan-n", "0"]
        self.maker.ask("make-data", *args)

    def _answered(self, question: str, answer: Any) -> None:
        if question == "recipes":
            self.recipes = answer
            self.recipesReady.emit(answer)
        elif question == "options":
            self.options[self._asked_recipe] = answer
            self.optionsReady.emit(self._asked_recipe, answer)
        elif question == "check":
            self.dataChecked.emit(answer)
        elif question == "make-data":
            self.dataMade.emit(self._made_data)

    # -- runs -------------------------------------------------------------------
    def preset(self, recipe: str, preset: str) -> dict[str, Any]:
        return preset_values(preset, self.options[recipe])

    def defaults(self, recipe: str) -> dict[str, Any]:
        return {o["flag"]: o["default"] for o in self.options.get(recipe, [])}

    def command(self, recipe: str, data: str, out: str, values: dict[str, Any], gpus: int | None = None) -> list[str]:
        if gpus is None:
            if self._gpus is None:
                self._gpus = gpu_count()  # nvidia-smi once, not on every edit of an option
            gpus = self._gpus
        return trainer_command(recipe, data, out, option_arguments(values, self.defaults(recipe)), gpus=gpus)

    def start_run(self, recipe: str, data: str, out: str, values: dict[str, Any], gpus: int | None = None) -> TrainRun:
        out = str(Path(out).resolve())  # the registry matches a live process by this exact folder
        command = self.command(recipe, data, out, values, gpus)
        default_iters = self.defaults(recipe).get("--iters")
        iters = requested_iters(command, default_iters if isinstance(default_iters, int) else None)
        run = self._add(RunRecord(self.registry.new_id(out), recipe, out, data, command, iters=iters))
        run.start()
        return run

    def _add(self, record: RunRecord) -> TrainRun:
        run = TrainRun(record, self.registry, self.threads, self)
        run.exported.connect(self._on_exported)
        self.runs.append(run)
        self.runAdded.emit(run)
        return run

    def _on_exported(self, path: str) -> None:
        if self.library is not None:
            self.library.add_opened(path)
        self.message.emit(f"{Path(path).name} is in the Models dock")

    def reattach(self) -> list[TrainRun]:
        """The runs of earlier sessions: running ones are followed again, stopped ones offer Resume."""
        try:
            records = self.registry.load()
        except RegistryError as exc:
            self.error.emit(str(exc))
            return []
        known = {run.record.id for run in self.runs}
        found = [self._add(r) for r in records if r.id not in known]
        for run in found:
            run.poll()  # the curves so far
        return found

    def forget(self, run: TrainRun) -> None:
        run.timer.stop()
        self.runs.remove(run)
        try:
            self.registry.remove(run.record.id)
        except RegistryError as exc:
            self.error.emit(str(exc))

    @staticmethod
    def gpu_text() -> str:
        return gpu_usage()

    @staticmethod
    def presets() -> list[str]:
        return list(PRESETS)
