"""The text-to-image recipes: a few iterations export a file load_model opens, resume is exact, torchrun keeps replicas equal."""
from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from ganstudio.checkpoints import load_model
from ganstudio.models.text_encoder import encode, pad_ids
from trainer.loop import run_recipe
from trainer.synthetic.landscapes import make_landscapes

from train_helpers import assert_replicas_identical, parse, recipe_class, train_on_two_processes

# per recipe: options for a network small enough to train in a blink (32 px)
TEXT_TINY = {
    "gan_int_cls": ["--ngf", "4", "--ndf", "4", "--z-dim", "8", "--proj-dim", "8", "--word-dim", "8", "--text-channels", "8",
                    "--text-dim", "8", "--text-warmup", "1"],
    "gigagan": ["--z-dim", "8", "--w-dim", "8", "--map-layers", "1", "--channel-base", "128", "--channel-max", "8", "--num-kernels", "2",
                "--attn-max-res", "8", "--word-dim", "8", "--text-channels", "8", "--text-dim", "8", "--text-warmup", "1",
                "--d-reg-interval", "2"],
}
TEXT_ARCH = {"gan_int_cls": "gan_int_cls", "gigagan": "gigagan"}


def captioned_data(root: Path, count: int = 8) -> Path:
    make_landscapes(str(root), count, 32, seed=7, cyclegan_n=0, pix2pix=False)
    return root


def text_args(recipe: str, data: Path, out: Path, *extra: str, iters: int = 4):
    return parse(recipe, ["--data", str(data), "--out", str(out), "--resolution", "32", "--batch", "2", "--iters", str(iters),
                          "--sample-every", "0", "--no-progress", "--seed", "3", "--include-heldout", *TEXT_TINY[recipe], *extra])


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return captioned_data(tmp_path_factory.mktemp("captioned") / "land")


@pytest.mark.parametrize("recipe", sorted(TEXT_TINY))
def test_recipe_trains_and_exports_a_model_the_app_opens(recipe: str, data: Path, tmp_path: Path) -> None:
    result = run_recipe(recipe_class(recipe), text_args(recipe, data, tmp_path / "run", "--sample-every", "2"))
    assert result.iteration == 4 and not result.interrupted
    assert result.final_losses and all(math.isfinite(v) for v in result.final_losses.values())
    assert (tmp_path / "run" / "samples").is_dir()
    loaded = load_model(result.export_path)
    assert loaded.arch == TEXT_ARCH[recipe] and "text_input" in loaded.capabilities
    net = loaded.module
    vocabulary = loaded.config["vocabulary"]
    assert vocabulary == net.vocabulary and {"landscape", "winter", "lake"} <= set(vocabulary)
    text = "a winter landscape at night with a lake on the left and a zeppelin"
    encoded = encode(text, vocabulary, net.max_words)
    assert encoded.unknown == ["zeppelin"]  # unknown words are reported, not fatal
    with torch.no_grad():
        image = net(torch.randn(2, net.z_dim), pad_ids([encoded.ids] * 2, net.max_words))
    assert image.shape == (2, 3, 32, 32) and torch.isfinite(image).all()
    if recipe == "gan_int_cls":
        assert image.abs().max() <= 1  # tanh output; StyleGAN2's (GigaGAN's) is unbounded and clipped when shown


def test_gigagan_exports_its_moving_average_generator(data: Path, tmp_path: Path) -> None:
    # a half-life of 2 images and no ramp-up: the average visibly lags G after 4 iterations
    result = run_recipe(recipe_class("gigagan"), text_args("gigagan", data, tmp_path / "run", "--export-dtype", "float32",
                                                           "--ema-kimg", "0.002", "--ema-rampup", "0"))
    nets = result.recipe.nets
    exported = load_model(result.export_path).module.image.state_dict()
    averaged, trained = nets["G_ema"].state_dict(), nets["G"].state_dict()
    assert all(torch.equal(exported[k], averaged[k].cpu()) for k in averaged)
    assert any(not torch.equal(averaged[k], trained[k]) for k in averaged if averaged[k].is_floating_point())


def _kill_at(iteration: int):
    class SimulatedKill(BaseException):
        pass

    def hook(current: int) -> None:
        if current == iteration:
            raise SimulatedKill

    return hook, SimulatedKill


@pytest.mark.parametrize("recipe", sorted(TEXT_TINY))
def test_resume_after_kill_matches_uninterrupted(recipe: str, data: Path, tmp_path: Path) -> None:
    cls = recipe_class(recipe)
    f32 = ("--export-dtype", "float32")
    straight = run_recipe(cls, text_args(recipe, data, tmp_path / "straight", *f32, iters=6))
    hook, killed = _kill_at(5)
    with pytest.raises(killed):
        run_recipe(cls, text_args(recipe, data, tmp_path / "killed", *f32, "--checkpoint-every", "2", iters=6), on_iteration=hook)
    resumed = run_recipe(cls, text_args(recipe, data, tmp_path / "killed", *f32, "--checkpoint-every", "2", "--resume", iters=6))
    assert resumed.iteration == 6
    assert resumed.final_losses == pytest.approx(straight.final_losses, rel=0, abs=1e-6)
    a, b = load_file(straight.export_path), load_file(resumed.export_path)
    assert a.keys() == b.keys()
    for key in a:
        assert torch.allclose(a[key], b[key], rtol=0, atol=1e-6), key


@pytest.mark.slow
def test_two_process_gloo_run_keeps_replicas_identical(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert_replicas_identical(*train_on_two_processes("test_text_recipes:text_args", data, out, sorted(TEXT_TINY)), out)