"""The bicyclegan recipe: a tiny run exports a model the app opens (G + encoder part), resumes exactly after a
kill, and keeps identical replicas on two gloo processes under torchrun."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from ganstudio.checkpoints import load_model
from ganstudio.models.bicyclegan import translator
from trainer.loop import run_recipe
from train_helpers import make_paired_data, parse, recipe_class

ROOT = Path(__file__).resolve().parents[2]
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


WORKER = textwrap.dedent('''
    import sys
    from pathlib import Path
    import torch
    import torch.distributed as dist
    sys.path.insert(0, sys.argv[3])
    from test_bicyclegan_recipe import args_for
    from train_helpers import recipe_class
    from trainer.loop import run_recipe

    dist.init_process_group("gloo")
    result = run_recipe(recipe_class("bicyclegan"), args_for(Path(sys.argv[1]), Path(sys.argv[2]) / "run", "--device", "cpu", iters=3))
    states = {name: net.state_dict() for name, net in result.recipe.nets.items()}
    states["world_size"] = result.recipe.rt.ctx.world_size
    torch.save(states, Path(sys.argv[2]) / f"rank{dist.get_rank()}.pt")
    dist.destroy_process_group()
''')


@pytest.mark.slow
def test_two_process_gloo_run_keeps_replicas_identical(tmp_path: Path) -> None:
    data = make_paired_data(tmp_path / "data", count=8)
    out = tmp_path / "out"
    out.mkdir()
    worker = tmp_path / "worker.py"
    worker.write_text(WORKER)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", str(worker),
               str(data), str(out), str(Path(__file__).parent)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    rank0, rank1 = (torch.load(out / f"rank{r}.pt", weights_only=True) for r in (0, 1))
    assert rank0["world_size"] == 2
    for net in ("G", "E", "D", "D2"):
        for key, value in rank0[net].items():
            assert torch.equal(value, rank1[net][key]), f"{net}.{key} differs between ranks"
    assert (out / "run" / "run.safetensors").is_file()
    assert len((out / "run" / "losses.csv").read_text().splitlines()) == 4  # header + 3 iterations, one writer
