from __future__ import annotations

import pytest
import torch

from ganstudio.models.cyclegan import ResnetGenerator
from ganstudio.models.registry import arch_of, build


def small(**overrides) -> ResnetGenerator:
    config = dict(input_nc=3, output_nc=3, ngf=4, norm="instance", use_dropout=False, n_blocks=6, padding_type="reflect")
    config.update(overrides)
    torch.manual_seed(0)
    return ResnetGenerator(**config)


@pytest.mark.parametrize("n_blocks", [6, 9])
def test_layout_and_output(n_blocks):
    net = small(n_blocks=n_blocks)
    assert arch_of(net) == "cyclegan_resnet"
    state = net.state_dict()
    assert state["model.1.weight"].shape == (4, 3, 7, 7)
    assert f"model.{9 + n_blocks}.conv_block.5.weight" in state
    assert state[f"model.{17 + n_blocks}.weight"].shape == (3, 4, 7, 7)
    with torch.no_grad():
        out = net.eval()(torch.rand(2, 3, 36, 44))
    assert out.shape == (2, 3, 36, 44)


def test_instance_norm_has_no_buffers_and_convs_have_bias():
    state = small().state_dict()
    assert not any("running" in k for k in state)
    assert "model.1.bias" in state and "model.10.conv_block.1.bias" in state


def test_dropout_shifts_the_second_block_conv():
    state = small(use_dropout=True, norm="batch").state_dict()
    assert "model.10.conv_block.6.weight" in state and "model.10.conv_block.5.weight" not in state
    assert "model.1.bias" not in state  # no bias with batch norm


def test_zero_padding_has_no_pad_layers():
    state = small(padding_type="zero").state_dict()
    assert "model.10.conv_block.0.weight" in state and "model.10.conv_block.3.weight" in state


def test_config_rebuilds():
    net = small(n_blocks=9, use_dropout=True)
    assert build("cyclegan_resnet", net.config).state_dict().keys() == net.state_dict().keys()


def test_test_mode_without_dropout_or_batchnorm_equals_eval():
    net = small().eval()
    x = torch.rand(1, 3, 32, 32)
    with torch.no_grad():
        expected = net(x)
        assert torch.equal(net.set_reference_test_mode(True)(x), expected)


def test_invalid_padding_is_refused():
    with pytest.raises(ValueError, match="padding_type"):
        small(padding_type="circular")
