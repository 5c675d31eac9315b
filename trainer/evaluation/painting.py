"""Label-to-photo models (SPADE, SEAN, pix2pix) on held-out label maps and their renderings.

The ground truth's season and time of day are drawn at random per image, so a
model given only the label map cannot know them. Models that can take a style
from a photo are therefore also run with the ground truth's own style: SPADE's
VAE encoder (z = the encoder's mean) and SEAN's per-region style encoder.
A model trained on one season and time of day (the pix2pix default: summer
daytime) is tested on held-out photos of that look, against baselines from its
own training data.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from ganstudio.checkpoints.loaded import LoadedModel
from trainer.evaluation import heldout
from trainer.evaluation.context import EvalContext, ModelEvaluation, Table, fmt
from trainer.evaluation.grids import tile_grid
from trainer.evaluation.metrics import class_colour_errors, detail_ratio, psnr
from trainer.synthetic.landscapes import LANDSCAPE_CLASSES, colorize

MODE_NOTES = {
    "spade": "Random style: z drawn from N(0, 1). Encoded style: z = the VAE encoder's mean for the ground-truth photo.",
    "sean": "Encoded style: each region's code from the ground-truth photo. Another photo's styles: the codes of the next "
            "held-out photo (a class that photo lacks gets a zero code).",
    "pix2pix_unet": "Input: the label map painted in the palette colours, as in training. Deterministic: eval mode "
                    "(running BatchNorm statistics, no dropout), the app's default. Reference test mode: dropout on and "
                    "per-image BatchNorm statistics, as the reference test.py without --eval (the app's other mode).",
}
Painter = Callable[[np.ndarray, np.ndarray, int], np.ndarray]  # (labels, truth photos, batch index) -> photos


def _batched(paint: Painter, labels: np.ndarray, truth: np.ndarray, batch: int) -> np.ndarray:
    out = []
    with torch.inference_mode():
        for i, start in enumerate(range(0, len(labels), batch)):
            torch.manual_seed(1000 + i)  # random styles and noise repeat from run to run
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
    if model.arch == "sean":
        def encoded(labels: np.ndarray, truth: np.ndarray, _: int) -> np.ndarray:
            seg = net.semantic_input(torch.from_numpy(labels).long())
            return heldout.to_uint8(net.generate(seg, net.encode_styles(heldout.to_tensor(truth), seg)))

        def other_photo(labels: np.ndarray, truth: np.ndarray, _: int) -> np.ndarray:
            # Each image takes its region styles from the next held-out photo (its own label map).
            seg = net.semantic_input(torch.from_numpy(labels).long())
            donor_seg = torch.roll(seg, 1, 0)
            codes = net.encode_styles(torch.roll(heldout.to_tensor(truth), 1, 0), donor_seg)
            return heldout.to_uint8(net.generate(seg, codes))

        return {"styles of another held-out photo": other_photo, "style encoded from the ground truth": encoded}
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
    rows = []
    for i in range(min(s.n_grid, len(labels))):
        rows.append([colorize(labels[i]), truth[i]] + [images[i] for images in outputs.values()])
    caption = "Columns: label map | ground truth | " + " | ".join(outputs) + "."
    return ModelEvaluation(name, model.arch, "label-to-photo", tables, tile_grid(rows), caption, figures)
