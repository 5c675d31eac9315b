"""The munit and unit recipes: a tiny run exports a file load_model opens with both directions, a resumed run
equals the uninterrupted one, and two torchrun processes keep identical replicas."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from ganstudio import families
from ganstudio.checkpoints import load_model
from trainer.loop import run_recipe
from train_helpers import assert_replicas_identical, make_unpaired_data, parse, recipe_class, train_on_two_processes

TINY_TWO_DOMAIN = {
    "munit": ["--dim", "2", "--n-res", "1", "--mlp-dim", "4", "--style-dim", "3", "--dis-dim", "2", "--dis-n-layer", "2", "--dis-scales", "2"],
    "unit": ["--dim", "2", "--n-res", "1", "--dis-dim", "2", "--dis-n-layer", "2", "--dis-scales", "2"],
}


def two_domain_args(recipe: str, data: Path, out: Path, *extra: str, iters: int = 4):
    return parse(recipe, ["--data", str(data), "--out", str(out), "--resolution", "16", "--batch", "2", "--iters", str(iters),
                          "--sample-every", "0", "--no-progress", "--seed", "3", "--export-dtype", "float32",
                          *TINY_TWO_DOMAIN[recipe], *extra])


class SimulatedKill(BaseException):
    pass


@pytest.mark.parametrize("recipe", sorted(TINY_TWO_DOMAIN))
def test_tiny_run_exports_both_directions(recipe, tiny_data, tmp_path):
    data = tiny_data("unpaired")
    result = run_recipe(recipe_class(recipe), two_domain_args(recipe, data, tmp_path / "run", "--domain-a", "warm", "--domain-b", "cold",
                                                              "--sample-every", "2", iters=2))
    assert result.export_path is not None and (tmp_path / "run" / "samples" / "iter_0000002.png").is_file()
    loaded = load_model(result.export_path)
    assert loaded.arch == recipe and set(loaded.parts) == {"domain_b"}
    assert loaded.meta["provenance"]["domains"] == {"A": "warm", "B": "cold"}
    assert "image_translation" in loaded.capabilities and "reverse_direction" in loaded.capabilities
    assert ("style_code" in loaded.capabilities) == (recipe == "munit")
    module_name, function = families.translator(recipe).split(":")
    make = getattr(__import__(f"ganstudio.models.{module_name}", fromlist=[function]), function)
    parts = {k: v.module for k, v in loaded.parts.items()}
    x = torch.rand(1, 3, 16, 20) * 2 - 1
    with torch.no_grad():
        for direction in ("AtoB", "BtoA"):
            net = make(loaded.module, parts, direction)
            y = net(x, net.random_styles(1, 0)) if recipe == "munit" else net(x)
            assert y.shape == x.shape and torch.isfinite(y).all()
    # the exported networks are the trained ones
    trained = result.recipe.nets["gen"]
    torch.testing.assert_close(loaded.parts["domain_b"].module.state_dict()["dec.model.0.model.0.model.0.conv.weight"],
                               trained.gen_b.state_dict()["dec.model.0.model.0.model.0.conv.weight"])


@pytest.mark.parametrize("recipe", sorted(TINY_TWO_DOMAIN))
def test_resume_after_kill_matches_uninterrupted(recipe, tiny_data, tmp_path):
    data = tiny_data("unpaired")
    cls = recipe_class(recipe)
    straight = run_recipe(cls, two_domain_args(recipe, data, tmp_path / "straight", iters=6))

    def kill(iteration):
        if iteration == 5:
            raise SimulatedKill

    with pytest.raises(SimulatedKill):
        run_recipe(cls, two_domain_args(recipe, data, tmp_path / "killed", "--checkpoint-every", "2", iters=6), on_iteration=kill)
    resumed = run_recipe(cls, two_domain_args(recipe, data, tmp_path / "killed", "--checkpoint-every", "2", "--resume", iters=6))
    assert resumed.iteration == 6
    assert resumed.final_losses == pytest.approx(straight.final_losses, rel=0, abs=1e-6)
    a, b = load_file(straight.export_path), load_file(resumed.export_path)
    assert a.keys() == b.keys()
    for key in a:
        assert torch.allclose(a[key], b[key], rtol=0, atol=1e-6), key


def test_munit_losses_are_the_papers_terms(tiny_data, tmp_path):
    data = tiny_data("unpaired")
    result = run_recipe(recipe_class("munit"), two_domain_args("munit", data, tmp_path / "run", "--recon-x-cyc-w", "1", iters=2))
    losses = result.final_losses
    for term in ("D_a", "G_adv_b", "recon_x_a", "recon_s_b", "recon_c_a", "cyc_x_b"):
        assert term in losses and losses[term] > 0, term  # with --recon-x-cyc-w the explicit cycle is computed too
    header = (tmp_path / "run" / "losses.csv").read_text().splitlines()[0]
    assert "recon_s_a" in header and "kl_a" not in header


@pytest.mark.slow
def test_two_process_gloo_run_keeps_replicas_identical(tmp_path):
    data = make_unpaired_data(tmp_path / "data", count=8)
    out = tmp_path / "out"
    rank0, rank1 = train_on_two_processes("test_munit_unit_recipes:two_domain_args", data, out, sorted(TINY_TWO_DOMAIN))
    assert_replicas_identical(rank0, rank1, out)
    assert all({"gen", "dis"} <= set(rank0[recipe]) for recipe in TINY_TWO_DOMAIN)


@pytest.mark.parametrize("recipe", sorted(TINY_TWO_DOMAIN))
def test_init_starts_both_generators_from_an_export(recipe, tiny_data, tmp_path):
    data = tiny_data("unpaired")
    first = run_recipe(recipe_class(recipe), two_domain_args(recipe, data, tmp_path / "first", iters=2))
    second = run_recipe(recipe_class(recipe), two_domain_args(recipe, data, tmp_path / "second", "--init", str(first.export_path),
                                                              "--lr", "0", iters=1))
    gen, exported = second.recipe.nets["gen"], load_model(first.export_path)
    for ours, theirs in ((gen.gen_a, exported.module), (gen.gen_b, exported.parts["domain_b"].module)):
        for key, value in theirs.state_dict().items():
            torch.testing.assert_close(ours.state_dict()[key], value)  # lr 0: the step leaves the initial weights
