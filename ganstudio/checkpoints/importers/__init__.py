"""Importers for the official checkpoint files of the reference implementations.

Each family module exposes ``detect(state, hints) -> ImportResult | None``:
given a canonical state dict (containers unwrapped, ``module.`` prefixes
removed) and the caller's hints, it returns the architecture, constructor
config, the state dict to load strictly (stale keys dropped) and metadata, or
None when the keys are not of its family. It raises ``ImportMismatch`` when the
keys are of its family but cannot be made sense of.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import torch

from ganstudio import families

State = Mapping[str, torch.Tensor]


@dataclass
class ImportResult:
    arch: str
    config: dict[str, Any]
    state: dict[str, torch.Tensor]
    meta: dict[str, Any] = field(default_factory=dict)
    # companion networks found in the same file: name -> ImportResult
    parts: dict[str, "ImportResult"] = field(default_factory=dict)


class ImportMismatch(ValueError):
    """The file looks like a known family but its contents do not fit it."""


# Tried in this order, derived from the family declarations (ganstudio.families): an
# importer whose keys overlap another's says which goes first (SEAN before SPADE, PatchGAN
# after the pix2pix and CycleGAN generators); otherwise the registry's order holds.
ORDER: tuple[str, ...] = families.importer_order()
FAMILIES = ORDER  # the name earlier code and tests use


def detectors() -> list[tuple[str, Callable[[State, Mapping[str, Any]], ImportResult | None]]]:
    found = []
    for name in ORDER:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue  # importer not available in this build
            raise
        found.append((name, module.detect))
    return found


def detect(state: State, hints: Mapping[str, Any]) -> ImportResult | None:
    for _family, fn in detectors():
        result = fn(state, hints)
        if result is not None:
            return result
    return None
