"""Loaded models, by file, ready on a device: a small least-recently-used cache.

Used only from the worker thread (no locking). A model is keyed by its file
(resolved path, size and modification time, so a re-exported file reloads),
the load hints and the device. Its precision: with a `PrecisionPolicy`, the
measured choice (precision.py; cached per file and machine, so measured once)
or the one the user named (the cache's preference, or a "precision" load hint
from the Model menu); without one, `device.runtime_for`'s default for the
architecture. `ReadyModel.info()` tells the app the model's family,
capabilities and precision (see ganstudio.families).
"""
from __future__ import annotations

import gc
import os
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Hashable, Mapping

import torch

from ganstudio.checkpoints import LoadedModel, load_model

from .device import Runtime, describe_device, empty_device_cache, runtime_for
from .pauses import freeze_long_lived_objects
from .precision import Candidate, Choice, PrecisionPolicy

PRECISION_HINT = "precision"  # a load hint naming the precision ("auto", "fp32", "bf16", "fp16"); not for the loader

Loader = Callable[..., LoadedModel]


@dataclass
class ReadyModel:
    """A LoadedModel moved to its device, with the runtime of each network in it."""

    loaded: LoadedModel
    runtime: Runtime
    key: Hashable
    part_runtimes: dict[str, Runtime] = field(default_factory=dict)
    precision: Choice | None = None  # how the runtime's precision was chosen (None: the unmeasured default)

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
            # an official LostGAN file names its classes and its objects per layout here (a trained one: labels, provenance)
            "class_names": list(loaded.meta.get("class_names") or []),
            "max_objects": loaded.meta.get("max_objects"),
            "resolution": loaded.resolution,
            "provenance": loaded.meta.get("provenance"),
            "parts": sorted(loaded.parts),
            "parameters": sum(p.numel() for p in loaded.module.parameters()),
            "device": describe_device(self.runtime.device),
            "precision": self.runtime.precision_name,
            # "bf16 (measured 2.9x faster, 0.4 levels)": the status bar and the Model menu show it
            "precision_note": self.precision.describe() if self.precision is not None else self.runtime.precision_name,
            "precision_source": self.precision.source if self.precision is not None else "default",
        }

    def use(self, candidate: Candidate, note: str = "") -> None:
        """Run the model (and its parts) in a candidate's precision from now on."""
        device = self.runtime.device
        self.runtime = candidate_runtime(candidate, device, note)
        self.runtime.prepare(self.loaded.module)
        for name, part in self.loaded.parts.items():
            self.part_runtimes[name] = candidate_runtime(candidate, self.part_runtimes[name].device, note)
            self.part_runtimes[name].prepare(part.module)


def candidate_runtime(candidate: Candidate, device: torch.device, note: str = "") -> Runtime:
    return Runtime(device, torch.float32, candidate.channels_last, candidate.autocast, candidate.keep_fp32, note)


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
    def __init__(self, loader: Loader = load_model, capacity: int = 2, precision: str = "auto",
                 policy: PrecisionPolicy | None = None) -> None:
        """`policy`: measure (or look up) each model's precision; without it the unmeasured default applies."""
        if capacity < 1:
            raise ValueError("the model cache must hold at least one model")
        self._loader = loader
        self.capacity = capacity
        self.precision = precision
        self.policy = policy
        self._models: OrderedDict[Hashable, ReadyModel] = OrderedDict()

    def get(self, path: str | os.PathLike[str], device: torch.device | str, hints: Mapping[str, Any] | None = None) -> ReadyModel:
        """The model in `path` ready on `device`, loading it if needed.

        Raises whatever the loader raises (CheckpointError for unusable files).
        """
        hints = dict(hints or {})
        preference = str(hints.pop(PRECISION_HINT, None) or self.precision).lower()
        device = torch.device(device)
        key = (file_key(path), _hints_key(hints), str(device), preference)
        ready = self._models.get(key)
        if ready is not None:
            self._models.move_to_end(key)
            return ready
        # the same model in another precision goes first (the Model menu switched it)
        for other in [k for k in self._models if k[:3] == key[:3]]:
            self._drop(other)
        # make room first, so peak memory holds `capacity` models, not one more
        while len(self._models) >= self.capacity:
            self._drop(next(iter(self._models)))
        loaded = self._loader(os.fspath(path), device="cpu", **hints)
        if not loaded.path:
            loaded.path = os.fspath(path)
        legacy = preference if self.policy is None else "auto"
        runtime = runtime_for(device, loaded.arch, legacy)
        runtime.prepare(loaded.module)
        part_runtimes = {}
        for name, part in loaded.parts.items():
            part_runtimes[name] = runtime_for(device, part.arch, legacy)
            part_runtimes[name].prepare(part.module)
        ready = ReadyModel(loaded, runtime, key, part_runtimes)
        if self.policy is not None:
            self._choose_precision(ready, os.fspath(path), preference)
        self._models[key] = ready
        freeze_long_lived_objects()  # the network lives long: keep it out of full GC passes
        return ready

    def _choose_precision(self, ready: ReadyModel, path: str, preference: str) -> None:
        """Apply the policy; a probe that fails keeps the default runtime and says why."""
        from .precision_probes import probe_for

        assert self.policy is not None
        default, part_defaults = ready.runtime, dict(ready.part_runtimes)
        try:
            choice = self.policy.choose(path, default.device, ready.module, probe_for(ready), ready.use, preference)
        except Exception as exc:  # a kind of model the probe does not fit: the default is always safe
            ready.runtime, ready.part_runtimes = default, part_defaults
            default.prepare(ready.module)
            for name, part in ready.loaded.parts.items():
                part_defaults[name].prepare(part.module)
            ready.precision = Choice(Candidate(), source="unprobed", note=str(exc).splitlines()[0] if str(exc) else "")
            return
        if choice.source == "unprobed":
            ready.runtime = default
        else:
            ready.runtime = replace(ready.runtime, note=choice.describe())
        ready.precision = choice

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
