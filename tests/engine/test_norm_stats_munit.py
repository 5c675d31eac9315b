"""Tiled MUNIT / UNIT conversion: LayerNorm (per image over C, H, W) and AdaIN (per image and channel) statistics
are taken from the whole image and frozen for the tiles, as InstanceNorm's are."""
from __future__ import annotations

import numpy as np
import torch

from ganstudio.engine import norm_stats
from ganstudio.engine.tiling import run_tiled, run_whole
from ganstudio.models import munit, unit
from ganstudio.models.munit_blocks import AdaptiveInstanceNorm2d, LayerNorm


def _smooth(h: int, w: int) -> torch.Tensor:
    torch.manual_seed(1)
    return torch.nn.functional.interpolate(torch.rand(1, 3, h // 8, w // 8) * 2 - 1, size=(h, w), mode="bilinear", align_corners=False)


def _munit_translator() -> torch.nn.Module:
    torch.manual_seed(0)
    config = dict(dim=8, style_dim=8, n_downsample=2, n_res=2, mlp_dim=16)
    return munit.translator(munit.AdaINGen(**config).eval(), {"domain_b": munit.AdaINGen(**config).eval()}, "AtoB")


def _unit_translator() -> torch.nn.Module:
    torch.manual_seed(0)
    config = dict(dim=8, n_downsample=2, n_res=2)
    return unit.translator(unit.VAEGen(**config).eval(), {"domain_b": unit.VAEGen(**config).eval()}, "BtoA")


def _errors(net: torch.nn.Module, fn, x: torch.Tensor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    whole = run_whole(fn, x, 4)[0].numpy()
    stats = norm_stats.capture(net, lambda: run_whole(fn, x, 4))
    with norm_stats.frozen(net, stats):
        tiled = run_tiled(fn, x, 128, 32, align=4)
    naive = run_tiled(fn, x, 128, 32, align=4)
    border = 8
    return whole, np.abs(tiled - whole)[:, border:-border, border:-border], np.abs(naive - whole)[:, border:-border, border:-border]


def test_layer_norm_and_adain_take_part_in_statistics_sharing() -> None:
    net = _munit_translator()
    layers = norm_stats.statistic_layers(net)
    assert any(isinstance(layer, LayerNorm) for layer in layers)
    adain = [m for m in net.modules() if isinstance(m, AdaptiveInstanceNorm2d)]
    assert adain and all(m.instance_norm in layers for m in adain)
    # a captured LayerNorm holds the image's one mean and one (unbiased) deviation
    x = _smooth(64, 64)
    style = net.random_styles(1, 3)
    with torch.inference_mode():
        stats = norm_stats.capture(net, lambda: net(x, style))
    first_ln = next(layer for layer in layers if isinstance(layer, LayerNorm))
    mean, std = stats[first_ln]
    assert mean.shape == (1,) and std.shape == (1,)


@torch.inference_mode()
def test_munit_tiled_equals_whole_with_a_fixed_style() -> None:
    net = _munit_translator()
    style = net.random_styles(1, seed=7)
    x = _smooth(160, 200)
    whole, error, naive = _errors(net, lambda t: net(t, style), x)
    # 128 px tiles, 32 px overlap, outputs in [-1, 1]. Measured: mean 1.6e-4, 99th percentile 2.9e-3, max 8.7e-3;
    # per-tile statistics (naive): mean 0.022. What remains is receptive-field effects at the tile borders (MUNIT's
    # decoder sees further than CycleGAN's: 64 px tiles with 48 px overlap gave mean 3.6e-3).
    assert error.mean() < 5e-4 and np.percentile(error, 99) < 0.008, (error.mean(), np.percentile(error, 99))
    assert naive.mean() > 20 * error.mean()
    # patches removed afterwards: the whole-image run is unchanged
    torch.testing.assert_close(run_whole(lambda t: net(t, style), x, 4)[0], torch.from_numpy(whole))


@torch.inference_mode()
def test_unit_tiled_equals_whole() -> None:
    net = _unit_translator()
    x = _smooth(160, 200)
    whole, error, naive = _errors(net, net, x)
    # measured: mean 2.4e-4, 99th percentile 4.3e-3, max 0.014; naive per-tile statistics: mean 0.015
    assert error.mean() < 5e-4 and np.percentile(error, 99) < 0.008, (error.mean(), np.percentile(error, 99))
    assert naive.mean() > 20 * error.mean()
