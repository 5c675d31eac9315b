"""Latent-space analysis of a StyleGAN2 generator: which style affine reads which w, SeFa, GANSpace, InterFaceGAN.

Plain torch/numpy over `ganstudio.models.stylegan2.Generator`, so both the
app (`ganstudio.engine.directions`, which adds applying edits and the Qt-free
jobs) and the trainer (`trainer/directions.py`, which scores samples) use one
implementation. Each method is written from its paper:

- **SeFa** (Shen & Zhou, "Closed-Form Factorization of Latent Semantics in
  GANs", CVPR 2021). Every synthesis layer turns its w into a style through an
  affine map ``y = A w + b``. Moving w by ``a n`` moves the styles by ``a A n``;
  the unit directions that move the styles the most maximise ``|A n|^2``, i.e.
  they are the eigenvectors of ``A^T A`` with the largest eigenvalues. Several
  layers are taken together by stacking their A's (the sum of their
  ``A_i^T A_i``). Each row of A (one style channel's weights, a vector in W) is
  scaled to unit length first, as the authors' released implementation does
  (the paper's text leaves it out): otherwise a few channels with large weights
  decide the result. It also makes our equalised-learning-rate gains
  (1/sqrt(w_dim) everywhere, one more 1/sqrt(channels) for toRGB) irrelevant.
  No sampling: milliseconds.
- **GANSpace** (Härkönen et al., "GANSpace: Discovering Interpretable GAN
  Controls", NeurIPS 2020): PCA of w = mapping(z) over many random z. The
  components, ordered by variance, with their standard deviations. Sampling
  is the cost (seconds), so the app caches results (`engine/ganspace_cache.py`).
- **Attribute boundaries** (Shen et al., "Interpreting the Latent Space of
  GANs for Semantic Face Editing", CVPR 2020, InterFaceGAN): score generated
  samples for an attribute, take the highest and lowest scored ones as
  positives and negatives, fit a linear classifier in W; its unit normal is the
  direction. "Conditional manipulation" projects other attributes' normals out
  so that moving along one leaves them (linearly) unchanged. Scores come from
  the caller, so nothing here needs a measuring network.

Which w feeds which layer (stylegan2-ada layout, `SynthesisNetwork.render_up_to`):
block b{res} reads ``ws[i : i + num_conv + num_torgb]`` with ``i`` advancing by
num_conv, in the order conv0, conv1, torgb. So b4.conv1 reads ws[0], b4.torgb
and b8.conv0 both read ws[1], b8.conv1 reads ws[2], and the last block's torgb
reads the final ws[num_ws - 1]. `style_inputs` lists this mapping.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

# Layer presets over ws indices, as SeFa offers them for StyleGAN (first, last; inclusive;
# clipped to the model's num_ws). "fine" stops at 13 as in SeFa: the top layers of a
# 1024-px model (14-17) mostly carry colour detail and would swamp the factorisation.
WS_PRESETS: dict[str, tuple[int, int] | None] = {
    "all": None,
    "coarse": (0, 1),
    "middle": (2, 5),
    "fine": (6, 13),
}

LayerSelection = str | tuple[int, int] | Sequence[int]  # a preset name or (first, last)


# ----------------------------------------------------------------------------- layers and ws


@dataclass(frozen=True)
class StyleInput:
    """One style affine of the synthesis network and the ws index it reads."""

    name: str  # "b8.conv0", "b8.torgb"
    ws_index: int
    affine: torch.nn.Module  # FullyConnectedLayer, weight [channels, w_dim]


def style_inputs(synthesis: torch.nn.Module) -> list[StyleInput]:
    """Every conv0/conv1/torgb affine of `synthesis`, in forward order, with its ws index."""
    found: list[StyleInput] = []
    w_index = 0
    for res in synthesis.block_resolutions:
        block = getattr(synthesis, f"b{res}")
        offset = 0
        for name, layer in block.conv_layers():
            found.append(StyleInput(f"b{res}.{name}", w_index + offset, layer.affine))
            offset += 1
        if block.num_torgb:
            found.append(StyleInput(f"b{res}.torgb", w_index + offset, block.torgb.affine))
        w_index += block.num_conv
    return found


def ws_range(selection: LayerSelection, num_ws: int) -> tuple[int, int]:
    """(first, last) ws indices, inclusive, of a preset name or a custom (first, last) pair."""
    if isinstance(selection, str):
        if selection not in WS_PRESETS:
            raise ValueError(f"unknown layer preset {selection!r}; choose one of {', '.join(WS_PRESETS)} or a range")
        preset = WS_PRESETS[selection]
        if preset is None:
            return 0, num_ws - 1
        first, last = preset
        if first > num_ws - 1:
            raise ValueError(f"the {selection!r} layers start at w {first}, but this model has only {num_ws} ws (0-{num_ws - 1})")
        return first, min(last, num_ws - 1)
    bounds = [int(value) for value in selection]
    if len(bounds) != 2:
        raise ValueError(f"a layer range is (first, last), got {list(selection)}")
    first, last = bounds
    if not 0 <= first <= last < num_ws:
        raise ValueError(f"ws range {first}-{last} is not within 0-{num_ws - 1} (first <= last)")
    return first, last


def _canonical_signs(vectors: np.ndarray) -> np.ndarray:
    """Flip each row so its largest-magnitude entry is positive: eigenvectors have no sign of
    their own, and a fixed one keeps a saved slider meaning the same after recomputing."""
    rows = np.arange(len(vectors))
    signs = np.sign(vectors[rows, np.abs(vectors).argmax(axis=1)])
    signs[signs == 0] = 1
    return vectors * signs[:, None]


# ----------------------------------------------------------------------------- SeFa


@dataclass(frozen=True)
class Factorization:
    """SeFa's result: unit directions [k, w_dim] by descending eigenvalue, and the layers used."""

    directions: np.ndarray  # float32 [k, w_dim], rows orthonormal
    eigenvalues: np.ndarray  # float64 [k], descending
    first_ws: int
    last_ws: int
    layers: tuple[str, ...]  # the affines stacked, e.g. ("b4.conv1", "b4.torgb", "b8.conv0")


def stacked_style_weights(generator: torch.nn.Module, first_ws: int, last_ws: int) -> tuple[torch.Tensor, tuple[str, ...]]:
    """A [channels, w_dim] float32: the affines reading ws first..last, each row scaled to unit length."""
    picked = [item for item in style_inputs(generator.synthesis) if first_ws <= item.ws_index <= last_ws]
    if not picked:
        raise ValueError(f"no synthesis layer reads ws {first_ws}-{last_ws}")
    weight = torch.cat([item.affine.weight.detach().to("cpu", torch.float32) for item in picked])
    weight = weight / weight.norm(dim=1, keepdim=True).clamp_min(1e-12)
    return weight, tuple(item.name for item in picked)


def sefa(generator: torch.nn.Module, layers: LayerSelection = "all", count: int | None = None) -> Factorization:
    """Closed-form directions of `generator` for the layers reading the selected ws.

    `layers`: "all", "coarse", "middle", "fine" or (first, last) ws indices.
    `count`: how many directions to keep (default all w_dim).
    """
    first, last = ws_range(layers, int(generator.num_ws))
    weight, names = stacked_style_weights(generator, first, last)
    # eigh on the small symmetric w_dim x w_dim Gram matrix: much cheaper than an SVD of the
    # stacked weights (9 088 rows for a 1024-px model). float32 throughout: float64 made the
    # solve 3-4x slower (130 vs 36 ms for w_dim 512 here) and changes the directions by
    # ~1e-6, far below anything visible; directions with nearly equal eigenvalues are
    # interchangeable in any precision.
    eigenvalues, eigenvectors = torch.linalg.eigh(weight.T @ weight)
    order = torch.argsort(eigenvalues, descending=True)
    eigenvalues = eigenvalues[order].clamp_min(0)
    directions = eigenvectors[:, order].T
    if count is not None:
        directions, eigenvalues = directions[: int(count)], eigenvalues[: int(count)]
    directions = _canonical_signs(directions.numpy())
    return Factorization(directions.astype(np.float32), eigenvalues.numpy().astype(np.float64), first, last, names)


# ----------------------------------------------------------------------------- GANSpace


@dataclass(frozen=True)
class PrincipalComponents:
    """GANSpace's result: unit components [k, w_dim] by descending variance, their stds, the mean w."""

    components: np.ndarray  # float32 [k, w_dim], rows orthonormal
    stds: np.ndarray  # float32 [k]
    mean: np.ndarray  # float32 [w_dim]
    samples: int
    seed: int


def sample_ws(generator: torch.nn.Module, samples: int, seed: int = 0, batch: int = 4096,
              device: torch.device | str = "cpu", progress: Callable[[int, int], None] | None = None) -> torch.Tensor:
    """[samples, w_dim] float32: mapping(z) for z ~ N(0, I), untruncated, seeded (a random class
    per sample for conditional models)."""
    if samples < 2:
        raise ValueError(f"PCA needs at least 2 samples, got {samples}")
    mapping = generator.mapping
    rng = torch.Generator(device="cpu").manual_seed(int(seed))
    out = torch.empty([samples, int(generator.w_dim)], dtype=torch.float32)
    with torch.inference_mode():
        for start in range(0, samples, batch):
            n = min(batch, samples - start)
            z = torch.randn([n, int(generator.z_dim)], generator=rng)
            c = None
            if generator.c_dim:
                c = torch.nn.functional.one_hot(torch.randint(int(generator.c_dim), [n], generator=rng), int(generator.c_dim))
                c = c.float().to(device)
            ws = mapping(z.to(device), c, truncation_psi=1)
            out[start : start + n] = (ws[:, 0] if ws.ndim == 3 else ws).float().cpu()
            if progress is not None:  # the worker reports progress and honours cancel here
                progress(start + n, samples)
    return out


def pca(ws: torch.Tensor | np.ndarray, count: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(components [k, d] float32, stds [k] float32, mean [d] float32) of the rows of `ws`."""
    data = torch.as_tensor(np.asarray(ws) if not isinstance(ws, torch.Tensor) else ws).to(torch.float64)
    mean = data.mean(dim=0)
    centred = data - mean
    covariance = centred.T @ centred / (len(data) - 1)
    variances, vectors = torch.linalg.eigh(covariance)
    order = torch.argsort(variances, descending=True)
    variances, vectors = variances[order].clamp_min(0), vectors[:, order].T
    if count is not None:
        variances, vectors = variances[: int(count)], vectors[: int(count)]
    components = _canonical_signs(vectors.numpy())
    return components.astype(np.float32), np.sqrt(variances.numpy()).astype(np.float32), mean.numpy().astype(np.float32)


def ganspace(generator: torch.nn.Module, samples: int = 20_000, seed: int = 0, count: int | None = None,
             batch: int = 4096, device: torch.device | str = "cpu",
             progress: Callable[[int, int], None] | None = None) -> PrincipalComponents:
    """PCA of `samples` mapped ws (uncached; `ganspace_cache.cached_ganspace` keeps results on disk)."""
    ws = sample_ws(generator, samples, seed, batch=batch, device=device, progress=progress)
    components, stds, mean = pca(ws, count)
    return PrincipalComponents(components, stds, mean, int(samples), int(seed))


# ----------------------------------------------------------------------------- attribute boundaries


@dataclass(frozen=True)
class Boundary:
    """A fitted attribute boundary in W: unit `normal` (towards high scores), and how well it separates."""

    normal: np.ndarray  # float32 [w_dim], unit length
    offset: float  # the hyperplane is normal . w + offset = 0
    accuracy: float  # on the held-out part of the positives/negatives (nan when none was held out)
    positives: int
    negatives: int


def fit_boundary(ws: np.ndarray | torch.Tensor, scores: np.ndarray | torch.Tensor, fraction: float = 0.1,
                 validation: float = 0.3, l2: float = 1e-3, seed: int = 0) -> Boundary:
    """Fit a linear boundary between the highest- and lowest-scored samples, as InterFaceGAN does.

    `ws` [N, w_dim], `scores` [N] (higher = more of the attribute). The top and
    bottom `fraction` of the samples by score become positives and negatives
    (the paper keeps 2% of 500 000 at each end; with a few thousand samples a
    larger fraction keeps enough of them); `validation` of those are held out
    to measure the accuracy. The classifier is L2-regularised logistic
    regression solved with L-BFGS in float64: for separable data its normal
    approaches the linear SVM's (both are max-margin in the limit), and it has
    no extra dependency.
    """
    x = torch.as_tensor(np.asarray(ws, dtype=np.float64))
    s = torch.as_tensor(np.asarray(scores, dtype=np.float64)).reshape(-1)
    if x.ndim != 2 or len(x) != len(s):
        raise ValueError(f"ws must be [N, w_dim] and scores [N]; got {tuple(x.shape)} and {tuple(s.shape)}")
    if not (torch.isfinite(x).all() and torch.isfinite(s).all()):
        raise ValueError("ws and scores must be finite")
    if not 0 < fraction <= 0.5:
        raise ValueError(f"fraction must be in (0, 0.5], got {fraction}")
    per_side = int(len(s) * fraction)
    if per_side < 2:
        raise ValueError(f"{len(s)} samples at fraction {fraction} leave fewer than 2 positives and negatives")
    order = torch.argsort(s, stable=True)
    negatives, positives = order[:per_side], order[-per_side:]
    if s[positives].min() <= s[negatives].max():
        raise ValueError("the highest and lowest scores overlap: the scores do not vary enough to fit a boundary")
    rng = torch.Generator().manual_seed(int(seed))
    held = int(per_side * validation)
    pos, neg = positives[torch.randperm(per_side, generator=rng)], negatives[torch.randperm(per_side, generator=rng)]
    train_idx = torch.cat([pos[held:], neg[held:]])
    train_y = torch.cat([torch.ones(per_side - held), torch.zeros(per_side - held)]).double()

    # Centre and scale by the training data's overall spread so that one l2 suits any W scale;
    # the normal is mapped back to W units after fitting.
    centre = x[train_idx].mean(dim=0)
    scale = (x[train_idx] - centre).std().clamp_min(1e-12)
    features = (x - centre) / scale
    weight = torch.zeros(x.shape[1], dtype=torch.float64, requires_grad=True)
    bias = torch.zeros((), dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([weight, bias], lr=1, max_iter=200, tolerance_grad=1e-9, tolerance_change=1e-12,
                                  line_search_fn="strong_wolfe")

    def loss_fn() -> torch.Tensor:
        optimizer.zero_grad()
        logits = features[train_idx] @ weight + bias
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, train_y) + l2 * weight.square().sum()
        loss.backward()
        return loss

    with torch.enable_grad(), torch.inference_mode(False):
        optimizer.step(loss_fn)
    w, b = weight.detach(), float(bias.detach())
    norm = float(w.norm())
    if norm == 0 or not math.isfinite(norm):
        raise ValueError("the boundary fit found no direction (the positives and negatives cannot be told apart)")
    # in W units: w.(x - centre)/scale + b = 0  =>  normal.x + offset = 0 with normal = w/|w|
    normal = w / norm
    offset = (b * float(scale) - float(w @ centre)) / norm
    accuracy = float("nan")
    if held:
        test_idx = torch.cat([pos[:held], neg[:held]])
        test_y = torch.cat([torch.ones(held), torch.zeros(held)]).bool()
        predicted = (x[test_idx] @ normal + offset) > 0
        accuracy = float((predicted == test_y).double().mean())
    return Boundary(normal.numpy().astype(np.float32), float(offset), accuracy, per_side, per_side)


def condition_direction(primary: np.ndarray, *conditions: np.ndarray) -> np.ndarray:
    """`primary` with its components along every `conditions` direction removed, unit length.

    InterFaceGAN's conditional manipulation: moving along the result leaves the
    (linear) scores of the conditioning attributes unchanged.
    """
    n = np.asarray(primary, dtype=np.float64).reshape(-1)
    if conditions:
        basis = np.stack([np.asarray(c, dtype=np.float64).reshape(-1) for c in conditions], axis=1)
        if basis.shape[0] != n.shape[0]:
            raise ValueError(f"directions must all have {n.shape[0]} values")
        q, _ = np.linalg.qr(basis)  # orthonormal basis of the conditions' span
        n = n - q @ (q.T @ n)
    norm = np.linalg.norm(n)
    if norm < 1e-6:
        raise ValueError("the direction lies within the conditioning directions; nothing is left after projecting them out")
    return (n / norm).astype(np.float32)
