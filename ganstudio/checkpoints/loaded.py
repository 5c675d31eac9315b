"""What `load_model` returns."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch.nn as nn

from ganstudio import families


@dataclass
class LoadedModel:
    """A network ready for inference plus everything its file said about it.

    `module` is the primary network (eval mode). `parts` holds companion
    networks stored in the same file, e.g. the SPADE VAE style encoder
    ("encoder") or the reverse CycleGAN direction ("reverse").
    """

    arch: str
    config: dict[str, Any]
    module: nn.Module
    meta: dict[str, Any] = field(default_factory=dict)
    parts: dict[str, "LoadedModel"] = field(default_factory=dict)
    path: str = ""

    @property
    def labels(self) -> list[dict[str, Any]]:
        return list(self.meta.get("labels") or [])

    @property
    def attributes(self) -> list[str]:
        return list(self.meta.get("attributes") or [])

    @property
    def resolution(self) -> Any:
        return self.meta.get("resolution")

    @property
    def family(self) -> str:
        """The name of the family that declares this network ("" for an unknown name)."""
        owner = families.family_of(self.arch)
        return owner.name if owner is not None else ""

    @property
    def capabilities(self) -> frozenset[str]:
        """What this model can do, from its family's declaration and the parts its file holds."""
        return families.capabilities(self.arch, self.parts)
