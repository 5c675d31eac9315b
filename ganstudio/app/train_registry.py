"""The runs the Train workspace started, kept in the user data folder so they outlive the window.

One JSON file (written atomically) lists each run's id, recipe, run folder,
command and process id. A run is "running" only if its pid is alive AND that
process's command line is the run's (a pid reused by another program after a
reboot is not our run); otherwise its folder tells what is left: an export
("finished"), a checkpoint ("stopped": resumable) or nothing ("failed").
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ganstudio.atomic import atomic_writer

REGISTRY_NAME = "train_runs.json"
CHECKPOINT_NAME = "checkpoint.pt"  # trainer/checkpoint.py's name; the app may not import the trainer


class RegistryError(ValueError):
    """The registry file cannot be read; the message says which file and why."""


def default_registry_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("ganstudio", appauthor=False)) / REGISTRY_NAME


@dataclass
class RunRecord:
    id: str
    recipe: str
    out: str
    data: str
    command: list[str]
    pid: int | None = None
    started: float = field(default_factory=time.time)
    iters: int | None = None  # the run's total, for the ETA


def process_command(pid: int) -> list[str] | None:
    """The command line of `pid`, or None when it is gone (or cannot be read on this system)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError):
        return None
    except OSError:
        return None
    return [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]


def pid_is_run(pid: int | None, record: RunRecord) -> bool:
    """Alive and running this record's command (its run folder and trainer), not a stranger with a reused pid."""
    if not pid or pid <= 0:
        return False
    if Path("/proc").is_dir():
        command = process_command(pid)
        if command is None:
            return False
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return False  # exited, waiting to be reaped
        except (OSError, IndexError):
            return False
        if not command:
            return True  # between fork and exec its command line reads empty: alive, cannot tell more yet
        return record.out in command and any("trainer" in part for part in command)
    try:  # no /proc (macOS, Windows): alive is the best we can tell
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError, OSError):
        return False
    return True


def run_state(record: RunRecord, export: Path | None = None) -> str:
    """running, finished, stopped (a checkpoint to resume) or failed."""
    if pid_is_run(record.pid, record):
        return "running"
    out = Path(record.out)
    if export is not None or any(out.glob("*.safetensors")):
        return "finished"
    if (out / CHECKPOINT_NAME).is_file():
        return "stopped"
    return "failed"


class RunRegistry:
    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_registry_path()

    def load(self) -> list[RunRecord]:
        """The recorded runs; RegistryError (in our words) for a file that is not a registry."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise RegistryError(f"cannot read the list of training runs {self.path}: {exc.strerror or exc}") from exc
        try:
            data = json.loads(text)
            return [RunRecord(**{k: v for k, v in item.items() if k in RunRecord.__dataclass_fields__}) for item in data["runs"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise RegistryError(f"the list of training runs {self.path} is damaged ({type(exc).__name__}: {exc}); "
                                "the runs' folders are untouched: start a run again or delete the file") from exc

    def save(self, records: list[RunRecord]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_writer(self.path) as handle:
            handle.write(json.dumps({"version": 1, "runs": [asdict(r) for r in records]}, indent=1).encode("utf-8"))

    def put(self, record: RunRecord) -> None:
        """Add or replace (by id) one run."""
        try:
            records = [r for r in self.load() if r.id != record.id]
        except RegistryError:
            records = []  # a damaged file is replaced by one that lists the runs from now on
        self.save([*records, record])

    def remove(self, run_id: str) -> None:
        self.save([r for r in self.load() if r.id != run_id])

    def new_id(self, out: str) -> str:
        return f"{Path(out).name}-{int(time.time() * 1000)}"

    @staticmethod
    def describe(record: RunRecord) -> dict[str, Any]:
        return {**asdict(record), "state": run_state(record)}
