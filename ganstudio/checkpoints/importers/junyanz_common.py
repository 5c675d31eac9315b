"""Shared reading of junyanz/pytorch-CycleGAN-and-pix2pix state dicts.

Those networks are Sequentials whose norm layers sit at fixed indices. What a
slot holds tells the norm type: BatchNorm has weight, bias and running
statistics; the current InstanceNorm has nothing, but files written by older
code (the published CycleGAN models among them) carry stale
``running_mean``/``running_var`` (and sometimes ``num_batches_tracked``) for it,
which the reference test deletes before a strict load; 'none' leaves the slot
empty too, but then the conv before it has no bias.
"""
from __future__ import annotations

from typing import Any, Mapping

import torch


from ..guards import ConfigProblem, meta_network, shape_mismatch
from . import ImportMismatch, State

RUNNING = ("running_mean", "running_var", "num_batches_tracked")


def norm_at(state: State, slot: str, conv: str) -> str:
    """Norm type of the layer at `slot` ("model.2") that follows the conv at `conv`."""
    if f"{slot}.weight" in state:
        if f"{slot}.running_mean" not in state:
            raise ImportMismatch(f"{slot} has affine weights but no running statistics: not a junyanz BatchNorm")
        return "batch"
    if f"{slot}.running_mean" in state or f"{slot}.running_var" in state:
        return "instance"  # stale InstanceNorm buffers
    return "instance" if f"{conv}.bias" in state else "none"


def clean_norm_buffers(state: State, norm: str) -> tuple[dict[str, torch.Tensor], list[str]]:
    """Drop stale InstanceNorm buffers; give old BatchNorm files the counter newer torch expects.

    Returns the cleaned state and the names of the dropped keys.
    """
    cleaned = dict(state)
    dropped: list[str] = []
    slots = {key.rsplit(".", 1)[0] for key in state if key.endswith(RUNNING)}
    for slot in sorted(slots):
        if norm == "batch" and f"{slot}.weight" in state:
            # Files from torch < 0.4 have no counter; it never affects eval outputs.
            cleaned.setdefault(f"{slot}.num_batches_tracked", torch.tensor(0, dtype=torch.long))
        elif f"{slot}.weight" not in state:
            for suffix in RUNNING:
                if cleaned.pop(f"{slot}.{suffix}", None) is not None:
                    dropped.append(f"{slot}.{suffix}")
    return cleaned, dropped


def shape(state: State, key: str, ndim: int) -> tuple[int, ...]:
    value = state.get(key)
    if value is None:
        raise ImportMismatch(f"missing {key}")
    if value.ndim != ndim:
        raise ImportMismatch(f"{key} has shape {tuple(value.shape)}, expected {ndim} dimensions")
    return tuple(value.shape)


def check_against(arch: str, config: dict[str, Any], state: Mapping[str, torch.Tensor], family: str) -> None:
    """Raise ImportMismatch unless `config` passes its schema and `state` has exactly the keys and shapes of `arch(config)`."""
    try:
        expected = meta_network(arch, config).state_dict()  # shapes only: no memory, no init cost
    except ConfigProblem as exc:
        raise ImportMismatch(f"looks like a {family} network but {exc}") from exc
    problem = shape_mismatch(arch, config, expected, {key: tuple(value.shape) for key, value in state.items()})
    if problem:
        raise ImportMismatch(f"looks like a {family} network but {problem}")


def wants(hints: Mapping[str, Any], arch: str) -> bool:
    """False when the caller named a different architecture."""
    named = hints.get("arch")
    return named is None or named == arch
