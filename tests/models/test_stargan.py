from __future__ import annotations

import torch

from ganstudio.models.registry import arch_of, build
from ganstudio.models.stargan import Discriminator, Generator


def small_generator() -> Generator:
    torch.manual_seed(0)
    return Generator(conv_dim=8, c_dim=5, repeat_num=2)


def test_generator_layout_matches_reference_keys():
    state = small_generator().state_dict()
    assert state["main.0.weight"].shape == (8, 8, 7, 7)
    assert {"main.1.running_mean", "main.1.running_var", "main.1.num_batches_tracked"} <= state.keys()
    assert "main.10.main.4.weight" in state and "main.11.weight" in state
    assert state["main.17.weight"].shape == (3, 8, 7, 7)
    assert not any(k.endswith(".bias") and v.ndim == 4 for k, v in state.items())


def test_eval_uses_per_image_statistics_not_running_stats():
    net = small_generator().eval()
    x, c = torch.rand(2, 3, 32, 32) * 2 - 1, torch.tensor([[1.0, 0, 0, 1, 0], [0, 1, 0, 0, 1]])
    with torch.no_grad():
        before = net(x, c)
        for name, buffer in net.named_buffers():
            if name.endswith("running_mean"):
                buffer.fill_(3.0)
        after = net(x, c)
        single = net(x[:1], c[:1])
    assert torch.equal(before, after)
    assert torch.allclose(single, before[:1], atol=1e-6)  # no batch coupling


def test_training_updates_running_stats_like_the_reference():
    net = small_generator().train()
    first = net.main[1]
    with torch.no_grad():
        net(torch.rand(2, 3, 32, 32), torch.zeros(2, 5))
    assert not torch.equal(first.running_mean, torch.zeros_like(first.running_mean))


def test_target_attributes_change_the_output():
    net = small_generator().eval()
    x = torch.rand(1, 3, 32, 32)
    with torch.no_grad():
        a = net(x, torch.tensor([[1.0, 0, 0, 0, 0]]))
        b = net(x, torch.tensor([[0.0, 1, 0, 0, 0]]))
    assert a.shape == (1, 3, 32, 32)
    assert not torch.allclose(a, b)


def test_discriminator_outputs():
    torch.manual_seed(0)
    net = Discriminator(image_size=64, conv_dim=4, c_dim=5, repeat_num=5)
    assert arch_of(net) == "stargan_discriminator"
    assert net.conv2.kernel_size == (2, 2)
    with torch.no_grad():
        out_src, out_cls = net(torch.rand(3, 3, 64, 64))
    assert out_src.shape == (3, 1, 2, 2) and out_cls.shape == (3, 5)
    assert build("stargan_discriminator", net.config).state_dict().keys() == net.state_dict().keys()
