"""Unwrap the containers that training scripts put around state dicts."""
from __future__ import annotations

from typing import Any, Mapping

import torch

# Keys under which trainers nest the weights we want, in order of preference.
WRAPPER_KEYS = ("G_ema", "params_ema", "state_dict", "model", "netG", "G", "generator", "params")
PREFIXES = ("module.", "netG.", "_orig_mod.")
MAX_PREFIX_PASSES = 8  # DDP inside torch.compile inside a wrapper is three


def is_state_dict(obj: Any) -> bool:
    return isinstance(obj, Mapping) and bool(obj) and all(isinstance(k, str) for k in obj) and all(
        isinstance(v, torch.Tensor) for v in obj.values()
    )


def canonical_state_dict(obj: Any) -> dict[str, torch.Tensor] | None:
    """Find the tensor dict inside `obj` and strip wrapper prefixes; None if there is none."""
    for _ in range(4):  # nesting depth seen in the wild is at most 2
        if is_state_dict(obj):
            break
        if not isinstance(obj, Mapping):
            return None
        inner = next((obj[k] for k in WRAPPER_KEYS if k in obj and isinstance(obj[k], Mapping)), None)
        if inner is None:
            return None
        obj = inner
    else:
        return None
    state = dict(obj)
    changed = True
    passes = 0
    while changed and passes < MAX_PREFIX_PASSES:  # a crafted key of a million 'module.' would take quadratic time
        changed = False
        passes += 1
        for prefix in PREFIXES:
            if state and all(k.startswith(prefix) for k in state):
                state = {k[len(prefix):]: v for k, v in state.items()}
                changed = True
    return state
