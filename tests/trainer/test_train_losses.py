"""The loss terms against values worked out by hand."""
from __future__ import annotations

import math

import pytest
import torch

from trainer import losses
from trainer.ema import EMA
from trainer.replay import ReplayBuffer


def test_adversarial_terms():
    logits = torch.tensor([2.0, -1.0])
    assert losses.hinge_discriminator(logits, True).item() == pytest.approx((0 + 2) / 2)
    assert losses.hinge_discriminator(logits, False).item() == pytest.approx((3 + 0) / 2)
    assert losses.hinge_generator(logits).item() == pytest.approx(-0.5)
    assert losses.least_squares_gan(logits, True).item() == pytest.approx((1 + 4) / 2)
    assert losses.least_squares_gan(logits, False).item() == pytest.approx((4 + 1) / 2)
    assert losses.vanilla_gan(torch.zeros(3), True).item() == pytest.approx(math.log(2))
    assert losses.logistic_nonsaturating(logits, True).item() == pytest.approx((math.log1p(math.exp(-2)) + math.log1p(math.e)) / 2)
    assert losses.wasserstein(logits, True).item() == pytest.approx(-0.5)
    # a multi-scale discriminator output: the last entry of each scale is averaged over scales
    multiscale = [[torch.ones(1), torch.tensor([2.0])], [torch.ones(1), torch.tensor([0.0])]]
    assert losses.hinge_generator(multiscale).item() == pytest.approx(-1.0)


def test_gradient_penalties_of_a_linear_critic():
    weight = torch.tensor([0.6, 0.8, 0.0, 0.0]).view(1, 1, 2, 2)  # unit norm
    x = torch.randn(3, 1, 2, 2, requires_grad=True)
    out = (x * weight).sum(dim=[1, 2, 3])
    assert losses.gradient_penalty(out, x).item() == pytest.approx(0.0, abs=1e-7)
    out = (x * 2 * weight).sum(dim=[1, 2, 3])
    assert losses.r1_penalty(out, x).tolist() == pytest.approx([4.0] * 3)


def test_path_length_penalty_tracks_its_mean():
    ws = torch.randn(2, 3, 4, requires_grad=True)
    images = (ws.sum(dim=1) * 1.0).view(2, 1, 2, 2)
    penalty, mean = losses.path_length_penalty(images, ws, torch.tensor(0.0), decay=0.5)
    assert penalty.shape == (2,) and mean.item() > 0


def test_reconstruction_classification_feature_matching_kl():
    assert losses.l1(torch.ones(2, 3), torch.zeros(2, 3)).item() == 1.0
    logits, labels = torch.tensor([[0.0, 0.0]]), torch.tensor([[1.0, 0.0]])
    assert losses.domain_classification(logits, labels).item() == pytest.approx(2 * math.log(2))
    features = [[torch.ones(1, 2), torch.ones(1)], [torch.zeros(1, 2), torch.ones(1)]]
    assert losses.feature_matching(features, features).item() == 0.0
    shifted = [[f + 1 for f in scale] for scale in features]
    assert losses.feature_matching(shifted, features).item() == pytest.approx(1.0)  # last (logits) layer excluded
    assert losses.kl_divergence(torch.zeros(2, 5), torch.zeros(2, 5)).item() == 0.0
    assert losses.kl_divergence(torch.ones(1, 2), torch.zeros(1, 2)).item() == pytest.approx(1.0)


def test_vgg_weights_are_looked_up_locally_only(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    assert losses.find_vgg19_weights(None) is None
    with pytest.raises(FileNotFoundError):
        losses.find_vgg19_weights(str(tmp_path / "nope.pth"))
    cached = losses.default_vgg19_path()
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"")
    assert losses.find_vgg19_weights(None) == cached


@pytest.mark.slow
def test_vgg_perceptual_loss_from_a_torchvision_state_dict(vgg19_weights):
    loss = losses.VGGPerceptualLoss(vgg19_weights)
    a, b = torch.rand(1, 3, 32, 32) * 2 - 1, torch.rand(1, 3, 32, 32) * 2 - 1
    assert loss(a, a).item() == 0.0 and loss(a, b).item() > 0
    assert not any(p.requires_grad for p in loss.parameters())


def test_replay_buffer_fills_then_mixes_reproducibly():
    buffer = ReplayBuffer(capacity=3, seed=0)
    first = torch.arange(3.0).view(3, 1)
    assert torch.equal(buffer.query(first), first)
    state = buffer.state_dict()
    out = buffer.query(torch.full((4, 1), 9.0))
    assert set(out.flatten().tolist()) <= {0.0, 1.0, 2.0, 9.0}
    again = ReplayBuffer(capacity=3, seed=5)
    again.load_state_dict(state, torch.device("cpu"))
    assert torch.equal(again.query(torch.full((4, 1), 9.0)), out)


def test_ema_half_life_and_rampup():
    model = torch.nn.Linear(1, 1, bias=False)
    ema = EMA(model, half_life_kimg=0.001, rampup=None)  # a half-life of one image
    with torch.no_grad():
        model.weight.fill_(1.0)
        ema.shadow.weight.fill_(0.0)
    ema.update(model, batch_size=1, images_seen=1)
    assert ema.shadow.weight.item() == pytest.approx(0.5)
    assert EMA(model, 10, rampup=0.05).beta(32, 320) == pytest.approx(0.5 ** (32 / 16))
