"""What every model's evaluation shares: the sizes of the runs, the measurement nets (trained
once per run and resolution, with their own held-out accuracy), training-set statistics for the
baselines, and the result types."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from trainer.evaluation import heldout, measure_nets
from trainer.synthetic.faces import FACE_ATTRIBUTES
from trainer.synthetic.landscapes import LANDSCAPE_CLASSES


@dataclass(frozen=True)
class Settings:
    """Image counts; the defaults keep a full run to a few minutes on a CPU."""

    n_paint: int = 40  # held-out label maps per label-to-photo model
    n_faces: int = 200  # held-out faces for StarGAN
    n_cycle: int = 150  # held-out photos per season for CycleGAN
    n_fid: int = 500  # images per set in the Frechet distance
    n_ppl: int = 1000  # latent pairs behind the perceptual path length (the paper: 100 000)
    n_separability: int = 3000  # samples behind the linear separability, half kept per attribute (the paper: 200 000)
    n_stats: int = 300  # training images behind the baselines' statistics
    face_train: tuple[int, int] = (4000, 6)  # attribute classifier: images, epochs
    season_train: tuple[int, int] = (1000, 3)
    feature_train: tuple[int, int] = (2000, 8)
    n_grid: int = 4  # rows of the sample grids
    batch: int = 8
    cache_dir: Path | None = None

    @classmethod
    def tiny(cls, cache_dir: Path | None = None) -> "Settings":
        """Seconds instead of minutes: for tests (the figures mean little)."""
        return cls(n_paint=3, n_faces=8, n_cycle=4, n_fid=12, n_ppl=8, n_separability=40, n_stats=6, face_train=(32, 1), season_train=(16, 1),
                   feature_train=(16, 1), n_grid=2, batch=4, cache_dir=cache_dir)


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]]
    note: str = ""


@dataclass
class ModelEvaluation:
    name: str
    arch: str
    kind: str
    tables: list[Table]
    grid: np.ndarray  # uint8 sample grid
    grid_caption: str
    figures: dict[str, Any] = field(default_factory=dict)  # the numbers, for JSON and tests
    heldout_set: str = ""  # what it was tested on; label-to-photo models with the same set are compared side by side


@dataclass
class LandscapeStats:
    """Training-set statistics at one resolution, for the trivial baselines."""

    mean_image: np.ndarray  # [H,W,3] float, 0..255
    std_image: np.ndarray  # [H,W,3] float, per-pixel standard deviation
    class_colours: np.ndarray  # [K,3] float, mean colour of each class over all its pixels


class EvalContext:
    """Measurement nets and statistics, made on first use and kept for the run."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._nets: dict[tuple[str, int], measure_nets.SmallConvNet] = {}
        self._stats: dict[tuple, LandscapeStats] = {}
        self.measurements: dict[str, dict[str, Any]] = {}  # what the report says about each measurement net

    def face_classifier(self, size: int) -> measure_nets.SmallConvNet:
        key = ("faces", size)
        if key not in self._nets:
            n, epochs = self.settings.face_train
            net = measure_nets.face_attribute_classifier(size, n, epochs, self.settings.cache_dir)
            self._nets[key] = net
        return self._nets[key]

    def record_face_accuracy(self, size: int, images: np.ndarray, attrs: np.ndarray) -> dict[str, float]:
        probs = classify_faces(self.face_classifier(size), images)
        from trainer.evaluation.metrics import seen_values

        seen = seen_values(probs, FACE_ATTRIBUTES)
        accuracy = {name: float((seen[:, i] == attrs[:, i]).mean()) for i, name in enumerate(FACE_ATTRIBUTES)}
        n, epochs = self.settings.face_train
        self.measurements[f"face-attributes-{size}"] = {
            "what": f"face attribute classifier ({size} px)", "train": f"{n} faces of data seed {heldout.MEASURE_FACE_SEED}, {epochs} epochs",
            "test": f"{len(images)} held-out faces of data seed {heldout.HELDOUT_FACE_SEED}", "accuracy": accuracy}
        return accuracy

    def season_classifier(self, size: int) -> measure_nets.SmallConvNet:
        key = ("season", size)
        if key not in self._nets:
            n, epochs = self.settings.season_train
            self._nets[key] = measure_nets.season_classifier(size, n, epochs, self.settings.cache_dir)
        return self._nets[key]

    def record_season_accuracy(self, size: int, summer: np.ndarray, winter: np.ndarray) -> float:
        net = self.season_classifier(size)
        p_summer = measure_nets.run_batched(net, summer)[:, 0]
        p_winter = measure_nets.run_batched(net, winter)[:, 0]
        accuracy = float(np.concatenate([p_summer < 0, p_winter > 0]).mean())
        n, epochs = self.settings.season_train
        self.measurements[f"season-{size}"] = {
            "what": f"summer/winter classifier ({size} px)", "train": f"{n} daytime landscapes of data seed {heldout.MEASURE_LANDSCAPE_SEED}, {epochs} epochs",
            "test": f"{len(summer)} + {len(winter)} held-out summer/winter photos", "accuracy": {"season": accuracy}}
        return accuracy

    def landscape_features(self, size: int) -> measure_nets.SmallConvNet:
        key = ("features", size)
        if key not in self._nets:
            n, epochs = self.settings.feature_train
            self._nets[key] = measure_nets.landscape_feature_net(size, n, epochs, self.settings.cache_dir)
        return self._nets[key]

    def record_feature_quality(self, size: int, labels: np.ndarray, images: np.ndarray) -> float:
        """Mean absolute error of the predicted class area fractions on held-out photos (and the mean predictor's)."""
        net = self.landscape_features(size)
        k = len(LANDSCAPE_CLASSES)
        truth = measure_nets.class_fractions(labels, k)
        pred = torch.softmax(torch.from_numpy(measure_nets.run_batched(net, images)), 1).numpy()
        error = float(np.abs(pred - truth).mean())
        constant = float(np.abs(truth - truth.mean(axis=0)).mean())
        n, epochs = self.settings.feature_train
        self.measurements[f"landscape-features-{size}"] = {
            "what": f"landscape feature network ({size} px)", "train": f"{n} landscapes of data seed {heldout.MEASURE_LANDSCAPE_SEED}, {epochs} epochs",
            "test": f"{len(images)} held-out landscapes", "area_fraction_mae": error, "constant_mae": constant}
        return error

    def landscape_stats(self, size: int, style: heldout.DataStyle = heldout.DataStyle()) -> LandscapeStats:
        """Statistics of the first training images of `style` (the data a model was trained on)."""
        key = (size, style)
        if key not in self._stats:
            labels, images = heldout.render_landscapes(style.seed, self.settings.n_stats, season=style.season,
                                                       time_of_day=style.time_of_day)
            labels, images = heldout.resize_labels(labels, size), heldout.resize_images(images, size).astype(np.float64)
            colours = np.zeros((len(LANDSCAPE_CLASSES), 3))
            for c in range(len(LANDSCAPE_CLASSES)):
                mask = labels == c
                colours[c] = images[mask].mean(axis=0) if mask.any() else images.mean(axis=(0, 1, 2))
            self._stats[key] = LandscapeStats(images.mean(axis=0), images.std(axis=0), colours)
        return self._stats[key]


def classify_faces(net: measure_nets.SmallConvNet, images: np.ndarray) -> np.ndarray:
    """Attribute probabilities [N, len(FACE_ATTRIBUTES)]."""
    return 1.0 / (1.0 + np.exp(-measure_nets.run_batched(net, images)))


def fmt(value: float, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    if np.isinf(value):
        return "∞"
    return f"{value:.{digits}f}"
