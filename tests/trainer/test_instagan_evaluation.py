"""The InstaGAN evaluation scores outside-instance preservation, the colour shift inside and mask IoU, with baselines."""
from __future__ import annotations

import numpy as np
import torch

from ganstudio.checkpoints import load_model, save_model
from ganstudio.models.instagan import ResnetSetGenerator
from trainer.evaluation.context import EvalContext, Settings
from trainer.evaluation.instances import evaluate_instagan, instance_test, score
from trainer.synthetic.instances import components


def test_components_are_four_connected_and_largest_first() -> None:
    mask = np.zeros((6, 6), bool)
    mask[0, 0:3] = True  # 3 pixels
    mask[2:5, 2:4] = True  # 6 pixels
    mask[5, 5] = True  # touches the block only diagonally: its own component
    found = components(mask)
    assert [int(m.sum()) for m in found] == [6, 3, 1]
    assert np.array_equal(np.logical_or.reduce(found), mask)


def test_scores_of_identity_and_painting_bracket_the_measure() -> None:
    images, masks, trees, rocks = instance_test(3, 32)
    assert len(images) == 3 and all(m.ndim == 3 and m.any() for m in masks)
    identity = score(images, masks, images, masks, trees, rocks)
    assert identity == {"outside_error": 0.0, "colour_shift": 0.0, "mask_iou": 1.0}
    painted = [im.copy() for im in images]
    for im, m in zip(painted, masks):
        im[m.any(0)] = np.round(rocks).astype(np.uint8)
    f = score(images, masks, painted, masks, trees, rocks)
    assert f["outside_error"] == 0.0 and f["colour_shift"] > 0.5


def test_evaluation_runs_a_model_file(tmp_path) -> None:
    torch.manual_seed(0)
    net = ResnetSetGenerator(ngf=2, n_blocks=1).eval()
    loaded = load_model(save_model(net, tmp_path / "insta.safetensors", parts={"reverse": net}, resolution=32))
    ctx = EvalContext(Settings(n_cycle=6, n_grid=2))
    result = evaluate_instagan("tiny", loaded, ctx)
    figures = result.figures["tiny"]
    assert figures["outside_error"] > 0 and np.isfinite(figures["colour_shift"]) and 0 <= figures["mask_iou"] <= 1
    assert result.figures["baseline: identity"]["outside_error"] == 0.0
    assert result.grid.ndim == 3 and result.tables[0].rows[0][0] == "tiny"
