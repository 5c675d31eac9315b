"""The OASIS noise of a painting: a base seed and an ordered list of region re-rolls.

OASIS (ganstudio.models.oasis) takes a per-pixel noise map beside the label map.
The document never stores that map (64 floats per pixel); it stores how to make
it again, so the same document gives the same picture on any device:

- ``seed``: the base noise vector, drawn with a seeded CPU generator and
  repeated over every pixel (the reference's own per-image noise);
- ``rerolls``: in order, each a fresh vector (its own seed) that replaces the
  noise over one region: every pixel of a class (``class_id``; the region
  follows the class as it is painted) or a fixed mask of label-map pixels
  (``mask``, e.g. one connected area at the time of the re-roll). A later
  re-roll wins where two overlap.

The engine (ganstudio.engine.painting) builds the map from `to_style()`. A
project stores `to_json()` in ``region_styles.noise`` and each mask as a uint8
array ``noise.reroll<i>.mask`` in styles.safetensors (see document.project).
No torch, no Qt.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping

import numpy as np

from . import limits

MAX_SEED = (1 << 63) - 1  # torch's manual_seed takes up to 2**64 - 1; one bit spare
MAX_REROLLS = 256  # a project with more is refused; the app starts over (Re-roll all) long before
MAX_CLASS_ID = 65535
MASK_ARRAY = "noise.reroll{index}.mask"


@dataclass(frozen=True, eq=False)
class Reroll:
    """New noise (from `seed`) over every pixel of `class_id`, or over the pixels set in `mask`."""

    seed: int
    class_id: int | None = None
    mask: np.ndarray | None = None  # (H, W) bool, read-only; label-map sized

    def __post_init__(self) -> None:
        if (self.class_id is None) == (self.mask is None):
            raise ValueError("a re-roll names either a class or a mask")
        if not 0 <= int(self.seed) <= MAX_SEED:
            raise ValueError(f"a noise seed must lie in 0..{MAX_SEED}, got {self.seed}")
        if self.class_id is not None and not 0 <= int(self.class_id) <= MAX_CLASS_ID:
            raise ValueError(f"a class id must lie in 0..{MAX_CLASS_ID}, got {self.class_id}")
        if self.mask is not None:
            mask = np.asarray(self.mask)
            if mask.ndim != 2 or mask.size == 0 or mask.size > limits.MAX_LABEL_MAP_PIXELS:
                raise ValueError(f"a re-roll mask must be a label-map sized 2-D array, got shape {mask.shape}")
            frozen = np.array(mask != 0, dtype=bool)  # our own copy: the caller may keep editing theirs
            frozen.flags.writeable = False
            object.__setattr__(self, "mask", frozen)

    @cached_property
    def key(self) -> tuple[Any, ...]:
        """Hashable identity (the mask by its digest), for equality and the engine's cache."""
        if self.mask is None:
            return ("class", int(self.seed), int(self.class_id))  # type: ignore[arg-type]
        digest = hashlib.blake2b(np.packbits(self.mask).tobytes(), digest_size=16).hexdigest()
        return ("mask", int(self.seed), self.mask.shape, digest)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Reroll) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)


@dataclass(frozen=True)
class NoiseState:
    """Base seed + ordered re-rolls (see the module docstring). Immutable: edits return a new state."""

    seed: int = 0
    rerolls: tuple[Reroll, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not 0 <= int(self.seed) <= MAX_SEED:
            raise ValueError(f"a noise seed must lie in 0..{MAX_SEED}, got {self.seed}")
        if len(self.rerolls) > MAX_REROLLS:
            raise ValueError(f"at most {MAX_REROLLS} region re-rolls are kept, got {len(self.rerolls)}")
        object.__setattr__(self, "rerolls", tuple(self.rerolls))

    @property
    def key(self) -> tuple[Any, ...]:
        return (int(self.seed), tuple(r.key for r in self.rerolls))

    def with_reroll(self, reroll: Reroll) -> "NoiseState":
        """This state with `reroll` last. An earlier re-roll of the same class is dropped: the new one covers
        exactly its pixels at every synthesis, so the picture is the same and the list stays short."""
        kept = tuple(r for r in self.rerolls if reroll.class_id is None or r.class_id != reroll.class_id)
        if len(kept) >= MAX_REROLLS:
            raise ValueError(f"at most {MAX_REROLLS} region re-rolls are kept: use Re-roll all to start over")
        return NoiseState(self.seed, kept + (reroll,))

    def to_style(self) -> dict[str, Any]:
        """The plain dict a PaintJob carries (masks as bool arrays)."""
        rerolls: list[dict[str, Any]] = []
        for r in self.rerolls:
            rerolls.append({"seed": int(r.seed), "class_id": int(r.class_id)} if r.mask is None else {"seed": int(r.seed), "mask": r.mask})
        return {"seed": int(self.seed), "rerolls": rerolls}

    def to_json(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """(JSON part, arrays) for a project file: masks by array name, as uint8 0/1 (no booleans in files)."""
        arrays: dict[str, np.ndarray] = {}
        rerolls: list[dict[str, Any]] = []
        for index, r in enumerate(self.rerolls):
            if r.mask is None:
                rerolls.append({"seed": int(r.seed), "class_id": int(r.class_id)})  # type: ignore[arg-type]
            else:
                name = MASK_ARRAY.format(index=index)
                arrays[name] = r.mask.astype(np.uint8)
                rerolls.append({"seed": int(r.seed), "mask": name})
        return {"seed": int(self.seed), "rerolls": rerolls}, arrays

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None, arrays: Mapping[str, np.ndarray]) -> "NoiseState":
        """The state a project saved (validated by document.project when the file was read).

        A re-roll whose mask array is missing is skipped: it would only have
        changed that region's look, and the rest of the work still opens.
        """
        if not data:
            return cls()
        rerolls = []
        for entry in list(data.get("rerolls") or [])[:MAX_REROLLS]:
            if "mask" in entry:
                mask = arrays.get(str(entry["mask"]))
                if mask is not None:
                    rerolls.append(Reroll(int(entry["seed"]), mask=mask))
            elif "class_id" in entry:
                rerolls.append(Reroll(int(entry["seed"]), class_id=int(entry["class_id"])))
        return cls(int(data.get("seed", 0)), tuple(rerolls))

    def describe(self) -> dict[str, Any]:
        """A small JSON summary (masks by digest and pixel count), for an exported picture's recipe."""
        return {
            "seed": int(self.seed),
            "rerolls": [
                {"seed": int(r.seed), "class_id": int(r.class_id)} if r.mask is None  # type: ignore[arg-type]
                else {"seed": int(r.seed), "mask_sha": r.key[3], "mask_pixels": int(r.mask.sum()), "mask_size": list(r.mask.shape[::-1])}
                for r in self.rerolls
            ],
        }
