"""The bicyclegan recipe: a tiny run exports a model the app opens (G + encoder part), resumes exactly after a
kill, and keeps identical replicas on two gloo processes under torchrun."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from ganstudio.checkpoints import load_model
from ganstudio.models.bicyclegan import translator
from trainer.loop import run_recipe
from train_helpers import assert_replicas_identical, make_paired_data, parse, recipe_class, train_on_two_processes

TINY = ["--resolution", "64", "--batch", "2", "--ngf", "2", "--nef", "2", "--ndf", "2", "--nz", "4",
        "--sample-every", "0", "--no-progress", "--seed", "3", "--export-dtype", "float32"]


def args_for(data: Path, out: Path, *extra: str, iters: int = 4):
    return parse("bicyclegan", ["--data", str(data), "--out", str(out), "--iters", str(iters), *TINY, *extra])


class SimulatedKill(BaseException):
    """Stands in for SIGKILL: the process dies with no chance to save."""


def test_tiny_run_exports_a_styled_translator(tmp_path: Path) -> None:
    data = make_paired_data(tmp_path / "data", count=4)
    result = run_recipe(recipe_class("bicyclegan"), args_for(data, tmp_path / "run", "--sample-every", "2", iters=3))
    assert set(result.final_losses) == {"G_GAN", "G_GAN2", "G_L1", "z_L1", "kl", "D", "D2"}
    assert all(torch.isfinite(torch.tensor(v)) for v in result.final_losses.values())
    assert list((tmp_path / "run" / "samples").glob("*.png"))
    loaded = load_model(result.export_path)
    assert loaded.arch == "bicyclegan_unet" and loaded.config["nz"] == 4 and loaded.config["num_downs"] == 6
    assert {"image_translation", "style_code", "style_image"} <= loaded.capabilities
    assert loaded.parts["encoder"].config["n_blocks"] == 3  # 64 px: 8 * 2**3
    module = translator(loaded.module, {"encoder": loaded.parts["encoder"].module}, "AtoB")
    x = torch.rand(1, 3, 64, 64) * 2 - 1
    with torch.no_grad():
        style = module.encode_style(torch.rand(1, 3, 100, 80) * 2 - 1)
        assert module(x, style).shape == (1, 3, 64, 64)


def test_odd_batch_and_small_resolution_are_refused(tmp_path: Path) -> None:
    data = make_paired_data(tmp_path / "data", count=4)
    with pytest.raises(SystemExit, match="even"):
        run_recipe(recipe_class("bicyclegan"), args_for(data, tmp_path / "a", "--batch", "3"))
    with pytest.raises(SystemExit, match="multiple of 2\\*\\*6"):
        run_recipe(recipe_class("bicyclegan"), args_for(data, tmp_path / "b", "--resolution", "32"))


def test_resume_after_kill_matches_uninterrupted(tmp_path: Path) -> None:
    data = make_paired_data(tmp_path / "data", count=4)
    cls = recipe_class("bicyclegan")
    straight = run_recipe(cls, args_for(data, tmp_path / "straight", iters=6))

    def kill(iteration: int) -> None:
        if iteration == 5:
            raise SimulatedKill

    with pytest.raises(SimulatedKill):
        run_recipe(cls, args_for(data, tmp_path / "killed", "--checkpoint-every", "2", iters=6), on_iteration=kill)
    assert torch.load(tmp_path / "killed" / "checkpoint.pt", weights_only=True)["iteration"] == 4
    resumed = run_recipe(cls, args_for(data, tmp_path / "killed", "--checkpoint-every", "2", "--resume", iters=6))
    assert resumed.final_losses == pytest.approx(straight.final_losses, rel=0, abs=1e-6)
    a, b = load_file(straight.export_path), load_file(resumed.export_path)
    assert a.keys() == b.keys() and any(k.startswith("encoder") or "encoder" in k for k in a)
    for key in a:
        assert torch.allclose(a[key], b[key], rtol=0, atol=1e-6), key


def ddp_args(recipe: str, data: Path, out: Path, *extra: str, iters: int = 4):
    """args_for as the torchrun worker calls a builder."""
    assert recipe == "bicyclegan"
    return args_for(data, out, *extra, iters=iters)


@pytest.mark.slow
def test_two_process_gloo_run_keeps_replicas_identical(tmp_path: Path) -> None:
    data = make_paired_data(tmp_path / "data", count=8)
    out = tmp_path / "out"
    rank0, rank1 = train_on_two_processes("test_bicyclegan_recipe:ddp_args", data, out, ["bicyclegan"])
    assert_replicas_identical(rank0, rank1, out)
    assert set(rank0["bicyclegan"]) == {"G", "E", "D", "D2", "world_size"}