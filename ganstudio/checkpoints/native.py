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
from ganstudio.models.config_schema import show
from ganstudio.models.registry import UnknownArchitecture, arch_of, model_class

from .errors import CheckpointError
from .guards import ConfigProblem, clean_detail, first_non_finite, meta_network, shape_mismatch, still_on_meta
from .loaded import LoadedModel

FORMAT = "ganstudio/1"
PART_PREFIX = "parts."
# class_names / max_objects: what an official LostGAN file's import knows (COCO-Stuff's names, 8 objects per layout)
META_KEYS = ("labels", "attributes", "resolution", "provenance", "class_names", "max_objects")
MAX_CLASS_NAMES = 10_000
MAX_OBJECTS = 1024


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

    `meta` takes labels, attributes, resolution, provenance, class_names and max_objects (JSON-serialisable).
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
    """All tensors and the string metadata of a safetensors file (CheckpointError if unreadable).

    A safetensors file holds its tensors' bytes as they are, so reading them costs
    no more memory than the file's size.
    """
    try:
        with safe_open(os.fspath(path), framework="pt", device="cpu") as handle:
            metadata = handle.metadata() or {}
            tensors = {key: handle.get_tensor(key) for key in handle.keys()}
    except (SafetensorError, OSError, ValueError, RuntimeError, TypeError) as exc:
        raise CheckpointError(path, _unreadable(exc)) from exc
    return tensors, metadata


def _unreadable(exc: BaseException) -> str:
    detail = clean_detail(str(exc))
    return "not a readable safetensors file" + (f" ({detail})" if detail else "")


def is_native(metadata: Mapping[str, str]) -> bool:
    return metadata.get("format") == FORMAT and "ganstudio" in metadata


# Companion networks per file: a generator plus its encoder, discriminator or reverse direction.
MAX_PARTS = 8
# Weights start at this byte multiple, like a fresh torch allocation (see _fill).
ALIGNMENT = 64


def parse_header(path: str | os.PathLike[str], metadata: Mapping[str, str]) -> dict[str, Any]:
    """The `ganstudio` header, checked for shape: arch (str), config (mapping), parts ({name: {arch, config}})."""
    try:
        header = json.loads(metadata["ganstudio"])
    except (KeyError, TypeError, ValueError, RecursionError) as exc:  # ValueError: bad JSON, ints too long
        raise CheckpointError(path, "damaged GAN Studio metadata (not valid JSON)") from exc
    if not isinstance(header, dict):
        raise CheckpointError(path, "damaged GAN Studio metadata (not a JSON object)")
    if not isinstance(header.get("arch"), str) or not isinstance(header.get("config"), dict):
        raise CheckpointError(path, "damaged GAN Studio metadata (arch must be a name and config a mapping)")
    parts = header.get("parts", {})
    if not isinstance(parts, dict) or len(parts) > MAX_PARTS:
        raise CheckpointError(path, f"damaged GAN Studio metadata (parts must map at most {MAX_PARTS} names to networks)")
    for name, spec in parts.items():
        if not name.isidentifier() or not isinstance(spec, dict) or not isinstance(spec.get("arch"), str) \
                or not isinstance(spec.get("config"), dict):
            raise CheckpointError(path, f"damaged GAN Studio metadata (part {show(name)} must have an arch and a config)")
    names = header.get("class_names")
    if names is not None and (not isinstance(names, list) or len(names) > MAX_CLASS_NAMES
                              or not all(isinstance(n, str) and len(n) <= 200 for n in names)):
        raise CheckpointError(path, f"damaged GAN Studio metadata (class_names must be at most {MAX_CLASS_NAMES} short names)")
    objects = header.get("max_objects")
    if objects is not None and (type(objects) is not int or not 1 <= objects <= MAX_OBJECTS):
        raise CheckpointError(path, f"damaged GAN Studio metadata (max_objects must be a whole number from 1 to {MAX_OBJECTS})")
    return header


def load_native(path: str | os.PathLike[str], device: str | torch.device = "cpu") -> LoadedModel:
    """Read a native file: every network's configuration is checked against the tensors' shapes
    in the header before any tensor data is read or any network is built."""
    try:
        with safe_open(os.fspath(path), framework="pt", device="cpu") as handle:
            return _load_native(path, handle, handle.metadata() or {}, device)
    except (SafetensorError, OSError) as exc:
        raise CheckpointError(path, _unreadable(exc)) from exc


def _load_native(path: str | os.PathLike[str], handle: Any, metadata: Mapping[str, str], device: str | torch.device) -> LoadedModel:
    header = parse_header(path, metadata)
    meta = {key: header[key] for key in META_KEYS if key in header}
    meta["format"] = metadata.get("format")

    # tensor name in the file -> (network, name inside it); shapes from the header only
    networks: dict[str, dict[str, str]] = {"": {}, **{name: {} for name in header.get("parts", {})}}
    shapes: dict[str, dict[str, tuple[int, ...]]] = {name: {} for name in networks}
    for key in handle.keys():
        owner, inner = "", key
        if key.startswith(PART_PREFIX):
            owner, _, inner = key[len(PART_PREFIX):].partition(".")
            if owner not in networks or not owner:
                raise CheckpointError(path, f"tensor {show(key, 60)} belongs to an undeclared part")
        networks[owner][inner] = key
        shapes[owner][inner] = tuple(handle.get_slice(key).get_shape())
    specs = {"": (header["arch"], header["config"])}
    specs.update({name: (spec["arch"], spec["config"]) for name, spec in header.get("parts", {}).items()})

    # every network is checked before any is built, so a bad part costs nothing either
    shells = {name: _checked_shell(path, arch, config, shapes[name]) for name, (arch, config) in specs.items()}
    # (shell, its meta state dict) per network
    built: dict[str, LoadedModel] = {}
    for name, (arch, config) in specs.items():
        state = {inner: handle.get_tensor(key) for inner, key in networks[name].items()}
        module = _fill(path, arch, config, shells[name], state)
        built[name] = LoadedModel(arch=arch, config=dict(config), module=module, meta=meta if not name else {},
                                  path=os.fspath(path))
    loaded = built.pop("")
    loaded.parts.update(built)
    return _moved(loaded, device)


def instantiate(
    path: str | os.PathLike[str],
    arch: str,
    config: dict[str, Any],
    state: Mapping[str, torch.Tensor],
    meta: dict[str, Any],
    device: str | torch.device = "cpu",
) -> LoadedModel:
    """Check `config` and `state` against each other, then build `arch` with `state` as its weights, eval mode."""
    shell = _checked_shell(path, arch, config, {key: tuple(value.shape) for key, value in state.items()})
    module = _fill(path, arch, config, shell, state)
    return _moved(LoadedModel(arch=arch, config=dict(config), module=module, meta=meta, path=os.fspath(path)), device)


def _checked_shell(path: str | os.PathLike[str], arch: str, config: Any,
                   shapes: Mapping[str, tuple[int, ...]]) -> tuple[nn.Module, dict[str, torch.Tensor]]:
    """`arch(config)` on the meta device and its state dict, refused unless its weights have exactly `shapes`."""
    try:
        shell = meta_network(arch, config)
    except UnknownArchitecture as exc:
        raise CheckpointError(path, str(exc)) from exc
    except ConfigProblem as exc:
        raise CheckpointError(path, str(exc)) from exc
    expected = shell.state_dict()
    problem = shape_mismatch(arch, config, expected, shapes)
    if problem:
        raise CheckpointError(path, problem)
    return shell, expected


def _fill(path: str | os.PathLike[str], arch: str, config: Mapping[str, Any],
          checked: tuple[nn.Module, dict[str, torch.Tensor]], state: Mapping[str, torch.Tensor]) -> nn.Module:
    """Give the meta shell the tensors of `state` (cast to its dtypes): no second copy, no random init."""
    shell, expected = checked
    weights = {}
    for key, value in state.items():
        want = expected[key].dtype
        if value.dtype != want:
            value = value.to(want)  # float16 storage loads as float32
        if not value.is_contiguous() or value.data_ptr() % ALIGNMENT:
            # safetensors hands out tensors at odd offsets; unaligned weights run slower kernels
            # and differ in the last bits from a copy in fresh memory
            value = value.clone(memory_format=torch.contiguous_format)
        weights[key] = value
    bad = first_non_finite(weights)
    if bad is not None:
        raise CheckpointError(path, f"the weight {show(bad, 60)} holds NaN or infinite values: the file is damaged")
    shell.load_state_dict(weights, strict=True, assign=True)
    if still_on_meta(shell):
        # a tensor the state dict does not carry (none of ours have one): build for real instead
        module = model_class(arch)(**config)
        module.load_state_dict(weights, strict=True)
        shell = module
    shell.eval().requires_grad_(False)
    return shell


def _moved(loaded: LoadedModel, device: str | torch.device) -> LoadedModel:
    if torch.device(device).type != "cpu":
        loaded.module.to(device)
        for part in loaded.parts.values():
            part.module.to(device)
    return loaded
