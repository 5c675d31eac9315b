"""DiffAugment: the three operations, maps that move with the image, shared draws, and every
recipe that trains a discriminator taking --diffaugment."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from trainer.augment import DiffAugment, parse_policy
from trainer.augment.diffaugment import color, cutout
from trainer.loop import run_recipe
from train_helpers import EVERY_TINY, recipe_class, tiny_args

PALETTE = torch.tensor([[0.9, -0.5, 0.2], [-0.7, 0.6, 0.4], [0.3, 0.8, -0.9]])


def scene(n: int = 8, size: int = 16) -> tuple[torch.Tensor, torch.Tensor]:
    """A label map [n, size, size] and an image painted from it (no colour is zero)."""
    label = torch.randint(0, 3, (n, size, size), generator=torch.Generator().manual_seed(0))
    return PALETTE[label].permute(0, 3, 1, 2).contiguous(), label


def test_policy_parsing() -> None:
    assert parse_policy("cutout, color") == ("color", "cutout")
    assert parse_policy("") == () and not DiffAugment("")
    with pytest.raises(ValueError, match="unknown operation colour"):
        parse_policy("colour,translation")


def test_translation_moves_label_maps_with_the_image() -> None:
    image, label = scene()
    torch.manual_seed(1)
    moved, moved_label = DiffAugment("translation")(image, label)
    inside = moved.abs().sum(1) > 0  # the image is zero where it left the frame
    assert (~inside).any() and inside.float().mean() > 0.5
    painted = PALETTE[moved_label].permute(0, 3, 1, 2)
    assert torch.equal(moved * inside[:, None], painted * inside[:, None])
    assert moved_label.dtype == label.dtype and moved_label.shape == label.shape
    assert not torch.equal(moved, image)


def test_cutout_zeroes_a_square_of_the_image_only() -> None:
    image, label = scene(16, 16)
    torch.manual_seed(2)
    out, same_label = DiffAugment("cutout")(image, label)
    holes = (out.abs().sum(1) == 0).float().mean((1, 2))
    assert bool((holes <= 0.25 + 1e-6).all()) and bool((holes > 0).all())
    assert torch.equal(same_label, label)
    assert torch.equal(out[out != 0], image[out != 0])


def test_color_changes_the_image_per_sample_and_is_differentiable() -> None:
    image, _ = scene()
    x = image.clone().requires_grad_(True)
    torch.manual_seed(3)
    y = color(x)
    assert not torch.allclose(y, image)
    (grad,) = torch.autograd.grad(y.square().sum(), x, create_graph=True)
    (second,) = torch.autograd.grad(grad.sum(), x)  # gradient penalties differentiate twice
    assert grad.abs().sum() > 0 and torch.isfinite(second).all()


def test_translation_and_cutout_pass_gradients_to_the_pixels_kept() -> None:
    image, _ = scene()
    x = image.clone().requires_grad_(True)
    torch.manual_seed(4)
    y = DiffAugment("translation,cutout")(x)
    (grad,) = torch.autograd.grad(y.sum(), x)
    assert set(grad.unique().tolist()) <= {0.0, 1.0} and grad.sum() == (y != 0).sum()


def test_tile_gives_each_group_the_same_draws() -> None:
    image, label = scene(4)
    torch.manual_seed(5)
    out, labels = DiffAugment("color,translation,cutout")(torch.cat([image, image]), torch.cat([label, label]), tile=2)
    assert torch.equal(out[:4], out[4:]) and torch.equal(labels[:4], labels[4:])
    with pytest.raises(ValueError, match="3 equal groups"):
        DiffAugment("color")(image, tile=3)
    torch.manual_seed(6)
    tiled = cutout(image, tile=1)
    torch.manual_seed(6)
    assert torch.equal(tiled, cutout(image))


@pytest.mark.parametrize("recipe", sorted(EVERY_TINY))
def test_every_recipe_trains_with_diffaugment(recipe: str, tiny_data, tmp_path: Path) -> None:
    data = tiny_data(EVERY_TINY[recipe][0])
    cls = recipe_class(recipe)
    plain = run_recipe(cls, tiny_args(recipe, data, tmp_path / "plain", iters=2))
    augmented = run_recipe(cls, tiny_args(recipe, data, tmp_path / "aug", "--diffaugment", "color,translation,cutout", iters=2))
    assert augmented.recipe.augment_calls >= 2  # reals and fakes
    assert augmented.final_losses != plain.final_losses
    assert all(torch.isfinite(torch.tensor(v)) for v in augmented.final_losses.values())


def test_a_recipe_that_bypasses_augment_d_is_told(tiny_data, tmp_path: Path) -> None:
    base = recipe_class("pix2pix")

    class Bypassing(base):
        def augment_d(self, image, *aligned, tile=1):  # a recipe written before the hook existed
            return (image, *aligned) if aligned else image

    args = tiny_args("pix2pix", tiny_data("paired"), tmp_path / "run", "--diffaugment", "translation", iters=1)
    with pytest.raises(ValueError, match="does not pass its discriminator's inputs through Recipe.augment_d"):
        run_recipe(Bypassing, args)
