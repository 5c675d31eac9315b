"""Requests to find semantic directions on the worker, as plain data (no torch, no Qt).

The Directions panel submits a `FindDirectionsJob`; `DirectionsSession`
(`directions_session.py`) answers with a `DirectionSet` (numpy only). SeFa
takes milliseconds; GANSpace samples 20 000 ws the first time (seconds on a
CPU, progress reported, cancellable, other latent renders run in between) and
reads its disk cache afterwards.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .jobs import BatchJob

METHODS = ("sefa", "ganspace")


@dataclass(frozen=True, kw_only=True, eq=False)
class FindDirectionsJob(BatchJob):
    """Find `count` directions of the StyleGAN2 model at `model_path` by `method`.

    `layers`: for SeFa, the layers factorised (a preset "all"/"coarse"/"middle"/
    "fine" or a (first, last) ws range), which is also each direction's default
    range; for GANSpace, only the default range (PCA uses the one w of the
    mapping network). `samples`/`seed`: GANSpace's sampling.
    """

    channel: str = "directions"
    method: str = "sefa"
    layers: str | tuple[int, int] = "all"
    count: int = 10
    samples: int = 20_000
    seed: int = 0

    session: ClassVar[Any] = "ganstudio.engine.directions_session:DirectionsSession"
    title: ClassVar[str] = "Finding directions"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {self.method!r}")
        if self.count < 1:
            raise ValueError(f"count must be at least 1, got {self.count}")
        if not isinstance(self.layers, str):
            object.__setattr__(self, "layers", tuple(int(v) for v in self.layers))
