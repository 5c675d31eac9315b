from __future__ import annotations

import pytest
import torch

from ganstudio.models.patchgan import NLayerDiscriminator
from ganstudio.models.registry import build


def test_70x70_patchgan_maps_256_to_30x30():
    torch.manual_seed(0)
    net = NLayerDiscriminator(input_nc=6, ndf=4, n_layers=3, norm="batch").eval()
    with torch.no_grad():
        out = net(torch.rand(2, 6, 256, 256))
    assert out.shape == (2, 1, 30, 30)


@pytest.mark.parametrize("n_layers, widths", [(1, [4, 8]), (3, [4, 8, 16, 32]), (5, [4, 8, 16, 32, 32, 32])])
def test_channel_widths_cap_at_eight_ndf(n_layers, widths):
    net = NLayerDiscriminator(input_nc=3, ndf=4, n_layers=n_layers, norm="instance")
    convs = [m for m in net.model if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == widths + [1]
    assert all(c.bias is not None for c in convs)  # instance norm: every conv has a bias


def test_batch_norm_convs_have_no_bias_and_config_rebuilds():
    net = NLayerDiscriminator(input_nc=3, ndf=4, n_layers=3, norm="batch")
    assert net.model[2].bias is None and net.model[0].bias is not None
    assert build("patchgan", net.config).state_dict().keys() == net.state_dict().keys()
