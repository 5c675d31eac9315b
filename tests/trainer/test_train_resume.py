"""Checkpoints: resume after a kill or a signal equals the uninterrupted run; NaN stops cleanly."""
from __future__ import annotations

import os
import signal

import pytest
import torch
from safetensors.torch import load_file

from trainer.loop import TrainingDiverged, run_recipe
from train_helpers import TINY, recipe_class
from train_helpers import tiny_args as _tiny_args


def tiny_args(recipe, data, out, *extra, iters=4):
    """float32 exports: resumed and straight runs must agree to 1e-6, finer than float16 storage shows."""
    return _tiny_args(recipe, data, out, "--export-dtype", "float32", *extra, iters=iters)


class SimulatedKill(BaseException):
    """Stands in for SIGKILL: the process dies with no chance to save."""


def _assert_same_export(path_a, path_b):
    a, b = load_file(path_a), load_file(path_b)
    assert {v.dtype for v in a.values() if v.is_floating_point()} == {torch.float32}
    assert a.keys() == b.keys()
    for key in a:
        assert torch.allclose(a[key], b[key], rtol=0, atol=1e-6), key


def _kill_at(iteration):
    def hook(current):
        if current == iteration:
            raise SimulatedKill
    return hook


@pytest.mark.parametrize("recipe", sorted(TINY))
def test_resume_after_kill_matches_uninterrupted(recipe, tiny_data, tmp_path):
    data = tiny_data(TINY[recipe][0])
    cls = recipe_class(recipe)
    straight = run_recipe(cls, tiny_args(recipe, data, tmp_path / "straight", iters=6))

    killed_args = tiny_args(recipe, data, tmp_path / "killed", "--checkpoint-every", "2", iters=6)
    with pytest.raises(SimulatedKill):
        run_recipe(cls, killed_args, on_iteration=_kill_at(5))  # iteration 5 is lost, 4 was saved
    assert torch.load(tmp_path / "killed" / "checkpoint.pt", weights_only=True)["iteration"] == 4
    assert not (tmp_path / "killed" / "killed.safetensors").exists()

    resumed = run_recipe(cls, tiny_args(recipe, data, tmp_path / "killed", "--checkpoint-every", "2", "--resume", iters=6))
    assert resumed.iteration == 6
    assert resumed.final_losses == pytest.approx(straight.final_losses, rel=0, abs=1e-6)
    _assert_same_export(straight.export_path, resumed.export_path)
    rows = (tmp_path / "killed" / "losses.csv").read_text().splitlines()[1:]
    assert [int(r.split(",")[0]) for r in rows] == [1, 2, 3, 4, 5, 6]


def test_sigterm_saves_a_checkpoint_and_resume_continues(tiny_data, tmp_path):
    data = tiny_data("unpaired")
    cls = recipe_class("cyclegan")
    straight = run_recipe(cls, tiny_args("cyclegan", data, tmp_path / "straight", iters=5))

    def terminate(iteration):
        if iteration == 3:
            os.kill(os.getpid(), signal.SIGTERM)

    stopped = run_recipe(cls, tiny_args("cyclegan", data, tmp_path / "run", iters=5), on_iteration=terminate)
    assert stopped.interrupted and stopped.iteration == 3 and stopped.export_path is None
    assert torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=True)["iteration"] == 3
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handlers restored

    resumed = run_recipe(cls, tiny_args("cyclegan", data, tmp_path / "run", "--resume", iters=5))
    _assert_same_export(straight.export_path, resumed.export_path)


def test_nan_loss_stops_and_keeps_last_good_checkpoint(tiny_data, tmp_path):
    data = tiny_data("paired")
    base = recipe_class("pix2pix")

    class Diverging(base):
        def train_step(self, batch, iteration):
            losses = super().train_step(batch, iteration)
            if iteration >= 2:  # the third iteration
                losses["G_L1"] = losses["G_L1"] * float("nan")
            return losses

    args = tiny_args("pix2pix", data, tmp_path / "run", "--checkpoint-every", "2", iters=6)
    with pytest.raises(TrainingDiverged, match=r"iteration 3: G_L1=nan .*checkpoint.*kept"):
        run_recipe(Diverging, args)
    state = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=True)
    assert state["iteration"] == 2
    assert all(torch.isfinite(t).all() for t in state["nets"]["G"].values() if t.is_floating_point())
    assert not list((tmp_path / "run").glob("*.safetensors"))


def test_existing_run_needs_resume(tiny_data, tmp_path):
    data = tiny_data("paired")
    cls = recipe_class("pix2pix")
    run_recipe(cls, tiny_args("pix2pix", data, tmp_path / "run", iters=1))
    with pytest.raises(FileExistsError, match="--resume"):
        run_recipe(cls, tiny_args("pix2pix", data, tmp_path / "run", iters=2))


def test_resume_may_extend_the_run_and_its_schedule(tiny_data, tmp_path):
    data = tiny_data("paired")
    cls = recipe_class("pix2pix")
    run_recipe(cls, tiny_args("pix2pix", data, tmp_path / "run", iters=2))
    longer = run_recipe(cls, tiny_args("pix2pix", data, tmp_path / "run", "--resume", iters=4))
    assert longer.iteration == 4
    scheduler = longer.recipe.schedulers["G"]
    assert scheduler.lr_lambdas[0].constant == 2 and scheduler.lr_lambdas[0].decay == 2  # the 4-iteration schedule
    assert scheduler.get_last_lr()[0] == pytest.approx(2e-4 * (1 - 2 / 3))
    # resuming a finished run only exports, with the losses it had
    again = run_recipe(cls, tiny_args("pix2pix", data, tmp_path / "run", "--resume", iters=4))
    assert again.iteration == 4 and again.final_losses == longer.final_losses


def test_loader_workers_do_not_change_the_run(tiny_data, tmp_path):
    data = tiny_data("paired")
    cls = recipe_class("pix2pix")
    in_process = run_recipe(cls, tiny_args("pix2pix", data, tmp_path / "a", iters=3))
    with_workers = run_recipe(cls, tiny_args("pix2pix", data, tmp_path / "b", "--workers", "2", iters=3))
    _assert_same_export(in_process.export_path, with_workers.export_path)
