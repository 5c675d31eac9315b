"""SEAN networks: style encoding, region painting, noise control, class counts, native round trip.

Agreement with ZPdesu/SEAN itself is checked on golden fixtures in
tests/checkpoints/test_import_spade_sean.py.
"""
from __future__ import annotations

import pytest
import torch

from ganstudio.checkpoints import load_model, save_model
import torch.nn.functional as F

from ganstudio.models.sean import SEANGenerator, conv_of_region_map, region_map

STYLE = 16  # tiny style width keeps these models small


def tiny_sean(**overrides) -> SEANGenerator:
    cfg = dict(label_nc=4, ngf=1, crop_size=32, spade_kernel_size=1, style_dim=STYLE)
    cfg.update(overrides)
    torch.manual_seed(0)
    model = SEANGenerator(**cfg)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith(("noise_var", "blending_gamma", "blending_beta")):
                p.copy_(torch.randn_like(p) * 0.5)
    return model.eval()


def labels_to_seg(model: SEANGenerator, labels: torch.Tensor) -> torch.Tensor:
    return model.semantic_input(labels)


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / b.norm().clamp_min(1e-12))


def test_encode_styles_is_the_masked_mean_and_zero_for_absent_classes() -> None:
    model = tiny_sean()
    labels = torch.zeros(1, 32, 32, dtype=torch.long)
    labels[:, :, 16:] = 1
    labels[:, 24:, :8] = 3  # class 2 absent
    seg = labels_to_seg(model, labels)
    rgb = torch.rand(1, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        codes = model.encode_styles(rgb, seg)
        features = model.Zencoder.model(rgb)  # [1, STYLE, 16, 16]
    assert codes.shape == (1, 4, STYLE)
    small = labels[:, ::2, ::2]  # nearest downsampling by 2
    for j in (0, 1, 3):
        mask = small[0] == j
        assert torch.allclose(codes[0, j], features[0][:, mask].mean(1), atol=1e-6)
    assert torch.equal(codes[0, 2], torch.zeros(STYLE))


def test_region_map_lets_the_last_class_win_like_a_sequential_scatter() -> None:
    styles = torch.randn(2, 3, 5)
    seg = (torch.rand(2, 3, 4, 4) > 0.5).float()  # overlapping and empty pixels
    expected = torch.zeros(2, 5, 4, 4)
    for b in range(2):
        for j in range(3):
            mask = seg[b, j].bool()
            expected[b][:, mask] = styles[b, j].unsqueeze(1)
    assert torch.equal(region_map(styles, seg), expected)


def test_convolving_the_class_masks_equals_convolving_the_painted_map() -> None:
    gen = torch.Generator().manual_seed(2)
    styles = torch.randn(2, 3, 8, generator=gen)
    seg = (torch.rand(2, 3, 6, 5, generator=gen) > 0.4).float()
    weight, bias = torch.randn(4, 8, 3, 3, generator=gen), torch.randn(4, generator=gen)
    expected = F.conv2d(region_map(styles, seg), weight, bias, padding=1)
    assert rel_err(conv_of_region_map(weight, bias, styles, seg), expected) < 1e-6


def test_generate_with_encoded_styles_equals_forward() -> None:
    model = tiny_sean()
    seg = labels_to_seg(model, torch.randint(0, 4, (2, 32, 32)))
    rgb = torch.rand(2, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        torch.manual_seed(7)
        direct = model(seg, rgb)
        torch.manual_seed(7)
        split = model.generate(seg, model.encode_styles(rgb, seg))
    assert torch.equal(direct, split)
    assert direct.shape == (2, 3, 32, 32)


def test_noise_control() -> None:
    model = tiny_sean()
    seg = labels_to_seg(model, torch.randint(0, 4, (1, 32, 32)))
    codes = torch.rand(1, 4, STYLE)
    with torch.no_grad():
        quiet_a = model.generate(seg, codes, noise=False)
        quiet_b = model.generate(seg, codes, noise=False)
        seeded_a = model.generate(seg, codes, generator=torch.Generator().manual_seed(3))
        seeded_b = model.generate(seg, codes, generator=torch.Generator().manual_seed(3))
        other = model.generate(seg, codes, generator=torch.Generator().manual_seed(4))
    assert torch.equal(quiet_a, quiet_b)
    assert torch.equal(seeded_a, seeded_b)
    assert rel_err(other, seeded_a) > 1e-3 and rel_err(seeded_a, quiet_a) > 1e-3


def test_swapping_a_region_style_changes_only_what_it_should() -> None:
    model = tiny_sean()
    labels = torch.zeros(1, 32, 32, dtype=torch.long)
    labels[:, 16:] = 1
    seg = labels_to_seg(model, labels)
    codes = torch.rand(1, 4, STYLE)
    swapped = codes.clone()
    swapped[0, 3] = torch.rand(STYLE)  # class 3 is absent: no effect
    changed = codes.clone()
    changed[0, 1] = torch.rand(STYLE)
    with torch.no_grad():
        base = model.generate(seg, codes, noise=False)
        assert torch.equal(model.generate(seg, swapped, noise=False), base)
        assert rel_err(model.generate(seg, changed, noise=False), base) > 1e-4


def test_obj_dic_overrides_the_encoded_codes() -> None:
    model = tiny_sean()
    seg = labels_to_seg(model, torch.randint(0, 2, (1, 32, 32)))
    rgb = torch.rand(1, 3, 32, 32)
    code = torch.rand(STYLE)
    with torch.no_grad():
        codes = model.encode_styles(rgb, seg)
        codes[:, 1] = code
        expected = model.generate(seg, codes, noise=False)
        got = model(seg, rgb, obj_dic={"1": {"ACE": code}}, noise=False)
    assert torch.equal(got, expected)


def test_any_number_of_classes_and_the_official_layout() -> None:
    many = tiny_sean(label_nc=7)
    keys = set(many.state_dict())
    assert {f"head_0.ace_0.fc_mu{j}.weight" for j in range(7)} <= keys and "head_0.ace_0.fc_mu7.weight" not in keys
    assert not any(".ace_0.fc_mu" in k for k in keys if k.startswith("up_3."))  # last block: SPADE only
    official = SEANGenerator(label_nc=19, ngf=1, crop_size=32, spade_kernel_size=1, style_dim=STYLE)
    assert official.config["num_style_classes"] == 19
    few_classes = tiny_sean(label_nc=3, num_style_classes=19)  # the reference always builds 19 layers
    seg = few_classes.semantic_input(torch.randint(0, 3, (1, 32, 32)))
    with torch.no_grad():
        assert few_classes(seg, torch.rand(1, 3, 32, 32), noise=False).shape == (1, 3, 32, 32)
    with pytest.raises(ValueError, match="num_style_classes"):
        SEANGenerator(label_nc=5, num_style_classes=4, style_dim=STYLE)
    with pytest.raises(ValueError, match="'normal' and 'more'"):
        SEANGenerator(label_nc=5, num_upsampling_layers="most", style_dim=STYLE)


def test_more_upsampling_and_aspect_ratio() -> None:
    model = tiny_sean(crop_size=128, aspect_ratio=2.0, num_upsampling_layers="more")
    assert model.output_size == (64, 128)
    seg = model.semantic_input(torch.randint(0, 4, (1, 64, 128)))
    with torch.no_grad():
        assert model(seg, torch.rand(1, 3, 64, 128), noise=False).shape == (1, 3, 64, 128)


def test_trains_one_step() -> None:
    model = tiny_sean().train()
    seg = model.semantic_input(torch.randint(0, 4, (2, 32, 32)))
    loss = model(seg, torch.rand(2, 3, 32, 32)).square().mean()
    loss.backward()
    assert model.head_0.ace_0.fc_mu1.weight.grad is not None
    assert model.head_0.ace_0.noise_var.grad is not None
    assert model.Zencoder.model[1].weight.grad is not None


def test_native_round_trip_keeps_outputs(tmp_path) -> None:
    model = tiny_sean(label_nc=5, contain_dontcare_label=True)
    path = save_model(model, tmp_path / "sean.safetensors", resolution=[32, 32])
    loaded = load_model(path)
    assert loaded.arch == "sean" and loaded.config == model.config
    seg = model.semantic_input(torch.randint(0, 6, (1, 32, 32)))
    rgb = torch.rand(1, 3, 32, 32)
    with torch.no_grad():
        assert torch.equal(loaded.module(seg, rgb, noise=False), model(seg, rgb, noise=False))
