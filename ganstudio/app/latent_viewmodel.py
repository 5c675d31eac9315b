"""The StyleGAN latent explorer's state and actions: seed, truncation, class, noise, mixing, pad, favourites.

Widgets call the setters and repaint on the signals; every change that alters
the picture posts a LatentJob to the inference controller (channel "latent",
latest wins while the worker is busy). Dragging on the interpolation pad posts
previews (reduced resolution, see ganstudio.engine.latent) and the release
posts a full render. Results come back with the revision they were made for;
the controller drops stale ones. The view-model holds numpy arrays only.

The picture's latent comes from one of three bases: the seed field ("seed"),
the pad cursor blending its anchors ("pad"), or an imported/favourite latent
("saved"). Mixing then replaces chosen w indices with other sources. `seed`
keeps the last seed shown, so previous/next step from it after a pad or saved
picture, but `shown_seed` is None then: no seed field may claim it.

Noise strengths are one factor per synthesis layer, exactly the factors
applied; "all layers" sets them all (the engine's separate global factor stays
1 here, so no readout hides a second multiplier).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
from PIL import Image
from PySide6.QtCore import QObject, Signal

from ganstudio import families
from ganstudio.document.errors import DocumentError
from ganstudio.document.image_io import write_image
from ganstudio.document.latent_io import read_latent_npz, write_latent_npz
from ganstudio.engine.jobs import Job, Result
from ganstudio.engine.latent_spec import (
    CHANNEL,
    CORNERS,
    MAX_NOISE_SCALE,
    NOISE_MODES,
    DirectionEdit,
    LatentAnimationJob,
    LatentJob,
    LatentRender,
    LatentSource,
    NoiseSettings,
    StyleLayout,
    WeightOffsets,
    ZLatentAnimationJob,
    ZLatentJob,
    crossover_of,
    crossover_sources,
    pad_weights,
    z_only_layout,
)

from .inference import InferenceController

PSI_RANGE = (-1.0, 2.0)
MAX_SEED = 2**32 - 1  # np.random.RandomState accepts 0 .. 2**32 - 1
THUMBNAIL = 64
STYLEGAN_ARCHS = families.archs_for_workspace("latent")  # the networks with a latent space to explore


@dataclass
class Anchor:
    """A latent placed on the interpolation pad at (x, y) in [0, 1]^2."""

    source: LatentSource
    x: float
    y: float

    @property
    def label(self) -> str:
        return self.source.label


@dataclass
class Favourite:
    """A bookmarked latent: its final ws, the settings that made it and a thumbnail."""

    name: str
    ws: np.ndarray  # [num_ws, w_dim] float32
    settings: dict[str, Any]
    thumbnail: np.ndarray  # (h, w, 3) uint8
    # a photo's HyperStyle refinement that was on when it was bookmarked (kept while the app runs; a saved
    # project keeps the ws only, since the offsets of a 1024 px generator run to hundreds of megabytes)
    weight_offsets: WeightOffsets | None = None


@dataclass
class LatentOutput:
    image: np.ndarray
    ws: np.ndarray
    preview: bool
    revision: int
    settings: dict[str, Any] = field(default_factory=dict)
    elapsed_ms: float = 0.0
    stages: tuple[np.ndarray, ...] = ()  # a ProGAN's picture at each growth stage, 4x4 first (full renders only)


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(float(value), low), high)


class LatentViewModel(QObject):
    modelChanged = Signal(object)  # model info dict, or None
    modelRejected = Signal(str, str)  # path, why
    settingsChanged = Signal()  # seed, psi, cutoff, class, noise, mixing or base changed
    anchorsChanged = Signal()
    cursorChanged = Signal(float, float)
    outputChanged = Signal()
    favouritesChanged = Signal()
    renderFailed = Signal(str)
    notice = Signal(str)
    animationStarted = Signal(int)  # total frames
    animationProgress = Signal(int, int)  # done, total
    animationFinished = Signal(str)  # path of the GIF
    animationCancelled = Signal()
    animationFailed = Signal(str)

    def __init__(self, controller: InferenceController | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.model_info: dict[str, Any] | None = None
        self.layout: StyleLayout | None = None
        self.revision = 0
        self.base = "seed"
        self.seed = 0
        self.psi = 1.0
        self.cutoff: int | None = None
        self.class_index = 0
        self.saved: LatentSource | None = None
        self.saved_origin = ""  # "imported" or "favourite": what the seed field says instead of a seed
        self.noise_mode = "const"
        self.noise_seed = 0
        self.noise_scales: list[float] = []  # the factor applied to each noise layer
        self.mixing: list[LatentSource] = [LatentSource.from_seed(1)]
        self.layer_sources: list[int] = []
        self.anchors: list[Anchor] = []
        self.cursor = (0.5, 0.5)
        self.output: LatentOutput | None = None
        self.favourites: list[Favourite] = []
        self.animation_job: int | None = None
        self.edits: tuple[DirectionEdit, ...] = ()  # the Directions panel's moves in W, added after mixing
        self.weight_offsets: WeightOffsets | None = None  # a photo's HyperStyle refinement, for `offsets_for` only
        self.offsets_for: LatentSource | None = None
        self._pending_load: set[str] = set()
        self._requests: dict[int, dict[str, Any]] = {}  # revision -> settings it was made with
        if controller is not None:
            controller.resultReady.connect(self._on_result)
            controller.failed.connect(self._on_failed)
            controller.cancelled.connect(self._on_cancelled)
            controller.progress.connect(self._on_progress)
            controller.modelLoaded.connect(self._on_model_loaded)
            controller.modelFailed.connect(self._on_model_failed)
        self.reset_anchors()

    # ------------------------------------------------------------------ model
    @property
    def model_path(self) -> str:
        return "" if self.model_info is None else str(self.model_info.get("path", ""))

    @property
    def num_ws(self) -> int:
        return 0 if self.layout is None else self.layout.num_ws

    @property
    def z_only(self) -> bool:
        """The current model's latent is z alone (DCGAN, ProGAN): no mixing, noise, truncation, directions or projection."""
        return "z_only_latent" in families.capabilities_of(self.model_info)

    @property
    def num_classes(self) -> int:
        return 0 if self.layout is None else self.layout.c_dim

    def load_model(self, path: str) -> None:
        """Ask the worker to load `path`; it becomes current once loaded (modelChanged) or is refused (modelRejected)."""
        if self.controller is None:
            return
        self._pending_load.add(os.path.realpath(path))
        self.notice.emit(f"Loading {os.path.basename(path)}...")
        self.controller.load_model(path)

    def set_model(self, info: Mapping[str, Any]) -> None:
        """Make a loaded StyleGAN2 model current (info as ReadyModel.info() describes it)."""
        if "latent_space" not in families.capabilities_of(info):
            raise ValueError(f"it is a {info.get('arch')} model; {families.needs_message('latent')}")
        config = info.get("config") or {}
        if "z_only_latent" in families.capabilities_of(info):  # DCGAN, ProGAN: z is the whole latent
            layout = z_only_layout(int(info.get("resolution") or config.get("img_resolution") or 0), int(config["z_dim"]))
        else:
            layout = StyleLayout.from_config(config)
        self.model_info = dict(info)
        self.layout = layout
        self.noise_scales = [1.0] * len(layout.noise_layers)
        self.layer_sources = [0] * layout.num_ws
        self.class_index = min(self.class_index, max(0, layout.c_dim - 1))
        if self.cutoff is not None and self.cutoff > layout.num_ws:
            self.cutoff = None
        if self.saved is not None and self.saved.w is not None and self.saved.w.shape != (layout.num_ws, layout.w_dim):
            self.saved, self.base = None, "seed"
        self.anchors = [a for a in self.anchors if a.source.w is None or a.source.w.shape == (layout.num_ws, layout.w_dim)]
        if not self.anchors:
            self.reset_anchors()
        self.output = None
        self.edits = ()  # directions belong to the previous model
        self.weight_offsets = self.offsets_for = None  # so does a refinement of its weights
        self.modelChanged.emit(self.model_info)
        self.settingsChanged.emit()
        self.anchorsChanged.emit()
        self.outputChanged.emit()
        self.request_render()

    def _on_model_loaded(self, info: dict[str, Any]) -> None:
        path = os.path.realpath(str(info.get("path", "")))
        if path not in self._pending_load:
            return  # loaded for another workspace
        self._pending_load.discard(path)
        try:
            self.set_model(info)
        except ValueError as exc:
            self.modelRejected.emit(str(info.get("path", "")), str(exc))
            return
        self.notice.emit(f"Latent explorer: {info.get('name')}, {self.layout.resolution}x{self.layout.resolution}, {self.layout.num_ws} ws")

    def _on_model_failed(self, path: str, message: str) -> None:
        resolved = os.path.realpath(path)
        if resolved in self._pending_load:
            self._pending_load.discard(resolved)
            self.modelRejected.emit(path, message)

    # ------------------------------------------------------------------ latent settings
    @property
    def shown_seed(self) -> int | None:
        """The seed of the picture's own latent (A), or None when it comes from the pad or a saved latent."""
        return self.seed if self.base == "seed" else None

    def base_label(self) -> str:
        """A short word for where A comes from when it is not a seed: "pad", "imported" or "favourite"."""
        if self.base == "pad":
            return "pad"
        if self.base == "saved":
            return self.saved_origin or "saved"
        return f"seed {self.seed}"

    def base_description(self) -> str:
        """A sentence saying where the picture's latent comes from (for tooltips)."""
        if self.base == "pad":
            return f"The picture is a blend of the pad's {len(self.anchors)} anchors"
        if self.base == "saved" and self.saved is not None:
            what = {"imported": "the imported latent", "projected": "the projected photo"}.get(self.saved_origin, "the favourite")
            return f"The picture is {what} \u201c{self.saved.label}\u201d"
        return f"The picture is seed {self.seed}"

    def set_seed(self, seed: int) -> None:
        self.seed = int(seed) % (MAX_SEED + 1)
        self.base = "seed"
        self._changed()

    def next_seed(self) -> None:
        """The seed after the one shown, or after the last seed shown when the picture is not a seed."""
        self.set_seed(self.seed + 1)

    def previous_seed(self) -> None:
        self.set_seed(self.seed - 1)

    def random_seed(self) -> int:
        self.set_seed(int(np.random.default_rng().integers(0, MAX_SEED + 1)))
        return self.seed

    def set_psi(self, psi: float, preview: bool = False) -> None:
        self.psi = _clamp(psi, *PSI_RANGE)
        self._changed(preview)

    def set_cutoff(self, cutoff: int | None) -> None:
        """Truncate only the first `cutoff` ws (None: all)."""
        self.cutoff = None if cutoff is None or cutoff <= 0 or (self.num_ws and cutoff >= self.num_ws) else int(cutoff)
        self._changed()

    def set_class(self, class_index: int) -> None:
        if self.num_classes and not 0 <= class_index < self.num_classes:
            raise ValueError(f"class {class_index} is out of range (0-{self.num_classes - 1})")
        self.class_index = int(class_index)
        self._changed()

    # ------------------------------------------------------------------ noise
    def set_noise_mode(self, mode: str) -> None:
        if mode not in NOISE_MODES:
            raise ValueError(f"noise mode must be one of {NOISE_MODES}")
        self.noise_mode = mode
        self._changed()

    def set_noise_seed(self, seed: int) -> None:
        self.noise_seed = int(seed)
        self._changed()

    def set_noise_scale(self, layer: int, scale: float, preview: bool = False) -> None:
        self.noise_scales[layer] = _clamp(scale, 0.0, MAX_NOISE_SCALE)
        self._changed(preview)

    def set_noise_global(self, scale: float, preview: bool = False) -> None:
        """Give every noise layer the strength `scale` (each layer's slider then shows it)."""
        self.noise_scales = [_clamp(scale, 0.0, MAX_NOISE_SCALE)] * len(self.noise_scales)
        self._changed(preview)

    @property
    def noise_global(self) -> float | None:
        """The strength all layers share, or None while they differ."""
        if not self.noise_scales:
            return 1.0
        first = self.noise_scales[0]
        return first if all(scale == first for scale in self.noise_scales) else None

    def noise_settings(self) -> NoiseSettings:
        # global factor 1: the per-layer factors are all there is, as the sliders show
        return NoiseSettings(self.noise_mode, self.noise_seed, tuple(self.noise_scales), 1.0)

    # ------------------------------------------------------------------ mixing
    def set_mixing_seed(self, index: int, seed: int) -> None:
        """Mixing source `index` (0 = "B") becomes a seed; one past the end adds a source."""
        source = LatentSource.from_seed(int(seed) % (MAX_SEED + 1))
        if index == len(self.mixing):
            self.mixing.append(source)
        else:
            self.mixing[index] = source
        self._changed()

    def remove_mixing_source(self, index: int) -> None:
        """Drop mixing source `index`; ws that took it go back to A, later sources move down."""
        if not 0 <= index < len(self.mixing):
            return  # a request from a row that was already removed
        del self.mixing[index]
        removed = index + 1
        self.layer_sources = [0 if s == removed else s - 1 if s > removed else s for s in self.layer_sources]
        self._changed()

    def set_layer_source(self, w_index: int, source: int) -> None:
        if not 0 <= source <= len(self.mixing):
            raise ValueError(f"there is no mixing source {source}")
        self.layer_sources[w_index] = int(source)
        self._changed()

    def cycle_layer_source(self, w_index: int) -> int:
        """A toggle click: A -> B -> C ... -> A."""
        source = (self.layer_sources[w_index] + 1) % (len(self.mixing) + 1)
        self.set_layer_source(w_index, source)
        return source

    def crossover(self) -> tuple[int, int] | None:
        """(crossover, fine source) when the per-w sources form one (all A: (num_ws, 0)), else None."""
        return crossover_of(self.layer_sources)

    def set_crossover(self, crossover: int, fine_source: int = 1) -> None:
        """Coarse ws (index < crossover) from A, the fine ones from `fine_source` (B by default)."""
        if not self.mixing:
            self.mixing.append(LatentSource.from_seed(self.seed + 1))
        self.layer_sources = list(crossover_sources(self.num_ws, crossover, fine_source))
        self._changed()

    # ------------------------------------------------------------------ interpolation pad
    def reset_anchors(self) -> None:
        """Four corner anchors: the current seed and the next three."""
        self.anchors = [Anchor(LatentSource.from_seed((self.seed + i) % (MAX_SEED + 1)), x, y) for i, (x, y) in enumerate(CORNERS)]
        self.anchorsChanged.emit()
        if self.base == "pad":
            self._changed()

    def add_anchor(self, source: LatentSource, x: float = 0.5, y: float = 0.5) -> int:
        self.anchors.append(Anchor(source, _clamp(x, 0, 1), _clamp(y, 0, 1)))
        self.anchorsChanged.emit()
        if self.base == "pad":
            self._changed()
        return len(self.anchors) - 1

    def add_favourite_anchor(self, favourite: int, x: float = 0.5, y: float = 0.5) -> int:
        fav = self.favourites[favourite]
        return self.add_anchor(LatentSource(w=fav.ws, name=fav.name), x, y)

    def move_anchor(self, index: int, x: float, y: float, preview: bool = False) -> None:
        anchor = self.anchors[index]
        anchor.x, anchor.y = _clamp(x, 0, 1), _clamp(y, 0, 1)
        self.anchorsChanged.emit()
        if self.base == "pad":
            self._changed(preview)

    def remove_anchor(self, index: int) -> None:
        if len(self.anchors) <= 1:
            raise ValueError("the pad needs at least one anchor")
        del self.anchors[index]
        self.anchorsChanged.emit()
        if self.base == "pad":
            self._changed()

    def set_cursor(self, x: float, y: float, preview: bool = False) -> None:
        """Move the pad cursor: the picture becomes the anchors' blend there (preview while dragging)."""
        self.cursor = (_clamp(x, 0, 1), _clamp(y, 0, 1))
        self.base = "pad"
        self.cursorChanged.emit(*self.cursor)
        self._changed(preview)

    def pad_blend(self) -> tuple[tuple[LatentSource, float], ...]:
        weights = pad_weights(*self.cursor, [(a.x, a.y) for a in self.anchors])
        blend = tuple((a.source, float(w)) for a, w in zip(self.anchors, weights) if w > 1e-9)
        return blend or ((self.anchors[0].source, 1.0),)

    # ------------------------------------------------------------------ renders
    def current_render(self) -> LatentRender:
        if self.base == "pad" and self.anchors:
            blend = self.pad_blend()
        elif self.base == "saved" and self.saved is not None:
            blend = ((self.saved, 1.0),)
        else:
            blend = ((LatentSource.from_seed(self.seed), 1.0),)
        mixing = tuple(self.mixing) if any(self.layer_sources) else ()
        layer_sources = tuple(self.layer_sources) if mixing else ()
        offsets = self.current_offsets()
        return LatentRender(blend=blend, psi=self.psi, cutoff=self.cutoff, class_index=self.class_index,
                            mixing=mixing, layer_sources=layer_sources, noise=self.noise_settings(), edits=self.edits,
                            weight_offsets=offsets)

    def current_offsets(self) -> WeightOffsets | None:
        """The weight offsets that apply to the picture: those of the saved latent they were found for, while it shows."""
        showing = self.base == "saved" and self.saved is not None and self.saved is self.offsets_for
        return self.weight_offsets if showing else None

    def describe(self) -> dict[str, Any]:
        """The settings of the current picture, for PNG text and favourites."""
        return {
            "model": self.model_path,
            "base": self.base,
            "seed": self.seed if self.base == "seed" else None,
            "psi": self.psi,
            "cutoff": self.cutoff,
            "class": self.class_index if self.num_classes else None,
            "pad": {"cursor": list(self.cursor), "anchors": [{**a.source.to_json(), "x": a.x, "y": a.y} for a in self.anchors]} if self.base == "pad" else None,
            "mixing": {"sources": [s.to_json() for s in self.mixing], "layer_sources": list(self.layer_sources)},
            "noise": self.noise_settings().to_json(),
            **({"edits": [edit.to_json() for edit in self.edits]} if self.edits else {}),
        }

    def set_edits(self, edits: Sequence[DirectionEdit], preview: bool = False) -> None:
        """The direction edits (from the Directions panel) the picture gets on top of everything else."""
        self.edits = tuple(edits)
        self._changed(preview)

    def request_render(self, preview: bool = False) -> int | None:
        """Post a render of the current settings; returns its revision (None without a model)."""
        if self.controller is None or self.layout is None:
            return None
        try:
            render = self.current_render()
        except ValueError as exc:
            self.renderFailed.emit(str(exc))
            return None
        self.revision += 1
        self._requests[self.revision] = self.describe()
        while len(self._requests) > 64:
            del self._requests[next(iter(self._requests))]
        job_type = ZLatentJob if self.z_only else LatentJob
        self.controller.submit(job_type(render=render, preview=preview, revision=self.revision, model_path=self.model_path))
        return self.revision

    def _changed(self, preview: bool = False) -> None:
        self.settingsChanged.emit()
        self.request_render(preview)

    def _on_result(self, result: Result) -> None:
        if result.channel == CHANNEL and "image" in result.outputs:
            settings = self._requests.pop(result.revision, {})
            self.output = LatentOutput(np.asarray(result.outputs["image"]), np.asarray(result.outputs["ws"]),
                                       bool(result.outputs.get("preview")), result.revision, settings, result.elapsed_ms,
                                       tuple(np.asarray(stage) for stage in result.outputs.get("stages") or ()))
            self.outputChanged.emit()
        elif self.animation_job is not None and result.job_id == self.animation_job:
            self.animation_job = None
            self.animationFinished.emit(str(result.outputs.get("path", "")))

    def _on_failed(self, job: Job, message: str) -> None:
        if isinstance(job, LatentJob):
            self.renderFailed.emit(message)
        elif isinstance(job, LatentAnimationJob) and job.job_id == self.animation_job:
            self.animation_job = None
            self.animationFailed.emit(message)

    def _on_cancelled(self, job: Job) -> None:
        if job.job_id == self.animation_job:
            self.animation_job = None
            self.animationCancelled.emit()

    def _on_progress(self, job_id: int, done: int, total: int, _message: str) -> None:
        if job_id == self.animation_job:
            self.animationProgress.emit(done, total)

    # ------------------------------------------------------------------ favourites
    def add_favourite(self, name: str = "") -> Favourite:
        """Bookmark the picture on screen (its ws, settings and a thumbnail)."""
        if self.output is None:
            raise ValueError("there is no picture to bookmark yet")
        settings = dict(self.output.settings or self.describe())
        name = name or (f"seed {settings['seed']}" if settings.get("seed") is not None else f"latent {len(self.favourites) + 1}")
        thumbnail = Image.fromarray(self.output.image)
        thumbnail.thumbnail((THUMBNAIL, THUMBNAIL), Image.Resampling.LANCZOS)
        favourite = Favourite(name, np.array(self.output.ws, dtype=np.float32), settings, np.asarray(thumbnail.convert("RGB")),
                              self.current_offsets())
        self.favourites.append(favourite)
        self.favouritesChanged.emit()
        return favourite

    def remove_favourite(self, index: int) -> None:
        del self.favourites[index]
        self.favouritesChanged.emit()

    def apply_favourite(self, index: int) -> None:
        """Show a favourite again: a seed bookmark restores its settings, any other its exact ws."""
        fav = self.favourites[index]
        s = fav.settings
        self.psi = float(s.get("psi", self.psi))
        self.cutoff = s.get("cutoff")
        if s.get("class") is not None and self.num_classes:
            self.class_index = int(s["class"])
        noise = s.get("noise") or {}
        self.noise_mode = noise.get("mode", self.noise_mode)
        self.noise_seed = int(noise.get("seed", self.noise_seed))
        # older settings kept a separate global factor: fold it into the layers, which is what was applied
        factor = float(noise.get("global", 1.0))
        scales = [float(v) for v in noise["scales"]] if len(noise.get("scales") or []) == len(self.noise_scales) else self.noise_scales
        self.noise_scales = [_clamp(v * factor, 0.0, MAX_NOISE_SCALE) for v in scales]
        mixing = s.get("mixing") or {}
        seeds = [m.get("seed") for m in mixing.get("sources") or []]
        if s.get("base") == "seed" and s.get("seed") is not None and all(v is not None for v in seeds) \
                and len(mixing.get("layer_sources") or []) == self.num_ws:
            self.seed, self.base = int(s["seed"]), "seed"
            self.mixing = [LatentSource.from_seed(v) for v in seeds]
            self.layer_sources = [int(v) for v in mixing["layer_sources"]]
        else:
            self.saved, self.base, self.saved_origin = LatentSource(w=fav.ws, name=fav.name), "saved", "favourite"
            self.weight_offsets, self.offsets_for = fav.weight_offsets, (self.saved if fav.weight_offsets is not None else None)
            self.layer_sources = [0] * self.num_ws
        self._changed()

    def favourites_state(self) -> tuple[list[dict[str, Any]], dict[str, np.ndarray]]:
        """For the project file: JSON entries plus the arrays they name."""
        entries, arrays = [], {}
        for index, fav in enumerate(self.favourites):
            w_key, thumb_key = f"favourite{index}.w", f"favourite{index}.thumbnail"
            entries.append({"name": fav.name, "settings": fav.settings, "w": w_key, "thumbnail": thumb_key})
            arrays[w_key] = fav.ws
            arrays[thumb_key] = fav.thumbnail
        return entries, arrays

    def restore_favourites(self, entries: Sequence[Mapping[str, Any]], arrays: Mapping[str, np.ndarray]) -> list[str]:
        """Favourites from a project file; returns a note for each entry that could not be used."""
        favourites, problems = [], []
        for entry in entries:
            try:
                ws = np.asarray(arrays[entry["w"]], dtype=np.float32)
                thumbnail = np.asarray(arrays.get(entry.get("thumbnail", ""), np.zeros((1, 1, 3), np.uint8)), dtype=np.uint8)
                if ws.ndim != 2:
                    raise ValueError(f"its latent has shape {list(ws.shape)}")
                favourites.append(Favourite(str(entry.get("name", "")), ws, dict(entry.get("settings") or {}), thumbnail))
            except (KeyError, TypeError, ValueError) as exc:
                problems.append(f"favourite {entry.get('name', '?') if isinstance(entry, Mapping) else '?'} skipped ({exc})")
        self.favourites = favourites
        self.favouritesChanged.emit()
        return problems

    # ------------------------------------------------------------------ files
    def export_image(self, path: str) -> None:
        """The picture on screen as PNG/JPEG with its settings (seed, psi, mixing, noise) as text."""
        if self.output is None:
            raise ValueError("there is no picture to export yet")
        settings = dict(self.output.settings or self.describe())
        settings["resolution"] = int(self.output.image.shape[0])
        write_image(path, self.output.image, settings=settings)

    def export_latent(self, path: str) -> None:
        """The picture's ws as .npz: w of shape [1, num_ws, w_dim], as NVIDIA's projector writes."""
        if self.output is None:
            raise ValueError("there is no latent to export yet")
        settings = self.output.settings or {}
        extra = {"psi": np.float32(self.psi)}
        if settings.get("seed") is not None:
            extra["seed"] = np.int64(settings["seed"])
        write_latent_npz(path, self.output.ws[None], extra)

    def import_latent(self, path: str) -> None:
        """Show a latent from an .npz (w [1, num_ws, w_dim]); raises DocumentError naming a wrong shape."""
        if self.layout is None:
            raise DocumentError(f"load {families.describe_archs(STYLEGAN_ARCHS)} first: a latent only means something to its model", path=path)
        w = read_latent_npz(path, self.layout.num_ws, self.layout.w_dim)
        self.saved, self.base, self.saved_origin = LatentSource(w=w[0], name=os.path.basename(path)), "saved", "imported"
        self._changed()

    def show_projected(self, ws: np.ndarray, name: str, weight_offsets: WeightOffsets | None = None) -> None:
        """Show ws a projection found for a photo ([num_ws, w_dim]), as the picture's latent (origin "projected").

        `weight_offsets` (a HyperStyle refinement) apply while this latent is the picture.
        """
        if self.layout is None or tuple(ws.shape) != (self.layout.num_ws, self.layout.w_dim):
            raise ValueError(f"the projected latent has shape {list(ws.shape)}; the model needs [{self.num_ws}, {self.layout.w_dim if self.layout else 0}]")
        self.saved, self.base, self.saved_origin = LatentSource(w=np.asarray(ws, np.float32), name=name), "saved", "projected"
        self.weight_offsets, self.offsets_for = weight_offsets, (self.saved if weight_offsets is not None else None)
        self.layer_sources = [0] * self.num_ws  # the projection is the whole latent: no mixing on top
        self._changed()

    def export_gif(self, path: str, frames_per_segment: int = 12, frame_ms: int = 60, size: int | None = None, loop: bool = True) -> int:
        """Animate a path through the pad's anchors (in their order) as a GIF; returns the job id."""
        if self.controller is None or self.layout is None:
            raise ValueError(f"load {families.describe_archs(STYLEGAN_ARCHS)} first")
        if len(self.anchors) < 2:
            raise ValueError("an animation needs at least two anchors on the pad")
        if self.animation_job is not None:
            raise ValueError("an animation is being made already")
        base = self.current_render()
        stops = tuple(LatentRender(blend=((a.source, 1.0),), psi=base.psi, cutoff=base.cutoff, class_index=base.class_index,
                                   mixing=base.mixing, layer_sources=base.layer_sources, noise=base.noise, edits=base.edits)
                      for a in self.anchors)
        job = (ZLatentAnimationJob if self.z_only else LatentAnimationJob)(stops=stops, path=path, frames_per_segment=frames_per_segment, frame_ms=frame_ms,
                                 size=size, loop=loop, model_path=self.model_path)
        self.animation_job = job.job_id
        total = frames_per_segment * (len(stops) if loop else len(stops) - 1) + (0 if loop else 1)
        self.animationStarted.emit(total)
        self.controller.submit(job)
        return job.job_id

    def cancel_animation(self) -> None:
        if self.animation_job is not None and self.controller is not None:
            self.controller.cancel(self.animation_job)
