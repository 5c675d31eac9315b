"""Image-quality figures on uint8 images [N,H,W,3] (0..255) and feature arrays; numpy only."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from trainer.synthetic.faces import HAIR_COLOURS


def detail(images: np.ndarray) -> np.ndarray:
    """Per-image mean gradient magnitude of the luminance (0..255 per pixel): how much texture and edge there is."""
    y = images.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    gx, gy = np.diff(y, axis=2)[:, :-1, :], np.diff(y, axis=1)[:, :, :-1]
    return np.sqrt(gx * gx + gy * gy).reshape(len(y), -1).mean(axis=1)


def detail_ratio(output: np.ndarray, truth: np.ndarray) -> float:
    """The output's detail over the ground truth's, averaged over images: 1 = as detailed as the photo, 0 = flat.

    PSNR and colour error reward a blurred average (the best guess of the exact pixels);
    this says whether the output has the photo's texture at all.
    """
    return float(np.mean(detail(output) / np.maximum(detail(truth), 1e-6)))


def psnr(output: np.ndarray, truth: np.ndarray, peak: float = 255.0) -> np.ndarray:
    """Per-image PSNR in dB of uint8 images [N,H,W,C]; inf where an image is identical."""
    diff = output.astype(np.float64) - truth.astype(np.float64)
    mse = (diff * diff).reshape(len(diff), -1).mean(axis=1)
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(peak * peak / mse)


def class_colour_errors(output: np.ndarray, truth: np.ndarray, labels: np.ndarray, num_classes: int,
                        min_pixels: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Per class: the mean over images of |mean RGB of the class region in output - in truth| (Euclidean, 0..255).

    Only images where the class covers at least `min_pixels` count. Returns (errors [K], images [K]);
    the error is nan for a class no image shows.
    """
    out = output.astype(np.float64)
    ref = truth.astype(np.float64)
    errors = np.full(num_classes, np.nan)
    counts = np.zeros(num_classes, np.int64)
    for c in range(num_classes):
        mask = labels == c
        pixels = mask.sum(axis=(1, 2))
        present = pixels >= min_pixels
        if not present.any():
            continue
        m = mask[present][..., None]
        n = pixels[present][:, None]
        mean_out = (out[present] * m).sum(axis=(1, 2)) / n
        mean_ref = (ref[present] * m).sum(axis=(1, 2)) / n
        errors[c] = np.linalg.norm(mean_out - mean_ref, axis=1).mean()
        counts[c] = int(present.sum())
    return errors, counts


def mean_abs_error(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference per pixel and channel, in 0..255 units (the cycle error)."""
    return float(np.abs(a.astype(np.float64) - b.astype(np.float64)).mean())


def colour_shift(inputs: np.ndarray, outputs: np.ndarray, source_colour: np.ndarray, target_colour: np.ndarray) -> float:
    """How far the images' mean colour moved from the source domain's towards the target domain's.

    The per-image change of mean colour projected on (target - source), divided by its
    length: 0 = unchanged, 1 = moved by the full difference of the two domains' means.
    """
    direction = np.asarray(target_colour, np.float64) - np.asarray(source_colour, np.float64)
    moved = outputs.astype(np.float64).mean(axis=(1, 2)) - inputs.astype(np.float64).mean(axis=(1, 2))
    return float((moved @ direction).mean() / (direction @ direction))


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """Frechet distance between Gaussians fitted to two feature sets [N, D].

    |mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a S_b)^1/2), where tr((S_a S_b)^1/2) is
    computed as the sum of square roots of the eigenvalues of S_a^1/2 S_b S_a^1/2
    (symmetric, so no general matrix square root is needed).
    """
    a = np.asarray(features_a, np.float64)
    b = np.asarray(features_b, np.float64)
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    w, v = np.linalg.eigh(cov_a)
    root_a = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    middle = root_a @ cov_b @ root_a
    trace_root = np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0, None)).sum()
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2.0 * trace_root)


# ----------------------------------------------------------------------------- attribute flips


@dataclass
class FlipResult:
    attribute: str
    trials: int
    flipped: int  # edits in which the classifier sees the target value of `attribute`
    kept: float  # fraction of the classifier's other attributes it sees unchanged by the edit

    @property
    def rate(self) -> float:
        return self.flipped / self.trials if self.trials else float("nan")


def flip_targets(original: np.ndarray, attributes: Sequence[str], index: int) -> tuple[np.ndarray, np.ndarray]:
    """(target [N,A] bool, tried [N] bool) for flipping attribute `index` of each row of `original`.

    A hair colour is exclusive: it is tried only where it is off, and switching it on
    switches the model's other hair colours off (turning a hair colour off names no
    target). Any other attribute is toggled.
    """
    original = np.asarray(original, bool)
    target = original.copy()
    name = attributes[index]
    if name in HAIR_COLOURS:
        tried = ~original[:, index]
        for j, other in enumerate(attributes):
            if other in HAIR_COLOURS:
                target[:, j] = False
        target[:, index] = True
    else:
        tried = np.ones(len(original), bool)
        target[:, index] = ~original[:, index]
    return target, tried


def seen_values(probabilities: np.ndarray, classifier_attributes: Sequence[str]) -> np.ndarray:
    """Classifier probabilities [N,C] -> bool [N,C]: > 0.5, and exactly the most likely hair colour."""
    seen = np.asarray(probabilities) > 0.5
    hair = [i for i, n in enumerate(classifier_attributes) if n in HAIR_COLOURS]
    if hair:
        best = np.asarray(probabilities)[:, hair].argmax(axis=1)
        seen[:, hair] = False
        seen[np.arange(len(seen)), np.asarray(hair)[best]] = True
    return seen


def flip_rates(
    edit: Callable[[np.ndarray, np.ndarray], np.ndarray],
    classify: Callable[[np.ndarray], np.ndarray],
    images: np.ndarray,
    original: np.ndarray,
    attributes: Sequence[str],
    classifier_attributes: Sequence[str],
) -> list[FlipResult]:
    """For each of the editor's `attributes` the classifier knows: flip it on every image.

    `edit(images, target bool [N,A]) -> images` is the editor (identity for the
    baseline); `classify(images) -> probabilities [N,C]` in `classifier_attributes` order.
    """
    before = seen_values(classify(images), classifier_attributes)
    results = []
    for k, name in enumerate(attributes):
        if name not in classifier_attributes:
            continue
        target, tried = flip_targets(original, attributes, k)
        if not tried.any():
            results.append(FlipResult(name, 0, 0, float("nan")))
            continue
        after = seen_values(classify(edit(images[tried], target[tried])), classifier_attributes)
        c = classifier_attributes.index(name)
        flipped = int((after[:, c] == target[tried, k]).sum())
        others = [i for i, n in enumerate(classifier_attributes) if n != name and not (name in HAIR_COLOURS and n in HAIR_COLOURS)]
        kept = float((after[:, others] == before[tried][:, others]).mean()) if others else float("nan")
        results.append(FlipResult(name, int(tried.sum()), flipped, kept))
    return results


def mean_pairwise_difference(draws: np.ndarray) -> float:
    """Diversity of several outputs for the same inputs: draws [K, N, H, W, C] uint8 (K >= 2 outputs for each
    of N inputs). For each input, the mean absolute difference in 0..255 levels over pixels and channels,
    averaged over the K(K-1)/2 pairs of outputs; then averaged over the inputs. 0 = every output the same."""
    if len(draws) < 2:
        raise ValueError(f"need at least two outputs per input, got {len(draws)}")
    x = draws.astype(np.float64)
    pairs = [np.abs(x[i] - x[j]).reshape(x.shape[1], -1).mean(axis=1) for i in range(len(x)) for j in range(i + 1, len(x))]
    return float(np.mean(pairs))
