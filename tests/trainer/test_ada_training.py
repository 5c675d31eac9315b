"""ADA in the stylegan2 recipe: p rises when D memorises a tiny dataset and stays near 0 on a
large one; p, r_t and the image count are logged and survive a resume."""
from __future__ import annotations

import csv
from pathlib import Path

import torch

from ganstudio.models.stylegan2 import Generator
from trainer.loop import run_recipe
from trainer.recipes.stylegan2 import StyleGAN2Recipe
from train_helpers import parse, tiny_args

OPTIONS = ["--z-dim", "8", "--w-dim", "8", "--map-layers", "2", "--channel-base", "128", "--channel-max", "8", "--pl-weight", "0",
           "--style-mixing", "0", "--resolution", "16", "--batch", "4", "--sample-every", "0", "--no-progress", "--seed", "1",
           "--lr", "0.01", "--r1-gamma", "0.01", "--ada-kimg", "1", "--log-every", "4"]


class Drawn(torch.utils.data.Dataset):
    def __init__(self, images: torch.Tensor) -> None:
        self.images = images

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, key: int | tuple[int, int]) -> dict[str, torch.Tensor]:
        return {"image": self.images[key[0] if isinstance(key, tuple) else key]}


def drawn_from_g(count: int) -> type[StyleGAN2Recipe]:
    """A run whose 'real' images are `count` draws of its own initial G, and whose G never learns:
    reals and fakes then come from one distribution, and only memorising the reals lets D tell them
    apart, which it can for 4 images and cannot for 1024 in this many iterations."""

    class FromG(StyleGAN2Recipe):
        def build_dataset(self) -> Drawn:
            a = self.args
            torch.manual_seed(a.seed)  # the same initial weights as the recipe's G
            g = Generator(z_dim=a.z_dim, c_dim=0, w_dim=a.w_dim, img_resolution=a.resolution, img_channels=3,
                          mapping_kwargs={"num_layers": a.map_layers},
                          synthesis_kwargs={"channel_base": a.channel_base, "channel_max": a.channel_max})
            with torch.no_grad():  # unclipped, unquantised: PNGs would differ from G's outputs
                images = g(torch.randn(count, a.z_dim, generator=torch.Generator().manual_seed(7)), noise_mode="random")
            torch.manual_seed(a.seed)
            self.source = g
            return Drawn(images)

        def build(self, dataset: Drawn) -> None:
            super().build(dataset)
            # G starts as the very network that drew the reals: one distribution, whatever the RNG did in between
            for name in ("G", "G_ema"):
                self.nets[name].load_state_dict(self.source.state_dict())
            for group in self.optimizers["G"].param_groups:
                group["lr"] = 0.0

    return FromG


def p_column(out: Path) -> list[float]:
    with (out / "losses.csv").open() as handle:
        return [float(row["aug_p"]) for row in csv.DictReader(handle) if row["aug_p"]]


def test_p_rises_when_d_memorises_a_tiny_dataset_and_not_on_a_large_one(tmp_path: Path) -> None:
    means = {}
    for count in (4, 1024):
        out = tmp_path / f"n{count}"
        run_recipe(drawn_from_g(count), parse("stylegan2", ["--data", "unused", "--out", str(out), "--iters", "400", *OPTIONS]))
        p = p_column(out)
        means[count] = sum(p[len(p) // 2:]) / len(p[len(p) // 2:])
    assert means[4] > 0.06, means
    assert means[1024] < 0.02, means


def test_p_rt_and_kimg_are_logged_and_kept_by_resume(tiny_data, tmp_path: Path) -> None:
    data = tiny_data("folder")
    # p starts at 0.5 and moves by 0.02 per iteration: away from both bounds, so resuming must restore it
    options = ["--aug-p", "0.5", "--ada-kimg", "0.1", "--ada-interval", "1", "--checkpoint-every", "3", "--export-dtype", "float32"]
    straight = run_recipe(StyleGAN2Recipe, tiny_args("stylegan2", data, tmp_path / "straight", *options, iters=6))
    assert straight.recipe.ada.p != 0.5
    run_recipe(StyleGAN2Recipe, tiny_args("stylegan2", data, tmp_path / "run", *options, iters=3))
    state = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=True)
    assert state["images_seen"] == 3 * 2 and state["extra"]["ada"]["p"] not in (0.0, 0.5)
    resumed = run_recipe(StyleGAN2Recipe, tiny_args("stylegan2", data, tmp_path / "run", "--resume", *options, iters=6))
    assert resumed.recipe.ada.p == straight.recipe.ada.p and resumed.recipe.ada.rt == straight.recipe.ada.rt
    assert resumed.recipe.images_seen == 12
    with (tmp_path / "run" / "losses.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [float(r["kimg"]) for r in rows] == [0.002 * i for i in range(1, 7)]
    assert all(r["aug_p"] and r["ada_rt"] for r in rows)


def test_resume_with_another_batch_keeps_counting_images(tiny_data, tmp_path: Path) -> None:
    """stylegan2-ada #81: a resumed run restarted its image count (and the schedules on it)."""
    data = tiny_data("folder")
    run_recipe(StyleGAN2Recipe, tiny_args("stylegan2", data, tmp_path / "run", iters=2))
    args = tiny_args("stylegan2", data, tmp_path / "run", "--resume", iters=3)
    args.batch = 4
    resumed = run_recipe(StyleGAN2Recipe, args)
    assert resumed.recipe.images_seen == 2 * 2 + 4
    assert torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=True)["images_seen"] == 8


def test_noaug_leaves_d_inputs_alone(tiny_data, tmp_path: Path) -> None:
    data = tiny_data("folder")
    result = run_recipe(StyleGAN2Recipe, tiny_args("stylegan2", data, tmp_path / "run", "--aug", "noaug", iters=2))
    assert result.recipe.ada is None and "aug_p" not in result.final_losses
