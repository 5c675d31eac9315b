"""Label-to-photo models (SPADE, SEAN, OASIS, pix2pix) on held-out label maps and their renderings.

The ground truth's season and time of day are drawn at random per image, so a
model given only the label map cannot know them. Models that can take a style
from a photo are therefore also run with the ground truth's own style: SPADE's
VAE encoder (z = the encoder's mean) and SEAN's per-region style encoder.
A model trained on one season and time of day (the pix2pix default: summer
daytime) is tested on held-out photos of that look, against baselines from its
own training data. OASIS has no style encoder: its only mode is random 3D noise.

Diversity: models with a random source (OASIS's noise, SPADE's random style,
SEAN's styles taken from other photos) paint every held-out map several times,
and the mean pairwise difference of those outputs is set beside the same
figure for the data itself (the map's layout rendered in several looks).
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from ganstudio.checkpoints.loaded import LoadedModel
from trainer.evaluation import heldout
from trainer.evaluation.context import EvalContext, ModelEvaluation, Table, fmt
from trainer.evaluation.grids import tile_grid
from trainer.evaluation.metrics import class_colour_errors, detail_ratio, mean_pairwise_difference, psnr
from trainer.synthetic.landscapes import LANDSCAPE_CLASSES, colorize

MODE_NOTES = {
    "spade": "Random style: z drawn from N(0, 1). Encoded style: z = the VAE encoder's mean for the ground-truth photo.",
    "sean": "Encoded style: each region's code from the ground-truth photo. Another photo's styles: the codes of the next "
            "held-out photo (a class that photo lacks gets a zero code).",
    "oasis": "Random noise: one z drawn from N(0, 1) per image and repeated at every pixel (the 3D noise as trained); "
             "OASIS has no style encoder, so the ground truth's look cannot be given to it.",
    "pix2pix_unet": "Input: the label map painted in the palette colours, as in training. Deterministic: eval mode "
                    "(running BatchNorm statistics, no dropout), the app's default. Reference test mode: dropout on and "
                    "per-image BatchNorm statistics, as the reference test.py without --eval (the app's other mode).",
}
Painter = Callable[[np.ndarray, np.ndarray, int], np.ndarray]  # (labels, truth photos, batch index) -> photos
DIVERSITY_DRAWS = 4  # outputs per held-out map for the diversity figure
DRAW_SEED_STEP = 100_003  # seeds of draw d: the main figures' seeds + d * this


def _batched(paint: Painter, labels: np.ndarray, truth: np.ndarray, batch: int, seed: int = 1000) -> np.ndarray:
    out = []
    with torch.inference_mode():
        for i, start in enumerate(range(0, len(labels), batch)):
            torch.manual_seed(seed + i)  # random styles and noise repeat from run to run
            out.append(paint(labels[start:start + batch], truth[start:start + batch], i))
    return np.concatenate(out)


def painters(model: LoadedModel) -> dict[str, Painter]:
    """The ways to run this model, by a name that says where the style comes from."""
    net = model.module
    if model.arch == "spade":
        def random_style(labels: np.ndarray, truth: np.ndarray, _: int) -> np.ndarray:
            seg = net.semantic_input(torch.from_numpy(labels).long())
            return heldout.to_uint8(net(seg))

        modes = {"random style": random_style}
        encoder = model.parts.get("encoder")
        if encoder is not None and getattr(net, "use_vae", False):
            def encoded_style(labels: np.ndarray, truth: np.ndarray, _: int) -> np.ndarray:
                seg = net.semantic_input(torch.from_numpy(labels).long())
                mu, _logvar = encoder.module.encode(heldout.to_tensor(truth))
                return heldout.to_uint8(net(seg, mu))

            modes["style encoded from the ground truth"] = encoded_style
        return modes
    if model.arch == "oasis":
        def random_noise(labels: np.ndarray, truth: np.ndarray, _: int) -> np.ndarray:
            seg = net.semantic_input(torch.from_numpy(labels).long())
            z = torch.randn(len(labels), net.z_dim) if net.uses_noise else None
            return heldout.to_uint8(net(seg, z))

        return {"random noise": random_noise}
    if model.arch == "sean":
        def encoded(labels: np.ndarray, truth: np.ndarray, _: int) -> np.ndarray:
            seg = net.semantic_input(torch.from_numpy(labels).long())
            return heldout.to_uint8(net.generate(seg, net.encode_styles(heldout.to_tensor(truth), seg)))

        return {"styles of another held-out photo": sean_other_photo(net, 1), "style encoded from the ground truth": encoded}
    if model.arch == "pix2pix_unet":
        from ganstudio.models.junyanz_norms import set_reference_test_mode

        def from_colours(reference: bool) -> Painter:
            def paint(labels: np.ndarray, truth: np.ndarray, _: int) -> np.ndarray:
                # One image at a time: batch statistics must not mix images (the reference tests with batch 1).
                x = heldout.to_tensor(colorize(labels))
                set_reference_test_mode(net, reference)
                try:
                    return np.concatenate([heldout.to_uint8(net(x[i:i + 1])) for i in range(len(x))])
                finally:
                    set_reference_test_mode(net, False)

            return paint

        return {"colour label map, deterministic": from_colours(False), "colour label map, reference test mode": from_colours(True)}
    raise ValueError(f"{model.arch} is not a label-to-photo model")


def sean_other_photo(net: torch.nn.Module, shift: int) -> Painter:
    """SEAN with each image's region styles taken from the held-out photo `shift` places on in its batch (its own label map)."""
    def paint(labels: np.ndarray, truth: np.ndarray, _: int) -> np.ndarray:
        seg = net.semantic_input(torch.from_numpy(labels).long())
        donor_seg = torch.roll(seg, shift, 0)
        codes = net.encode_styles(torch.roll(heldout.to_tensor(truth), shift, 0), donor_seg)
        return heldout.to_uint8(net.generate(seg, codes))

    return paint


def varied_painters(model: LoadedModel, draws: int, batch: int) -> tuple[str, str, list[tuple[Painter, int]]] | None:
    """The model's random mode as `draws` (painter, seed) pairs that differ only in the random source: (the
    mode's name in the main figures, what varies, the pairs). Draw 0 is the main figures' output. None for a
    model without a random source (pix2pix, SPADE without its VAE)."""
    net = model.module
    if model.arch == "oasis" and net.uses_noise:
        mode, varies = "random noise", "random noise"
    elif model.arch == "spade" and getattr(net, "use_vae", False):
        mode, varies = "random style", "random style"
    elif model.arch == "sean":
        # no random source: the styles of different held-out photos of the same batch, never the image's own
        draws = min(draws, batch - 1)
        if draws < 2:
            return None
        return ("styles of another held-out photo", "styles of other held-out photos",
                [(sean_other_photo(net, d + 1), 1000) for d in range(draws)])
    else:
        return None
    paint = painters(model)[mode]
    return mode, varies, [(paint, 1000 + d * DRAW_SEED_STEP) for d in range(draws)]


def diversity(model: LoadedModel, labels: np.ndarray, truth: np.ndarray, style: heldout.DataStyle,
              size: int, batch: int) -> tuple[str, str, np.ndarray, float, float] | None:
    """(main mode, what varies, outputs [K,N,H,W,3], the model's mean pairwise difference, the data's) or None."""
    varied = varied_painters(model, DIVERSITY_DRAWS, batch)
    if varied is None:
        return None
    mode, varies, draws = varied
    outputs = np.stack([_batched(paint, labels, truth, batch, seed) for paint, seed in draws])
    looks = heldout.render_looks(heldout.HELDOUT_LANDSCAPE_SEED, len(labels), len(draws), season=style.season,
                                 time_of_day=style.time_of_day)
    looks = np.stack([heldout.resize_images(x, size) for x in looks])
    return mode, varies, outputs, mean_pairwise_difference(outputs), mean_pairwise_difference(looks)


def training_style(name: str, model: LoadedModel) -> heldout.DataStyle:
    """The look of the model's training data: its provenance's data command, else trainer/defaults.py's."""
    command = (model.meta.get("provenance") or {}).get("data_command")
    if not command:
        from trainer.defaults import DEFAULTS

        default = next((m for m in DEFAULTS if m.name == name), None)
        if default is not None:
            return heldout.DataStyle.of_dataset(default.dataset)
    return heldout.DataStyle.of(command)


def evaluate_painting(name: str, model: LoadedModel, ctx: EvalContext) -> ModelEvaluation:
    s = ctx.settings
    size = int(model.resolution or heldout.LANDSCAPE_SIZE)
    classes = [c["name"] for c in (model.labels or LANDSCAPE_CLASSES)]
    style = training_style(name, model)
    labels, truth = heldout.render_landscapes(heldout.HELDOUT_LANDSCAPE_SEED, s.n_paint, season=style.season,
                                              time_of_day=style.time_of_day)
    labels, truth = heldout.resize_labels(labels, size), heldout.resize_images(truth, size)
    stats = ctx.landscape_stats(size, style)

    outputs = {f"{name} ({mode})": _batched(paint, labels, truth, s.batch) for mode, paint in painters(model).items()}
    baselines = {
        "baseline: training-set mean image": np.broadcast_to(np.round(stats.mean_image).astype(np.uint8), truth.shape),
        "baseline: class-mean colours": np.round(stats.class_colours[np.minimum(labels, len(stats.class_colours) - 1)]).astype(np.uint8),
    }
    k = len(classes)
    figures: dict[str, dict] = {}
    summary_rows, class_rows = [], []
    for label, images in {**outputs, **baselines}.items():
        p = psnr(images, truth)
        errors, counts = class_colour_errors(images, truth, labels, k)
        texture = detail_ratio(images, truth)
        figures[label] = {"psnr": float(np.mean(p)), "colour_error": float(np.nanmean(errors)), "detail": texture,
                          "class_colour_error": {c: float(e) for c, e in zip(classes, errors)}}
        summary_rows.append([label, fmt(float(np.mean(p))), fmt(float(np.nanmean(errors)), 1), fmt(texture)])
        class_rows.append([label] + [fmt(float(e), 1) for e in errors])
    present = ", ".join(f"{c} {n}" for c, n in zip(classes, counts))
    tables = [
        Table(f"Held-out quality ({s.n_paint} label maps, {size} px; {style.describe()}, as in training)", ["output", "PSNR (dB) ↑", "colour error ↓", "detail (photo = 1)"], summary_rows,
              "PSNR against the ground-truth rendering, averaged over images. Colour error: the distance in RGB (0–255) "
              "between the mean colour of a class region in the output and in the ground truth, averaged over images, "
              "then over classes. Detail: the output's mean luminance gradient over the ground truth's (1 = as much "
              "texture and edge as the photo). PSNR and colour error reward the best guess of the exact pixels, a blur "
              "where the look varies (sun, light, haze), so the flat class-mean painting scores well on them; detail shows "
              "which outputs look like photos. " + MODE_NOTES.get(model.arch, "")),
        Table("Colour error per class (RGB distance, 0–255) ↓", ["output"] + classes, class_rows,
              f"Images showing each class (at least 16 pixels): {present}."),
    ]
    varied = diversity(model, labels, truth, style, size, s.batch)
    extra_columns: list[np.ndarray] = []
    caption_extra = ""
    if varied is not None:
        mode, varies, draws, model_div, data_div = varied
        figures[f"{name} ({mode})"].update({"diversity": model_div, "data_diversity": data_div})
        tables.append(Table(
            f"Diversity ({len(draws)} outputs per held-out label map)", ["outputs", "mean pairwise difference (0–255)"],
            [[f"{name} ({varies})", fmt(model_div, 1)], [f"the data: each map's layout in {len(draws)} looks", fmt(data_div, 1)]],
            "For each held-out label map, the mean absolute difference (RGB levels 0–255, over pixels and channels) "
            "between two outputs, averaged over every pair of outputs and then over the maps; 0 = one image per map. "
            "The data row renders each map's layout with other style seeds (other sun, colours and, where training "
            "drew them at random, season and time of day): how much the photos of one label map vary in training."))
        extra_columns = list(draws[1:3])
        caption_extra = f" | {len(extra_columns)} more draws of {varies}" if extra_columns else ""
    rows = []
    for i in range(min(s.n_grid, len(labels))):
        rows.append([colorize(labels[i]), truth[i]] + [images[i] for images in outputs.values()] + [d[i] for d in extra_columns])
    caption = "Columns: label map | ground truth | " + " | ".join(outputs) + caption_extra + "."
    return ModelEvaluation(name, model.arch, "label-to-photo", tables, tile_grid(rows), caption, figures,
                           heldout_set=f"{s.n_paint} label maps, {size} px; {style.describe()}")
