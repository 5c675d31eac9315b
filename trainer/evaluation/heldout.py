"""Held-out synthetic data: seeds, rendering at the training data's size, tensors.

The default models train on landscapes with data seed `LANDSCAPES.seed` and
faces with `FACES.seed` (trainer/defaults.py). A landscape's layout seed is
``seed * 1_000_003 + index`` (a face's identity seed likewise), and no set
reaches index 1_000_003, so a different data seed never repeats a training
image. The seeds below are used for nothing else.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from trainer.defaults import FACES, LANDSCAPES, Dataset
from trainer.synthetic import faces, landscapes

TRAIN_LANDSCAPE_SEED = LANDSCAPES.seed
TRAIN_FACE_SEED = FACES.seed
LANDSCAPE_SIZE = LANDSCAPES.size  # the defaults' photos are rendered at this size, then resized by the trainer
FACE_SIZE = FACES.size

HELDOUT_LANDSCAPE_SEED = 9001  # test photos, label maps, CycleGAN domains, the "real" set of the Frechet distance
HELDOUT_LANDSCAPE_SEED_2 = 9003  # a second real set: the real-vs-real floor of the Frechet distance
HELDOUT_FACE_SEED = 9002  # test faces for StarGAN and the attribute classifier's accuracy
MEASURE_LANDSCAPE_SEED = 9101  # training data of the landscape feature network and the season classifier
MEASURE_FACE_SEED = 9102  # training data of the face attribute classifier
# CycleGAN's held-out domains start at these indices of the held-out seed, past the label-to-photo images.
SUMMER_FIRST_INDEX = 100_000
WINTER_FIRST_INDEX = 200_000


@dataclass(frozen=True)
class DataStyle:
    """The landscapes a model was trained on: data seed, and a season / time of day if fixed."""

    seed: int = TRAIN_LANDSCAPE_SEED
    season: str | None = None
    time_of_day: str | None = None

    @classmethod
    def of(cls, data_command: str | None) -> "DataStyle":
        """From a `make-data landscapes ...` command line (a model's provenance); defaults where absent."""
        def value(flag: str) -> str | None:
            found = re.search(rf"{flag}[ =](\S+)", data_command or "")
            return found.group(1) if found else None

        seed = value("--seed")
        return cls(int(seed) if seed else TRAIN_LANDSCAPE_SEED, value("--season"), value("--time-of-day"))

    @classmethod
    def of_dataset(cls, dataset: Dataset) -> "DataStyle":
        """The look of a trainer/defaults.py dataset."""
        return cls(dataset.seed, dataset.season, dataset.time_of_day)

    def describe(self) -> str:
        fixed = " ".join(v for v in (self.season, self.time_of_day) if v)
        return f"{fixed} photos only" if fixed else "a random season and time of day per photo"


def render_landscapes(seed: int, n: int, size: int = LANDSCAPE_SIZE, season: str | None = None,
                      time_of_day: str | None = None, first_index: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(labels [N,H,W] uint8, photos [N,H,W,3] uint8) of images first_index.. of data seed `seed`."""
    labels, images = [], []
    for lab, img, _, _ in landscapes.iter_batches(n, size, seed, season=season, time_of_day=time_of_day,
                                                   first_index=first_index):
        labels.append(lab)
        images.append(img)
    return np.concatenate(labels), np.concatenate(images)


def render_looks(seed: int, n: int, draws: int, size: int = LANDSCAPE_SIZE, season: str | None = None,
                 time_of_day: str | None = None) -> np.ndarray:
    """Photos [draws, N, H, W, 3] uint8 of the layouts of `render_landscapes(seed, n)`, each in `draws` looks:
    look 0 is the ground truth itself, the others use other style seeds (a season and time of day drawn
    anew unless fixed). How different the photos of one label map are in the data itself."""
    layout_seeds = [seed * 1_000_003 + k for k in range(n)]
    out = []
    for d in range(draws):
        # render_landscapes's style seed for d = 0; further looks from seeds no image of any set uses as its own
        style_seeds = [s * 7 + 3 + d * 7_000_003 for s in layout_seeds]
        _, images = landscapes.render_batch(layout_seeds, style_seeds, size, [season] * n, [time_of_day] * n)
        out.append(images)
    return np.stack(out)


def render_faces(seed: int, n: int, size: int = FACE_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """(faces [N,H,W,3] uint8, attributes [N, len(FACE_ATTRIBUTES)] bool) of faces 0.. of data seed `seed`."""
    images, attrs = [], []
    for img, att, _ in faces.iter_batches(n, size, seed):
        images.append(img)
        attrs.append(att)
    return np.concatenate(images), np.concatenate(attrs)


def resize_images(images: np.ndarray, size: int) -> np.ndarray:
    """Photos [N,H,W,3] uint8 resized to size x size the way the trainer's data loader does (bicubic)."""
    if images.shape[1] == size and images.shape[2] == size:
        return images
    return np.stack([np.asarray(Image.fromarray(im).resize((size, size), Image.BICUBIC)) for im in images])


def resize_labels(labels: np.ndarray, size: int) -> np.ndarray:
    """Label maps [N,H,W] resized with nearest neighbour, so class ids are never blended."""
    if labels.shape[1] == size and labels.shape[2] == size:
        return labels
    return np.stack([np.asarray(Image.fromarray(lb).resize((size, size), Image.NEAREST)) for lb in labels])


def center_crop(images: np.ndarray, size: int) -> np.ndarray:
    top = (images.shape[1] - size) // 2
    left = (images.shape[2] - size) // 2
    return images[:, top:top + size, left:left + size]


def to_tensor(images: np.ndarray) -> torch.Tensor:
    """[N,H,W,3] uint8 -> [N,3,H,W] float in [-1, 1], the models' input range."""
    return torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float() / 127.5 - 1.0


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """[N,3,H,W] in [-1, 1] -> [N,H,W,3] uint8 (rounded, clipped)."""
    x = ((images.detach().float().cpu().clamp(-1, 1) + 1.0) * 127.5).round()
    return x.to(torch.uint8).permute(0, 2, 3, 1).numpy()
