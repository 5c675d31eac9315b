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
