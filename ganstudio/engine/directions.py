"""Semantic directions in StyleGAN2's W space for the app: find them, keep them, apply them.

The analysis (SeFa, GANSpace, InterFaceGAN boundaries, the ws-to-layer map) is
`ganstudio.models.stylegan2_directions`, re-exported here so the app has one
place to ask; the trainer imports it from models (it may not import the
engine). Added here: `apply_directions`, which LatentSession.final_ws runs
after truncation and style mixing. Around it: `direction_jobs.py` (the job the
Directions panel submits), `directions_session.py` (runs it on the worker),
`ganspace_cache.py` (GANSpace results on disk), and the set files in
`ganstudio.document.direction_sets` (no torch: view-models read them).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from ganstudio.document.direction_sets import KINDS, PCA_SLIDER_STDS, SEFA_SLIDER
from ganstudio.models.stylegan2_directions import (
    WS_PRESETS,
    Boundary,
    Factorization,
    LayerSelection,
    PrincipalComponents,
    StyleInput,
    condition_direction,
    fit_boundary,
    ganspace,
    pca,
    sample_ws,
    sefa,
    stacked_style_weights,
    style_inputs,
    ws_range,
)

__all__ = [
    "KINDS", "PCA_SLIDER_STDS", "SEFA_SLIDER", "WS_PRESETS", "Boundary", "Factorization", "LayerSelection",
    "PrincipalComponents", "StyleInput", "apply_directions", "condition_direction", "fit_boundary", "ganspace", "pca",
    "sample_ws", "sefa", "stacked_style_weights", "style_inputs", "ws_range",
]

# ----------------------------------------------------------------------------- applying


EditLike = Any  # DirectionEdit (latent_spec) or a (vector, amount, first_ws, last_ws) tuple


def _edit_fields(edit: EditLike, num_ws: int) -> tuple[np.ndarray, float, int, int]:
    if hasattr(edit, "vector"):
        vector, amount, first, last = edit.vector, edit.amount, edit.first_ws, edit.last_ws
    else:
        vector, amount, first, last = edit
    last = num_ws - 1 if last is None else last
    return np.asarray(vector), float(amount), int(first), int(last)


def apply_directions(ws: torch.Tensor | np.ndarray, edits: Sequence[EditLike]) -> torch.Tensor | np.ndarray:
    """ws [num_ws, w_dim] plus ``amount * vector`` on ws first..last (inclusive; None: to the end) per edit.

    Pure: returns a new array/tensor of the same kind (the input is untouched;
    with no edits, a copy). Edits add up, so their order does not matter.
    """
    if ws.ndim != 2:
        raise ValueError(f"ws must have shape [num_ws, w_dim], got {tuple(ws.shape)}")
    num_ws, w_dim = int(ws.shape[0]), int(ws.shape[1])
    is_tensor = isinstance(ws, torch.Tensor)
    out = ws.clone() if is_tensor else np.array(ws, copy=True)
    for edit in edits:
        vector, amount, first, last = _edit_fields(edit, num_ws)
        if vector.shape != (w_dim,):
            raise ValueError(f"a direction for this model has {w_dim} values, got shape {tuple(vector.shape)}")
        if not 0 <= first <= last < num_ws:
            raise ValueError(f"edit range ws {first}-{last} is not within 0-{num_ws - 1}")
        if not math.isfinite(amount):
            raise ValueError(f"edit amount must be finite, got {amount}")
        if amount == 0:
            continue
        if is_tensor:
            out[first : last + 1] += amount * torch.tensor(vector, dtype=out.dtype, device=out.device)  # a copy: edit vectors are read-only
        else:
            out[first : last + 1] += (amount * vector).astype(out.dtype, copy=False)
    return out
