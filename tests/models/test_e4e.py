"""pSp / e4e / HyperStyle W encoders (models/e4e.py): strict loads of the reference's tensors and its outputs."""
from __future__ import annotations

import pytest
import torch
from e4e_fixtures import ENCODER_CASES, TOLERANCE, fixture_io, photo, prefixed, reference_object, rel_err

from ganstudio.models.e4e import GradualStyleEncoder, WEncoder, head_levels
from ganstudio.models.registry import build_on_meta


def reference_encoder(case: str, *, e4e: bool) -> GradualStyleEncoder:
    """Our encoder, built from the fixture's small config, given the reference's `encoder.*` tensors strictly."""
    container = reference_object(case)
    state = prefixed(container["state_dict"], "encoder.")
    n_styles, style_dim = container["latent_avg"].shape
    net = GradualStyleEncoder(n_styles=n_styles, style_dim=style_dim, base_width=8, se_reduction=4, e4e=e4e)
    net.load_state_dict({**state, "latent_avg": container["latent_avg"]}, strict=True)
    return net.eval()


@pytest.mark.parametrize("case", ENCODER_CASES)
def test_codes_equal_the_reference(case: str) -> None:
    io_data = fixture_io(case)
    net = reference_encoder(case, e4e=io_data["opts"]["encoder_type"] == "Encoder4Editing")
    with torch.no_grad():
        codes = net(photo(io_data))
    assert codes.shape == io_data["codes"].shape
    assert rel_err(codes, io_data["codes"]) <= TOLERANCE


def test_e4e_reads_the_same_heads_as_deltas_from_the_first() -> None:
    x = photo(fixture_io("e4e_64"))
    with torch.no_grad():
        psp = reference_encoder("e4e_64", e4e=False)(x)
        e4e = reference_encoder("e4e_64", e4e=True)(x)
    assert torch.equal(psp[:, 0], e4e[:, 0])
    avg = reference_object("e4e_64")["latent_avg"]
    # e4e: w_i = avg + head_0 + head_i; pSp: w_i = avg + head_i
    assert torch.allclose(e4e[:, 1:], psp[:, 1:] + (psp[:, :1] - avg[:1]), atol=1e-5)


def test_without_the_average_latent_the_codes_are_relative() -> None:
    x = photo(fixture_io("psp_64"))
    net = reference_encoder("psp_64", e4e=False)
    with torch.no_grad():
        absolute = net(x)
        net.add_latent_avg = False
        relative = net(x)
    assert torch.allclose(absolute - relative, net.latent_avg.expand_as(absolute), atol=1e-5)


def test_head_levels_follow_the_pyramid() -> None:
    assert head_levels(18) == [0] * 3 + [1] * 4 + [2] * 11
    assert head_levels(10) == [0] * 3 + [1] * 4 + [2] * 3


def test_inputs_above_256_pixels_are_resized_to_it() -> None:
    torch.manual_seed(1)
    net = GradualStyleEncoder(n_styles=4, style_dim=2, base_width=2, se_reduction=2).eval()
    big = torch.rand(1, 3, 512, 512) * 2 - 1
    small = torch.nn.functional.interpolate(big, size=(256, 256), mode="bilinear", align_corners=False, antialias=True)
    with torch.no_grad():
        assert net(torch.zeros(1, 3, 64, 64)).shape == (1, 4, 2)
        assert torch.equal(net(big), net(small))


def test_the_published_sizes() -> None:
    """The 1024 px e4e_ffhq_encode.pt's encoder: 267M parameters, keys of the published shapes."""
    net = build_on_meta("psp_encoder", dict(n_styles=18, style_dim=512, e4e=True))
    shapes = {k: tuple(v.shape) for k, v in net.state_dict().items()}
    assert shapes["body.23.res_layer.5.fc1.weight"] == (32, 512, 1, 1)
    assert shapes["styles.17.convs.10.weight"] == (512, 512, 3, 3)
    assert shapes["latlayer1.weight"] == (512, 256, 1, 1)
    assert shapes["latlayer2.weight"] == (512, 128, 1, 1)
    assert shapes["body.3.shortcut_layer.0.weight"] == (128, 64, 1, 1)
    assert "body.0.shortcut_layer.0.weight" not in shapes  # a strided identity
    params = sum(p.numel() for p in net.parameters())
    assert 266e6 < params < 268e6, params
    w = build_on_meta("psp_w_encoder", dict(n_styles=18, style_dim=512))
    assert tuple(w.state_dict()["linear.weight"].shape) == (512, 512)


def test_w_encoder_gives_one_w_for_every_layer() -> None:
    torch.manual_seed(0)
    net = WEncoder(n_styles=6, style_dim=4, base_width=2, se_reduction=2).eval()
    net.latent_avg.copy_(torch.randn(6, 4))
    with torch.no_grad():
        ws = net(torch.rand(2, 3, 32, 32) * 2 - 1)
    assert ws.shape == (2, 6, 4)
    relative = ws - net.latent_avg
    assert torch.allclose(relative, relative[:, :1].expand_as(relative), atol=1e-6)
