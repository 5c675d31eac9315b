"""What the StyleGAN latent explorer asks for, as plain data: sources, settings, jobs, blend weights.

No torch and no Qt here, so the app layer can build requests and the tests can
check the arithmetic without a model. `ganstudio.engine.latent` runs them.

A *source* is where a latent comes from: a seed (z drawn exactly as the
reference tools draw it, then mapped with the truncation settings and the class
label) or a saved W-space latent ``w`` of shape [num_ws, w_dim] (used as it
is: saved latents such as projector outputs are already final). A render
blends one or more weighted sources in W (the interpolation pad), then takes
each of the num_ws style inputs from that blend (source 0, "A") or from one of
the mixing sources (1, 2, ... = "B", "C", ...). Direction edits (SeFa, GANSpace,
attribute boundaries; `ganstudio.engine.directions`) are added last.
"""
from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping, Sequence

import numpy as np

from .jobs import BatchJob, Job

NOISE_MODES = ("const", "random", "none")
MAX_NOISE_SCALE = 2.0
CORNERS = ((0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0))  # pad coordinates: x right, y down
IDW_POWER = 2.0
CHANNEL = "latent"


@dataclass(frozen=True, kw_only=True, eq=False)
class LatentSource:
    """A seed (with its class for conditional models) or a saved W latent [num_ws, w_dim]."""

    seed: int | None = None
    class_index: int | None = None  # None: the explorer's current class
    w: np.ndarray | None = None
    name: str = ""

    def __post_init__(self) -> None:
        if (self.seed is None) == (self.w is None):
            raise ValueError("a latent source is either a seed or a saved w, not both or neither")
        if self.w is not None:
            w = np.array(self.w, dtype=np.float32, copy=True)
            if w.ndim == 3 and w.shape[0] == 1:
                w = w[0]
            if w.ndim != 2:
                raise ValueError(f"a saved latent must have shape [num_ws, w_dim], got {tuple(np.shape(self.w))}")
            w.flags.writeable = False
            object.__setattr__(self, "w", w)

    @classmethod
    def from_seed(cls, seed: int, class_index: int | None = None) -> "LatentSource":
        return cls(seed=int(seed), class_index=class_index)

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        return f"seed {self.seed}" if self.seed is not None else "saved latent"

    def to_json(self) -> dict[str, Any]:
        """Describe it for PNG text and project files (a saved w is referred to by name only)."""
        if self.seed is not None:
            return {"seed": self.seed, "class": self.class_index, "name": self.name}
        return {"w": self.name or "saved latent"}


@dataclass(frozen=True)
class NoiseSettings:
    """Per-pixel noise: mode, seed for 'random', a multiplier per synthesis layer and a global one."""

    mode: str = "const"
    seed: int = 0
    scales: tuple[float, ...] = ()  # one per noise layer (empty: all 1)
    global_scale: float = 1.0

    def __post_init__(self) -> None:
        if self.mode not in NOISE_MODES:
            raise ValueError(f"noise mode must be one of {NOISE_MODES}, got {self.mode!r}")

    def layer_scales(self, count: int) -> list[float]:
        """The multiplier each of `count` noise layers gets (layer slider x global)."""
        scales = list(self.scales) or [1.0] * count
        if len(scales) != count:
            raise ValueError(f"the model has {count} noise layers, the settings give {len(scales)} strengths")
        return [float(s) * float(self.global_scale) for s in scales]

    def to_json(self) -> dict[str, Any]:
        return {"mode": self.mode, "seed": self.seed, "scales": list(self.scales), "global": self.global_scale}


@dataclass(frozen=True, kw_only=True, eq=False)
class DirectionEdit:
    """Move ws first_ws..last_ws (inclusive; None = to the last) by ``amount * vector`` in W."""

    vector: np.ndarray  # [w_dim]
    amount: float
    first_ws: int = 0
    last_ws: int | None = None
    name: str = ""

    def __post_init__(self) -> None:
        vector = np.array(self.vector, dtype=np.float32, copy=True)
        if vector.ndim != 1 or not np.isfinite(vector).all():
            raise ValueError(f"a direction is a finite vector [w_dim], got shape {tuple(np.shape(self.vector))}")
        if not math.isfinite(float(self.amount)):
            raise ValueError(f"a direction's amount must be finite, got {self.amount}")
        if self.first_ws < 0 or (self.last_ws is not None and self.last_ws < self.first_ws):
            raise ValueError(f"ws range {self.first_ws}-{self.last_ws} is empty")
        vector.flags.writeable = False
        object.__setattr__(self, "vector", vector)
        object.__setattr__(self, "amount", float(self.amount))

    def to_json(self) -> dict[str, Any]:
        """Describe it for PNG text and favourites (the vector itself lives in the direction set)."""
        return {"name": self.name, "amount": round(self.amount, 6), "first_ws": self.first_ws, "last_ws": self.last_ws}


@dataclass(frozen=True, eq=False)
class WeightOffsets:
    """Per-photo offsets of some generator weights (HyperStyle): the layer `name` convolves with W * (1 + offset).

    `offsets` maps a generator parameter name ("synthesis.b8.conv0.weight") to an array of that
    weight's shape; `token` identifies them, so the session computes the offset weights once.
    """

    offsets: Mapping[str, np.ndarray]
    token: str = field(default_factory=lambda: uuid.uuid4().hex)

    def __post_init__(self) -> None:
        for name, value in self.offsets.items():
            if not isinstance(value, np.ndarray) or not np.issubdtype(value.dtype, np.floating):
                raise ValueError(f"the offset of {name} is not a floating-point array")

    def to_json(self) -> dict[str, Any]:
        return {"layers": sorted(self.offsets)}


@dataclass(frozen=True, kw_only=True, eq=False)
class LatentRender:
    """One image: a weighted blend of sources in W, per-w mixing, truncation, class and noise."""

    blend: tuple[tuple[LatentSource, float], ...]
    psi: float = 1.0
    cutoff: int | None = None
    class_index: int = 0
    mixing: tuple[LatentSource, ...] = ()
    layer_sources: tuple[int, ...] = ()  # per w: 0 = the blend, k = mixing[k - 1]; empty = all 0
    noise: NoiseSettings = field(default_factory=NoiseSettings)
    edits: tuple[DirectionEdit, ...] = ()  # added to the final ws, after truncation and mixing
    weight_offsets: WeightOffsets | None = None  # a photo's HyperStyle refinement, applied to the generator

    def __post_init__(self) -> None:
        if not self.blend:
            raise ValueError("a render needs at least one latent source")
        bad = [index for index in self.layer_sources if not 0 <= index <= len(self.mixing)]
        if bad:
            raise ValueError(f"mixing source {bad[0]} does not exist (there are {len(self.mixing)} mixing sources)")

    def describe(self) -> dict[str, Any]:
        """Plain settings for PNG text chunks and favourites."""
        return {
            "blend": [{**source.to_json(), "weight": round(float(weight), 6)} for source, weight in self.blend],
            "psi": self.psi,
            "cutoff": self.cutoff,
            "class": self.class_index,
            "mixing": [source.to_json() for source in self.mixing],
            "layer_sources": list(self.layer_sources),
            "noise": self.noise.to_json(),
            # only when there are edits, so settings written before directions existed read the same
            **({"edits": [edit.to_json() for edit in self.edits]} if self.edits else {}),
        }


@dataclass(frozen=True, kw_only=True, eq=False)
class LatentJob(Job):
    """Render `render` with the StyleGAN2 model at `model_path`; `preview` renders smaller."""

    channel: str = CHANNEL
    render: LatentRender
    preview: bool = False

    session: ClassVar[Any] = "ganstudio.engine.latent:LatentSession"
    title: ClassVar[str] = "Latent render"


@dataclass(frozen=True, kw_only=True, eq=False)
class LatentAnimationJob(BatchJob):
    """A GIF of a path through `stops` (one render per stop), blended in W between them."""

    channel: str = "latent-animation"
    stops: tuple[LatentRender, ...]
    path: str
    frames_per_segment: int = 12
    frame_ms: int = 60
    size: int | None = None  # longest side of the frames; None: the model's resolution
    loop: bool = True

    session: ClassVar[Any] = "ganstudio.engine.latent:LatentSession"
    title: ClassVar[str] = "GIF animation"


@dataclass(frozen=True, kw_only=True, eq=False)
class ZLatentJob(LatentJob):
    """A LatentJob for a generator from z alone (DCGAN, ProGAN): the blend is in Z, the W settings do not apply."""

    session: ClassVar[Any] = "ganstudio.engine.z_latent:ZLatentSession"


@dataclass(frozen=True, kw_only=True, eq=False)
class ZLatentAnimationJob(LatentAnimationJob):
    """A LatentAnimationJob for a generator from z alone: frames interpolate in Z."""

    session: ClassVar[Any] = "ganstudio.engine.z_latent:ZLatentSession"


# ----------------------------------------------------------------------------- model layout


@dataclass(frozen=True)
class StyleLayout:
    """What the explorer needs to know of a StyleGAN2 generator, read from its config alone."""

    resolution: int
    num_ws: int
    w_dim: int
    z_dim: int
    c_dim: int
    noise_layers: tuple[str, ...]  # "b8.conv0" ..., in synthesis order
    w_resolutions: tuple[int, ...]  # the block resolution each w index drives

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "StyleLayout":
        resolution = int(config["img_resolution"])
        synthesis = dict(config.get("synthesis_kwargs") or {})
        architecture = synthesis.get("architecture", "skip")
        use_noise = bool(synthesis.get("use_noise", True))
        blocks = [2 ** i for i in range(2, int(math.log2(resolution)) + 1)]
        noise: list[str] = []
        w_res: list[int] = []
        for res in blocks:
            convs = ["conv1"] if res == 4 else ["conv0", "conv1"]
            noise += [f"b{res}.{name}" for name in convs] if use_noise else []
            w_res += [res] * len(convs)
        w_res.append(resolution)  # the last block's toRGB takes one more w
        del architecture  # every architecture has the same w layout
        return cls(resolution, len(w_res), int(config["w_dim"]), int(config["z_dim"]), int(config.get("c_dim", 0)),
                   tuple(noise), tuple(w_res))


def z_only_layout(resolution: int, z_dim: int) -> StyleLayout:
    """The explorer's layout of a generator from z alone: one "w" per picture, z itself ([1, z_dim]), no noise inputs."""
    return StyleLayout(int(resolution), 1, int(z_dim), int(z_dim), 0, (), (int(resolution),))


def crossover_sources(num_ws: int, crossover: int, fine_source: int = 1) -> tuple[int, ...]:
    """Coarse styles (w index < crossover) from A, fine ones from `fine_source`."""
    crossover = max(0, min(int(crossover), num_ws))
    return tuple(0 if index < crossover else fine_source for index in range(num_ws))


def crossover_of(layer_sources: Sequence[int]) -> tuple[int, int] | None:
    """The (crossover, fine source) that `layer_sources` amounts to, or None for any other pattern.

    A crossover is "A up to w k - 1, then one source from w k on"; all A is the
    crossover at num_ws (fine source 0: none). Used to show hand-made toggles on
    the crossover slider.
    """
    sources = [int(s) for s in layer_sources]
    count = len(sources)
    crossover = next((index for index, source in enumerate(sources) if source != 0), count)
    fine = sources[crossover] if crossover < count else 0
    if any(source != fine for source in sources[crossover:]):
        return None
    return crossover, fine


# ----------------------------------------------------------------------------- pad weights


def is_corner_layout(positions: Sequence[tuple[float, float]], tolerance: float = 1e-6) -> bool:
    """True when the anchors sit exactly on the pad's four corners (in CORNERS order)."""
    return len(positions) == 4 and all(
        abs(x - cx) <= tolerance and abs(y - cy) <= tolerance for (x, y), (cx, cy) in zip(positions, CORNERS)
    )


def bilinear_weights(x: float, y: float) -> np.ndarray:
    """Weights of the four CORNERS anchors at cursor (x, y) in [0, 1]^2."""
    x, y = min(max(x, 0.0), 1.0), min(max(y, 0.0), 1.0)
    return np.array([(1 - x) * (1 - y), x * (1 - y), (1 - x) * y, x * y], dtype=np.float64)


def inverse_distance_weights(x: float, y: float, positions: Sequence[tuple[float, float]],
                             power: float = IDW_POWER) -> np.ndarray:
    """Shepard weights 1/d^power, normalised; a cursor on an anchor gives that anchor everything."""
    points = np.asarray(positions, dtype=np.float64).reshape(-1, 2)
    if len(points) == 0:
        return np.zeros(0)
    distances = np.hypot(points[:, 0] - x, points[:, 1] - y)
    nearest = int(np.argmin(distances))
    if distances[nearest] < 1e-9:
        weights = np.zeros(len(points))
        weights[nearest] = 1.0
        return weights
    weights = distances ** -power
    return weights / weights.sum()


def pad_weights(x: float, y: float, positions: Sequence[tuple[float, float]]) -> np.ndarray:
    """Bilinear on the four default corners, inverse-distance weights for anchors placed freely."""
    if is_corner_layout(positions):
        return bilinear_weights(x, y)
    return inverse_distance_weights(x, y, positions)
