"""How a shipped model was trained: its file's provenance, the run's NAME/train.json, trainer/defaults.py."""
from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

from ganstudio.checkpoints.loaded import LoadedModel
from trainer.defaults import DEFAULTS

DISPLAY_CACHE = "~/.cache/ganstudio/defaults"  # trainer.defaults' folders, as a reader on Linux sees them


def _readable(command: str, data_folder: str, run: str) -> str:
    """trainer.defaults writes DATA / RUN placeholders; name the folders it actually uses."""
    words = []
    for word in command.split():
        if word == "DATA":
            word = data_folder
        elif word.startswith("DATA/"):
            word = f"{DISPLAY_CACHE}/data/" + word[len("DATA/"):]
        elif word == "RUN":
            word = run
        words.append(word)
    return "python " + " ".join(words)


def training_record(name: str, model: LoadedModel, work: Path | None) -> dict[str, Any]:
    """command, data_command, data_seed, iterations, target_iterations, wall_time_s, device, trained_at, source."""
    provenance = dict(model.meta.get("provenance") or {})
    run_record: dict[str, Any] = {}
    if work is not None and (work / name / "train.json").exists():
        run_record = json.loads((work / name / "train.json").read_text())
    default = next((m for m in DEFAULTS if m.name == name), None)
    data_folder = f"{DISPLAY_CACHE}/data/{default.dataset.folder}" if default else "DATA"
    run = f"{DISPLAY_CACHE}/runs/{name}"
    command = run_record.get("command")
    source = "the run's train.json" if command else ""
    if not command and default is not None:
        command = shlex.join(default.command(Path("DATA"), Path("RUN"), default.iters)[1:])
        source = "trainer/defaults.py (no train.json found)"
    data_command = provenance.get("data_command")
    if not data_command and default is not None:
        data_command = " ".join(default.dataset.command(Path("DATA"))[1:])
    data_seed = default.dataset.seed if default else None
    if data_seed is None and data_command:
        found = re.search(r"--seed (\d+)", data_command)
        data_seed = int(found.group(1)) if found else None
    return {
        "command": _readable(command, data_folder, run) if command else None,
        "data_command": _readable(data_command, data_folder, run) if data_command else None,
        "reproduce": f"python -m trainer.defaults --only {name}" if default else None,
        "data_seed": data_seed,
        "iterations": provenance.get("iterations", run_record.get("iterations")),
        "target_iterations": provenance.get("target_iterations", default.iters if default else None),
        "wall_time_s": run_record.get("wall_time_s", provenance.get("wall_time_s")),
        "device": run_record.get("device", provenance.get("device")),
        "trained_at": provenance.get("trained_at"),
        "source": source,
    }
