"""StyleGAN2-ADA networks against golden outputs of the reference implementation.

Fixtures (tests/fixtures/stylegan2, see the README there): network snapshot
pickles written by NVlabs/stylegan2-ada-pytorch with small random weights,
plus the reference's ws, images (noise const / none) and D logits.
"""
from __future__ import annotations

import copy
import json
import os

import numpy as np
import pytest
import torch

from ganstudio.checkpoints import load_model
from ganstudio.models.registry import build
from ganstudio.models.stylegan2 import Discriminator, Generator, upfirdn2d, z_from_seed

HERE = os.path.dirname(__file__)
FIXTURES = os.path.join(HERE, "..", "fixtures", "stylegan2")
CONFIGS = ["skip", "resnet", "orig", "cond"]
TOLERANCE = 1e-4


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a.detach(), b.detach()
    return float((a - b).norm() / b.norm().clamp_min(1e-12))


def expected(name: str) -> dict:
    return torch.load(os.path.join(FIXTURES, f"{name}_expected.pt"), weights_only=True)


@pytest.fixture(scope="module", params=CONFIGS)
def case(request):  # type: ignore[no-untyped-def]
    loaded = load_model(os.path.join(FIXTURES, f"network-snapshot-{request.param}.pkl"))
    return request.param, loaded.module, expected(request.param)


def small_generator(**synthesis) -> Generator:  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    G = Generator(z_dim=8, c_dim=0, w_dim=8, img_resolution=16, img_channels=3, mapping_kwargs={"num_layers": 2},
                  synthesis_kwargs={"channel_base": 64, "channel_max": 8, **synthesis}).eval()
    with torch.no_grad():
        for name, param in G.named_parameters():
            if name.endswith("noise_strength"):
                param.fill_(0.5)
    return G


@torch.no_grad()
def test_mapping_matches_reference(case) -> None:  # type: ignore[no-untyped-def]
    _, G, e = case
    assert rel_err(G.mapping(e["z"], e["c"]), e["ws_plain"]) <= TOLERANCE
    ws = G.mapping(e["z"], e["c"], truncation_psi=e["psi"], truncation_cutoff=e["cutoff"])
    assert rel_err(ws, e["ws"]) <= TOLERANCE


@torch.no_grad()
def test_synthesis_matches_reference(case) -> None:  # type: ignore[no-untyped-def]
    _, G, e = case
    assert rel_err(G.synthesis(e["ws"], noise_mode="const"), e["img_const"]) <= TOLERANCE
    assert rel_err(G.synthesis(e["ws"], noise_mode="none"), e["img_none"]) <= TOLERANCE


@torch.no_grad()
def test_forward_matches_reference(case) -> None:  # type: ignore[no-untyped-def]
    _, G, e = case
    img = G(e["z"], e["c"], truncation_psi=e["psi"], truncation_cutoff=e["cutoff"], noise_mode="const")
    assert img.shape == (len(e["seeds"]), 3, 32, 32)
    assert rel_err(img, e["img_const"]) <= TOLERANCE
    # noise matters in these fixtures, so the const/none comparison above is not vacuous
    assert rel_err(e["img_none"], e["img_const"]) > 1e-3


@torch.no_grad()
def test_discriminator_matches_reference(case) -> None:  # type: ignore[no-untyped-def]
    name, _, e = case
    D = load_model(os.path.join(FIXTURES, f"network-snapshot-{name}.pkl"), network="D").module
    assert isinstance(D, Discriminator)
    assert rel_err(D(e["img_const"], e["c"]), e["d_logits"]) <= TOLERANCE


def test_seeds_give_the_reference_latents() -> None:
    e = expected("skip")
    for row, seed in enumerate(e["seeds"].tolist()):
        z = z_from_seed(seed, 32)
        assert z.shape == (1, 32) and z.dtype == np.float64
        np.testing.assert_array_equal(z, np.random.RandomState(seed).randn(1, 32))
        np.testing.assert_allclose(z[0].astype(np.float32), e["z"][row].numpy())


def test_generator_attributes(case) -> None:  # type: ignore[no-untyped-def]
    name, G, _ = case
    assert (G.z_dim, G.w_dim, G.img_resolution, G.img_channels, G.num_ws) == (32, 32, 32, 3, 8)
    assert G.c_dim == (4 if name == "cond" else 0)
    assert G.noise_layer_names == ["b4.conv1", "b8.conv0", "b8.conv1", "b16.conv0", "b16.conv1", "b32.conv0", "b32.conv1"]


@torch.no_grad()
def test_zero_noise_scale_equals_no_noise_for_that_layer(case) -> None:  # type: ignore[no-untyped-def]
    _, G, e = case
    ws = e["ws"]
    names = G.noise_layer_names
    assert torch.equal(G.synthesis(ws, noise_scales=[0.0] * len(names)), G.synthesis(ws, noise_mode="none"))
    target = "b16.conv0"
    scales = [0.0 if name == target else 1.0 for name in names]
    silenced = copy.deepcopy(G)
    silenced.get_submodule(f"synthesis.{target}").noise_strength.zero_()
    expected_img = silenced.synthesis(ws, noise_mode="const")
    assert rel_err(G.synthesis(ws, noise_scales=scales), expected_img) <= 1e-6
    assert rel_err(G.synthesis(ws, noise_scales={target: 0.0}), expected_img) <= 1e-6
    assert rel_err(expected_img, e["img_const"]) > 1e-5  # that layer's noise did change the image


@torch.no_grad()
def test_noise_scale_multiplies_strength() -> None:
    G = small_generator()
    ws = G.mapping(torch.randn(2, 8), None)
    doubled = copy.deepcopy(G)
    doubled.synthesis.b8.conv1.noise_strength.mul_(2)
    assert rel_err(G.synthesis(ws, noise_scales={"b8.conv1": 2.0}), doubled.synthesis(ws)) <= 1e-6


@torch.no_grad()
def test_random_noise_follows_its_generator() -> None:
    G = small_generator()
    ws = G.mapping(torch.randn(1, 8), None)
    first = G.synthesis(ws, noise_mode="random", noise_generator=torch.Generator().manual_seed(5))
    again = G.synthesis(ws, noise_mode="random", noise_generator=torch.Generator().manual_seed(5))
    other = G.synthesis(ws, noise_mode="random", noise_generator=torch.Generator().manual_seed(6))
    assert torch.equal(first, again)
    assert rel_err(first, other) > 1e-4


def test_bad_noise_arguments_are_refused() -> None:
    G = small_generator()
    ws = torch.zeros(1, G.num_ws, 8)
    with pytest.raises(ValueError, match="noise_mode"):
        G.synthesis(ws, noise_mode="loud")
    with pytest.raises(ValueError, match="noise_scales needs"):
        G.synthesis(ws, noise_scales=[1.0])
    with pytest.raises(ValueError, match="no noise layer"):
        G.synthesis(ws, noise_scales={"b99.conv0": 1.0})
    with pytest.raises(ValueError, match="ws must have shape"):
        G.synthesis(torch.zeros(1, G.num_ws + 1, 8))


@torch.no_grad()
def test_truncation_without_cutoff_pulls_every_w() -> None:
    G = small_generator()
    G.mapping.w_avg.normal_()
    z = torch.randn(3, 8)
    plain = G.mapping(z, None)
    ws = G.mapping(z, None, truncation_psi=0.5)
    assert torch.allclose(ws, G.mapping.w_avg + 0.5 * (plain - G.mapping.w_avg), atol=1e-6)
    cut = G.mapping(z, None, truncation_psi=0.5, truncation_cutoff=2)
    assert torch.allclose(cut[:, :2], ws[:, :2]) and torch.equal(cut[:, 2:], plain[:, 2:])


@torch.no_grad()
def test_batched_equals_one_at_a_time() -> None:
    """The grouped (fused) modulated convolution keeps samples apart."""
    for architecture in ("skip", "resnet", "orig"):
        G = small_generator(architecture=architecture)
        ws = G.mapping(torch.randn(3, 8), None)
        batched = G.synthesis(ws)
        single = torch.cat([G.synthesis(ws[i: i + 1]) for i in range(3)])
        assert rel_err(batched, single) <= 1e-5, architecture


def test_training_mode_unfused_path_matches_and_updates_w_avg() -> None:
    G = small_generator(conv_clamp=256)
    z = torch.randn(4, 8)
    with torch.no_grad():
        ws = G.mapping(z, None)
        fused = G.synthesis(ws, fused_modconv=True)
    unfused = G.synthesis(ws, fused_modconv=False)
    assert rel_err(unfused, fused) <= 1e-5
    G.train()
    before = G.mapping.w_avg.clone()
    G.mapping(z, None)
    assert not torch.equal(G.mapping.w_avg, before)
    img = G(z, None, noise_mode="random")
    img.square().mean().backward()
    assert G.synthesis.b16.conv1.weight.grad is not None and G.mapping.fc0.weight.grad is not None


def test_config_is_json_and_rebuilds_the_same_keys() -> None:
    G = small_generator(architecture="resnet", conv_clamp=256, resample_filter=(1, 3, 3, 1))
    config = json.loads(json.dumps(G.config))
    rebuilt = build("stylegan2", config)
    assert {k: v.shape for k, v in rebuilt.state_dict().items()} == {k: v.shape for k, v in G.state_dict().items()}
    D = Discriminator(c_dim=2, img_resolution=16, img_channels=3, channel_base=64, channel_max=8)
    assert json.loads(json.dumps(D.config))["architecture"] == "resnet"


def test_unknown_constructor_arguments_are_refused() -> None:
    with pytest.raises(TypeError, match="magnitude_ema_beta"):
        Generator(z_dim=8, c_dim=0, w_dim=8, img_resolution=8, img_channels=3,
                  synthesis_kwargs={"magnitude_ema_beta": 0.999})


def test_reference_key_layout() -> None:
    G = small_generator(architecture="resnet")
    keys = set(G.state_dict())
    for key in ("mapping.w_avg", "mapping.fc1.bias", "synthesis.b4.const", "synthesis.b4.resample_filter",
                "synthesis.b8.conv0.noise_const", "synthesis.b8.conv0.affine.weight", "synthesis.b8.skip.weight",
                "synthesis.b16.torgb.affine.bias", "synthesis.b16.conv1.noise_strength"):
        assert key in keys, key
    assert "synthesis.b8.torgb.weight" not in keys  # resnet: only the last block has a toRGB
    D = Discriminator(c_dim=3, img_resolution=16, img_channels=3, channel_base=64, channel_max=8)
    dkeys = set(D.state_dict())
    for key in ("b16.fromrgb.weight", "b16.skip.weight", "b8.conv1.resample_filter", "b4.conv.weight",
                "b4.fc.weight", "b4.out.weight", "mapping.embed.weight", "mapping.fc7.weight"):
        assert key in dkeys, key
    assert "b8.fromrgb.weight" not in dkeys


def test_minibatch_std_appends_group_statistics() -> None:
    D = Discriminator(c_dim=0, img_resolution=8, img_channels=3, channel_base=32, channel_max=4,
                      epilogue_kwargs={"mbstd_group_size": 2})
    x = torch.randn(4, 4, 4, 4)
    out = D.b4.mbstd(x)
    assert out.shape == (4, 5, 4, 4)
    pairs = x.reshape(2, 2, 4, 4, 4)  # sample i is grouped with sample i + 2
    stat = (pairs.var(dim=0, unbiased=False) + 1e-8).sqrt().mean(dim=[1, 2, 3])
    assert torch.allclose(out[:, 4, 0, 0], stat.repeat(2), atol=1e-6)


def test_fir_upsampling_keeps_a_constant_image_constant() -> None:
    from ganstudio.models.stylegan2 import downsample2d, setup_filter, upsample2d

    f = setup_filter([1, 3, 3, 1])
    x = torch.ones(1, 2, 6, 6)
    up = upsample2d(x, f)
    assert up.shape == (1, 2, 12, 12)
    assert torch.allclose(up[:, :, 2:-2, 2:-2], torch.ones(1, 2, 8, 8))
    assert downsample2d(up, f).shape == (1, 2, 6, 6)
    # an impulse through upfirdn2d with no resampling reproduces the (flipped) filter
    impulse = torch.zeros(1, 1, 7, 7)
    impulse[0, 0, 3, 3] = 1
    asym = torch.arange(1.0, 10.0).reshape(3, 3)
    out = upfirdn2d(impulse, asym, padding=(1, 1, 1, 1))
    assert torch.equal(out[0, 0, 2:5, 2:5], asym)


@torch.no_grad()
def test_accepts_every_argument_of_a_converted_official_pickle() -> None:
    """legacy.py writes all of these into init_kwargs of the published ffhq.pkl-style files."""
    G = Generator(z_dim=8, c_dim=2, w_dim=8, img_resolution=8, img_channels=3,
                  mapping_kwargs=dict(num_layers=3, embed_features=None, layer_features=None, activation="lrelu",
                                      lr_multiplier=0.01, w_avg_beta=0.995),
                  synthesis_kwargs=dict(channel_base=32, channel_max=8, num_fp16_res=0, conv_clamp=None,
                                        architecture="skip", resample_filter=[1, 3, 3, 1], use_noise=False,
                                        activation="lrelu")).eval()
    assert G.noise_layer_names == []
    img = G(torch.randn(2, 8), torch.eye(2), noise_mode="random", noise_scales=[])
    assert img.shape == (2, 3, 8, 8) and torch.isfinite(img).all()
