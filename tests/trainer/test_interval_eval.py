"""--eval-every: the Frechet distance logged during a run, without changing the run."""
from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
import torch

import trainer.interval_eval as interval_eval
from trainer.loop import run_recipe
from train_helpers import EVERY_TINY, recipe_class, tiny_args


@pytest.fixture
def cheap_features(monkeypatch):
    """A fixed random conv net instead of the measurement network (which trains for minutes once)."""
    calls = []

    def feature_network(kind: str, size: int):
        calls.append((kind, size))
        net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, 2, 1), torch.nn.LeakyReLU(0.2), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten())
        torch.nn.init.normal_(net[0].weight, generator=torch.Generator().manual_seed(0))
        return net.eval()

    monkeypatch.setattr(interval_eval, "feature_network", feature_network)
    return calls


@pytest.mark.parametrize("recipe", ["stylegan2", "pix2pix", "stargan", "oasis", "munit", "unit", "bicyclegan"])
def test_figures_are_logged_and_the_run_is_unchanged(recipe: str, cheap_features, tiny_data, tmp_path: Path) -> None:
    data = tiny_data(EVERY_TINY[recipe][0])
    cls = recipe_class(recipe)
    plain = run_recipe(cls, tiny_args(recipe, data, tmp_path / "plain", "--export-dtype", "float32", iters=4))
    measured = run_recipe(cls, tiny_args(recipe, data, tmp_path / "run", "--export-dtype", "float32", "--eval-every", "2",
                                         "--eval-images", "4", iters=4))
    assert measured.final_losses == plain.final_losses  # measuring forks the RNG and restores train mode
    with (tmp_path / "run" / "evaluation.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["iteration"]) for r in rows] == [2, 4]
    assert [float(r["kimg"]) for r in rows] == [0.004, 0.008]
    assert all(math.isfinite(float(r["fd"])) and float(r["fd"]) >= 0 for r in rows)
    assert cheap_features == [("landscapes", measured.recipe.args.resolution)]  # built once, at the run's size


def test_evaluation_rows_after_a_resume_point_are_dropped(cheap_features, tiny_data, tmp_path: Path) -> None:
    data = tiny_data("folder")
    cls = recipe_class("stylegan2")
    options = ["--eval-every", "1", "--eval-images", "4", "--checkpoint-every", "2"]
    with pytest.raises(KeyboardInterrupt):
        def stop(iteration: int) -> None:
            if iteration == 3:
                raise KeyboardInterrupt
        run_recipe(cls, tiny_args("stylegan2", data, tmp_path / "run", *options, iters=4), on_iteration=stop)
    run_recipe(cls, tiny_args("stylegan2", data, tmp_path / "run", "--resume", *options, iters=4))
    with (tmp_path / "run" / "evaluation.csv").open() as handle:
        assert [int(r["iteration"]) for r in csv.DictReader(handle)] == [1, 2, 3, 4]
