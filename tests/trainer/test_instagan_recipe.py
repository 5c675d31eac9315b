"""The instagan recipe: sequential mini-batches over instance masks, a tiny run exports a file the app loads
(G_A with G_B as its reverse part), resumes exactly after a kill, refuses batches of several images."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

from ganstudio.checkpoints import load_model
from ganstudio.models.instagan_procedure import translate_instances
from trainer.data.instances import InstanceDataset
from trainer.data.transforms import JointTransform
from trainer.loop import run_recipe
from train_helpers import assert_replicas_identical, parse, recipe_class, train_on_two_processes

TINY = ["--resolution", "32", "--batch", "1", "--ngf", "2", "--ndf", "2", "--n-blocks", "1", "--n-layers-d", "2",
        "--ins-max", "4", "--ins-per", "2", "--sample-every", "0", "--no-progress", "--seed", "3", "--export-dtype", "float32"]


class SimulatedKill(BaseException):
    """Stands in for SIGKILL: the process dies with no chance to save."""


def make_instance_data(root: Path, count: int = 3) -> Path:
    rng = np.random.default_rng(0)
    for domain, colour in (("A", (40, 160, 40)), ("B", (120, 110, 100))):
        (root / f"train{domain}").mkdir(parents=True)
        (root / f"train{domain}_seg").mkdir()
        for i in range(count):
            picture = rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)
            for k in range(1 + i):  # 1, 2, 3 instances: the third image needs two passes
                mask = np.zeros((40, 40), dtype=np.uint8)
                top, left = 4 + 10 * k, 3 + 9 * k
                mask[top : top + 8 + k, left : left + 10] = 255
                picture[mask > 0] = colour
                Image.fromarray(mask).save(root / f"train{domain}_seg" / f"img{i}_{k}.png")
            Image.fromarray(picture).save(root / f"train{domain}" / f"img{i}.png")
    return root


def args_for(data: Path, out: Path, *extra: str, iters: int = 3):
    return parse("instagan", ["--data", str(data), "--out", str(out), "--iters", str(iters), *TINY, *extra])


def test_masks_come_largest_first_padded_with_empty_ones(tmp_path: Path) -> None:
    data = make_instance_data(tmp_path / "data")
    dataset = InstanceDataset(data, JointTransform(crop_size=32, flip=False), ins_max=4)
    item = dataset.load(2, torch.Generator().manual_seed(0))
    assert item["A"].shape == (3, 32, 32) and item["A_segs"].shape == (4, 32, 32)
    areas = (item["A_segs"] + 1).mean(dim=(1, 2)).tolist()
    assert areas == sorted(areas, reverse=True) and areas[2] > 0 and areas[3] == 0


def test_tiny_run_exports_a_model_the_procedure_runs(tmp_path: Path) -> None:
    data = make_instance_data(tmp_path / "data")
    result = run_recipe(recipe_class("instagan"), args_for(data, tmp_path / "run", "--sample-every", "3"))
    assert set(result.final_losses) == {"D_A", "G_A", "cycle_A", "idt_A", "ctx_A", "D_B", "G_B", "cycle_B", "idt_B", "ctx_B"}
    assert all(np.isfinite(v) for v in result.final_losses.values())
    assert list((tmp_path / "run" / "samples").glob("*.png"))
    loaded = load_model(result.export_path)
    assert loaded.arch == "instagan_generator" and loaded.parts["reverse"].arch == "instagan_generator"
    assert "instance_translation" in loaded.capabilities
    masks = -torch.ones(1, 3, 32, 32)
    masks[0, 0, 4:12, 4:14] = 1
    masks[0, 2, 16:28, 10:24] = 1
    out = translate_instances(loaded.module, torch.rand(1, 3, 32, 32) * 2 - 1, masks)
    assert out.order[:2] == [2, 0] and out.passes == 1 and torch.isfinite(out.image).all()


def test_several_images_per_batch_are_refused(tmp_path: Path) -> None:
    data = make_instance_data(tmp_path / "data")
    with pytest.raises(SystemExit, match="one image per batch"):
        run_recipe(recipe_class("instagan"), args_for(data, tmp_path / "a", "--batch", "2"))


def test_resume_after_kill_matches_uninterrupted(tmp_path: Path) -> None:
    data = make_instance_data(tmp_path / "data")
    cls = recipe_class("instagan")
    straight = run_recipe(cls, args_for(data, tmp_path / "straight", iters=4))

    def kill(iteration: int) -> None:
        if iteration == 3:
            raise SimulatedKill

    with pytest.raises(SimulatedKill):
        run_recipe(cls, args_for(data, tmp_path / "killed", "--checkpoint-every", "2", iters=4), on_iteration=kill)
    resumed = run_recipe(cls, args_for(data, tmp_path / "killed", "--checkpoint-every", "2", "--resume", iters=4))
    assert resumed.final_losses == pytest.approx(straight.final_losses, rel=0, abs=1e-6)
    a, b = load_file(straight.export_path), load_file(resumed.export_path)
    assert a.keys() == b.keys()
    for key in a:
        assert torch.allclose(a[key], b[key], rtol=0, atol=1e-6), key


def ddp_args(recipe: str, data: Path, out: Path, *extra: str, iters: int = 3):
    """args_for as the torchrun worker calls a builder."""
    assert recipe == "instagan"
    return args_for(data, out, *extra, iters=iters)


@pytest.mark.slow
def test_two_process_gloo_run_keeps_replicas_identical(tmp_path: Path) -> None:
    data = make_instance_data(tmp_path / "data")
    out = tmp_path / "out"
    rank0, rank1 = train_on_two_processes("test_instagan_recipe:ddp_args", data, out, ["instagan"])
    assert_replicas_identical(rank0, rank1, out)
    assert {"G_A", "G_B", "D_A", "D_B"} <= set(rank0["instagan"])
