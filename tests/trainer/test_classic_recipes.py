"""DCGAN, WGAN-GP and ProGAN recipes: tiny runs export files the Latent workspace opens, resume exactly (ProGAN
across a growth step), the WGAN-GP generator steps once per n critic steps, and two torchrun processes agree."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from ganstudio.checkpoints import load_model
from trainer.loop import run_recipe
from trainer.recipes.progan import growth, scale_depths

from train_helpers import assert_replicas_identical, make_image_folder, parse, recipe_class, train_on_two_processes

CLASSIC_TINY = {
    "dcgan": ["--z-dim", "8", "--ngf", "2", "--ndf", "2"],
    "wgan_gp": ["--z-dim", "8", "--ngf", "2", "--ndf", "2", "--n-critic", "2"],
    # 2 images per fade-in and per stable phase: with batch 2 the 6 iterations cross 8x8 -> 16x16 -> 32x32
    "progan": ["--z-dim", "8", "--channel-base", "64", "--channel-max", "4", "--stage-kimg", "0.002", "--ema-kimg", "0.01"],
}
EXPECTED_ARCH = {"dcgan": "dcgan", "wgan_gp": "dcgan", "progan": "progan"}


def classic_args(recipe: str, data: Path, out: Path, *extra: str, iters: int = 4):
    return parse(recipe, ["--data", str(data), "--out", str(out), "--resolution", "32", "--batch", "2", "--iters", str(iters),
                          "--sample-every", "0", "--no-progress", "--seed", "3", *CLASSIC_TINY[recipe], *extra])


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return make_image_folder(tmp_path / "data", count=4)


@pytest.mark.parametrize("recipe", sorted(CLASSIC_TINY))
def test_recipe_trains_and_exports_a_latent_model(recipe, folder, tmp_path):
    result = run_recipe(recipe_class(recipe), classic_args(recipe, folder, tmp_path / "run", "--sample-every", "2"))
    assert result.iteration == 4 and not result.interrupted
    assert sorted(p.name for p in (tmp_path / "run" / "samples").iterdir()) == ["iter_0000002.png", "iter_0000004.png"]
    loaded = load_model(result.export_path)
    assert loaded.arch == EXPECTED_ARCH[recipe] and loaded.resolution == 32
    assert {"latent_space", "z_only_latent"} <= loaded.capabilities
    with torch.no_grad():
        image = loaded.module(torch.randn(2, 8))
    assert image.shape == (2, 3, 32, 32) and torch.isfinite(image).all()


@pytest.mark.parametrize("recipe", sorted(CLASSIC_TINY))
def test_resume_after_kill_matches_uninterrupted(recipe, folder, tmp_path):
    class Killed(BaseException):
        pass

    def kill_at_5(iteration: int) -> None:
        if iteration == 5:
            raise Killed

    cls = recipe_class(recipe)
    straight = run_recipe(cls, classic_args(recipe, folder, tmp_path / "straight", "--export-dtype", "float32", iters=6))
    with pytest.raises(Killed):
        run_recipe(cls, classic_args(recipe, folder, tmp_path / "killed", "--export-dtype", "float32", "--checkpoint-every", "2",
                                     iters=6), on_iteration=kill_at_5)
    resumed = run_recipe(cls, classic_args(recipe, folder, tmp_path / "killed", "--export-dtype", "float32", "--checkpoint-every", "2",
                                           "--resume", iters=6))
    assert resumed.iteration == 6
    assert resumed.final_losses == pytest.approx(straight.final_losses, rel=0, abs=1e-6)
    a, b = load_file(straight.export_path), load_file(resumed.export_path)
    assert a.keys() == b.keys() and all(torch.allclose(a[k], b[k], rtol=0, atol=1e-6) for k in a)
    if recipe == "progan":  # the run grew: its last iteration trained the 32 px scale
        assert straight.final_losses["stage"] == 3


def test_wgan_gp_generator_steps_once_per_n_critic(folder, tmp_path):
    run_recipe(recipe_class("wgan_gp"), classic_args("wgan_gp", folder, tmp_path / "run", iters=4))
    rows = [r.split(",") for r in (tmp_path / "run" / "losses.csv").read_text().splitlines()]
    column = rows[0].index("G_wgan")
    assert [bool(r[column]) for r in rows[1:]] == [False, True, False, True]  # --n-critic 2
    recipe = run_recipe(recipe_class("wgan_gp"), classic_args("wgan_gp", folder, tmp_path / "again", iters=1)).recipe
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in recipe.nets["D"].modules())  # the critic has no batch norm


def test_progan_stopped_in_its_last_fade_in_exports_that_blend(folder, tmp_path):
    """5 iterations of batch 2 end 10 images in: the 32 px scale has just begun to fade in (alpha 1)."""
    result = run_recipe(recipe_class("progan"), classic_args("progan", folder, tmp_path / "run", "--export-dtype", "float32", iters=5))
    stage, alpha = result.recipe.growth()
    assert (stage, alpha) == (3, 1.0)
    loaded = load_model(result.export_path)
    assert loaded.config["alpha"] == alpha
    z = torch.randn(2, 8)
    with torch.no_grad():
        expected = result.recipe.nets["G_ema"](z, stage, alpha)
        assert torch.allclose(loaded.module(z), expected, atol=1e-6)


def test_progan_growth_schedule():
    assert growth(0, 100, 4) == (0, 0.0)
    assert growth(99, 100, 4) == (0, 0.0)
    assert growth(100, 100, 4) == (1, 1.0)  # the new scale starts fully faded out (zoo convention)
    assert growth(150, 100, 4) == (1, 0.5)
    assert growth(250, 100, 4) == (1, 0.0)  # stable phase
    assert growth(300, 100, 4) == (2, 1.0)
    assert growth(10**6, 100, 4) == (3, 0.0)  # stays at the top
    assert scale_depths(64, 2048, 128) == [128, 128, 128, 64, 32]
    with pytest.raises(ValueError):
        scale_depths(48, 2048, 128)


@pytest.mark.slow
def test_two_process_gloo_run_keeps_replicas_identical(tmp_path):
    make_image_folder(tmp_path / "data", count=8)
    out = tmp_path / "out"
    assert_replicas_identical(*train_on_two_processes("test_classic_recipes:classic_args", tmp_path / "data", out, list(CLASSIC_TINY)), out)