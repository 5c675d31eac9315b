"""Perceptual path length (trainer/evaluation/ppl.py): exact values on generators whose answer is known."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from trainer.evaluation import ppl

Z_DIM = 6


def identity(x: torch.Tensor) -> torch.Tensor:
    return x


def flatten(images: torch.Tensor) -> torch.Tensor:
    return images.reshape(len(images), -1)


def linear_synthesis(matrix: torch.Tensor):
    """ws [B, Z_DIM] -> images [B, 3, 2, 2] = A w: the path distance of a pair is |A (w1 - w0)|^2 exactly."""
    return lambda w: (w.double() @ matrix.T).reshape(len(w), 3, 2, 2)


def drawn_pairs(count: int, batch: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """The z pairs path_distances draws (end-point sampling draws nothing else)."""
    rng = torch.Generator().manual_seed(seed)
    z0, z1 = [], []
    for start in range(0, count, batch):
        n = min(batch, count - start)
        z = torch.randn(2 * n, Z_DIM, generator=rng)
        z0.append(z[:n])
        z1.append(z[n:])
    return torch.cat(z0), torch.cat(z1)


def test_linear_generator_in_w_gives_the_known_distances() -> None:
    torch.manual_seed(1)
    matrix = torch.randn(12, Z_DIM, dtype=torch.float64)
    d = ppl.path_distances(identity, linear_synthesis(matrix), flatten, Z_DIM, 200, batch=64)
    z0, z1 = drawn_pairs(200, 64)
    expected = ((z1 - z0).double() @ matrix.T).square().sum(dim=1).numpy()
    # float32 lerp steps of 1e-4: the difference keeps ~3 significant digits
    np.testing.assert_allclose(d, expected, rtol=2e-3)
    lo, hi = np.percentile(expected, 1, method="lower"), np.percentile(expected, 99, method="higher")
    trimmed = expected[(expected >= lo) & (expected <= hi)]
    assert len(trimmed) == 198  # 1st/99th percentiles of 200: the smallest and the largest pair dropped
    assert ppl.trimmed_mean(d) == pytest.approx(trimmed.mean(), rel=2e-3)


def test_linear_generator_matches_the_expectation_over_many_pairs() -> None:
    # E|A (w1 - w0)|^2 = 2 tr(A^T A) for standard normal w: the trimmed mean lands close to it
    matrix = torch.eye(Z_DIM, dtype=torch.float64)[:3] * 0.5
    value = ppl.perceptual_path_length(identity, linear_synthesis(torch.cat([matrix, torch.zeros(9, Z_DIM, dtype=torch.float64)])),
                                       flatten, Z_DIM, 4000, batch=500)
    assert value == pytest.approx(2 * 3 * 0.25, rel=0.08)


def test_constant_generator_has_zero_ppl_in_w_and_z() -> None:
    def constant(w: torch.Tensor) -> torch.Tensor:
        return torch.ones(len(w), 3, 4, 4)

    for space in ("w", "z"):
        assert ppl.perceptual_path_length(identity, constant, flatten, Z_DIM, 32, space=space) == 0.0


def test_ppl_scales_with_the_square_of_the_generator_and_grows_with_a_rougher_one() -> None:
    torch.manual_seed(2)
    matrix = torch.randn(12, Z_DIM, dtype=torch.float64)
    base = ppl.perceptual_path_length(identity, linear_synthesis(matrix), flatten, Z_DIM, 64)
    scaled = ppl.perceptual_path_length(identity, linear_synthesis(3 * matrix), flatten, Z_DIM, 64)
    assert scaled == pytest.approx(9 * base, rel=1e-2)

    # a synthesis that wiggles fast along w is perceptually longer than a smooth one of the same range
    def smooth(w: torch.Tensor) -> torch.Tensor:
        return torch.sin(w.double() @ matrix.T * 0.1).reshape(len(w), 3, 2, 2)

    def rough(w: torch.Tensor) -> torch.Tensor:
        return torch.sin(w.double() @ matrix.T * 10.0).reshape(len(w), 3, 2, 2)

    assert ppl.perceptual_path_length(identity, rough, flatten, Z_DIM, 64) > 100 * ppl.perceptual_path_length(identity, smooth, flatten, Z_DIM, 64)


def test_z_space_uses_slerp() -> None:
    a, b = torch.randn(5, Z_DIM), torch.randn(5, Z_DIM)
    mid = ppl.slerp(a, b, 0.5)
    assert torch.allclose(mid.norm(dim=1), torch.ones(5), atol=1e-5)  # stays on the unit sphere
    assert torch.allclose(ppl.slerp(a, b, 0.0), a / a.norm(dim=1, keepdim=True), atol=1e-5)
    assert torch.allclose(ppl.slerp(a, b, 1.0), b / b.norm(dim=1, keepdim=True), atol=1e-4)
    # in Z a linear generator's end-point distance is |A d(slerp)/dt|^2 at t = 0: finite and positive
    matrix = torch.randn(12, Z_DIM, dtype=torch.float64)
    d = ppl.path_distances(identity, linear_synthesis(matrix), flatten, Z_DIM, 16, space="z")
    assert np.all(np.isfinite(d)) and np.all(d > 0)


def test_stylegan2_generator_ppl_runs_and_is_deterministic() -> None:
    from ganstudio.models.stylegan2 import Generator

    torch.manual_seed(0)
    g = Generator(z_dim=4, c_dim=0, w_dim=4, img_resolution=8, img_channels=3, mapping_kwargs={"num_layers": 1},
                  synthesis_kwargs={"channel_base": 32, "channel_max": 4}).eval()
    first = ppl.generator_ppl(g, flatten, 8, batch=4)
    assert np.isfinite(first) and first > 0
    assert ppl.generator_ppl(g, flatten, 8, batch=4) == first
