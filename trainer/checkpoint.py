"""Saving and restoring the full training state, atomically.

A checkpoint holds the networks, optimizers, schedulers, the AMP scaler, the
recipe's own state (EMA, replay buffers, running means), the iteration, the
data position and every rank's RNG states (python, numpy, torch CPU and CUDA).
It is written to a temporary file and renamed over `checkpoint.pt`, so a kill
at any moment leaves the previous checkpoint whole.
"""
from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ganstudio.atomic import atomic_write_to_path

CHECKPOINT_NAME = "checkpoint.pt"


def rng_state() -> dict[str, Any]:
    state = {
        "python": random.getstate(),
        "numpy": _numpy_state_to_plain(np.random.get_state()),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    kind, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _numpy_state_to_plain(state: tuple) -> tuple:
    """numpy's MT state as tensors and numbers, so the file loads with weights_only."""
    kind, keys, pos, has_gauss, cached = state
    return (str(kind), torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss), float(cached))


def save(path: Path, state: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_to_path(path, lambda tmp: torch.save(state, tmp))


def load(path: Path) -> dict[str, Any]:
    return torch.load(path, map_location="cpu", weights_only=True)


# -- --init: a new run from another file's weights ---------------------------------------------


class InitMismatch(ValueError):
    """--init names a file whose networks do not fit this run (resolution, classes, widths...)."""


def _config_differences(file_config: dict[str, Any], run_config: dict[str, Any], prefix: str = "") -> list[str]:
    """'img_resolution: 32 in the file, 64 in this run', for every setting that differs (nested dicts flattened)."""
    out = []
    for key in sorted(set(file_config) | set(run_config)):
        a, b = file_config.get(key), run_config.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out += _config_differences(a, b, f"{prefix}{key}.")
        elif a != b and key in file_config and key in run_config:
            out.append(f"{prefix}{key}: {a!r} in the file, {b!r} in this run")
    return out


def copy_weights(source: torch.nn.Module, target: torch.nn.Module, what: str) -> None:
    """Copy every parameter and buffer of `source` into `target`, which must be the same network;
    otherwise InitMismatch names the settings (from both configs) or tensors that differ."""
    if type(source) is not type(target):
        raise InitMismatch(f"--init: the file's {what} is a {type(source).__name__}, this run trains a {type(target).__name__}")
    theirs, ours = source.state_dict(), target.state_dict()
    wrong = sorted(k for k in ours if k in theirs and tuple(theirs[k].shape) != tuple(ours[k].shape))
    missing, extra = sorted(set(ours) - set(theirs)), sorted(set(theirs) - set(ours))
    if wrong or missing or extra:
        file_config, run_config = getattr(source, "config", None), getattr(target, "config", None)
        settings = _config_differences(file_config, run_config) if isinstance(file_config, dict) and isinstance(run_config, dict) else []
        detail = settings or [f"{k}: {tuple(theirs[k].shape)} in the file, {tuple(ours[k].shape)} in this run" for k in wrong[:4]]
        if not detail:
            detail = [f"{len(missing)} tensors missing from the file (e.g. {', '.join(missing[:3])})" if missing else
                      f"{len(extra)} tensors this run has no place for (e.g. {', '.join(extra[:3])})"]
        raise InitMismatch(f"--init: the file's {what} does not fit this run's: " + "; ".join(detail))
    with torch.no_grad():
        for key, value in ours.items():
            value.copy_(theirs[key].to(value.dtype))


def check_meta(loaded: Any, expected: dict[str, Any]) -> None:
    """Resolution, label or attribute count of the file against this run's, before any tensor is compared."""
    problems = []
    resolution = loaded.meta.get("resolution")
    if expected.get("resolution") is not None and resolution is not None and resolution != expected["resolution"]:
        problems.append(f"resolution {resolution} px in the file, {expected['resolution']} px in this run (--resolution)")
    for key, noun in (("attributes", "attributes"), ("labels", "label classes")):
        theirs, ours = loaded.meta.get(key), expected.get(key)
        if theirs and ours is not None and len(theirs) != len(ours):
            problems.append(f"{len(theirs)} {noun} in the file, {len(ours)} in this run")
    if problems:
        raise InitMismatch("--init: the file does not fit this run: " + "; ".join(problems))
