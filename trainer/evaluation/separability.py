"""Linear separability (Karras et al. 2019, "A Style-Based Generator Architecture for GANs", section 3.2).

How well a latent space lines up with the attributes a person would name: draw N latents, label
each image with attribute classifiers, keep the most confident half of the samples per attribute,
fit a linear SVM from the latent (z, or w = mapping(z)) to the label and measure how much the
label is still uncertain given the SVM's side: the conditional entropy H(label | svm) in bits.
The score is 2 ** (sum of those entropies over attributes); 1 means every attribute is a
half-space of the latent space, each attribute the SVM cannot read at all adds up to a factor 2.

What differs from the paper (so the figures compare this project's models only, never the
paper's FFHQ z 165 / w 3.74): the attribute classifiers are the project's own measurement nets
(for landscapes: which classes a picture shows and its season and time of day, for faces the
attribute classifier), far fewer samples (the paper: 200 000, half kept), constant noise, the
SVM is our own squared-hinge solver (below) instead of sklearn's LinearSVC, and by default each
sample's side comes from an SVM fitted on the other half of the kept samples (see
attribute_entropy: with few samples per dimension a same-sample fit separates anything).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from trainer.evaluation import heldout

Fn = Callable[[torch.Tensor], torch.Tensor]


# ----------------------------------------------------------------------------- the linear SVM


def fit_linear_svm(x: torch.Tensor, y: torch.Tensor, c: float = 1.0, max_steps: int = 50,
                   tol: float = 1e-8) -> tuple[torch.Tensor, float]:
    """A linear SVM with LinearSVC's loss: min 0.5 |w|^2 + c * sum(max(0, 1 - y_i (w.x_i + b))^2), the
    intercept b not penalised. x [N, D], y [N] in {-1, +1} (or {0, 1}). Returns (w [D], b), float64.

    The loss is convex and once differentiable, so a Newton step on the samples inside the margin
    (the generalised Hessian, as Keerthi & DeCoste 2005) with a halving line search converges in a
    few dozen steps, exactly and without tuning: no learning rate as gradient descent would need.
    """
    x = x.double()
    y = y.double()
    if set(torch.unique(y).tolist()) <= {0.0, 1.0}:
        y = 2 * y - 1
    n, d = x.shape
    xa = torch.cat([x, torch.ones(n, 1, dtype=x.dtype)], 1)  # the last weight is the intercept
    reg = torch.ones(d + 1, dtype=x.dtype)
    reg[-1] = 0.0
    theta = torch.zeros(d + 1, dtype=x.dtype)

    def objective(t: torch.Tensor) -> torch.Tensor:
        slack = (1 - y * (xa @ t)).clamp_min(0)
        return 0.5 * (reg * t * t).sum() + c * (slack * slack).sum()

    value = objective(theta)
    for _ in range(max_steps):
        slack = 1 - y * (xa @ theta)
        active = slack > 0
        xs = xa[active]
        grad = reg * theta - 2 * c * (xs * (y[active] * slack[active])[:, None]).sum(0)
        hess = torch.diag(reg) + 2 * c * xs.T @ xs + 1e-10 * torch.eye(d + 1, dtype=x.dtype)
        step = torch.linalg.solve(hess, grad)
        size = 1.0
        while size > 1e-10:
            candidate = theta - size * step
            new = objective(candidate)
            if new <= value:
                break
            size /= 2
        else:
            break
        decrease = float(value - new)
        theta, value = candidate, new
        if decrease <= tol * max(1.0, float(value)):
            break
    return theta[:-1], float(theta[-1])


def conditional_entropy_bits(labels: np.ndarray, predicted: np.ndarray) -> float:
    """H(label | predicted) in bits for two binary arrays, from their joint 2x2 frequencies."""
    labels, predicted = np.asarray(labels, bool), np.asarray(predicted, bool)
    total = 0.0
    for side in (False, True):
        group = labels[predicted == side]
        if len(group) == 0:
            continue
        p = group.mean()
        h = 0.0 if p in (0.0, 1.0) else -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
        total += len(group) / len(labels) * h
    return float(max(total, 0.0))


def attribute_entropy(latents: torch.Tensor, logits: np.ndarray, keep: float = 0.5, folds: int = 2) -> float:
    """One attribute: keep the `keep` share of samples the classifier is surest of (largest |logit|), label = logit > 0,
    then H(label | SVM side) over the kept samples.

    folds 1 is the paper: the SVM is fitted and read on the same samples, which is fine for its 100 000 samples in 512
    dimensions but not for a few thousand in 128, where a hyperplane fits even random labels (a linear classifier
    can split any labelling of up to about twice as many points as dimensions). folds k > 1 reads each sample's side
    from an SVM fitted on the other folds (interleaved), so an attribute the latent space does not hold costs its
    full entropy whatever N is.
    """
    logits = np.asarray(logits, np.float64)
    order = np.argsort(-np.abs(logits), kind="stable")[: max(2, int(round(keep * len(logits))))]
    labels = logits[order] > 0
    if labels.all() or not labels.any():
        return 0.0  # the attribute never varies among the kept samples: nothing left to explain
    x = latents[torch.from_numpy(order)].double()
    y = torch.from_numpy(labels.astype(np.float64))
    side = np.zeros(len(labels), bool)
    fold = np.arange(len(labels)) % max(1, folds)
    for k in range(max(1, folds)):
        test = fold == k
        train = ~test if folds > 1 else test
        if labels[train].all() or not labels[train].any():
            side[test] = labels[train][0]  # one class only to learn from: predict it
            continue
        weight, bias = fit_linear_svm(x[torch.from_numpy(train)], y[torch.from_numpy(train)])
        side[test] = (x[torch.from_numpy(test)] @ weight + bias).numpy() > 0
    return conditional_entropy_bits(labels, side)


# ----------------------------------------------------------------------------- a generator's score


@dataclass
class Separability:
    z: float  # 2 ** sum of conditional entropies with the SVMs in Z
    w: float  # ... in W
    entropies_z: dict[str, float]  # bits, per attribute
    entropies_w: dict[str, float]
    samples: int
    kept: int  # per attribute
    folds: int  # 1: SVM fitted and read on the same samples (the paper); k: read on held-out folds
    positive_share: dict[str, float]  # among the kept samples, the share labelled 'has it'
    seconds: float


def sample_latents(mapping: Fn, synthesis: Fn, z_dim: int, count: int, *, batch: int = 50,
                   seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, np.ndarray]:
    """(z [N, z_dim], w [N, w_dim], uint8 images [N,H,W,3]) for z drawn from a torch generator seeded with `seed`."""
    rng = torch.Generator().manual_seed(seed)
    zs, ws, images = [], [], []
    with torch.inference_mode():
        for start in range(0, count, batch):
            z = torch.randn(min(batch, count - start), z_dim, generator=rng)
            w = mapping(z)
            images.append(heldout.to_uint8(synthesis(w)))
            zs.append(z)
            # without truncation or mixing every layer's w is the same: one row per sample, as the paper's w[:, -1]
            ws.append(w[:, -1] if w.ndim == 3 else w)
    return torch.cat(zs), torch.cat(ws).float(), np.concatenate(images)


def separability(z: torch.Tensor, w: torch.Tensor, logits: dict[str, np.ndarray], keep: float = 0.5,
                 folds: int = 2, seconds: float = 0.0) -> Separability:
    """The score in Z and in W from per-attribute classifier logits (each [N], > 0 meaning 'has it')."""
    hz = {name: attribute_entropy(z, value, keep, folds) for name, value in logits.items()}
    hw = {name: attribute_entropy(w, value, keep, folds) for name, value in logits.items()}
    kept = max(2, int(round(keep * len(z))))
    shares = {name: float((value[np.argsort(-np.abs(value), kind="stable")[:kept]] > 0).mean()) for name, value in logits.items()}
    return Separability(float(2 ** sum(hz.values())), float(2 ** sum(hw.values())), hz, hw, len(z), kept, folds, shares,
                        seconds)


# ----------------------------------------------------------------------------- the project's attribute classifiers


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, np.float64), 1e-6, 1 - 1e-6)
    return np.log(p) - np.log1p(-p)


def landscape_attribute_logits(judge: object, images: np.ndarray) -> dict[str, np.ndarray]:
    """Binary landscape attributes from the text-to-image evaluation's class-presence judge (LandscapeJudge): each named
    class shown (its predicted area fraction against the judge's calibrated threshold, on the logit scale), and each
    season and time of day one-vs-rest (the look classifier's softmax)."""
    from trainer.evaluation.text_to_image import CLASSES, _shown
    from trainer.evaluation.measure_nets import run_batched
    from trainer.synthetic.landscapes import SEASONS, TIMES_OF_DAY

    fractions = torch.softmax(torch.from_numpy(run_batched(judge.features, images)).double(), 1).numpy()  # type: ignore[attr-defined]
    out = {f"shows {name}": _logit(_shown(fractions, name)) - _logit(np.array(judge.thresholds[name]))  # type: ignore[attr-defined]
           for name in CLASSES}
    look = torch.from_numpy(run_batched(judge.look, images)).double()  # type: ignore[attr-defined]
    for offset, names in ((0, SEASONS), (3, TIMES_OF_DAY)):
        p = torch.softmax(look[:, offset:offset + 3], 1).numpy()
        out.update({name: _logit(p[:, k]) for k, name in enumerate(names)})
    return out


def face_attribute_logits(classifier: Callable[[torch.Tensor], torch.Tensor], images: np.ndarray) -> dict[str, np.ndarray]:
    """Binary face attributes: the attribute classifier's logits (measure_nets.face_attribute_classifier)."""
    from trainer.evaluation.measure_nets import run_batched
    from trainer.synthetic.faces import FACE_ATTRIBUTES

    logits = run_batched(classifier, images)
    return {name: logits[:, k].astype(np.float64) for k, name in enumerate(FACE_ATTRIBUTES)}


def generator_separability(generator: torch.nn.Module, attributes: Callable[[np.ndarray], dict[str, np.ndarray]],
                           count: int, *, seed: int = 0, batch: int = 50, folds: int = 2) -> Separability:
    """Linear separability of a StyleGAN2 Generator (ganstudio.models.stylegan2): truncation psi 1, constant noise."""
    import time

    if int(getattr(generator, "c_dim", 0)):
        raise ValueError("linear separability here is for unconditional generators (c_dim 0)")
    started = time.perf_counter()

    def mapping(z: torch.Tensor) -> torch.Tensor:
        return generator.mapping(z, None, skip_w_avg_update=True)

    def synthesis(ws: torch.Tensor) -> torch.Tensor:
        return generator.synthesis(ws, noise_mode="const")

    z, w, images = sample_latents(mapping, synthesis, int(generator.z_dim), count, batch=batch, seed=seed)
    logits = attributes(images)
    result = separability(z, w, logits, folds=folds)
    result.seconds = time.perf_counter() - started
    return result
