"""ADA's augmentation pipeline: what each transform does, differentiability (twice, for R1), range."""
from __future__ import annotations

import math

import pytest
import torch

from trainer.augment import PIPELINES, AdaptiveAugment, AugmentPipe


def images(n: int = 6, size: int = 16, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 3, size, size, generator=g) * 2 - 1


def only(name: str) -> AugmentPipe:
    pipe = AugmentPipe("bgc")
    pipe.multipliers = {name: 1.0}
    return pipe


def test_p_zero_is_the_identity() -> None:
    x = images()
    assert AugmentPipe("bgc")(x, 0.0) is x


def test_xflip_gives_the_image_or_its_mirror() -> None:
    x = images(32)
    torch.manual_seed(0)
    y = only("xflip")(x, 1.0)
    same = (y - x).abs().amax(dim=(1, 2, 3)) < 1e-5
    mirrored = (y - x.flip(3)).abs().amax(dim=(1, 2, 3)) < 1e-5
    assert bool((same | mirrored).all()) and same.any() and mirrored.any()


def test_rotate90_gives_quarter_turns_exactly() -> None:
    x = images(32)
    torch.manual_seed(1)
    y = only("rotate90")(x, 1.0)
    turns = torch.stack([(y - x.rot90(k, (2, 3))).abs().amax(dim=(1, 2, 3)) for k in range(4)], 1)
    best = turns.min(1)
    assert bool((best.values < 1e-5).all())
    assert len(set(best.indices.tolist())) == 4  # every quarter turn occurs


def test_integer_translation_moves_whole_pixels_within_an_eighth() -> None:
    x = images(16, size=32)
    torch.manual_seed(2)
    y = only("xint")(x, 1.0)
    for a, b in zip(x, y):
        # an interior patch reappears shifted by whole pixels (the border is reflected, not compared)
        found = [(dy, dx) for dy in range(-4, 5) for dx in range(-4, 5)
                 if (b[:, 8:24, 8:24] - a[:, 8 - dy:24 - dy, 8 - dx:24 - dx]).abs().max() < 1e-5]
        assert found, "no whole-pixel shift within 1/8 of the size explains the output"


def test_brightness_adds_one_value_per_image_and_contrast_scales() -> None:
    x = images(32)
    torch.manual_seed(3)
    d = only("brightness")(x, 1.0) - x
    assert torch.allclose(d, d[:, :1, :1, :1].expand_as(d), atol=1e-5)
    assert d[:, 0, 0, 0].std() == pytest.approx(0.2, rel=0.5)  # brightness_std
    ratio = only("contrast")(x, 1.0) / x
    assert torch.allclose(ratio, ratio[:, :1, :1, :1].expand_as(ratio), rtol=1e-4, atol=1e-4)


def test_hue_and_saturation_keep_the_luma_and_lumaflip_negates_it() -> None:
    x = images(32)
    luma = x.mean(1)
    for name in ("hue", "saturation"):
        torch.manual_seed(4)
        assert torch.allclose(only(name)(x, 1.0).mean(1), luma, atol=1e-5), name
    torch.manual_seed(5)
    flipped = only("lumaflip")(x, 1.0).mean(1)
    kept, negated = (flipped - luma).abs().amax((1, 2)) < 1e-5, (flipped + luma).abs().amax((1, 2)) < 1e-5
    assert bool((kept | negated).all()) and negated.any()


def test_probability_follows_p() -> None:
    x = images(2000, size=4)
    torch.manual_seed(6)
    changed = (only("brightness")(x, 0.3) - x).abs().amax(dim=(1, 2, 3)) > 0
    assert changed.float().mean().item() == pytest.approx(0.3, abs=0.04)


@pytest.mark.parametrize("pipeline", sorted(PIPELINES))
def test_differentiable_twice_as_r1_needs(pipeline: str) -> None:
    torch.manual_seed(7)
    x = images(4).requires_grad_(True)
    y = AugmentPipe(pipeline)(x, 0.9)
    (grad,) = torch.autograd.grad((y * torch.randn_like(y)).square().sum(), x, create_graph=True)
    assert grad.abs().sum() > 0
    (second,) = torch.autograd.grad(grad.square().sum(), x)
    assert torch.isfinite(second).all() and second.abs().sum() > 0


def test_geometry_keeps_images_in_range_and_colour_stays_bounded() -> None:
    x = images(64, size=16)
    torch.manual_seed(8)
    y = AugmentPipe("bg")(x, 1.0)
    # bilinear resampling with reflection: every output is a convex mix of input pixels
    assert y.min() >= -1 - 1e-5 and y.max() <= 1 + 1e-5
    assert (y - x).abs().amax() > 0.1
    z = AugmentPipe("bgc")(x, 1.0)
    # colour is not clipped (as the reference: clipping would lose information, which lets
    # augmentations leak into G); it stays finite and within the transforms' spread
    assert torch.isfinite(z).all() and z.abs().max() < 40
    assert z.abs().mean() < 2


def test_controller_moves_p_at_the_reference_speed() -> None:
    ada = AdaptiveAugment(AugmentPipe("bgc"), p=0.0, target=0.6, interval=4, speed_kimg=1.0)
    for iteration in range(1, 9):  # D overfits: every real scores positive
        ada.observe(torch.ones(4, 1))
        ada.update(iteration, images_per_iteration=4)
    assert ada.rt == 1.0
    assert ada.p == pytest.approx(2 * 4 * 4 / 1000)  # two adjustments of batch * interval / (ada_kimg * 1000)
    for iteration in range(9, 41):  # D unsure: p goes back down, never below 0
        ada.observe(torch.tensor([[1.0], [-1.0], [-1.0], [1.0]]))
        ada.update(iteration, images_per_iteration=4)
    assert ada.rt == 0.0 and ada.p == 0.0


def test_controller_state_round_trips_with_signs_not_yet_used() -> None:
    a = AdaptiveAugment(AugmentPipe("bgc"), p=0.25)
    a.observe(torch.tensor([1.0, 1.0, -1.0]))
    b = AdaptiveAugment(AugmentPipe("bgc"))
    b.load_state_dict(a.state_dict())
    assert (b.p, b.sign_sum, b.sign_count) == (0.25, 1.0, 3)
    assert math.isclose(a.update(4, 1), b.update(4, 1))
