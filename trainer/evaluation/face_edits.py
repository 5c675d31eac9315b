"""StarGAN: does the attribute classifier see the attributes the model was asked to flip, and
how faithfully does it redraw a face (asked for the attributes it already has)?"""
from __future__ import annotations

import numpy as np
import torch

from ganstudio.checkpoints.loaded import LoadedModel
from trainer.evaluation import heldout
from trainer.evaluation.context import EvalContext, ModelEvaluation, Table, classify_faces, fmt
from trainer.evaluation.grids import tile_grid
from trainer.evaluation.metrics import flip_rates, flip_targets, mean_abs_error, psnr
from trainer.synthetic.faces import FACE_ATTRIBUTES


def evaluate_stargan(name: str, model: LoadedModel, ctx: EvalContext) -> ModelEvaluation:
    s = ctx.settings
    size = int(model.resolution or heldout.FACE_SIZE)
    attributes = model.attributes
    images, attrs = heldout.render_faces(heldout.HELDOUT_FACE_SEED, s.n_faces)
    images = heldout.resize_images(images, size)
    classifier = ctx.face_classifier(size)
    accuracy = ctx.record_face_accuracy(size, images, attrs)
    # The model's view of each face's attributes, in its own order (unknown names: off, and not scored).
    original = np.stack([attrs[:, FACE_ATTRIBUTES.index(a)] if a in FACE_ATTRIBUTES else np.zeros(len(attrs), bool)
                         for a in attributes], 1)

    def edit(batch: np.ndarray, target: np.ndarray) -> np.ndarray:
        out = []
        with torch.inference_mode():
            for i in range(0, len(batch), 64):
                x = heldout.to_tensor(batch[i:i + 64])
                out.append(heldout.to_uint8(model.module(x, torch.from_numpy(target[i:i + 64]).float())))
        return np.concatenate(out)

    def identity(batch: np.ndarray, target: np.ndarray) -> np.ndarray:
        return batch

    def classify(batch: np.ndarray) -> np.ndarray:
        return classify_faces(classifier, batch)

    edited = flip_rates(edit, classify, images, original, attributes, FACE_ATTRIBUTES)
    unedited = {r.attribute: r for r in flip_rates(identity, classify, images, original, attributes, FACE_ATTRIBUTES)}
    rows, figures = [], {}
    for r in edited:
        base = unedited[r.attribute]
        rows.append([r.attribute, str(r.trials), fmt(100 * r.rate, 1), fmt(100 * base.rate, 1), fmt(100 * r.kept, 1),
                     fmt(100 * accuracy[r.attribute], 1)])
        figures[r.attribute] = {"trials": r.trials, "flip_rate": r.rate, "baseline_flip_rate": base.rate, "kept": r.kept,
                                "classifier_accuracy": accuracy[r.attribute]}
    scored = [r for r in edited if r.trials]
    if scored:
        mean = float(np.mean([r.rate for r in scored]))
        base_mean = float(np.mean([unedited[r.attribute].rate for r in scored]))
        kept = float(np.mean([r.kept for r in scored]))
        rows.append(["mean", "", fmt(100 * mean, 1), fmt(100 * base_mean, 1), fmt(100 * kept, 1), ""])
        figures["mean"] = {"flip_rate": mean, "baseline_flip_rate": base_mean, "kept": kept}
    tables = [Table(
        f"Attribute flips on {len(images)} held-out faces ({size} px)",
        ["attribute", "edits", "flip seen, model (%) ↑", "flip seen, unedited input (%)", "other attributes kept (%) ↑",
         "classifier accuracy (%)"], rows,
        "Each face is edited once per attribute with the target label = its true attributes with that one flipped "
        "(a hair colour is only switched on, where the face has another one, the others then off). A flip counts when "
        "the attribute classifier sees the target value on the output (for hair: the target colour is its most likely "
        "one). Baseline: the unedited input. 'Kept': the classifier's verdict on the attributes not being edited is the "
        "same on the output as on the input. Classifier accuracy: on the unedited held-out faces.")]
    tables.append(_fidelity_table(edit(images, original.astype(np.float32)), images, size, s.n_stats, figures))
    rows = []
    for i in _grid_faces(attrs, s.n_grid):
        row = [images[i]]
        for k in range(len(attributes)):
            target, _ = flip_targets(original[i:i + 1], attributes, k)
            row.append(edit(images[i:i + 1], target)[0])
        rows.append(row)
    caption = "Columns: input | " + " | ".join(f"{a} flipped" for a in attributes) + " (a hair colour already present stays)."
    return ModelEvaluation(name, model.arch, "attributes", tables, tile_grid(rows), caption, figures)


def _fidelity_table(redrawn: np.ndarray, images: np.ndarray, size: int, n_train: int, figures: dict) -> Table:
    """The model asked for each face's own attributes, against two trivial stand-ins for a redrawn face."""
    train, _ = heldout.render_faces(heldout.TRAIN_FACE_SEED, n_train)
    mean_face = np.round(heldout.resize_images(train, size).astype(np.float64).mean(axis=0)).astype(np.uint8)
    blurred = heldout.resize_images(heldout.resize_images(images, size // 4), size)
    outputs = {  # figure key: (table label, images)
        "model": ("model, target = the face's own attributes", redrawn),
        "mean_face": ("baseline: training-set mean face", np.broadcast_to(mean_face, images.shape)),
        "blurred_input": ("baseline: the input at 1/4 size, scaled back up (bicubic)", blurred),
    }
    rows = []
    for key, (label, out) in outputs.items():
        p, e = float(np.mean(psnr(out, images))), mean_abs_error(out, images)
        rows.append([label, fmt(p), fmt(e, 1)])
        figures.setdefault("fidelity", {})[key] = {"psnr": p, "mean_abs_error": e}
    return Table(f"Fidelity: the {len(images)} held-out faces redrawn with their own attributes",
                 ["output", "PSNR vs input (dB) ↑", "mean abs error (0–255) ↓"], rows,
                 "How much of the face survives an edit that asks for nothing to change: blur, noise and drift. "
                 "The blurred input shows what losing three quarters of the resolution costs.")


def _grid_faces(attrs: np.ndarray, count: int) -> list[int]:
    """Indices of faces for the grid, alternating women and men so both are shown."""
    male = attrs[:, FACE_ATTRIBUTES.index("Male")]
    groups = [list(np.flatnonzero(~male)), list(np.flatnonzero(male))]
    picked: list[int] = []
    while len(picked) < min(count, len(attrs)):
        group = groups[len(picked) % 2] or groups[(len(picked) + 1) % 2]
        picked.append(int(group.pop(0)))
    return picked
