"""Projection of an image into a tiny random StyleGAN2's latent space: quality bound, cancel, determinism, shapes, bad inputs."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from stylegan_models import save_tiny_stylegan2, tiny_stylegan2

from ganstudio.engine import projection as P
from ganstudio.engine.jobs import Progress
from ganstudio.engine.runner import JobRunner
from ganstudio.engine.session import Cancelled, CancelToken, RunContext
from ganstudio.models.stylegan2 import z_from_seed


@pytest.fixture(scope="module", autouse=True)
def one_thread() -> object:
    """One torch thread, as the worker uses on a 2-core machine: two threads on a busy 2-core
    machine made these steps ~15x slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def gen() -> torch.nn.Module:
    return tiny_stylegan2(seed=3).eval()


def own_image(gen: torch.nn.Module, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """(image, ws) the generator draws from a known seed."""
    with torch.no_grad():
        ws = gen.mapping(torch.from_numpy(z_from_seed(seed, gen.z_dim)).float(), None)
        return P.to_uint8(gen.synthesis(ws, noise_mode="const")), ws[0].numpy()


def test_projection_of_its_own_image_reaches_the_bound(gen: torch.nn.Module) -> None:
    target, _ = own_image(gen)
    start = P.psnr(P.to_uint8(gen.synthesis(gen.mapping.w_avg[None, None].expand(1, gen.num_ws, -1), noise_mode="const")), target)
    seen: list[P.ProjectionStep] = []
    result = P.project(gen, target, P.ProjectionSettings(steps=150, preview_every=50), on_step=seen.append)
    assert result.psnr >= 18.0, result.psnr  # a random-weight net saturates; ~20 dB measured
    assert result.psnr > start + 5
    assert [s.step for s in seen] == list(range(1, 151))
    assert [s.step for s in seen if s.preview is not None] == [50, 100, 150]
    assert result.ws.shape == (gen.num_ws, gen.w_dim)
    assert np.allclose(result.ws, result.ws[0])  # W: one w for every layer
    assert result.psnr == pytest.approx(result.psnr_const_noise)


def test_w_plus_and_noise(gen: torch.nn.Module) -> None:
    target, _ = own_image(gen, seed=11)
    result = P.project(gen, target, P.ProjectionSettings(steps=40, w_plus=True, optimize_noise=True))
    assert result.ws.shape == (gen.num_ws, gen.w_dim)
    assert not np.allclose(result.ws, result.ws[0])
    assert len(result.noise) == len(gen.noise_layer_names)
    for buf in result.noise.values():  # renormalised after every step
        assert abs(float(buf.mean())) < 1e-4 and float(buf.std()) == pytest.approx(1.0, abs=0.05)
    # the model itself is untouched
    fresh = tiny_stylegan2(seed=3)
    for (name, a), (_, b) in zip(gen.synthesis.named_buffers(), fresh.synthesis.named_buffers()):
        assert torch.equal(a, b), name
    assert all(p.grad is None for p in gen.parameters())


def test_deterministic_given_a_seed(gen: torch.nn.Module) -> None:
    target, _ = own_image(gen, seed=5)
    a = P.project(gen, target, P.ProjectionSettings(steps=12, seed=4))
    b = P.project(gen, target, P.ProjectionSettings(steps=12, seed=4))
    c = P.project(gen, target, P.ProjectionSettings(steps=12, seed=5))
    assert np.array_equal(a.ws, b.ws)
    assert not np.array_equal(a.ws, c.ws)


def test_encoder_start(gen: torch.nn.Module) -> None:
    target, ws = own_image(gen, seed=9)

    class StandIn(torch.nn.Module):
        """Images [B,3,H,W] -> ws [B,num_ws,w_dim]: here the true ws, as a perfect encoder would give."""

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.from_numpy(ws)[None].expand(x.shape[0], -1, -1)

    result = P.project(gen, target, P.ProjectionSettings(steps=3, w_plus=True, learning_rate=1e-4, w_noise_factor=0.0),
                       encoder=StandIn())
    assert result.psnr > 40
    wrong = lambda x: torch.zeros(1, 3, 5)  # noqa: E731
    with pytest.raises(ValueError, match="encoder gives shape"):
        P.project(gen, target, P.ProjectionSettings(steps=1), encoder=wrong)
    with pytest.raises(ValueError, match="does not map images to ws"):
        P.project(gen, target, P.ProjectionSettings(steps=1), encoder=gen)  # a generator file given as the encoder


def test_bad_targets(gen: torch.nn.Module) -> None:
    with pytest.raises(ValueError, match="crop it first"):
        P.project(gen, np.zeros((16, 16, 3), np.uint8), P.ProjectionSettings(steps=1))
    with pytest.raises(ValueError, match="RGB uint8"):
        P.project(gen, np.zeros((32, 32, 3), np.float32), P.ProjectionSettings(steps=1))
    with pytest.raises(ValueError):
        P.ProjectJob(target=np.zeros((32, 32), np.uint8))
    with pytest.raises(ValueError):
        P.ProjectJob(target=np.zeros((32, 32, 3), np.uint8), steps=0)


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_stylegan2(tmp_path_factory.mktemp("proj") / "tiny.safetensors", seed=3)


def test_job_through_the_runner_reports_previews(model_file: Path, gen: torch.nn.Module) -> None:
    runner = JobRunner(device="cpu")
    box = P.PreviewBox()
    target, _ = own_image(gen)
    job = P.ProjectJob(target=target, steps=20, preview_every=10, previews=box, model_path=str(model_file))
    seen: list[Progress] = []
    result = runner.run(job, RunContext(job, report=seen.append))
    assert [p.done for p in seen] == list(range(1, 21))
    assert "PSNR" in seen[-1].message
    step, image = box.take()
    assert step == 20 and image.shape == (32, 32, 3)
    assert box.take() is None
    assert result.outputs["ws"].shape == (gen.num_ws, gen.w_dim)
    assert result.outputs["psnr"] > 10


def test_cancel_stops_within_one_step(model_file: Path, gen: torch.nn.Module) -> None:
    runner = JobRunner(device="cpu")
    target, _ = own_image(gen)
    token = CancelToken()
    job = P.ProjectJob(target=target, steps=500, model_path=str(model_file))
    seen: list[int] = []

    def report(progress: Progress) -> None:
        seen.append(progress.done)
        if progress.done == 3:
            token.cancel()

    with pytest.raises(Cancelled):
        runner.run(job, RunContext(job, cancel=token, report=report))
    assert seen == [1, 2, 3]


def test_a_model_without_a_latent_space_is_refused(tmp_path: Path) -> None:
    from translation_models import save_pix2pix

    path = save_pix2pix(tmp_path / "p2p.safetensors")
    runner = JobRunner(device="cpu")
    job = P.ProjectJob(target=np.zeros((32, 32, 3), np.uint8), steps=2, model_path=str(path))
    with pytest.raises(ValueError, match="no latent space"):
        runner.run(job)
