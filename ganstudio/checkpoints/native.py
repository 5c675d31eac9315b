"""The native format: one .safetensors file per model, self-describing.

The safetensors header's ``__metadata__`` holds ``format`` ("ganstudio/1") and
``ganstudio``: a JSON object with ``arch``, ``config``, ``labels`` or
``attributes``, ``resolution``, ``provenance`` and, for files that carry
companion networks, ``parts`` ({name: {arch, config}}). Tensors of a part are
stored under the prefix ``parts.<name>.``.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping

import torch
import torch.nn as nn
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from ganstudio.atomic import atomic_write_to_path
from ganstudio.models.registry import UnknownArchitecture, arch_of, build

from .errors import CheckpointError
from .loaded import LoadedModel

FORMAT = "ganstudio/1"
PART_PREFIX = "parts."
META_KEYS = ("labels", "attributes", "resolution", "provenance")


def _module_arch_config(module: nn.Module) -> tuple[str, dict[str, Any]]:
    config = getattr(module, "config", None)
    if not isinstance(config, dict):
        raise TypeError(f"{type(module).__name__} has no `config` dict; cannot be saved natively")
    return arch_of(module), dict(config)


def _tensors_of(module: nn.Module, dtype: torch.dtype | None) -> dict[str, torch.Tensor]:
    tensors = {}
    for name, value in module.state_dict().items():
        value = value.detach().to("cpu")
        if dtype is not None and value.is_floating_point():
            value = value.to(dtype)
        tensors[name] = value.contiguous().clone()  # safetensors refuses shared storage
    return tensors


def save_model(
    model: nn.Module | LoadedModel,
    path: str | os.PathLike[str],
    *,
    parts: Mapping[str, nn.Module | LoadedModel] | None = None,
    dtype: torch.dtype | None = None,
    **meta: Any,
) -> Path:
    """Write `model` (and companion `parts`) as one native .safetensors file.

    `meta` takes labels, attributes, resolution and provenance (JSON-serialisable).
    A LoadedModel keeps its own meta and parts unless overridden. `dtype`
    (e.g. torch.float16) sets the storage precision of floating tensors; loading
    restores float32. The write is atomic: a temporary file then a rename.
    """
    path = Path(path)
    all_parts: dict[str, nn.Module] = {}
    if isinstance(model, LoadedModel):
        meta = {**{k: v for k, v in model.meta.items() if k in META_KEYS}, **meta}
        all_parts.update({name: p.module for name, p in model.parts.items()})
        module = model.module
    else:
        module = model
    all_parts.update({name: (p.module if isinstance(p, LoadedModel) else p) for name, p in (parts or {}).items()})

    arch, config = _module_arch_config(module)
    header: dict[str, Any] = {"arch": arch, "config": config}
    for key in META_KEYS:
        if meta.get(key) is not None:
            header[key] = meta[key]
    unknown = set(meta) - set(META_KEYS)
    if unknown:
        raise TypeError(f"unknown metadata keys: {sorted(unknown)}")

    tensors = _tensors_of(module, dtype)
    if all_parts:
        header["parts"] = {}
        for name, part in all_parts.items():
            part_arch, part_config = _module_arch_config(part)
            header["parts"][name] = {"arch": part_arch, "config": part_config}
            for key, value in _tensors_of(part, dtype).items():
                tensors[f"{PART_PREFIX}{name}.{key}"] = value
    if dtype is not None:
        header["storage_dtype"] = str(dtype).replace("torch.", "")

    metadata = {"format": FORMAT, "ganstudio": json.dumps(header)}
    # written straight to a temporary file (no second in-memory copy), then renamed
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_to_path(path, lambda tmp: save_file(tensors, tmp, metadata=metadata))
    return path


def read_safetensors(path: str | os.PathLike[str]) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """All tensors and the string metadata of a safetensors file (CheckpointError if unreadable)."""
    try:
        with safe_open(os.fspath(path), framework="pt", device="cpu") as handle:
            metadata = handle.metadata() or {}
            tensors = {key: handle.get_tensor(key) for key in handle.keys()}
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise CheckpointError(path, f"not a readable safetensors file ({exc})") from exc
    return tensors, metadata


def is_native(metadata: Mapping[str, str]) -> bool:
    return metadata.get("format") == FORMAT and "ganstudio" in metadata


def load_native(path: str | os.PathLike[str], tensors: dict[str, torch.Tensor], metadata: Mapping[str, str], device: str | torch.device = "cpu") -> LoadedModel:
    try:
        header = json.loads(metadata["ganstudio"])
        arch, config = header["arch"], header["config"]
    except (KeyError, TypeError, json.JSONDecodeError) as exc:
        raise CheckpointError(path, f"damaged GAN Studio metadata ({exc})") from exc
    meta = {key: header[key] for key in META_KEYS if key in header}
    meta["format"] = metadata.get("format")

    own: dict[str, torch.Tensor] = {}
    by_part: dict[str, dict[str, torch.Tensor]] = {name: {} for name in header.get("parts", {})}
    for key, value in tensors.items():
        if value.is_floating_point() and value.dtype != torch.float32:
            value = value.float()
        if key.startswith(PART_PREFIX):
            name, _, rest = key[len(PART_PREFIX):].partition(".")
            if name not in by_part:
                raise CheckpointError(path, f"tensor {key!r} belongs to an undeclared part {name!r}")
            by_part[name][rest] = value
        else:
            own[key] = value

    loaded = instantiate(path, arch, config, own, meta, device)
    for name, spec in header.get("parts", {}).items():
        loaded.parts[name] = instantiate(path, spec["arch"], spec["config"], by_part[name], {}, device)
    return loaded


def instantiate(
    path: str | os.PathLike[str],
    arch: str,
    config: dict[str, Any],
    state: Mapping[str, torch.Tensor],
    meta: dict[str, Any],
    device: str | torch.device = "cpu",
) -> LoadedModel:
    """Build `arch` from `config`, load `state` strictly, move to `device`, eval mode."""
    try:
        module = build(arch, config)
    except UnknownArchitecture as exc:
        raise CheckpointError(path, str(exc)) from exc
    except (TypeError, ValueError) as exc:
        raise CheckpointError(path, f"invalid {arch} configuration {config}: {exc}") from exc
    expected = module.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        raise CheckpointError(path, f"weights do not match {arch}: " + _describe_keys(missing, unexpected))
    wrong = [
        f"{key} is {tuple(state[key].shape)}, expected {tuple(value.shape)}"
        for key, value in expected.items()
        if tuple(state[key].shape) != tuple(value.shape)
    ]
    if wrong:
        raise CheckpointError(path, f"shape mismatch for {arch}: " + "; ".join(wrong[:5]) + (f" (+{len(wrong) - 5} more)" if len(wrong) > 5 else ""))
    module.load_state_dict(dict(state), strict=True)
    module.eval().requires_grad_(False)
    module.to(device)
    return LoadedModel(arch=arch, config=dict(config), module=module, meta=meta, path=os.fspath(path))


def _describe_keys(missing: list[str], unexpected: list[str]) -> str:
    parts = []
    if missing:
        parts.append(f"{len(missing)} missing (e.g. {', '.join(missing[:3])})")
    if unexpected:
        parts.append(f"{len(unexpected)} unexpected (e.g. {', '.join(unexpected[:3])})")
    return "; ".join(parts)
