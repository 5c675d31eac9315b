"""The StyleGAN2 encoder network: shapes, e4e's base + deltas, its config schema, native save/load."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ganstudio.checkpoints import load_model, save_model
from ganstudio.models.config_schema import ConfigError
from ganstudio.models.registry import arch_of, build, check_config
from ganstudio.models.stylegan2 import Generator
from ganstudio.models.stylegan2_encoder import StyleGAN2Encoder, layer_levels

CONFIG = {"resolution": 32, "num_ws": 8, "w_dim": 16, "img_channels": 3, "channels": 4, "channel_max": 16, "blocks": 1,
          "head_channels": 4}


def encoder(**changes: int) -> StyleGAN2Encoder:
    torch.manual_seed(0)
    return StyleGAN2Encoder(**{**CONFIG, **changes})


def randomise(net: torch.nn.Module) -> None:
    """The heads start at zero (the output is w_avg); give them weights so outputs depend on the image."""
    with torch.no_grad():
        for head in net.heads:
            head.fc.weight.normal_(0, 0.05)
            head.fc.bias.normal_(0, 0.05)


def test_shapes_and_the_starting_point_is_w_avg() -> None:
    net = encoder().eval()
    net.w_avg.copy_(torch.arange(16.0))
    images = torch.rand(3, 3, 32, 32) * 2 - 1
    ws = net(images)
    assert ws.shape == (3, 8, 16) and ws.dtype == torch.float32
    assert torch.equal(ws, net.w_avg.expand(3, 8, 16))  # zero-initialised heads: every ws is w_avg


def test_ws_are_w_avg_plus_base_plus_deltas_with_no_delta_on_the_first_layer() -> None:
    net = encoder().eval()
    randomise(net)
    net.w_avg.normal_()
    images = torch.rand(2, 3, 32, 32) * 2 - 1
    base, deltas = net.encode(images)
    ws, returned = net(images, with_deltas=True)
    assert torch.equal(returned, deltas) and torch.count_nonzero(deltas[:, 0]) == 0
    assert torch.allclose(ws, net.w_avg + base[:, None] + deltas)
    assert torch.allclose(ws[:, 0], net.w_avg + base)
    assert not torch.allclose(ws[0], ws[1])  # the image matters


@pytest.mark.parametrize("resolution,num_ws", [(8, 4), (16, 6), (64, 10), (256, 14), (1024, 18)])
def test_any_generator_size_builds(resolution: int, num_ws: int) -> None:
    net = encoder(resolution=resolution, num_ws=num_ws, channel_max=8) if resolution <= 64 else None
    levels = layer_levels(num_ws)
    assert levels[0] == 0 and levels == sorted(levels)
    if net is not None:
        assert net(torch.zeros(1, 3, resolution, resolution)).shape == (1, num_ws, 16)


def test_generator_synthesis_takes_the_output() -> None:
    g = Generator(z_dim=8, c_dim=0, w_dim=16, img_resolution=32, img_channels=3, mapping_kwargs={"num_layers": 1},
                  synthesis_kwargs={"channel_base": 64, "channel_max": 8}).eval()
    net = encoder(num_ws=g.num_ws)
    assert g.synthesis(net(torch.zeros(2, 3, 32, 32)), noise_mode="const").shape == (2, 3, 32, 32)


def test_wrong_input_is_named() -> None:
    with pytest.raises(ValueError, match=r"\[B, 3, 32, 32\]"):
        encoder()(torch.zeros(1, 3, 16, 16))
    with pytest.raises(ValueError, match="power of two"):
        StyleGAN2Encoder(resolution=48)


def test_config_schema() -> None:
    check_config("stylegan2_encoder", CONFIG)
    assert arch_of(build("stylegan2_encoder", CONFIG)) == "stylegan2_encoder"
    for bad, name in (({"resolution": 48}, "resolution"), ({"num_ws": 10**6}, "num_ws"), ({"channels": 0}, "channels"),
                      ({"w_dim": "16"}, "w_dim"), ({"payload": 1}, "payload")):
        with pytest.raises(ConfigError) as info:
            check_config("stylegan2_encoder", {**CONFIG, **bad})
        assert info.value.argument == name


def test_native_round_trip(tmp_path: Path) -> None:
    net = encoder().eval()
    randomise(net)
    net.w_avg.normal_()
    path = save_model(net, tmp_path / "enc.safetensors", resolution=32, provenance={"generator": {"sha256": "ab" * 32}})
    loaded = load_model(path)
    assert loaded.arch == "stylegan2_encoder" and loaded.config == CONFIG
    assert loaded.meta["provenance"]["generator"]["sha256"] == "ab" * 32
    assert not loaded.module.training
    images = torch.rand(2, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        assert torch.equal(loaded.module(images), net(images))
