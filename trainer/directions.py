"""Attribute directions for a StyleGAN2 landscape model: sample, score, fit boundaries, write a direction set.

    python -m trainer.directions MODEL.safetensors --out landscape-directions.npz

InterFaceGAN's recipe (Shen et al. 2020) with scores we can compute without
labels: the synthetic landscapes (`trainer/synthetic/landscapes.py`) paint
snow near-white, water blue, summer vegetation green, dusk skies orange and
night dark, so simple colour statistics of a generated picture measure those
attributes:

- ``brightness``: mean luminance (night is dark, day is bright: time of day);
- ``snow``: share of bright, unsaturated pixels in the lower half (snow-covered
  ground; the upper half is left out because clouds are white too);
- ``green``: share of green-dominant pixels in the lower half (summer grass and trees);
- ``autumn``: share of orange pixels (red > green > blue, clearly warm) in the lower half;
- ``dusk``: how much redder than blue the upper third is (a warm evening sky);
- ``water``: share of clearly blue, not dark pixels in the lower half (lakes);
- ``clouds``: share of bright, unsaturated pixels in the upper third.

For each attribute the samples' ws (untruncated) and scores go to
`ganstudio.models.stylegan2_directions.fit_boundary`; a conditional variant ("snow,
same brightness") projects the brightness normal out (InterFaceGAN's
conditional manipulation). Each direction is then checked on held-out samples
(another seed): moved by +-2 standard deviations of the samples' projections
onto it, how often its own score is higher at +2 than at -2 ("right way"; equal
counts as a tie, e.g. no snow at either end), how often it goes up from the
unmoved sample at +2 and down at -2, and how far (in standard deviations of
the score over the fitting samples). The figures
are printed (and written as JSON with --report); the set file holds only what
the app needs (names, vectors, ranges, slider sizes, the model's sha256).

Measured on the bundled landscape model (4000 samples, fraction 0.15, 400
held-out samples; "right way" = score higher at +2 sd than at -2 sd, ties are
samples at the score's floor at both ends, e.g. no snow at all):
brightness 0.993, snow 0.927 (ties 0.07), green 1.000, autumn 0.823 (0.12),
dusk 0.985, water 0.715 (0.22), clouds 0.792 (0.20). Conditioning snow on
brightness cut its brightness change from +1.11 to +0.12 sd, at the cost of
less snow (+1.78 to +0.75 sd; right way 0.647, ties 0.34). The colour scores
themselves tell the renderer's own labels apart (tests/trainer/
test_directions_tool.py): winter/summer, summer/winter green, day/night,
dusk/day ranked correctly 97-100%, autumn 97%; clouds correlate 0.96 with the
cloud area; water only 0.64 with the water area (reflections of the sky and
night blues confuse it), which is why its direction is the weakest.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ganstudio.checkpoints import load_model
from ganstudio.document.direction_sets import (
    Direction,
    DirectionSet,
    file_sha256,
    pca_directions,
    sefa_directions,
    write_direction_set,
)
from ganstudio.models import stylegan2_directions as D

Scorer = Callable[[np.ndarray], np.ndarray]  # images [N, H, W, 3] uint8 -> scores [N]


def _channels(images: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    x = images.astype(np.float32) / 255.0
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    luminance = 0.299 * r + 0.587 * g + 0.114 * b
    saturation = x.max(axis=-1) - x.min(axis=-1)
    return r, g, b, luminance, saturation


def _lower(a: np.ndarray) -> np.ndarray:
    return a[:, a.shape[1] // 2 :]


def _top(a: np.ndarray) -> np.ndarray:
    return a[:, : a.shape[1] // 3]


def _share(mask: np.ndarray) -> np.ndarray:
    return mask.reshape(len(mask), -1).mean(axis=1)


def score_brightness(images: np.ndarray) -> np.ndarray:
    return _channels(images)[3].reshape(len(images), -1).mean(axis=1)


def score_snow(images: np.ndarray) -> np.ndarray:
    _r, _g, _b, lum, sat = _channels(images)
    return _share(_lower((lum > 0.7) & (sat < 0.15)))


def score_green(images: np.ndarray) -> np.ndarray:
    r, g, b, lum, _sat = _channels(images)
    return _share(_lower((g > r + 0.05) & (g > b + 0.05) & (lum > 0.08)))


def score_autumn(images: np.ndarray) -> np.ndarray:
    r, g, b, _lum, _sat = _channels(images)
    return _share(_lower((r > g) & (g > b) & (r - b > 0.25)))


def score_dusk(images: np.ndarray) -> np.ndarray:
    r, _g, b, _lum, _sat = _channels(images)
    return _top(r - b).reshape(len(images), -1).mean(axis=1)


def score_water(images: np.ndarray) -> np.ndarray:
    r, g, b, lum, _sat = _channels(images)
    return _share(_lower((b > r + 0.15) & (b > g + 0.05) & (lum > 0.15)))


def score_clouds(images: np.ndarray) -> np.ndarray:
    _r, _g, _b, lum, sat = _channels(images)
    return _share(_top((lum > 0.75) & (sat < 0.15)))


LANDSCAPE_SCORES: dict[str, tuple[str, Scorer]] = {
    "brightness": ("Brightness (night - day)", score_brightness),
    "snow": ("Snow", score_snow),
    "green": ("Green vegetation (summer)", score_green),
    "autumn": ("Autumn colours", score_autumn),
    "dusk": ("Dusk sky", score_dusk),
    "water": ("Water", score_water),
    "clouds": ("Clouds", score_clouds),
}
# (name of the variant, attribute, attributes projected out)
CONDITIONAL: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("snow-same-brightness", "snow", ("brightness",)),
    ("green-same-brightness", "green", ("brightness",)),
)


def render(gen: torch.nn.Module, ws: torch.Tensor, batch: int = 64) -> np.ndarray:
    """ws [N, w_dim] (one w for every layer) or [N, num_ws, w_dim] -> images [N, H, W, 3] uint8 (const noise)."""
    out = []
    with torch.inference_mode():
        for start in range(0, len(ws), batch):
            chunk = ws[start : start + batch]
            if chunk.ndim == 2:
                chunk = chunk[:, None].repeat(1, gen.num_ws, 1)
            img = gen.synthesis(chunk.float(), noise_mode="const")
            out.append(((img.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy())
    return np.concatenate(out)


@dataclass
class Found:
    """One fitted direction and how it did."""

    key: str
    title: str
    attribute: str
    normal: np.ndarray
    spread: float  # std of the fitting samples' projections onto the normal
    accuracy: float  # boundary accuracy on its held-out positives/negatives
    up: float = float("nan")  # share of held-out samples whose score rose when moved +amount
    down: float = float("nan")  # ... fell when moved -amount (a score at its floor, e.g. no snow, cannot)
    right_way: float = float("nan")  # share whose score at +amount is above the one at -amount
    ties: float = float("nan")  # share where the two are equal (both at a floor, typically 0)
    mean_change: float = float("nan")  # mean score change at +amount, in units of the score's std
    side_effects: dict | None = None  # conditional variants: mean change of each projected-out score (same units)


def fit_attributes(gen: torch.nn.Module, ws: torch.Tensor, images: np.ndarray, scorers: dict[str, tuple[str, Scorer]],
                   fraction: float, log: Callable[[str], None] = print) -> tuple[list[Found], dict[str, np.ndarray]]:
    """A boundary per scorer, plus the conditional variants whose attributes are all scored."""
    scores = {key: scorer(images) for key, (_title, scorer) in scorers.items()}
    found: dict[str, Found] = {}
    x = ws.numpy().astype(np.float64)
    for key, (title, _scorer) in scorers.items():
        try:
            boundary = D.fit_boundary(x, scores[key], fraction=fraction)
        except ValueError as exc:
            log(f"  {key}: no boundary ({exc})")
            continue
        spread = float((x @ boundary.normal).std())
        found[key] = Found(key, title, key, boundary.normal, spread, boundary.accuracy)
    for name, attribute, conditions in CONDITIONAL:
        if attribute in found and all(c in found for c in conditions):
            normal = D.condition_direction(found[attribute].normal, *(found[c].normal for c in conditions))
            spread = float((x @ normal).std())
            title = f"{found[attribute].title}, same {' and '.join(conditions)}"
            found[name] = Found(name, title, attribute, normal, spread, float("nan"), side_effects={c: float("nan") for c in conditions})
            # the plain direction's effect on the same scores, to compare with
            plain = found[attribute]
            plain.side_effects = {**(plain.side_effects or {}), **{c: float("nan") for c in conditions}}
    return list(found.values()), scores


def check_directions(gen: torch.nn.Module, ws: torch.Tensor, found: Sequence[Found], scorers: dict[str, tuple[str, Scorer]],
                     scales: dict[str, float], amount_spreads: float = 2.0) -> None:
    """On held-out ws: move every w by +-amount along each direction and see where its score goes."""
    base_images = render(gen, ws)
    base = {key: scorer(base_images) for key, (_t, scorer) in scorers.items()}
    for item in found:
        amount = amount_spreads * item.spread
        vector = torch.from_numpy(item.normal.astype(np.float32))
        plus, minus = render(gen, ws + amount * vector), render(gen, ws - amount * vector)
        scorer = scorers[item.attribute][1]
        s_plus, s_minus, s0 = scorer(plus), scorer(minus), base[item.attribute]
        item.up = float((s_plus > s0).mean())
        item.down = float((s_minus < s0).mean())
        item.right_way = float((s_plus > s_minus).mean())
        item.ties = float((s_plus == s_minus).mean())
        item.mean_change = float((s_plus - s0).mean() / scales[item.attribute])
        if item.side_effects is not None:
            item.side_effects = {c: float((scorers[c][1](plus) - base[c]).mean() / scales[c]) for c in item.side_effects}


def build_set(gen: torch.nn.Module, found: Sequence[Found], sha: str, sefa: int, ganspace: int, samples: int, seed: int) -> DirectionSet:
    num_ws, w_dim = int(gen.num_ws), int(gen.w_dim)
    directions = [Direction(item.title, "attribute", item.normal, 0, num_ws - 1, 3.0 * item.spread) for item in found]
    result = DirectionSet(tuple(directions), num_ws, w_dim, sha)
    if sefa:
        result = result.merged(sefa_directions(D.sefa(gen, "all"), num_ws, count=sefa))
    if ganspace:
        result = result.merged(pca_directions(D.ganspace(gen, samples=samples, seed=seed), num_ws, count=ganspace))
    return DirectionSet(result.directions, num_ws, w_dim, sha)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trainer.directions", description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=Path, help="a StyleGAN2 landscape model (.safetensors or an importable file)")
    parser.add_argument("--out", type=Path, required=True, help="the direction-set .npz to write")
    parser.add_argument("--samples", type=int, default=4000, help="generated samples to fit on (default 4000)")
    parser.add_argument("--check", type=int, default=300, help="held-out samples to check each direction on (default 300)")
    parser.add_argument("--fraction", type=float, default=0.15, help="top/bottom share taken as positives/negatives")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sefa", type=int, default=0, help="also store this many SeFa directions (all layers)")
    parser.add_argument("--ganspace", type=int, default=0, help="also store this many GANSpace components")
    parser.add_argument("--ganspace-samples", type=int, default=20_000, help="mapped ws for GANSpace's PCA (default 20000)")
    parser.add_argument("--only", nargs="*", choices=sorted(LANDSCAPE_SCORES), help="fit only these attributes")
    parser.add_argument("--report", type=Path, help="write the figures as JSON here too")
    parser.add_argument("--threads", type=int, help="torch threads (on a busy 2-core machine 1 was several times faster than 2)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    started = time.perf_counter()
    loaded = load_model(args.model)
    if "latent_space" not in getattr(loaded, "capabilities", ()) and loaded.arch != "stylegan2":
        print(f"{args.model.name}: a {loaded.arch} model has no W space; directions need a StyleGAN2 model", file=sys.stderr)
        return 2
    gen = loaded.module
    scorers = {k: v for k, v in LANDSCAPE_SCORES.items() if not args.only or k in args.only}
    ws = D.sample_ws(gen, args.samples, seed=args.seed)
    images = render(gen, ws)
    print(f"{args.samples} samples rendered in {time.perf_counter() - started:.1f} s")
    found, scores = fit_attributes(gen, ws, images, scorers, args.fraction)
    scales = {key: float(values.std()) or 1.0 for key, values in scores.items()}
    held_out = D.sample_ws(gen, args.check, seed=args.seed + 1)
    check_directions(gen, held_out, found, scorers, scales)

    print(f"{'direction':<24} {'boundary acc':>12} {'right way':>9} {'ties':>5} {'up at +2sd':>10} {'down at -2sd':>12} "
          f"{'mean change':>11}  side effects")
    for item in found:
        side = ", ".join(f"{c} {v:+.2f} sd" for c, v in (item.side_effects or {}).items())
        print(f"{item.key:<24} {item.accuracy:>12.3f} {item.right_way:>9.3f} {item.ties:>5.2f} {item.up:>10.3f} {item.down:>12.3f} "
              f"{item.mean_change:>+9.2f} sd  {side}")
    result = build_set(gen, found, file_sha256(args.model), args.sefa, args.ganspace, args.ganspace_samples, args.seed)
    write_direction_set(args.out, result)
    print(f"wrote {len(result)} directions to {args.out} in {time.perf_counter() - started:.1f} s")
    if args.report:
        report = {item.key: {"title": item.title, "boundary_accuracy": item.accuracy, "right_way": item.right_way,
                             "ties": item.ties, "up": item.up, "down": item.down,
                             "mean_change_sd": item.mean_change, "side_effects_sd": item.side_effects} for item in found}
        args.report.write_text(json.dumps({"samples": args.samples, "check": args.check, "fraction": args.fraction,
                                           "directions": report}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
