"""Small CNNs trained on fresh synthetic renders, to measure models with: a face attribute
classifier (StarGAN), a summer/winter classifier (CycleGAN) and a landscape feature network
whose penultimate layer feeds the Frechet distance (StyleGAN2).

Training is seeded and single-process, so a net is the same every time; a trained net is
cached (keyed by everything that shapes it) to skip the minute of training next time.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from trainer.evaluation import heldout
from trainer.synthetic.faces import FACE_ATTRIBUTES

CACHE_VERSION = 1


class SmallConvNet(nn.Module):
    """A full-resolution conv, four stride-2 convs, global average pooling, a feature layer and a
    linear head. The first conv keeps full resolution so that small details (a smile, glasses'
    rims at 64 px) survive."""

    def __init__(self, *, outputs: int, width: int = 32, feature_dim: int = 64) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = [3, width // 2, width, 2 * width, 4 * width, 4 * width]
        for i, (fin, fout) in enumerate(zip(channels[:-1], channels[1:])):
            layers += [nn.Conv2d(fin, fout, 3, stride=1 if i == 0 else 2, padding=1), nn.BatchNorm2d(fout), nn.LeakyReLU(0.2)]
        self.body = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4 * width, feature_dim), nn.LeakyReLU(0.2))
        self.head = nn.Linear(feature_dim, outputs)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The penultimate layer [N, feature_dim]."""
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


@dataclass
class TrainSpec:
    """Everything that shapes a measurement net (the cache key)."""

    name: str
    size: int
    n_train: int
    epochs: int
    outputs: int
    width: int = 32
    seed: int = 0

    def key(self) -> str:
        blob = json.dumps({**self.__dict__, "version": CACHE_VERSION}, sort_keys=True)
        return f"{self.name}-{hashlib.sha1(blob.encode()).hexdigest()[:12]}"


def fit(net: SmallConvNet, images: np.ndarray, targets: torch.Tensor, loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
        epochs: int, seed: int, batch: int = 64, lr: float = 2e-3, hflip: bool = True) -> SmallConvNet:
    """Adam with a cosine schedule over uint8 images [N,H,W,3]; seeded, so repeatable."""
    torch.manual_seed(seed)
    order_gen = torch.Generator().manual_seed(seed)
    x_all = heldout.to_tensor(images)
    steps = epochs * max(1, (len(x_all) + batch - 1) // batch)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    net.train()
    for _ in range(epochs):
        order = torch.randperm(len(x_all), generator=order_gen)
        for start in range(0, len(order), batch):
            idx = order[start:start + batch]
            if len(idx) < 2:  # BatchNorm needs two samples
                continue
            x = x_all[idx]
            if hflip:  # the synthetic data is left-right symmetric in distribution
                flip = torch.rand(len(idx), generator=order_gen) < 0.5
                x = torch.where(flip[:, None, None, None], x.flip(3), x)
            opt.zero_grad(set_to_none=True)
            loss(net(x), targets[idx]).backward()
            opt.step()
            sched.step()
    return net.eval()


def cached(spec: TrainSpec, cache_dir: Path | None, train: Callable[[], SmallConvNet]) -> SmallConvNet:
    """Load the net for `spec` from the cache, or train and store it."""
    path = cache_dir / f"{spec.key()}.pt" if cache_dir else None
    if path is not None and path.exists():
        net = SmallConvNet(outputs=spec.outputs, width=spec.width)
        net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        return net.eval()
    net = train()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        torch.save(net.state_dict(), tmp)
        tmp.replace(path)
    return net


@torch.inference_mode()
def run_batched(fn: Callable[[torch.Tensor], torch.Tensor], images: np.ndarray, batch: int = 128) -> np.ndarray:
    """fn over uint8 images [N,H,W,3] in batches -> numpy [N, ...]."""
    out = [fn(heldout.to_tensor(images[i:i + batch])) for i in range(0, len(images), batch)]
    return torch.cat(out).float().numpy() if out else np.zeros((0,))


# ----------------------------------------------------------------------------- the three nets


def face_attribute_classifier(size: int, n_train: int, epochs: int, cache_dir: Path | None) -> SmallConvNet:
    """Multi-label classifier of all FACE_ATTRIBUTES, on faces of data seed MEASURE_FACE_SEED."""
    spec = TrainSpec("face-attributes", size, n_train, epochs, len(FACE_ATTRIBUTES))

    def train() -> SmallConvNet:
        images, attrs = heldout.render_faces(heldout.MEASURE_FACE_SEED, n_train)
        images = heldout.resize_images(images, size)
        torch.manual_seed(spec.seed)
        net = SmallConvNet(outputs=spec.outputs, width=spec.width)
        return fit(net, images, torch.from_numpy(attrs).float(), F.binary_cross_entropy_with_logits, epochs, spec.seed)

    return cached(spec, cache_dir, train)


def season_images(seed: int, n: int, season: str, size: int, first_index: int = 0) -> np.ndarray:
    """Daytime landscapes of one season, prepared like CycleGAN's test input at `size`."""
    _, images = heldout.render_landscapes(seed, n, season=season, time_of_day="day", first_index=first_index)
    load = size * 9 // 8  # the defaults train CycleGAN with --load-size 72 for 64
    return heldout.center_crop(heldout.resize_images(images, load), size)


def season_classifier(size: int, n_train: int, epochs: int, cache_dir: Path | None) -> SmallConvNet:
    """One logit: winter (1) vs summer (0), on daytime landscapes of data seed MEASURE_LANDSCAPE_SEED."""
    spec = TrainSpec("season", size, n_train, epochs, 1)

    def train() -> SmallConvNet:
        half = n_train // 2
        summer = season_images(heldout.MEASURE_LANDSCAPE_SEED, half, "summer", size)
        winter = season_images(heldout.MEASURE_LANDSCAPE_SEED, half, "winter", size, first_index=half)
        images = np.concatenate([summer, winter])
        targets = torch.cat([torch.zeros(half, 1), torch.ones(half, 1)])
        torch.manual_seed(spec.seed)
        net = SmallConvNet(outputs=1, width=spec.width)
        return fit(net, images, targets, F.binary_cross_entropy_with_logits, epochs, spec.seed)

    return cached(spec, cache_dir, train)


def class_fractions(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """Label maps [N,H,W] -> the area fraction of each class [N, K]."""
    flat = labels.reshape(len(labels), -1).astype(np.int64)
    counts = np.stack([np.bincount(row, minlength=num_classes)[:num_classes] for row in flat])
    return counts / flat.shape[1]


def landscape_feature_net(size: int, n_train: int, epochs: int, cache_dir: Path | None) -> SmallConvNet:
    """Predicts the area fraction of each landscape class from the photo (soft cross-entropy);
    its 64-d penultimate layer is the feature space of the Frechet distance."""
    from trainer.synthetic.landscapes import LANDSCAPE_CLASSES

    k = len(LANDSCAPE_CLASSES)
    spec = TrainSpec("landscape-features", size, n_train, epochs, k)

    def train() -> SmallConvNet:
        labels, images = heldout.render_landscapes(heldout.MEASURE_LANDSCAPE_SEED, n_train)
        targets = torch.from_numpy(class_fractions(labels, k)).float()
        images = heldout.resize_images(images, size)
        torch.manual_seed(spec.seed)
        net = SmallConvNet(outputs=k, width=spec.width)

        def soft_ce(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
            return -(target * F.log_softmax(logits, 1)).sum(1).mean()

        return fit(net, images, targets, soft_ce, epochs, spec.seed)

    return cached(spec, cache_dir, train)
