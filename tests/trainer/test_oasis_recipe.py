"""The oasis recipe: its losses on hand-made tensors, a tiny run, exact resume and the export."""
from __future__ import annotations

import math

import pytest
import torch

from ganstudio.checkpoints import load_model
from trainer import losses
from trainer.ema import DecayEMA
from trainer.loop import run_recipe

from train_helpers import TINY, recipe_class, tiny_args


def _softmax_nll(logits: list[float], target: int) -> float:
    """-log softmax(logits)[target], written out."""
    return -(logits[target] - math.log(sum(math.exp(v) for v in logits)))


def test_class_balance_weights_are_inverse_frequency_with_mean_one():
    label = torch.tensor([[[0, 0, 0, 1], [0, 0, 0, 1]]])  # class 0: 6 pixels, class 1: 2, class 2 absent
    weights = losses.class_balance_weights(label, 3)
    # 8 pixels, 2 classes present: w_c = 8 / (2 * count_c)
    assert weights.tolist() == pytest.approx([8 / 12, 2.0, 0.0])
    assert weights[label].mean().item() == pytest.approx(1.0)


def test_real_loss_is_the_class_balanced_cross_entropy_of_class_plus_one():
    # 1 image, 3 pixels (1x3), 2 classes -> logits with 3 channels: fake, class 0, class 1
    pixel_logits = [[0.0, math.log(2), 0.0], [1.0, 0.0, -1.0], [0.5, 0.2, 2.0]]
    logits = torch.tensor(pixel_logits).T.reshape(1, 3, 1, 3)
    label = torch.tensor([[[0, 0, 1]]])
    nll = [_softmax_nll(p, int(c) + 1) for p, c in zip(pixel_logits, label.flatten())]
    assert nll[0] == pytest.approx(math.log(2))  # softmax (1/4, 1/2, 1/4)
    w = [3 / 4, 3 / 4, 3 / 2]  # class 0: 2 pixels, class 1: 1 pixel, 2 classes present
    expected = sum(wi * li for wi, li in zip(w, nll)) / 3
    assert losses.oasis_real_loss(logits, label).item() == pytest.approx(expected, rel=1e-6)
    assert losses.oasis_real_loss(logits, label, balance=False).item() == pytest.approx(sum(nll) / 3, rel=1e-6)
    # every pixel of a fake is class 0, unweighted
    assert losses.oasis_fake_loss(logits).item() == pytest.approx(sum(_softmax_nll(p, 0) for p in pixel_logits) / 3, rel=1e-6)


def test_generator_loss_is_low_when_d_sees_the_label_map_and_high_when_it_sees_fake():
    label = torch.tensor([[[0, 1], [2, 2]]])
    right = torch.nn.functional.one_hot(label + 1, 4).permute(0, 3, 1, 2).float() * 20  # D names every pixel's class
    fake = torch.zeros(1, 4, 2, 2)
    fake[:, 0] = 20  # D calls every pixel fake
    assert losses.oasis_real_loss(right, label).item() < 1e-6
    assert losses.oasis_real_loss(fake, label).item() == pytest.approx(20, abs=1e-3)
    assert losses.oasis_fake_loss(fake).item() < 1e-6


def test_labelmix_mask_is_one_random_bit_per_class_region():
    label = torch.tensor([[[0, 0, 1, 1], [2, 2, 1, 0]]] * 8)  # 8 images, one layout
    torch.manual_seed(0)
    mask = losses.labelmix_mask(label, 3)
    assert mask.shape == (8, 1, 2, 4) and mask.dtype == torch.float32
    assert set(mask.unique().tolist()) == {0.0, 1.0}
    for image, m in zip(label, mask[:, 0]):
        for c in range(3):
            assert len(m[image == c].unique()) == 1  # constant on the class region
    # the classes (and the images) are drawn independently: more than one pattern over 8 images
    assert len({tuple(m.flatten().tolist()) for m in mask}) > 1


def test_labelmix_mixes_images_and_penalises_the_logit_mismatch():
    mask = torch.tensor([[[[1.0, 0.0], [0.0, 1.0]]]])
    real, fake = torch.full((1, 3, 2, 2), 0.5), torch.full((1, 3, 2, 2), -0.5)
    mixed = losses.labelmix(mask, real, fake)
    assert mixed[0, :, 0, 0].tolist() == [0.5] * 3 and mixed[0, :, 0, 1].tolist() == [-0.5] * 3

    d_real, d_fake = torch.randn(1, 4, 2, 2), torch.randn(1, 4, 2, 2)
    consistent = mask * d_real + (1 - mask) * d_fake
    assert losses.labelmix_penalty(mask, consistent, d_real, d_fake).item() == pytest.approx(0.0, abs=1e-7)
    # off by 2 on the two real-masked pixels: mean of 4 over half the elements
    off = consistent + 2 * mask
    assert losses.labelmix_penalty(mask, off, d_real, d_fake).item() == pytest.approx(2.0, rel=1e-6)
    # gradients reach D's outputs on the real, the fake and the mix
    d_real.requires_grad_(True)
    losses.labelmix_penalty(mask, off, d_real, d_fake).backward()
    assert d_real.grad.abs().sum() > 0


def test_decay_ema_warms_up_then_keeps_the_fixed_decay():
    net = torch.nn.Linear(1, 1, bias=False)
    torch.nn.init.zeros_(net.weight)
    ema = DecayEMA(net, decay=0.9999)
    assert ema.decay_at(0) == pytest.approx(0.1) and ema.decay_at(10) == pytest.approx(11 / 20)
    assert ema.decay_at(10**6) == 0.9999
    assert DecayEMA(net, decay=0.9, warmup=False).decay_at(0) == 0.9
    with torch.no_grad():
        net.weight.fill_(1.0)
    ema.update_step(net, 0)  # 0.1 * 0 + 0.9 * 1
    assert ema.shadow.weight.item() == pytest.approx(0.9)


def test_tiny_oasis_run_trains_and_exports_an_ema_generator_with_labels(tiny_data, tmp_path):
    args = tiny_args("oasis", tiny_data("labelmap"), tmp_path / "run", "--export-dtype", "float32", iters=3)
    result = run_recipe(recipe_class("oasis"), args)
    recipe = result.recipe
    assert set(result.final_losses) == {"G_adv", "D_real", "D_fake", "D_labelmix"}
    assert all(math.isfinite(v) for v in result.final_losses.values())
    assert result.final_losses["D_labelmix"] > 0
    # N + 1 = 4 output channels for the 3 classes: "fake" then sky, grass, rock
    assert recipe.nets["D"](torch.zeros(1, 3, 32, 32)).shape == (1, 4, 32, 32)
    assert set(recipe.nets) == {"G", "D", "G_ema"}

    loaded = load_model(result.export_path)
    assert loaded.arch == "oasis" and loaded.resolution == 32
    assert [entry["name"] for entry in loaded.labels] == ["sky", "grass", "rock"]
    assert [entry["color"] for entry in loaded.labels][0] == [90, 160, 230]
    assert loaded.config["label_nc"] == 3 and loaded.config["contain_dontcare_label"] is False and loaded.config["z_dim"] == 4
    exported, ema, g = loaded.module.state_dict(), recipe.nets["G_ema"].state_dict(), recipe.nets["G"].state_dict()
    # the moving average's weights, not G's; BatchNorm statistics measured anew, not G's
    assert torch.equal(exported["fc.weight"], ema["fc.weight"]) and not torch.equal(exported["fc.weight"], g["fc.weight"])
    assert not torch.equal(exported["body.0.norm_0.first_norm.running_mean"], g["body.0.norm_0.first_norm.running_mean"])
    # a second export gives the same file contents (fixed batches and noise for the statistics)
    again = recipe.export()[0].state_dict()
    assert all(torch.equal(again[k], exported[k]) for k in exported)
    # the noise matters: two z give two images
    seg = loaded.module.semantic_input(torch.randint(0, 3, (1, 32, 32)))
    with torch.no_grad():
        a, b = loaded.module(seg, torch.randn(1, 4)), loaded.module(seg, torch.randn(1, 4))
    assert a.shape == (1, 3, 32, 32) and not torch.allclose(a, b)


def test_options_switch_off_labelmix_balancing_and_ema(tiny_data, tmp_path):
    args = tiny_args("oasis", tiny_data("labelmap"), tmp_path / "run", "--no-labelmix", "--no-ema", "--no-balancing", iters=2)
    result = run_recipe(recipe_class("oasis"), args)
    assert "D_labelmix" not in result.final_losses and "G_ema" not in result.recipe.nets
    loaded = load_model(result.export_path)
    assert torch.allclose(loaded.module.state_dict()["fc.weight"], result.recipe.nets["G"].state_dict()["fc.weight"], atol=1e-3)


def test_resume_gives_the_same_networks_and_moving_average(tiny_data, tmp_path):
    data = tiny_data("labelmap")
    cls = recipe_class("oasis")
    straight = run_recipe(cls, tiny_args("oasis", data, tmp_path / "straight", iters=4))

    class Stop(BaseException):
        pass

    def kill_at_3(iteration: int) -> None:
        if iteration == 3:
            raise Stop

    with pytest.raises(Stop):
        run_recipe(cls, tiny_args("oasis", data, tmp_path / "killed", "--checkpoint-every", "2", iters=4), on_iteration=kill_at_3)
    resumed = run_recipe(cls, tiny_args("oasis", data, tmp_path / "killed", "--checkpoint-every", "2", "--resume", iters=4))
    for net in ("G", "D", "G_ema"):
        a, b = straight.recipe.nets[net].state_dict(), resumed.recipe.nets[net].state_dict()
        for key in a:
            assert torch.equal(a[key], b[key]), f"{net}.{key}"


@pytest.mark.parametrize("bad, message", [(["--resolution", "48"], "multiple of 32"),
                                          (["--num-res-blocks-d", "6"], r"multiple of 2\^6")])
def test_sizes_the_networks_cannot_take_are_refused(tiny_data, tmp_path, bad, message):
    args = tiny_args("oasis", tiny_data("labelmap"), tmp_path / "run", *bad, iters=1)
    with pytest.raises(ValueError, match=message):
        run_recipe(recipe_class("oasis"), args)


def test_oasis_is_a_listed_recipe():
    from trainer.cli import RECIPE_HELP, available_recipes

    assert "oasis" in available_recipes() and "OASIS" in RECIPE_HELP["oasis"]
    assert TINY["oasis"][0] == "labelmap"
