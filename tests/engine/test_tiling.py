"""Tiled inference: tile layout, blending windows, and agreement with whole-image inference."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from ganstudio.engine import norm_stats
from ganstudio.engine.tiling import padded_length, pad_reflect, plan_tiles, ramp, run_tiled, run_whole, tile_starts
from ganstudio.models.cyclegan import ResnetGenerator
from ganstudio.models.pix2pix import UnetGenerator


def test_tile_starts_cover_the_length_on_the_grid_with_enough_overlap() -> None:
    length = padded_length(203, 64, 4)
    starts = tile_starts(length, 64, 16, 4)
    assert starts[0] == 0 and starts[-1] + 64 == length
    assert all(s % 4 == 0 for s in starts)
    assert all(b - a <= 64 - 16 + 2 for a, b in zip(starts, starts[1:]))
    assert tile_starts(50, 64, 16, 4) == [0]


def test_blending_windows_are_a_partition_of_unity() -> None:
    for overlap in (1, 7, 16, 33):
        r = ramp(overlap)
        np.testing.assert_allclose(r + r[::-1], 1.0, atol=1e-12)
    tiles = plan_tiles(padded_length(150, 64, 4), padded_length(170, 64, 4), 64, 16, 4)
    total = np.zeros((padded_length(150, 64, 4), padded_length(170, 64, 4)))
    for t in tiles:
        total[t.y : t.y + 64, t.x : t.x + 64] += np.outer(t.weight_y, t.weight_x)
    np.testing.assert_allclose(total, 1.0, atol=1e-5)


def test_reflect_padding_grows_small_images_in_rounds() -> None:
    x = torch.arange(6.0).view(1, 1, 2, 3)
    padded = pad_reflect(x, 9, 10)
    assert padded.shape == (1, 1, 9, 10)
    torch.testing.assert_close(padded[..., :2, :3], x)
    assert pad_reflect(torch.ones(1, 1, 1, 1), 4, 4).shape == (1, 1, 4, 4)


def _smooth(h: int, w: int) -> torch.Tensor:
    torch.manual_seed(1)
    return torch.nn.functional.interpolate(torch.rand(1, 3, h // 8, w // 8) * 2 - 1, size=(h, w), mode="bilinear", align_corners=False)


@torch.inference_mode()
def test_instance_norm_network_tiled_equals_untiled_away_from_borders_without_seams() -> None:
    """CycleGAN (InstanceNorm): with whole-image statistics shared by the tiles, tiling only
    differs by receptive-field effects; per-tile statistics (the naive way) differ much more."""
    torch.manual_seed(0)
    net = ResnetGenerator(ngf=8, n_blocks=1).eval()
    x = _smooth(160, 200)
    whole = run_whole(net, x, 4)[0].numpy()
    stats = norm_stats.capture(net, lambda: run_whole(net, x, 4))
    assert len(stats) == len(norm_stats.statistic_layers(net)) > 0
    with norm_stats.frozen(net, stats):
        tiled = run_tiled(net, x, 64, 48, align=4)
    naive = run_tiled(net, x, 64, 48, align=4)
    border = 8
    error = np.abs(tiled - whole)[:, border:-border, border:-border]
    naive_error = np.abs(naive - whole)[:, border:-border, border:-border]
    # stated tolerance (outputs in [-1, 1]; one 8-bit level is 0.0078): mean < 0.002, 99th percentile < 0.01.
    # Random weights are far more sensitive to the tiles' reflected borders than trained ones.
    assert error.mean() < 0.002 and np.percentile(error, 99) < 0.01
    assert naive_error.mean() > 5 * error.mean()
    # no seams: the difference from the untiled result changes smoothly from pixel to pixel
    diff = (tiled - whole)[:, border:-border, border:-border]
    assert max(np.abs(np.diff(diff, axis=1)).max(), np.abs(np.diff(diff, axis=2)).max()) < 0.03
    # the patched layers are restored afterwards
    torch.testing.assert_close(run_whole(net, x, 4)[0], torch.from_numpy(whole))


@torch.inference_mode()
def test_batchnorm_unet_tiles_agree_closely() -> None:
    torch.manual_seed(0)
    net = UnetGenerator(ngf=4, num_downs=5).eval()
    x = _smooth(128, 160)
    whole = run_whole(net, x, 32)[0].numpy()
    assert not norm_stats.statistic_layers(net)  # eval BatchNorm: nothing to share
    tiled = run_tiled(net, x, 64, 32, align=32)
    error = np.abs(tiled - whole)[:, 8:-8, 8:-8]
    assert error.max() < 0.01


def test_reference_test_mode_batchnorm_counts_as_input_statistics() -> None:
    net = UnetGenerator(ngf=4, num_downs=5)
    net.set_reference_test_mode(True)
    assert norm_stats.statistic_layers(net)
    net.set_reference_test_mode(False)
    assert not norm_stats.statistic_layers(net)


def test_overlap_must_leave_a_stride() -> None:
    with pytest.raises(ValueError, match="smaller than the tile"):
        tile_starts(200, 64, 64)
