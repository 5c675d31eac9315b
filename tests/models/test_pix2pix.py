from __future__ import annotations

import pytest
import torch
import torch.nn as nn

from ganstudio.models.pix2pix import UnetGenerator
from ganstudio.models.registry import arch_of, build


def small(**overrides) -> UnetGenerator:
    config = dict(input_nc=3, output_nc=2, num_downs=7, ngf=2, norm="batch", use_dropout=True)
    config.update(overrides)
    torch.manual_seed(0)
    return UnetGenerator(**config)


def test_config_rebuilds_the_same_network():
    net = small()
    assert arch_of(net) == "pix2pix_unet"
    rebuilt = build("pix2pix_unet", net.config)
    assert {k: v.shape for k, v in rebuilt.state_dict().items()} == {k: v.shape for k, v in net.state_dict().items()}


@pytest.mark.parametrize("num_downs, side", [(7, 128), (8, 256)])
def test_levels_nest_as_in_the_reference(num_downs, side):
    net = small(num_downs=num_downs, norm="instance")
    innermost = "model.model." + "1.model." + "3.model." * (num_downs - 2)
    assert f"{innermost}1.weight" in net.state_dict()
    assert f"{innermost}3.model.1.weight" not in net.state_dict()
    with torch.no_grad():
        out = net.eval()(torch.rand(1, 3, side, side) * 2 - 1)
    assert out.shape == (1, 2, side, side)
    assert out.abs().max() <= 1


def test_sides_must_be_multiples_of_two_to_the_num_downs():
    with pytest.raises(ValueError, match="multiples of 128"):
        small().eval()(torch.zeros(1, 3, 96, 128))


def test_convs_have_bias_only_with_instance_norm():
    def down_bias(net):
        return net.model.model[0].bias is not None, net.model.model[1].model[1].bias is not None

    assert down_bias(small(norm="instance")) == (True, True)
    assert down_bias(small(norm="batch")) == (False, False)
    assert down_bias(small(norm="none")) == (False, False)
    # the outermost up conv always has one
    assert small(norm="none").model.model[3].bias is not None


def test_none_norm_keeps_the_slots():
    net = small(norm="none")
    assert isinstance(net.model.model[1].model[2], nn.Identity)
    assert "model.model.1.model.5.weight" in net.state_dict()


def test_reference_test_mode_uses_dropout_and_batch_stats_without_touching_buffers():
    net = small().eval()
    x = torch.rand(2, 3, 128, 128)
    with torch.no_grad():
        eval_out = net(x)
        before = {k: v.clone() for k, v in net.state_dict().items()}
        net.set_reference_test_mode(True)
        torch.manual_seed(5)
        a = net(x)
        torch.manual_seed(5)
        b = net(x)
        torch.manual_seed(6)
        c = net(x)
    assert torch.equal(a, b)
    assert not torch.allclose(a, c)
    assert not torch.allclose(a, eval_out)
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    with torch.no_grad():
        assert torch.equal(net.set_reference_test_mode(False)(x), eval_out)


def test_training_after_test_mode_tracks_running_stats_again():
    net = small()
    net.set_reference_test_mode(True)
    net.train()
    bn = net.model.model[1].model[2]
    mean = bn.running_mean.clone()
    with torch.no_grad():
        net(torch.rand(2, 3, 128, 128))
    assert not torch.equal(mean, bn.running_mean)


@pytest.mark.parametrize("bad", [dict(norm="group"), dict(num_downs=4)])
def test_invalid_configs_are_refused(bad):
    with pytest.raises(ValueError):
        small(**bad)
