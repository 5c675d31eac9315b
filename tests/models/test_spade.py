"""SPADE networks: spectral-norm layer, semantic input helpers, geometry, VAE helpers, native round trip.

Agreement with NVlabs/SPADE itself is checked on golden fixtures in
tests/checkpoints/test_import_spade_sean.py.
"""
from __future__ import annotations

import pytest
import torch
import torch.nn as nn

from ganstudio.checkpoints import load_model, save_model
from ganstudio.models.layers import SpectralNormConv2d
from ganstudio.models.spade import (
    ConvEncoder,
    MultiscaleDiscriminator,
    SPADEGenerator,
    instance_edges,
    one_hot_semantics,
)


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).detach().norm() / b.detach().norm().clamp_min(1e-12))


def tiny_generator(**overrides) -> SPADEGenerator:
    cfg = dict(label_nc=3, contain_dontcare_label=True, no_instance=False, ngf=2, crop_size=64, spade_kernel_size=1)
    cfg.update(overrides)
    torch.manual_seed(0)
    return SPADEGenerator(**cfg)


def randomize_bn_stats(module: nn.Module) -> None:
    gen = torch.Generator().manual_seed(1)
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=gen) * 0.1)
            m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) + 0.5)


class TestSpectralNormConv:
    def make_pair(self, bias: bool = True) -> tuple[SpectralNormConv2d, nn.Conv2d]:
        torch.manual_seed(3)
        ours = SpectralNormConv2d(4, 6, 3, padding=1, bias=bias)
        plain = nn.Conv2d(4, 6, 3, padding=1, bias=bias)
        theirs = torch.nn.utils.spectral_norm(plain)
        theirs.load_state_dict(ours.state_dict())
        return ours, theirs

    def test_state_dict_layout_is_the_legacy_hook_layout(self) -> None:
        ours, theirs = self.make_pair(bias=False)
        assert set(ours.state_dict()) == {"weight_orig", "weight_u", "weight_v"} == set(theirs.state_dict())

    def test_train_mode_power_iteration_matches_torch(self) -> None:
        ours, theirs = self.make_pair()
        x = torch.randn(2, 4, 8, 8)
        for _ in range(3):
            out_ours, out_theirs = ours(x), theirs(x)
            assert rel_err(out_ours, out_theirs) < 1e-6
        assert torch.allclose(ours.weight_u, theirs.weight_u, atol=1e-6)
        assert torch.allclose(ours.weight_v, theirs.weight_v, atol=1e-6)
        out_ours.square().sum().backward()
        out_theirs.square().sum().backward()
        assert rel_err(ours.weight_orig.grad, theirs.weight_orig.grad) < 1e-5

    def test_eval_mode_uses_stored_vectors_without_iterating(self) -> None:
        ours, theirs = self.make_pair()
        ours.eval(), theirs.eval()
        u_before = ours.weight_u.clone()
        x = torch.randn(1, 4, 8, 8)
        with torch.no_grad():
            assert rel_err(ours(x), theirs(x)) < 1e-6
        assert torch.equal(ours.weight_u, u_before)
        w_mat = ours.weight_orig.flatten(1)
        expected = ours.weight_orig / torch.dot(ours.weight_u, w_mat @ ours.weight_v)
        assert torch.allclose(ours.weight, expected)

    def test_folded_weight_follows_loaded_weights(self) -> None:
        ours, _ = self.make_pair()
        ours.eval()
        x = torch.randn(1, 4, 8, 8)
        with torch.no_grad():
            first = ours(x)
            assert torch.equal(ours(x), first)  # cached fold, same result
        state = {k: v.clone() for k, v in ours.state_dict().items()}
        state["weight_orig"] = torch.randn_like(state["weight_orig"])
        ours.load_state_dict(state)
        with torch.no_grad():
            assert rel_err(ours(x), first) > 1e-2


def test_folded_weight_sign_flip_is_seen() -> None:
    torch.manual_seed(4)
    conv = SpectralNormConv2d(2, 3, 1, bias=False).eval()
    x = torch.randn(1, 2, 4, 4)
    with torch.no_grad():
        before = conv(x)
        conv.weight_u.mul_(-1.0)
        after = conv(x)
    assert torch.allclose(after, -before, atol=1e-6)


class TestSemanticInput:
    def test_one_hot_with_dontcare_and_instance_edges(self) -> None:
        labels = torch.tensor([[[0, 1, 255], [2, 2, 3]]])
        seg = one_hot_semantics(labels, label_nc=3, contain_dontcare_label=True, no_instance=False)
        assert seg.shape == (1, 5, 2, 3)
        assert seg[0, :4].argmax(0).tolist() == [[0, 1, 3], [2, 2, 3]]  # 255 -> dontcare id 3
        assert seg[0, :4].sum(0).eq(1).all()
        # edges from the label map: every pixel but (1,1)... compare with a direct 4-neighbour check
        edges = seg[0, 4]
        ids = labels[0]
        for r in range(2):
            for c in range(3):
                neighbours = [(r + dr, c + dc) for dr, dc in ((0, 1), (0, -1), (1, 0), (-1, 0)) if 0 <= r + dr < 2 and 0 <= c + dc < 3]
                differs = any(ids[rr, cc] != ids[r, c] for rr, cc in neighbours)
                assert edges[r, c].item() == float(differs)

    def test_instance_map_gives_the_edges(self) -> None:
        labels = torch.zeros(1, 4, 4, dtype=torch.long)
        instances = torch.tensor([[[1, 1, 2, 2]] * 4])
        seg = one_hot_semantics(labels, 2, False, False, instance_map=instances)
        assert seg[0, 2].tolist() == [[0, 1, 1, 0]] * 4
        assert torch.equal(instance_edges(instances)[0, 0], seg[0, 2])

    def test_out_of_range_ids_are_refused_without_dontcare(self) -> None:
        with pytest.raises(ValueError, match="label ids"):
            one_hot_semantics(torch.tensor([[[0, 5]]]), 3, False, True)

    def test_generator_helper_uses_its_config(self) -> None:
        gen = tiny_generator()
        seg = gen.semantic_input(torch.randint(0, 4, (2, 16, 16)))
        assert seg.shape == (2, gen.semantic_nc, 16, 16) == (2, 5, 16, 16)


class TestGeometry:
    @pytest.mark.parametrize(
        "mode,crop,aspect,expected",
        [("normal", 64, 1.0, (64, 64)), ("more", 64, 1.0, (64, 64)), ("most", 128, 1.0, (128, 128)), ("normal", 64, 2.0, (32, 64))],
    )
    def test_output_size(self, mode: str, crop: int, aspect: float, expected: tuple[int, int]) -> None:
        gen = tiny_generator(num_upsampling_layers=mode, crop_size=crop, aspect_ratio=aspect).eval()
        assert gen.output_size == expected
        with torch.no_grad():
            out = gen(gen.semantic_input(torch.randint(0, 4, (1, *expected))))
        assert out.shape == (1, 3, *expected)
        assert out.abs().max() <= 1

    def test_most_adds_up_4_and_more_does_not(self) -> None:
        keys_more = set(tiny_generator(num_upsampling_layers="more").state_dict())
        keys_normal = set(tiny_generator().state_dict())
        keys_most = set(tiny_generator(num_upsampling_layers="most", crop_size=128).state_dict())
        assert keys_more == keys_normal
        assert {k for k in keys_most - keys_normal} and all(k.startswith("up_4.") for k in keys_most - keys_normal)

    def test_latent_override_renders_another_aspect(self) -> None:
        gen = tiny_generator().eval()
        with torch.no_grad():
            out = gen(gen.semantic_input(torch.randint(0, 4, (1, 32, 96))), latent_hw=(1, 3))
        assert out.shape == (1, 3, 32, 96)

    def test_too_small_crop_is_refused(self) -> None:
        with pytest.raises(ValueError, match="too small"):
            SPADEGenerator(label_nc=3, ngf=1, crop_size=64, num_upsampling_layers="most")


class TestVae:
    def test_random_z_is_seeded(self) -> None:
        gen = tiny_generator(use_vae=True, z_dim=8)
        assert torch.equal(gen.random_z(2, seed=5), gen.random_z(2, seed=5))
        assert not torch.equal(gen.random_z(2, seed=5), gen.random_z(2, seed=6))
        assert gen.random_z(3).shape == (3, 8)

    def test_reparameterize(self) -> None:
        mu, logvar = torch.randn(2, 8), torch.randn(2, 8)
        a = SPADEGenerator.reparameterize(mu, logvar, torch.Generator().manual_seed(1))
        b = SPADEGenerator.reparameterize(mu, logvar, torch.Generator().manual_seed(1))
        assert torch.equal(a, b)
        assert torch.allclose(SPADEGenerator.reparameterize(mu, torch.full_like(logvar, -80.0)), mu, atol=1e-6)

    @pytest.mark.parametrize("crop", [64, 256])
    def test_encoder_feeds_the_generator(self, crop: int) -> None:
        torch.manual_seed(0)
        enc = ConvEncoder(ngf=2, crop_size=crop, z_dim=8).eval()
        gen = tiny_generator(use_vae=True, z_dim=8).eval()
        image = torch.rand(2, 3, 48, 48) * 2 - 1  # any size: the encoder resizes
        with torch.no_grad():
            mu, logvar = enc.encode(image)
            z = gen.reparameterize(mu, logvar, torch.Generator().manual_seed(0))
            out = gen(gen.semantic_input(torch.randint(0, 4, (2, 64, 64))), z=z)
        assert mu.shape == logvar.shape == (2, 8)
        assert out.shape == (2, 3, 64, 64)
        assert ("layer6.0.weight_orig" in enc.state_dict()) == (crop >= 256)


def test_generator_trains_one_step() -> None:
    gen = tiny_generator(use_vae=True, z_dim=8).train()
    seg = gen.semantic_input(torch.randint(0, 4, (2, 64, 64)))
    u_before = gen.head_0.conv_0.weight_u.clone()
    stats_before = gen.head_0.norm_0.param_free_norm.running_mean.clone()
    loss = gen(seg, z=torch.randn(2, 8)).square().mean()
    loss.backward()
    assert gen.head_0.conv_0.weight_orig.grad is not None and gen.fc.weight.grad is not None
    assert not torch.equal(gen.head_0.conv_0.weight_u, u_before)
    assert not torch.equal(gen.head_0.norm_0.param_free_norm.running_mean, stats_before)


def test_discriminator_returns_features_per_scale() -> None:
    torch.manual_seed(0)
    disc = MultiscaleDiscriminator(semantic_nc=5, ndf=4, n_layers_D=3, num_D=2)
    out = disc(torch.randn(2, 8, 32, 32))
    assert len(out) == 2 and [len(scale) for scale in out] == [4, 4]
    assert out[0][-1].shape[1] == 1 and out[1][0].shape[-1] < out[0][0].shape[-1]
    only_pred = MultiscaleDiscriminator(semantic_nc=5, ndf=4, n_layers_D=3, num_D=3, intermediate_features=False)
    assert [len(scale) for scale in only_pred(torch.randn(1, 8, 32, 32))] == [1, 1, 1]


def test_native_round_trip_keeps_outputs(tmp_path) -> None:
    gen = tiny_generator(use_vae=True, z_dim=8, num_upsampling_layers="more", crop_size=128, aspect_ratio=2.0)
    randomize_bn_stats(gen)
    gen.eval()
    torch.manual_seed(1)
    enc = ConvEncoder(ngf=2, crop_size=64, z_dim=8).eval()
    labels = [{"name": f"class {i}", "color": [i, i, i]} for i in range(4)]
    path = save_model(gen, tmp_path / "spade.safetensors", parts={"encoder": enc}, labels=labels, resolution=[64, 128])
    loaded = load_model(path)
    assert loaded.arch == "spade" and loaded.config == gen.config and loaded.labels == labels
    assert loaded.parts["encoder"].arch == "spade_encoder"
    seg = gen.semantic_input(torch.randint(0, 4, (1, 64, 128)))
    image = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        z = torch.randn(1, 8)
        assert torch.equal(loaded.module(seg, z=z), gen(seg, z=z))
        assert torch.equal(loaded.parts["encoder"].module(image)[0], enc(image)[0])
