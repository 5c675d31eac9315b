"""Shared reading of NVlabs/MUNIT and mingyuliutw/UNIT generator files.

Their trainers save ``gen_XXXXXXXX.pt`` as ``{'a': gen_a.state_dict(), 'b':
gen_b.state_dict()}``; the container code flattens that to ``a.*`` / ``b.*``
keys. Domain A's network becomes the model and domain B's its ``domain_b``
part. A file holding one bare network loads as that network alone.

Files written by PyTorch 0.3 carry ``running_mean`` / ``running_var`` for every
InstanceNorm layer (the repositories' ``pytorch03_to_pytorch04`` deletes them
for the published layout); here every running-statistics key the network does
not have is dropped, whatever the layout. AdaIN's own two buffers stay.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Mapping

import torch

from ..guards import ConfigProblem, meta_network
from ..translation_presets import TranslationPreset, get_translation_preset
from . import ImportMismatch, ImportResult, State
from .junyanz_common import check_against

RUNNING = (".running_mean", ".running_var", ".num_batches_tracked")
SIDES = ("a.", "b.")


def split(state: State, marker: str) -> dict[str, dict[str, torch.Tensor]] | None:
    """{"a": ..., "b": ...} for a two-domain file, {"": ...} for one bare network, None when `marker` is absent."""
    if all(f"{side}{marker}" in state for side in SIDES):
        parts: dict[str, dict[str, torch.Tensor]] = {"a": {}, "b": {}}
        for key, value in state.items():
            side = key[:2]
            if side not in SIDES:
                raise ImportMismatch(f"a two-domain generator file has a key outside a./b.: {key[:60]}")
            parts[side[0]][key[2:]] = value
        return parts
    if marker in state:
        return {"": dict(state)}
    return None


def consecutive(state: State, pattern: str, start: int, accept: Callable[[torch.Tensor], bool] = lambda t: True) -> int:
    """How many of pattern.format(start), pattern.format(start + 1), ... are keys (and accepted)."""
    found = {int(m.group(1)) for key in state if (m := re.fullmatch(pattern.replace(".", r"\.").replace("{}", r"(\d{1,4})"), key))}
    count = 0
    while start + count in found and accept(state[pattern.format(start + count)]):
        count += 1
    return count


def tensor(state: State, key: str, ndim: int) -> torch.Tensor:
    value = state.get(key)
    if value is None:
        raise ImportMismatch(f"missing {key}")
    if value.ndim != ndim:
        raise ImportMismatch(f"{key} has shape {tuple(value.shape)}, expected {ndim} dimensions")
    return value


def preset(hints: Mapping[str, Any], family: str) -> TranslationPreset | None:
    name = hints.get("preset")
    if name is None:
        return None
    found = get_translation_preset(str(name))
    if found is None or family not in found.families:
        return None  # a SPADE preset name says nothing about this file
    return found


def layout_hints(state: State, prefix: str, hints: Mapping[str, Any], chosen: TranslationPreset | None) -> dict[str, str]:
    """activ and pad_type: PReLU leaves weights in the file; the rest leave none, so hints or a preset tell."""
    defaults = chosen.config if chosen else {"activ": "relu", "pad_type": "reflect"}
    activ = "prelu" if f"{prefix}.model.0.activation.weight" in state else (hints.get("activ") or defaults["activ"])
    if activ == "prelu" and f"{prefix}.model.0.activation.weight" not in state:
        raise ImportMismatch("the load hint activ='prelu' does not fit: the file has no PReLU weights")
    return {"activ": str(activ), "pad_type": str(hints.get("padding_type") or defaults["pad_type"])}


def clean(arch: str, config: dict[str, Any], state: dict[str, torch.Tensor], what: str) -> tuple[dict[str, torch.Tensor], list[str]]:
    """Drop running statistics the network does not have (PyTorch 0.3 InstanceNorm buffers), then check every key and shape."""
    try:
        expected = set(meta_network(arch, config).state_dict())
    except ConfigProblem as exc:
        raise ImportMismatch(f"looks like a {what} but {exc}") from exc
    dropped = sorted(k for k in state if k.endswith(RUNNING) and k not in expected)
    cleaned = {k: v for k, v in state.items() if k not in dropped}
    check_against(arch, config, cleaned, what)
    return cleaned, dropped


def assemble(arch: str, sides: dict[str, tuple[dict[str, Any], dict[str, torch.Tensor], list[str]]], hints: Mapping[str, Any],
             chosen: TranslationPreset | None, reference: str) -> ImportResult:
    """The ImportResult: domain A (or the one bare network) as the model, domain B as the `domain_b` part."""
    main_key = "a" if "a" in sides else ""
    meta: dict[str, Any] = {"resolution": hints.get("resolution") or (chosen.resolution if chosen else 256), "reference": reference}
    provenance: dict[str, Any] = {}
    if chosen is not None:
        provenance["domains"] = {"A": chosen.domains[0], "B": chosen.domains[1]}
        provenance["preset"] = chosen.name
    if provenance:
        meta["provenance"] = provenance
    config, state, dropped = sides[main_key]
    if dropped:
        meta["dropped_keys"] = dropped
    result = ImportResult(arch=arch, config=config, state=state, meta=meta)
    if "b" in sides:
        b_config, b_state, b_dropped = sides["b"]
        b_meta: dict[str, Any] = {"resolution": meta["resolution"]}
        if b_dropped:
            b_meta["dropped_keys"] = b_dropped
        result.parts["domain_b"] = ImportResult(arch=arch, config=b_config, state=b_state, meta=b_meta)
    return result
