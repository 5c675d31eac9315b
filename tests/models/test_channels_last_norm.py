"""Instance norms keep a channels_last input channels_last, with torch's results."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ganstudio.models.layers import InstanceNorm2d
from ganstudio.models.stargan import InstanceNormPerImage


def test_a_channels_last_input_gives_torchs_instance_norm_and_stays_channels_last() -> None:
    torch.manual_seed(0)
    x = torch.randn(2, 6, 9, 7) * 3 + 1
    for norm in (InstanceNorm2d(6), InstanceNorm2d(6, affine=True), InstanceNormPerImage(6).eval()):
        with torch.no_grad():
            if norm.weight is not None:
                norm.weight.uniform_(0.5, 1.5)
                norm.bias.uniform_(-1, 1)
        expected = F.instance_norm(x, None, None, norm.weight, norm.bias, True, 0.0, norm.eps)
        out = norm(x.contiguous(memory_format=torch.channels_last))
        assert out.is_contiguous(memory_format=torch.channels_last)
        assert torch.allclose(out, expected, atol=1e-5)
        assert torch.equal(norm(x), expected)  # the contiguous layout: torch's own forward, bit for bit


def test_training_with_running_statistics_still_updates_them() -> None:
    norm = InstanceNormPerImage(3).train()
    norm(torch.randn(2, 3, 8, 8).add(5).contiguous(memory_format=torch.channels_last))
    assert norm.running_mean.gt(0.1).all()  # torch's forward ran: StarGAN's files keep the statistics it saves
