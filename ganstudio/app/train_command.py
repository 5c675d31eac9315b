"""The command line of a training run: `python -m trainer.cli RECIPE ...`, or torchrun on several GPUs.

The app never imports the trainer (it would bring torch and every recipe into
the window's process); it builds the command from option dictionaries that
the trainer itself described (`python -m trainer.describe options RECIPE`).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Mapping

import ganstudio

PROJECT_ROOT = Path(ganstudio.__file__).resolve().parents[1]  # holds the trainer package in a source checkout

# Presets set only options the recipe has; "best" keeps the recipe's paper defaults.
PRESETS: dict[str, dict[str, Any]] = {
    "quick": {"--iters": 2000, "--resolution": 64, "--batch": 4, "--sample-every": 100, "--checkpoint-every": 200},
    "good": {"--iters": 20000, "--resolution": 128, "--sample-every": 500, "--checkpoint-every": 1000},
    "best": {"--sample-every": 1000, "--checkpoint-every": 1000},
}
# options the workspace sets itself; the advanced view shows them read-only
MANAGED = ("--data", "--out", "--resume", "--no-progress")


def preset_values(preset: str, options: list[dict[str, Any]]) -> dict[str, Any]:
    """Every option's value under `preset`: the recipe's default unless the preset names it."""
    chosen = PRESETS[preset]
    return {o["flag"]: chosen.get(o["flag"], o["default"]) for o in options if o["flag"] not in MANAGED}


def option_arguments(values: Mapping[str, Any], defaults: Mapping[str, Any] | None = None) -> list[str]:
    """Flags for the values that differ from the defaults (all of them without defaults); True/False are switches."""
    args: list[str] = []
    for flag, value in values.items():
        if flag in MANAGED or (defaults is not None and defaults.get(flag) == value):
            continue
        if value is True:
            args.append(flag)
        elif value is False or value is None or value == "":
            continue
        else:
            args += [flag, str(value)]
    return args


NO_TRAINER = ("this GAN Studio is a bundled application without Python and the trainer: train with a GAN Studio "
              "installed by pip (ganstudio-train), then open the model here")


def trainer_python() -> str:
    """The interpreter that runs the trainer; a frozen bundle has none (its executable would start the app again)."""
    if getattr(sys, "frozen", False):
        raise OSError(NO_TRAINER)
    return sys.executable


def trainer_command(recipe: str, data: str, out: str, options: list[str], *, resume: bool = False, gpus: int = 0,
                    python: str | None = None) -> list[str]:
    """The whole command; more than one GPU runs one process per GPU under torchrun."""
    python = python or trainer_python()
    tail = ["-m", "trainer.cli", recipe, "--data", data, "--out", out, "--no-progress", *options]
    if resume:
        tail.append("--resume")
    if gpus > 1:
        return [python, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={gpus}", *tail]
    return [python, *tail]


def export_now_command(command: list[str]) -> list[str]:
    """A run's command that exports from its checkpoint without training: resumed with --iters 1, the loop's
    `while iteration < iters` never runs and the run ends by exporting (trainer/loop.py)."""
    cleaned: list[str] = []
    skip = False
    for arg in command:
        if skip:
            skip = False
            continue
        if arg == "--iters":
            skip = True
            continue
        if arg == "--resume" or arg.startswith("--nproc_per_node"):
            continue
        cleaned.append(arg)
    if "torch.distributed.run" in cleaned:  # one process is enough to export
        start = cleaned.index("torch.distributed.run")
        cleaned = [cleaned[0], *cleaned[start + 2:]] if cleaned[start + 1] == "--standalone" else cleaned
    return [*cleaned, "--iters", "1", "--resume"]


def child_environment(threads: int | None = None) -> dict[str, str]:
    """The trainer finds its package (source checkout or installed) and uses `threads` CPU threads."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    if threads:
        env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = str(threads)
    return env


def requested_iters(command: list[str], default: int | None) -> int | None:
    """The run's --iters as its command says, else the recipe default."""
    if "--iters" in command:
        index = command.index("--iters")
        if index + 1 < len(command) and command[index + 1].isdigit():
            return int(command[index + 1])
    return default
