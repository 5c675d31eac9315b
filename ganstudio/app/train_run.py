"""One training run seen from the app: a detached `ganstudio-train` child, watched through its run folder.

The child runs in its own session (its output goes to OUT/train.log), so
closing the window never ends it; the app follows it only through files the trainer
writes anyway: losses.csv (tailed), samples/iter_*.png, the export, and the
pid. The same object reattaches to a run found in the registry at start-up.
Pause sends SIGINT: the trainer checkpoints at the end of the iteration and
exits (trainer/loop.py StopRequest); Stop ends the process at once (the last
periodic checkpoint stays, so it can still be resumed).
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from .train_command import child_environment, export_now_command
from .train_log import LossRow, LossTail, speed
from .train_registry import RunRecord, RunRegistry, pid_is_run, run_state

LOG_NAME = "train.log"
POLL_MS = 200


def find_export(out: str | Path) -> Path | None:
    """The run's model: OUT/<name of OUT>.safetensors or an older run's model.safetensors (trainer/export.py's rule)."""
    folder = Path(out)
    found = [p for p in (folder / f"{folder.name}.safetensors", folder / "model.safetensors") if p.is_file()]
    return max(found, key=lambda p: p.stat().st_mtime_ns) if found else None


def latest_sample(out: str | Path) -> Path | None:
    samples = sorted((Path(out) / "samples").glob("iter_*.png"))
    return samples[-1] if samples else None


class TrainRun(QObject):
    rowsAdded = Signal(bool, list)  # restarted, [LossRow]
    sampleChanged = Signal(str)
    stateChanged = Signal(str)  # running, finished, stopped, failed
    exported = Signal(str)  # the model file
    progressChanged = Signal(str)  # "iteration 12/40 · 3.1 it/s · ETA 0:00:09"

    def __init__(self, record: RunRecord, registry: RunRegistry, threads: int | None = 1, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.record, self.registry, self.threads = record, registry, threads
        self.rows: list[LossRow] = []
        self.tail = LossTail(Path(record.out) / "losses.csv")
        self.sample: str | None = None
        self._export_mtime = self._mtime(find_export(record.out))
        self.state = run_state(record)
        self.started_at: float | None = None
        self.process: subprocess.Popen | None = None  # a child started in this session (reaped here; reattached runs have none)
        self.first_row_s: float | None = None  # Start -> first curve point, for the report and the status line
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        if self.state == "running":
            self.timer.start()

    @staticmethod
    def _mtime(path: Path | None) -> int | None:
        return path.stat().st_mtime_ns if path is not None else None

    @property
    def out(self) -> Path:
        return Path(self.record.out)

    def _launch(self, command: list[str]) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        with (self.out / LOG_NAME).open("ab") as log:
            try:
                # its own session: closing the window (or Ctrl+C in the app's terminal) never reaches it
                self.process = subprocess.Popen(command, cwd=self.out, env=child_environment(self.threads), stdin=subprocess.DEVNULL,
                                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            except OSError as exc:
                raise OSError(f"could not start {command[0]}: {exc.strerror or exc}") from exc
        pid = self.process.pid
        self.record.pid = int(pid)
        self.registry.put(self.record)
        self.started_at, self.first_row_s = time.perf_counter(), None
        self._set_state("running")
        self.timer.start()

    def start(self) -> None:
        self._launch(self.record.command)

    def resume(self) -> None:
        command = [a for a in self.record.command if a != "--resume"]
        self._launch([*command, "--resume"])

    def export_now(self) -> None:
        """Export the model from the last checkpoint (no training), in a child like any run."""
        self._launch(export_now_command(self.record.command))

    def pause(self) -> None:
        """Checkpoint and stop (SIGINT: the trainer saves at the end of the current iteration)."""
        self._signal(signal.SIGINT)

    def stop(self) -> None:
        """End now: the whole process group (the child leads its own session), so torchrun's workers end too."""
        self._signal(signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM, group=True)

    def _signal(self, sig: int, group: bool = False) -> None:
        pid = self.record.pid
        if not pid or not pid_is_run(pid, self.record):
            return
        if group and hasattr(os, "killpg") and os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)

    def log_tail(self, lines: int = 5) -> str:
        try:
            text = (self.out / LOG_NAME).read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.strip().splitlines()[-lines:])

    def poll(self) -> None:
        if self.process is not None:
            self.process.poll()  # reap an ended child, so its pid reads as gone
        restarted, rows = self.tail.read()
        if restarted:
            self.rows = []
        if rows or restarted:
            if rows and self.first_row_s is None and self.started_at is not None:
                self.first_row_s = time.perf_counter() - self.started_at
            self.rows.extend(rows)
            self.rowsAdded.emit(restarted, rows)
            self.progressChanged.emit(self.progress_text())
        sample = latest_sample(self.out)
        if sample is not None and str(sample) != self.sample:
            self.sample = str(sample)
            self.sampleChanged.emit(self.sample)
        export = find_export(self.out)
        if export is not None and self._mtime(export) != self._export_mtime:
            self._export_mtime = self._mtime(export)
            self.exported.emit(str(export))
        if self.state == "running" and not pid_is_run(self.record.pid, self.record):
            self.timer.stop()
            restarted, rows = self.tail.read()  # what the last moments wrote
            if rows:
                self.rows.extend(rows)
                self.rowsAdded.emit(restarted, rows)
            self._set_state(run_state(self.record))

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.stateChanged.emit(state)
        self.progressChanged.emit(self.progress_text())

    def progress_text(self) -> str:
        if not self.rows:
            return self.state
        last = self.rows[-1].iteration
        total = self.record.iters
        text = f"iteration {last}" + (f"/{total}" if total else "")
        rate = speed(self.rows)
        if rate:
            text += f" · {rate:.2f} it/s"
            if total and total > last and self.state == "running":
                left = int((total - last) / rate)
                text += f" · ETA {left // 3600}:{left // 60 % 60:02d}:{left % 60:02d}"
        return f"{text} · {self.state}"
