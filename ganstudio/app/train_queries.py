"""Questions for the trainer answered in a child process (the app never imports it): the recipes, a recipe's
options, what a data folder holds; making synthetic data; the GPUs (nvidia-smi, never torch in the window)."""
from __future__ import annotations

import json
import shutil
import subprocess

from PySide6.QtCore import QObject, QProcess, Signal

from .train_command import child_environment, trainer_python


class TrainerQuery(QObject):
    """One `python -m trainer.describe ...` (or `trainer.cli make-data`) child at a time; answered/failed when it ends."""

    answered = Signal(str, object)  # the question ("recipes", "options", "check", "make-data"), the JSON answer
    failed = Signal(str, str)  # the question, what went wrong in our words

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.process: QProcess | None = None
        self.question = ""

    @property
    def busy(self) -> bool:
        return self.process is not None

    def ask(self, question: str, *args: str) -> None:
        module = ["-m", "trainer.cli", "make-data", *args, "--quiet"] if question == "make-data" else \
            ["-m", "trainer.describe", question, *args]
        self._run(question, module)

    def _run(self, question: str, arguments: list[str]) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.waitForFinished(2000)
        process = QProcess(self)
        env = process.processEnvironment()
        for key, value in child_environment(1).items():
            env.insert(key, value)
        process.setProcessEnvironment(env)
        process.finished.connect(lambda code, _status, p=process, q=question: self._done(p, q, code))
        self.process, self.question = process, question
        try:
            python = trainer_python()
        except OSError as exc:
            self.process = None
            process.deleteLater()
            self.failed.emit(question, str(exc))
            return
        process.start(python, arguments)

    def _done(self, process: QProcess, question: str, code: int) -> None:
        if process is not self.process:
            return
        self.process = None
        try:
            out = bytes(process.readAllStandardOutput().data()).decode("utf-8", "replace")
            err = bytes(process.readAllStandardError().data()).decode("utf-8", "replace").strip()
        except RuntimeError:  # the window closed while the child ran: no one waits for the answer
            return
        process.deleteLater()
        if code != 0:
            self.failed.emit(question, err.splitlines()[-1] if err else f"the trainer ended with status {code}")
            return
        if question == "make-data":
            self.answered.emit(question, None)
            return
        try:
            self.answered.emit(question, json.loads(out))
        except ValueError:
            self.failed.emit(question, f"the trainer's answer was not readable: {out[:200]!r}")


def gpu_usage() -> str:
    """"GPU 0 NAME: 1234/24576 MiB, 40 %" per CUDA device, or "" without nvidia-smi."""
    tool = shutil.which("nvidia-smi")
    if tool is None:
        return ""
    try:
        result = subprocess.run([tool, "--query-gpu=index,name,memory.used,memory.total,utilization.gpu",
                                 "--format=csv,noheader,nounits"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return parse_gpu_usage(result.stdout) if result.returncode == 0 else ""


def parse_gpu_usage(text: str) -> str:
    lines = []
    for row in text.strip().splitlines():
        parts = [p.strip() for p in row.split(",")]
        if len(parts) == 5:
            lines.append(f"GPU {parts[0]} {parts[1]}: {parts[2]}/{parts[3]} MiB, {parts[4]} %")
    return "\n".join(lines)


def gpu_count(usage: str | None = None) -> int:
    usage = gpu_usage() if usage is None else usage
    return len(usage.splitlines()) if usage else 0
