"""Multimodal translation (MUNIT; UNIT as its unimodal sibling): quality on held-out summer/winter photos
next to the CycleGAN default, diversity over random styles, and style transfer from a reference photo.

Generic helpers other multimodal families can use: `diversity(draws)` (mean pairwise
distance between outputs for one input), `colour_stats` / `colour_distance` (how far an
image's colour statistics are from a reference's).

The held-out photos, season classifier, colour-shift measure and baselines are those of
`domains.evaluate_cyclegan`, so the figures of the two pages compare directly.
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from ganstudio import families
from ganstudio.checkpoints.loaded import LoadedModel
from trainer.evaluation import heldout
from trainer.evaluation.context import EvalContext, ModelEvaluation, Table, fmt
from trainer.evaluation.domains import QUALITY_COLUMNS, season_test
from trainer.evaluation.grids import tile_grid
from trainer.evaluation.metrics import mean_pairwise_difference

DIVERSITY_STYLES = 5  # random styles per input for the diversity figure
CYCLEGAN_DEFAULT = "summer2winter-cyclegan.safetensors"  # compared with when it sits beside the evaluated model


def diversity(draws: np.ndarray) -> float:
    """Mean pairwise distance between outputs for one input: draws [K, N, H, W, C] uint8, K outputs for each of
    N inputs; mean absolute difference in 0..255 levels over the K(K-1)/2 pairs, averaged over inputs."""
    return mean_pairwise_difference(draws)


def colour_stats(images: np.ndarray) -> np.ndarray:
    """Per image, the mean and standard deviation of each channel (0..255): [N, 2C]."""
    x = images.astype(np.float64).reshape(len(images), -1, images.shape[-1])
    return np.concatenate([x.mean(1), x.std(1)], axis=1)


def colour_distance(images: np.ndarray, references: np.ndarray) -> float:
    """Mean over pairs of the Euclidean distance between colour statistics (channel means and deviations, 0..255)."""
    return float(np.linalg.norm(colour_stats(images) - colour_stats(references), axis=1).mean())


def _run(fn: Callable[..., torch.Tensor], images: np.ndarray, batch: int, styles: torch.Tensor | None = None) -> np.ndarray:
    out = []
    with torch.inference_mode():
        for i in range(0, len(images), batch):
            x = heldout.to_tensor(images[i:i + batch])
            out.append(heldout.to_uint8(fn(x) if styles is None else fn(x, styles[i:i + batch])))
    return np.concatenate(out)


def _encode(tr: torch.nn.Module, images: np.ndarray, batch: int) -> torch.Tensor:
    with torch.inference_mode():
        return torch.cat([tr.encode_style(heldout.to_tensor(images[i:i + batch])) for i in range(0, len(images), batch)])


def _translators(model: LoadedModel) -> tuple[torch.nn.Module, torch.nn.Module]:
    target = families.translator(model.arch)
    if target is None:
        raise ValueError(f"{model.arch} has no translator")
    module_name, function = target.split(":")
    make = getattr(importlib.import_module(f"ganstudio.models.{module_name}"), function)
    parts = {k: v.module for k, v in model.parts.items()}
    return make(model.module, parts, "AtoB"), make(model.module, parts, "BtoA")


def _cyclegan_beside(model: LoadedModel) -> LoadedModel | None:
    """The bundled CycleGAN default when it sits in the evaluated model's folder (resources/models)."""
    from ganstudio.checkpoints import load_model

    path = Path(model.path).parent / CYCLEGAN_DEFAULT if model.path else None
    if path is None or not path.is_file():
        return None
    loaded = load_model(path)
    return loaded if "reverse" in loaded.parts else None


def _evaluate(name: str, model: LoadedModel, ctx: EvalContext, styled: bool) -> ModelEvaluation:
    s = ctx.settings
    size = int(model.resolution or 64)
    if "domain_b" not in model.parts:
        raise ValueError(f"{name}: the file has no 'domain_b' (winter) network")
    to_winter, to_summer = _translators(model)
    test = season_test(ctx, size)
    summer, winter, accuracy = test.summer, test.winter, test.accuracy
    n = len(summer)
    if styled:
        # one random prior style per photo (seeded); the way back uses the photo's own style, as MUNIT's cycle does
        w_styles, s_styles = to_winter.random_styles(n, 1), to_summer.random_styles(n, 2)
        fake_w = _run(to_winter, summer, s.batch, w_styles)
        fake_s = _run(to_summer, winter, s.batch, s_styles)
        back_s = _run(to_summer, fake_w, s.batch, _encode(to_summer, summer, s.batch))
        back_w = _run(to_winter, fake_s, s.batch, _encode(to_winter, winter, s.batch))
    else:
        fake_w, fake_s = _run(to_winter, summer, s.batch), _run(to_summer, winter, s.batch)
        back_s, back_w = _run(to_summer, fake_w, s.batch), _run(to_winter, fake_s, s.batch)
    outcomes = {name: (fake_w, back_s, fake_s, back_w)}
    cyclegan = _cyclegan_beside(model)
    if cyclegan is not None:
        g_w, g_s = cyclegan.module, cyclegan.parts["reverse"].module
        cw, cs = _run(g_w, summer, s.batch), _run(g_s, winter, s.batch)
        outcomes["CycleGAN default (summer2winter-cyclegan)"] = (cw, _run(g_s, cw, s.batch), cs, _run(g_w, cs, s.batch))
    outcomes.update(test.baselines())
    rows, figures = test.score(outcomes)
    figures["season_classifier_accuracy"] = accuracy
    style_note = " MUNIT translates each photo with one random style and goes back with the photo's own encoded style." if styled else ""
    tables = [Table(
        f"Held-out quality ({n} summer and {n} winter photos, {size} px)",
        QUALITY_COLUMNS, rows,
        "As for CycleGAN: cycle error is the mean absolute difference (0–255) between a photo and its round trip; 'seen as' "
        f"is the share a summer/winter classifier (held-out accuracy {fmt(100 * accuracy, 1)} %) assigns to the target season; "
        "colour shift is how far the mean colour moved towards the target season's (0 none, 1 the full difference)." + style_note)]
    grid_rows = [[summer[i], fake_w[i], back_s[i], winter[i], fake_s[i], back_w[i]] for i in range(min(s.n_grid, n))]
    caption = "Columns: summer | → winter | → back to summer | winter | → summer | → back to winter."

    if styled:
        k = DIVERSITY_STYLES
        inputs = summer[:max(2, min(n, 4 * s.n_grid))]
        draws = np.stack([_run(to_winter, inputs, s.batch, to_winter.random_styles(1, 100 + j).expand(len(inputs), -1)) for j in range(k)])
        div = {"diversity_s_to_w": diversity(draws)}
        back = np.stack([_run(to_summer, winter[:len(inputs)], s.batch, to_summer.random_styles(1, 200 + j).expand(len(inputs), -1)) for j in range(k)])
        div["diversity_w_to_s"] = diversity(back)
        # style from a reference photo: each summer photo with another held-out winter photo's style
        references = np.roll(winter, 1, axis=0)
        with_ref = _run(to_winter, summer, s.batch, _encode(to_winter, references, s.batch))
        transfer = {"input": colour_distance(summer, references), "random_style": colour_distance(fake_w, references),
                    "reference_style": colour_distance(with_ref, references)}
        if cyclegan is not None:
            transfer["cyclegan"] = colour_distance(outcomes["CycleGAN default (summer2winter-cyclegan)"][0], references)
        figures["diversity"] = div
        figures["style_transfer"] = transfer
        tables.append(Table(
            f"Diversity ({len(inputs)} photos × {k} random styles) and style from a reference photo ({n} pairs)",
            ["measure", "value"],
            [["mean pairwise distance S→W (0–255) ↑", fmt(div["diversity_s_to_w"])],
             ["mean pairwise distance W→S (0–255) ↑", fmt(div["diversity_w_to_s"])],
             ["colour-statistics distance to the reference: the summer input", fmt(transfer["input"])],
             ["… S→W with a random style", fmt(transfer["random_style"])],
             ["… S→W with the reference's encoded style ↓", fmt(transfer["reference_style"])]]
            + ([["… CycleGAN default S→W", fmt(transfer["cyclegan"])]] if "cyclegan" in transfer else []),
            "Diversity: for each input, the mean absolute difference between its translations under different random "
            "styles (a unimodal model such as CycleGAN scores 0). Colour-statistics distance: the Euclidean distance between "
            "the per-channel means and standard deviations (0–255) of an output and of the winter photo whose style it was "
            "given; 'before' is the same photo translated with a random style."))
        for i in range(min(s.n_grid, n)):
            grid_rows[i] += [references[i], with_ref[i]]
        caption += " | reference winter photo | summer → winter in the reference's style."
    return ModelEvaluation(name, model.arch, model.arch, tables, tile_grid(grid_rows), caption, figures)


def evaluate_munit(name: str, model: LoadedModel, ctx: EvalContext) -> ModelEvaluation:
    return _evaluate(name, model, ctx, styled=True)


def evaluate_unit(name: str, model: LoadedModel, ctx: EvalContext) -> ModelEvaluation:
    return _evaluate(name, model, ctx, styled=False)


# ----------------------------------------------------------------------------- BicycleGAN (label map -> photo)

PIX2PIX_DEFAULT = "landscape-pix2pix.safetensors"  # compared with on the same label maps when it sits beside the model


def evaluate_bicyclegan(name: str, model: LoadedModel, ctx: EvalContext) -> ModelEvaluation:
    """A BicycleGAN label-map -> photo model on held-out landscapes whose look (season, time of day) varies:
    quality with a random style and with the ground truth's encoded style next to the pix2pix default and the
    class-mean baseline, diversity over random styles against the data's own, and how much of a photo's look the
    encoder recovers (colour-statistics distance to the photo whose style was given; z -> G -> E round trip)."""
    from ganstudio.checkpoints import load_model
    from trainer.evaluation.metrics import class_colour_errors, detail_ratio, psnr
    from trainer.evaluation.painting import training_style
    from trainer.synthetic.landscapes import LANDSCAPE_CLASSES, colorize

    s = ctx.settings
    size = int(model.resolution or heldout.LANDSCAPE_SIZE)
    style = training_style(name, model)
    labels, truth = heldout.render_landscapes(heldout.HELDOUT_LANDSCAPE_SEED, s.n_paint, season=style.season, time_of_day=style.time_of_day)
    labels, truth = heldout.resize_labels(labels, size), heldout.resize_images(truth, size)
    inputs = colorize(labels)
    target = families.translator(model.arch)
    if target is None:
        raise ValueError(f"{model.arch} has no translator")
    module_name, function = target.split(":")
    translate = getattr(importlib.import_module(f"ganstudio.models.{module_name}"), function)(
        model.module, {k: v.module for k, v in model.parts.items()}, "AtoB").eval()
    n = len(labels)
    outputs = {f"{name} (random style)": _run(translate, inputs, s.batch, translate.random_styles(n, 1))}
    if translate.can_encode_style:
        outputs[f"{name} (style encoded from the ground truth)"] = _run(translate, inputs, s.batch, _encode(translate, truth, s.batch))
    pix2pix_path = Path(model.path).parent / PIX2PIX_DEFAULT if model.path else None
    if pix2pix_path is not None and pix2pix_path.is_file():
        pix2pix = load_model(pix2pix_path).module.eval()
        outputs["pix2pix default (landscape-pix2pix, summer day only)"] = _run(pix2pix, inputs, 1)
    stats = ctx.landscape_stats(size, style)
    outputs["baseline: class-mean colours"] = np.round(stats.class_colours[np.minimum(labels, len(stats.class_colours) - 1)]).astype(np.uint8)
    classes = [c["name"] for c in LANDSCAPE_CLASSES]
    figures: dict[str, dict] = {}
    rows = []
    for label, images in outputs.items():
        errors, _counts = class_colour_errors(images, truth, labels, len(classes))
        f = {"psnr": float(np.mean(psnr(images, truth))), "colour_error": float(np.nanmean(errors)), "detail": detail_ratio(images, truth),
             "colour_stats_distance": colour_distance(images, truth)}
        figures[label] = f
        rows.append([label, fmt(f["psnr"]), fmt(f["colour_error"], 1), fmt(f["detail"]), fmt(f["colour_stats_distance"], 1)])
    tables = [Table(
        f"Held-out quality ({n} label maps, {size} px; {style.describe()}, as in training)",
        ["output", "PSNR (dB) ↑", "colour error ↓", "detail (photo = 1)", "colour-statistics distance to the photo ↓"], rows,
        "As for the label-to-photo models: PSNR against the ground-truth rendering; colour error: RGB distance (0–255) between "
        "a class region's mean colour in the output and in the photo; detail: mean luminance gradient over the photo's. The "
        "colour-statistics distance compares per-channel means and deviations (0–255) of output and photo: how close the "
        "look is. A random style cannot know the photo's season or time of day; the encoded style is the encoder's mean "
        "for the ground-truth photo. pix2pix was trained on summer-day photos only (one look).")]

    k = DIVERSITY_STYLES
    draws = np.stack([_run(translate, inputs, s.batch, translate.random_styles(1, 100 + j).expand(n, -1)) for j in range(k)])
    looks = heldout.render_looks(heldout.HELDOUT_LANDSCAPE_SEED, n, k, season=style.season, time_of_day=style.time_of_day)
    looks = np.stack([heldout.resize_images(x, size) for x in looks])
    div = {"model": diversity(draws), "data": diversity(looks)}
    if "pix2pix default (landscape-pix2pix, summer day only)" in outputs:
        div["pix2pix"] = 0.0  # deterministic: one output per map
    figures["diversity"] = div
    div_rows = [[f"{name}, {k} random styles", fmt(div["model"], 1)], [f"the data: each map's layout in {k} looks", fmt(div["data"], 1)]]
    tables.append(Table(f"Diversity ({k} outputs per held-out label map)", ["outputs", "mean pairwise difference (0–255)"], div_rows,
                        "For each label map, the mean absolute difference (RGB levels) between two outputs, averaged over pairs and maps; "
                        "pix2pix (deterministic) scores 0."))
    grid_rows = [[colorize(labels[i]), truth[i]] + [images[i] for images in outputs.values()][:-1] + [d[i] for d in draws[1:4]]
                 for i in range(min(s.n_grid, n))]
    caption = "Columns: label map | ground truth | " + " | ".join(list(outputs)[:-1]) + " | 3 more random styles."

    if translate.can_encode_style:
        references = np.roll(truth, 1, axis=0)  # another held-out photo's look for each map
        with_ref = _run(translate, inputs, s.batch, _encode(translate, references, s.batch))
        z = translate.random_styles(n, 3)
        generated = _run(translate, inputs, s.batch, z)
        z_back = _encode(translate, generated, s.batch)
        recovery = {"reference_input": colour_distance(inputs, references), "reference_random": colour_distance(outputs[f"{name} (random style)"], references),
                    "reference_encoded": colour_distance(with_ref, references),
                    "z_l1": float((z_back - z).abs().mean()), "z_l1_chance": float((translate.random_styles(n, 4) - z).abs().mean())}
        figures["style_recovery"] = recovery
        tables.append(Table(
            f"How much of a photo's look the encoder recovers ({n} held-out maps)", ["measure", "value"],
            [["colour-statistics distance to another photo: with a random style", fmt(recovery["reference_random"], 1)],
             ["… with that photo's encoded style ↓", fmt(recovery["reference_encoded"], 1)],
             ["z → G → E: mean |E(G(x, z)) − z| ↓", fmt(recovery["z_l1"])],
             ["… two independent random codes (chance)", fmt(recovery["z_l1_chance"])]],
            "Each label map is converted with the encoded style of the next held-out photo (of another layout): the smaller "
            "the distance to that photo's colour statistics, the more of its look (season, time of day, light) carried over. "
            "The round trip draws a code, converts, encodes the output back: the latent regression the training minimises."))
        for i, row in enumerate(grid_rows):
            row += [references[i], with_ref[i]]
        caption += " | another held-out photo | the map in that photo's encoded style."
    return ModelEvaluation(name, model.arch, "label-to-photo", tables, tile_grid(grid_rows), caption, figures,
                           heldout_set=f"{n} label maps, {size} px; {style.describe()}")
