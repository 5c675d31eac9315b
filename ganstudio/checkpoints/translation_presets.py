"""The published MUNIT / UNIT configurations: what their `gen_XXXXXXXX.pt` files cannot tell.

Every published config of NVlabs/MUNIT and mingyuliutw/UNIT builds the same
generator (dim 64, 2 downsamplings, 4 residual blocks, relu, reflect padding;
MUNIT: 8-d styles, MLP width 256), and the widths and depths are read from the
weights anyway. A preset adds what the weights never hold: the domains' names
(shown instead of "A -> B") and the training image size.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TranslationPreset:
    name: str
    display_name: str
    domains: tuple[str, str]  # (A, B) as the reference's data folders define them
    resolution: int
    families: tuple[str, ...]  # which of "munit", "unit" published a config for it
    config: dict[str, Any] = field(default_factory=lambda: {"activ": "relu", "pad_type": "reflect"})


TRANSLATION_PRESETS: dict[str, TranslationPreset] = {p.name: p for p in (
    TranslationPreset("edges2shoes", "edges2shoes", ("edges", "shoes"), 256, ("munit", "unit")),
    TranslationPreset("edges2handbags", "edges2handbags", ("edges", "handbags"), 256, ("munit", "unit")),
    TranslationPreset("summer2winter_yosemite256", "summer2winter (Yosemite)", ("summer", "winter"), 256, ("munit", "unit")),
    TranslationPreset("synthia2cityscape", "SYNTHIA -> Cityscapes", ("SYNTHIA", "Cityscapes"), 256, ("munit",)),
    TranslationPreset("gta2city", "GTA -> Cityscapes", ("GTA", "Cityscapes"), 512, ("unit",)),
)}


def get_translation_preset(name: str) -> TranslationPreset | None:
    """The preset called `name` (case, '-' and '_' insensitive), or None."""
    key = str(name).strip().lower().replace("-", "_")
    for preset in TRANSLATION_PRESETS.values():
        if preset.name.replace("-", "_") == key or preset.name.replace("-", "_").removesuffix("_yosemite256") == key:
            return preset
    return None
