"""OASIS networks: published layout, 3D noise (the reference's draw, per-image z, noise maps, region re-roll), discriminator.

Agreement with boschresearch/OASIS itself, through `load_model` and the official file
layout, is checked in tests/checkpoints/test_import_oasis.py; here the fixtures' weights
are loaded into the classes directly where a test needs real weights.
"""
from __future__ import annotations

import io
import json
import lzma
from pathlib import Path

import pytest
import torch

from ganstudio.models.oasis import (
    OASISDiscriminator,
    OASISGenerator,
    latent_size,
    noise_map,
    one_hot_labels,
    reroll_noise,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "oasis"
TOLERANCE = 1e-4


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / b.norm())


def shapes_of(module: torch.nn.Module) -> dict[str, list[int]]:
    return {key: list(value.shape) for key, value in module.state_dict().items()}


def reference_state(name: str) -> dict[str, torch.Tensor]:
    return torch.load(io.BytesIO(lzma.decompress((FIXTURES / f"{name}.xz").read_bytes())), weights_only=True)


def ade20k_layout() -> tuple[OASISGenerator, dict]:
    data = torch.load(FIXTURES / "ade20k_layout_io.pt", weights_only=True)
    net = OASISGenerator(label_nc=150, channels_G=1, crop_size=64, param_free_norm_type="instance", spade_hidden=8)
    net.load_state_dict(reference_state("ade20k_layout_best_EMA.pth"), strict=True)
    return net.eval(), data


def tiny(**overrides) -> OASISGenerator:
    cfg = dict(label_nc=4, channels_G=1, crop_size=64, spade_hidden=4, z_dim=8)
    cfg.update(overrides)
    torch.manual_seed(0)
    return OASISGenerator(**cfg).eval()


def test_full_size_layout_is_the_reference_one() -> None:
    """Keys and shapes of the reference's ADE20K generator and discriminator (channels_G 64, 151 label channels)."""
    reference = json.loads((FIXTURES / "full_size_shapes.json").read_text())
    with torch.device("meta"):
        generator = OASISGenerator(label_nc=150, contain_dontcare_label=True, channels_G=64)
        discriminator = OASISDiscriminator(label_nc=150, contain_dontcare_label=True)
    assert shapes_of(generator) == reference["generator"]
    assert shapes_of(discriminator) == reference["discriminator"]
    assert reference["generator"]["fc.weight"] == [1024, 215, 3, 3]
    assert reference["discriminator"]["layer_up_last.weight"] == [152, 64, 1, 1]  # 151 classes + "fake"


def test_geometry() -> None:
    assert latent_size(256, 1.0) == (8, 8)
    assert latent_size(512, 2.0) == (8, 16)  # Cityscapes: 256x512 images
    with pytest.raises(ValueError, match="too small"):
        latent_size(16, 1.0)
    net = tiny(crop_size=64, aspect_ratio=2.0)
    assert net.output_size == (32, 64)
    seg = net.semantic_input(torch.randint(0, 5, (1, 40, 56)))
    with torch.no_grad():
        assert net(seg).shape == (1, 3, 32, 64)  # any label-map size: resized to the first feature map
        assert net(seg, latent_hw=(2, 3)).shape == (1, 3, 64, 96)


def test_semantic_input_uses_ids_as_they_are() -> None:
    labels = torch.tensor([[[0, 4], [2, 1]]])
    seg = one_hot_labels(labels, 5)
    assert seg.shape == (1, 5, 2, 2) and torch.equal(seg.argmax(1), labels)
    with pytest.raises(ValueError, match=r"\[0, 4\]"):
        one_hot_labels(torch.tensor([[[5]]]), 5)
    with pytest.raises(ValueError, match="must be"):
        one_hot_labels(torch.zeros(2, 2), 5)


def test_default_noise_is_the_references_draw() -> None:
    """z=None draws torch.randn(B, z_dim) first, so a seed before the call fixes the output, as for the reference."""
    net, data = ade20k_layout()
    seg = net.semantic_input(data["labels"].long())
    with torch.no_grad():
        torch.manual_seed(data["noise_seed"])
        drawn = net(seg)
        given = net(seg, z=data["z"])
    assert torch.equal(drawn, given)
    assert rel_err(given, data["expected"]) <= TOLERANCE


def test_a_noise_map_rerolls_one_region_like_the_reference() -> None:
    """A per-pixel z map (the reference's noise draw replaced by it) gives the reference's output."""
    net, data = ade20k_layout()
    seg = net.semantic_input(data["labels"].long())
    z_map = reroll_noise(data["z"], data["reroll_mask"], data["z_fresh"])
    mask = data["reroll_mask"].bool()
    assert torch.equal(z_map[:, :, ~mask[0]], data["z"][:, :, None].expand(-1, -1, int((~mask).sum())))
    assert torch.equal(z_map[:, :, mask[0]], data["z_fresh"][:, :, None].expand(-1, -1, int(mask.sum())))
    with torch.no_grad():
        out = net(seg, z=z_map)
    assert rel_err(out, data["expected_rerolled"]) <= TOLERANCE
    assert rel_err(data["expected_rerolled"], data["expected"]) > 0.05  # the new noise changes the picture


def test_noise_forms_agree() -> None:
    net = tiny()
    seg = net.semantic_input(torch.randint(0, 5, (2, 32, 32)))
    z = net.random_z(2, seed=3)
    assert torch.equal(z, net.random_z(2, seed=3)) and z.shape == (2, 8)
    with torch.no_grad():
        by_vector = net(seg, z=z)
        assert torch.equal(net(seg, z=noise_map(z, 32, 32)), by_vector)
        assert torch.equal(net(seg, z=noise_map(z, 8, 8)), by_vector)  # a coarser map is resized (nearest)
        nothing_rerolled = reroll_noise(z, torch.zeros(32, 32, dtype=torch.bool), net.random_z(2, seed=4))
        assert torch.equal(net(seg, z=nothing_rerolled), by_vector)
        all_rerolled = reroll_noise(z, torch.ones(2, 1, 32, 32), net.random_z(2, seed=4))
        assert torch.equal(net(seg, z=all_rerolled), net(seg, z=net.random_z(2, seed=4)))
        # each image of a batch has its own z: the same labels give two pictures
        same_labels = net(seg[:1].expand(2, -1, -1, -1), z=z)
        assert rel_err(same_labels[0], same_labels[1]) > 0.01
    with pytest.raises(ValueError, match="z must be"):
        net(seg, z=torch.zeros(2, 7))
    with pytest.raises(ValueError, match="mask must be"):
        reroll_noise(z, torch.zeros(2, 2, 2, 2, 2), z)


def test_no_3dnoise_generator_takes_labels_only() -> None:
    net = tiny(no_3dnoise=True)
    assert net.fc.weight.shape[1] == 5 and not net.uses_noise
    seg = net.semantic_input(torch.randint(0, 5, (1, 32, 32)))
    with torch.no_grad():
        assert torch.equal(net(seg), net(seg))  # nothing random
    with pytest.raises(ValueError, match="no_3dnoise"):
        net(seg, z=torch.zeros(1, 8))


def test_noise_follows_the_model_dtype_and_device() -> None:
    net = tiny().double()
    seg = net.semantic_input(torch.randint(0, 5, (1, 32, 32))).double()
    with torch.no_grad():
        out = net(seg, z=net.random_z(1, seed=0))
    assert out.dtype == torch.float64


def test_config_and_keyword_only() -> None:
    net = tiny(param_free_norm_type="instance")
    assert net.config == dict(label_nc=4, contain_dontcare_label=True, channels_G=1, z_dim=8, no_3dnoise=False, crop_size=64,
                              aspect_ratio=1.0, param_free_norm_type="instance", spade_kernel_size=3, spade_hidden=4)
    assert OASISGenerator(**net.config).config == net.config
    with pytest.raises(TypeError):
        OASISGenerator(4)  # type: ignore[misc]
    assert not any("running_mean" in key for key in net.state_dict())
    assert any(key.endswith("first_norm.running_mean") for key in tiny().state_dict())


def test_training_mode_runs_power_iterations_and_has_gradients() -> None:
    net = tiny().train()
    seg = net.semantic_input(torch.randint(0, 5, (2, 32, 32)))
    u = net.body[0].conv_0.weight_u.clone()
    net(seg).square().mean().backward()
    assert not torch.equal(u, net.body[0].conv_0.weight_u)
    assert net.fc.weight.grad is not None and net.body[5].conv_1.weight_orig.grad is not None


def test_discriminator_reference_output_and_shapes() -> None:
    data = torch.load(FIXTURES / "tiny_trained_io.pt", weights_only=True)
    net = OASISDiscriminator(label_nc=3, channels_D=4)
    net.load_state_dict(reference_state("tiny_trained_latest_D.pth"), strict=True)
    with torch.no_grad():
        out = net.eval()(data["images"].float())
    assert out.shape == (1, 5, 64, 64)
    assert rel_err(out, data["expected_D"]) <= TOLERANCE
    for blocks, side in ((2, 4), (4, 16)):
        small = OASISDiscriminator(label_nc=2, contain_dontcare_label=False, channels_D=2, num_res_blocks=blocks)
        assert small(torch.randn(2, 3, side, side)).shape == (2, 3, side, side)
    with pytest.raises(ValueError, match="num_res_blocks"):
        OASISDiscriminator(label_nc=2, num_res_blocks=7)
