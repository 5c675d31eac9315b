"""The lostgan recipe: layouts derived from label maps, a tiny run exports a model the layout session loads,
exact resume after a kill."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from ganstudio.checkpoints import load_model
from trainer.data.transforms import JointTransform
from trainer.loop import run_recipe
from trainer.recipes.lostgan import LayoutDataset
from train_helpers import assert_replicas_identical, make_labelmap_data, parse, recipe_class, train_on_two_processes

TINY = ["--resolution", "128", "--batch", "2", "--ch", "1", "--ndf", "2", "--z-dim", "4", "--mask-hidden", "4",
        "--mask-head", "4", "--max-objects", "4", "--sample-every", "0", "--no-progress", "--seed", "3",
        "--export-dtype", "float32"]


class SimulatedKill(BaseException):
    """Stands in for SIGKILL: the process dies with no chance to save."""


def args_for(data: Path, out: Path, *extra: str, iters: int = 3):
    return parse("lostgan", ["--data", str(data), "--out", str(out), "--iters", str(iters), *TINY, *extra])


def test_items_carry_their_layout(tmp_path: Path) -> None:
    data = make_labelmap_data(tmp_path / "data", size=128)
    item = LayoutDataset(data, JointTransform(crop_size=128, flip=False), 4, 16).load(0, torch.Generator().manual_seed(0))
    assert item["bbox"].shape == (4, 4) and item["y"].shape == (4,)
    assert item["y"][0] > 0 and set(item["y"].tolist()) <= {0, 1, 2, 3}  # palette ids + 1, 0 pads


def test_tiny_run_exports_a_model_that_loads(tmp_path: Path) -> None:
    data = make_labelmap_data(tmp_path / "data", count=2, size=128)
    result = run_recipe(recipe_class("lostgan"), args_for(data, tmp_path / "run", iters=2))
    assert set(result.final_losses) == {"D_image", "D_object", "G_image", "G_object"}
    assert all(np.isfinite(v) for v in result.final_losses.values())
    loaded = load_model(result.export_path)
    assert loaded.arch == "lostgan_generator" and loaded.config["num_classes"] == 4
    assert [e["name"] for e in loaded.labels] == ["__image__", "sky", "grass", "rock"]
    with torch.no_grad():
        out = loaded.module(torch.randn(1, 2, 4), torch.tensor([[[0.1, 0.1, 0.5, 0.5], [0.4, 0.5, 0.5, 0.4]]]),
                            torch.randn(1, 4), torch.tensor([[1, 3]]))
    assert out.shape == (1, 3, 128, 128) and torch.isfinite(out).all()


def test_resume_after_kill_matches_uninterrupted(tmp_path: Path) -> None:
    data = make_labelmap_data(tmp_path / "data", count=2, size=128)
    cls = recipe_class("lostgan")
    straight = run_recipe(cls, args_for(data, tmp_path / "straight", iters=3))

    def kill(iteration: int) -> None:
        if iteration == 2:
            raise SimulatedKill

    with pytest.raises(SimulatedKill):
        run_recipe(cls, args_for(data, tmp_path / "killed", "--checkpoint-every", "1", iters=3), on_iteration=kill)
    resumed = run_recipe(cls, args_for(data, tmp_path / "killed", "--checkpoint-every", "1", "--resume", iters=3))
    assert resumed.final_losses == pytest.approx(straight.final_losses, rel=0, abs=1e-6)
    a, b = load_file(straight.export_path), load_file(resumed.export_path)
    assert a.keys() == b.keys()
    for key in a:
        assert torch.allclose(a[key], b[key], rtol=0, atol=1e-6), key


def ddp_args(recipe: str, data: Path, out: Path, *extra: str, iters: int = 3):
    """args_for as the torchrun worker calls a builder."""
    assert recipe == "lostgan"
    return args_for(data, out, *extra, iters=iters)


def test_two_process_gloo_run_keeps_replicas_identical(tmp_path: Path) -> None:
    make_labelmap_data(tmp_path / "data", count=4, size=128)
    out = tmp_path / "out"
    rank0, rank1 = train_on_two_processes("test_lostgan_recipe:ddp_args", tmp_path / "data", out, ["lostgan"])
    assert_replicas_identical(rank0, rank1, out)
    assert set(rank0["lostgan"]) == {"G", "D", "world_size"}