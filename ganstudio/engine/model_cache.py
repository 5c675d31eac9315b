"""Loaded models, by file, ready on a device: a small least-recently-used cache.

Used only from the worker thread (no locking). A model is keyed by its file
(resolved path, size and modification time, so a re-exported file reloads),
the load hints and the device; the precision comes from the policy in
`device.runtime_for` for the model's architecture. `ReadyModel.info()` tells
the app the model's family and capabilities (see ganstudio.families).
"""
from __future__ import annotations

import gc
import os
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Hashable, Mapping

import torch

from ganstudio.checkpoints import LoadedModel, load_model

from .device import Runtime, describe_device, empty_device_cache, runtime_for
from .pauses import freeze_long_lived_objects

Loader = Callable[..., LoadedModel]


@dataclass
class ReadyModel:
    """A LoadedModel moved to its device, with the runtime of each network in it."""

    loaded: LoadedModel
    runtime: Runtime
    key: Hashable
    part_runtimes: dict[str, Runtime] = field(default_factory=dict)

    @property
    def module(self) -> torch.nn.Module:
        return self.loaded.module

    def part(self, name: str) -> tuple[torch.nn.Module, Runtime] | None:
        """A companion network (e.g. "encoder") and its runtime, if the file has it."""
        if name not in self.loaded.parts:
            return None
        return self.loaded.parts[name].module, self.part_runtimes[name]

    def info(self) -> dict[str, Any]:
        """What the app shows about the model: plain Python only, no tensors."""
        loaded = self.loaded
        return {
            "path": loaded.path,
            "name": Path(loaded.path).name,
            "arch": loaded.arch,
            "family": loaded.family,
            "capabilities": sorted(loaded.capabilities),  # ask these rather than compare arch names
            "config": dict(loaded.config),
            "labels": loaded.labels,
            "attributes": loaded.attributes,
            "resolution": loaded.resolution,
            "provenance": loaded.meta.get("provenance"),
            "parts": sorted(loaded.parts),
            "parameters": sum(p.numel() for p in loaded.module.parameters()),
            "device": describe_device(self.runtime.device),
            "precision": self.runtime.precision_name,
        }


def file_key(path: str | os.PathLike[str]) -> tuple[str, int, int]:
    """Identity of a file's current contents; a missing file keys by name (the loader reports it)."""
    resolved = os.path.realpath(path)
    try:
        stat = os.stat(resolved)
    except OSError:
        return resolved, -1, -1
    return resolved, stat.st_size, stat.st_mtime_ns


def _hints_key(hints: Mapping[str, Any]) -> tuple:
    return tuple(sorted((name, repr(value)) for name, value in hints.items()))


class ModelCache:
    def __init__(self, loader: Loader = load_model, capacity: int = 2, precision: str = "auto") -> None:
        if capacity < 1:
            raise ValueError("the model cache must hold at least one model")
        self._loader = loader
        self.capacity = capacity
        self.precision = precision
        self._models: OrderedDict[Hashable, ReadyModel] = OrderedDict()

    def get(self, path: str | os.PathLike[str], device: torch.device | str, hints: Mapping[str, Any] | None = None) -> ReadyModel:
        """The model in `path` ready on `device`, loading it if needed.

        Raises whatever the loader raises (CheckpointError for unusable files).
        """
        hints = dict(hints or {})
        device = torch.device(device)
        key = (file_key(path), _hints_key(hints), str(device))
        ready = self._models.get(key)
        if ready is not None:
            self._models.move_to_end(key)
            return ready
        # make room first, so peak memory holds `capacity` models, not one more
        while len(self._models) >= self.capacity:
            self._drop(next(iter(self._models)))
        loaded = self._loader(os.fspath(path), device="cpu", **hints)
        if not loaded.path:
            loaded.path = os.fspath(path)
        runtime = runtime_for(device, loaded.arch, self.precision)
        runtime.prepare(loaded.module)
        part_runtimes = {}
        for name, part in loaded.parts.items():
            part_runtimes[name] = runtime_for(device, part.arch, self.precision)
            part_runtimes[name].prepare(part.module)
        ready = ReadyModel(loaded, runtime, key, part_runtimes)
        self._models[key] = ready
        freeze_long_lived_objects()  # the network lives long: keep it out of full GC passes
        return ready

    def __contains__(self, key: Hashable) -> bool:
        return key in self._models

    def __len__(self) -> int:
        return len(self._models)

    def keys(self) -> list[Hashable]:
        return list(self._models)

    def evict(self, path: str | os.PathLike[str] | None = None) -> int:
        """Forget the models of one file (all devices), or every model; returns how many."""
        resolved = None if path is None else os.path.realpath(path)
        doomed = [key for key in self._models if resolved is None or key[0][0] == resolved]
        for key in doomed:
            self._drop(key)
        return len(doomed)

    def discard(self, key: Hashable) -> bool:
        """Forget one cached model by its key (`ReadyModel.key`)."""
        if key not in self._models:
            return False
        self._drop(key)
        return True

    def _drop(self, key: Hashable) -> None:
        ready = self._models.pop(key)
        device = ready.runtime.device
        del ready  # reference counting frees the network (it is frozen, see pauses.py)
        gc.collect()  # and any cycles created since, before the allocator cache is emptied
        empty_device_cache(device)
