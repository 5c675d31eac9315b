"""JobRunner: a job finds its model and session, runs under the device policy, returns numpy."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Mapping

import numpy as np
import pytest
import torch
import torch.nn as nn

from ganstudio.checkpoints import CheckpointError, LoadedModel
from ganstudio.engine.device import OutOfDeviceMemory
from ganstudio.engine.jobs import BatchJob, Job, Progress
from ganstudio.engine.model_cache import ModelCache
from ganstudio.engine.runner import JobRunner, resolve_session
from ganstudio.engine.session import CancelToken, Cancelled, RunContext, Session, array_key, plain


class EdgeNet(nn.Module):
    """A real (tiny) image-to-image network: one 3x3 convolution."""

    def __init__(self) -> None:
        super().__init__()
        self.config: dict[str, Any] = {}
        self.conv = nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.conv(image)


def load_edge_net(path: str, device: str = "cpu", **hints: Any) -> LoadedModel:
    module = EdgeNet()
    module.load_state_dict(torch.load(path, weights_only=True))
    return LoadedModel("cyclegan_resnet", {}, module, {})


@dataclass(frozen=True, kw_only=True, eq=False)
class FilterJob(Job):
    image: np.ndarray  # (H, W, 3) float32
    oom_at_full_size: bool = False
    oom_when_tiled: bool = False

    session: ClassVar[Any] = f"{__name__}:FilterSession"  # resolved lazily, like the app's jobs
    title: ClassVar[str] = "Filter"


def fake_cuda_oom() -> torch.cuda.OutOfMemoryError:
    return torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 3.00 GiB")


class FilterSession(Session):
    """Runs the EdgeNet; "tiled" runs it on two overlapping halves (same result)."""

    lower_cost_label = "tiled"

    def run(self, job: FilterJob, ctx: RunContext) -> Mapping[str, Any]:
        if self.runtime.device.type != "cpu" or job.oom_at_full_size:
            raise fake_cuda_oom()  # the stand-in "GPU" (meta device) never has memory
        image = self._input(job)
        return {"image": self.model.module(image)[0], "mean": self._mean(job), "on": self.runtime.device.type}

    def run_lower_cost(self, job: FilterJob, ctx: RunContext) -> Mapping[str, Any]:
        if self.runtime.device.type != "cpu" or job.oom_when_tiled:
            raise fake_cuda_oom()
        image = self._input(job)
        half = image.shape[2] // 2
        top = self.model.module(image[:, :, : half + 1])[:, :, :half]  # one row of halo for the 3x3 kernel
        bottom = self.model.module(image[:, :, half - 1 :])[:, :, 1:]
        return {"image": torch.cat([top, bottom], dim=2)[0], "mean": self._mean(job), "on": "tiles"}

    def _input(self, job: FilterJob) -> torch.Tensor:
        return self.runtime.tensor(job.image.transpose(2, 0, 1)[None])

    def _mean(self, job: FilterJob) -> float:
        # an invariant worth caching per input (stands in for ws / style codes)
        return self.cached("mean", array_key(job.image), lambda: float(job.image.mean()))


@dataclass(frozen=True, kw_only=True, eq=False)
class CountJob(BatchJob):
    images: int


class CountSession(Session):
    def run(self, job: CountJob, ctx: RunContext) -> Mapping[str, Any]:
        for index in range(job.images):
            ctx.step(index + 1, job.images, f"image {index + 1} of {job.images}")
        return {"count": job.images}


CountJob.session = CountSession  # a class works as well as a dotted path


@pytest.fixture
def model_file(tmp_path: Path) -> str:
    torch.manual_seed(0)
    path = tmp_path / "edges.pth"
    torch.save(EdgeNet().state_dict(), path)
    return os.fspath(path)


@pytest.fixture
def runner() -> JobRunner:
    return JobRunner(device="cpu", cache=ModelCache(load_edge_net, capacity=2))


def image(seed: int = 0, size: int = 8) -> np.ndarray:
    return np.random.default_rng(seed).random((size, size, 3), dtype=np.float32)


def reference(model_file: str, picture: np.ndarray) -> np.ndarray:
    net = load_edge_net(model_file).module
    with torch.no_grad():
        return net(torch.from_numpy(picture.transpose(2, 0, 1)[None].copy()))[0].numpy()


def test_a_job_runs_on_its_model_and_returns_numpy(runner: JobRunner, model_file: str) -> None:
    picture = image()
    job = FilterJob(channel="canvas", revision=7, model_path=model_file, image=picture)
    result = runner.run(job)
    assert (result.job_id, result.channel, result.revision, result.note) == (job.job_id, "canvas", 7, "")
    assert isinstance(result.outputs["image"], np.ndarray) and result.outputs["image"].dtype == np.float32
    np.testing.assert_allclose(result.outputs["image"], reference(model_file, picture), rtol=1e-5, atol=1e-6)
    assert result.elapsed_ms > 0 and result.device.startswith("CPU")


def test_sessions_and_their_invariants_live_across_jobs(runner: JobRunner, model_file: str, tmp_path: Path) -> None:
    picture = image()
    runner.run(FilterJob(channel="canvas", model_path=model_file, image=picture))
    session = runner._sessions[next(iter(runner._sessions))]
    calls: list[int] = []
    original = session.cached
    session.cached = lambda name, key, compute: original(name, key, lambda: calls.append(1) or compute())  # type: ignore[method-assign]
    runner.run(FilterJob(channel="canvas", model_path=model_file, image=picture))
    assert calls == []  # the invariant came from the cache
    assert len(runner._sessions) == 1
    other = tmp_path / "other.pth"
    torch.save(EdgeNet().state_dict(), other)
    runner.run(FilterJob(channel="canvas", model_path=os.fspath(other), image=picture))
    assert len(runner._sessions) == 2  # one session per model


def test_a_job_without_a_session_or_model_says_so(runner: JobRunner, tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="Job names no Session"):
        runner.run(Job(channel="canvas"))
    with pytest.raises(TypeError, match="names no Session"):
        resolve_session(type("Odd", (Job,), {"session": "ganstudio.engine.jobs:Result"})(channel="x"))
    with pytest.raises(CheckpointError, match="gone.pth: file not found"):
        JobRunner(device="cpu").run(FilterJob(channel="canvas", model_path=os.fspath(tmp_path / "gone.pth"), image=image()))


def test_batch_progress_and_cooperative_cancel(runner: JobRunner) -> None:
    job = CountJob(channel="convert", images=10)
    token = CancelToken()
    seen: list[Progress] = []

    def report(progress: Progress) -> None:
        seen.append(progress)
        if progress.done == 3:
            token.cancel()  # the user presses Cancel during image 3

    assert runner.run(job, RunContext(job, CancelToken(), seen.append)).outputs == {"count": 10}
    assert [p.done for p in seen] == list(range(1, 11)) and seen[-1].fraction == 1.0
    seen.clear()
    with pytest.raises(Cancelled):
        runner.run(job, RunContext(job, token, report))
    assert [p.done for p in seen] == [1, 2, 3] and seen[0].message == "image 1 of 10"


def test_oom_retries_tiled_with_the_same_result(runner: JobRunner, model_file: str) -> None:
    picture = image(size=10)
    result = runner.run(FilterJob(channel="canvas", model_path=model_file, image=picture, oom_at_full_size=True))
    assert result.outputs["on"] == "tiles" and result.note == "CPU out of memory: ran tiled instead"
    np.testing.assert_allclose(result.outputs["image"], reference(model_file, picture), rtol=1e-5, atol=1e-6)
    with pytest.raises(OutOfDeviceMemory, match="the full job, then tiled"):
        runner.run(FilterJob(channel="canvas", model_path=model_file, image=picture, oom_at_full_size=True, oom_when_tiled=True))


def test_gpu_oom_falls_back_to_a_cpu_copy_and_stays_there(model_file: str) -> None:
    loader_calls: list[str] = []

    def counting_loader(path: str, device: str = "cpu", **hints: Any) -> LoadedModel:
        loader_calls.append(path)
        return load_edge_net(path)

    runner = JobRunner(device="cpu", cache=ModelCache(counting_loader, capacity=2))
    runner.device = torch.device("meta")  # stands in for a GPU that is always out of memory
    picture = image()
    result = runner.run(FilterJob(channel="canvas", model_path=model_file, image=picture))
    assert result.note == "GPU out of memory: ran on the CPU instead (slower)"
    assert result.outputs["on"] == "cpu" and result.device.startswith("CPU")
    np.testing.assert_allclose(result.outputs["image"], reference(model_file, picture), rtol=1e-5, atol=1e-6)
    assert [key[2] for key in runner.cache.keys()] == ["cpu"]  # the "GPU" copy was given back
    again = runner.run(FilterJob(channel="canvas", model_path=model_file, image=picture))
    assert again.note == "" and again.outputs["on"] == "cpu" and len(loader_calls) == 2
    runner.load(model_file)  # loading the model anew tries the chosen device again
    assert [key[2] for key in runner.cache.keys()][-1] == "meta"


def test_load_describes_the_model_and_remembers_hints(runner: JobRunner, model_file: str) -> None:
    info = runner.load(model_file, {"preset": "ade20k"})
    assert info["arch"] == "cyclegan_resnet" and info["path"] == model_file
    runner.run(FilterJob(channel="canvas", model_path=model_file, image=image()))
    assert len(runner.cache) == 1  # the job found the model loaded with the same hints


def test_plain_turns_nested_tensors_into_numpy() -> None:
    value = plain({"a": torch.ones(2, dtype=torch.float16), "b": [torch.zeros(1, dtype=torch.int64), 3], "c": "x"})
    assert value["a"].dtype == np.float32 and value["b"][0].dtype == np.int64 and value["b"][1] == 3 and value["c"] == "x"


@dataclass(frozen=True, kw_only=True, eq=False)
class SweepJob(BatchJob):
    """A batch job whose steps let an interactive job on the same session and model run."""

    image: np.ndarray
    seen: list

    title: ClassVar[str] = "Sweep"


@dataclass(frozen=True, kw_only=True, eq=False)
class PeekJob(Job):
    seen: list


class SweepSession(Session):
    def run(self, job: Job, ctx: RunContext) -> Mapping[str, Any]:
        job.seen.append(id(self))
        if isinstance(job, SweepJob):
            ctx.step(1, 2)
            job.seen.append(id(self))
        return {"ok": True}


SweepJob.session = PeekJob.session = SweepSession


def test_a_job_between_batch_steps_never_reenters_the_running_session(runner: JobRunner, model_file: str) -> None:
    seen: list[int] = []
    peek = PeekJob(channel="canvas", model_path=model_file, seen=seen)
    batch = SweepJob(channel="convert", model_path=model_file, image=image(), seen=seen)
    runner.run(batch, RunContext(batch, between_steps=lambda: runner.run(peek)))
    batch_session, nested_session, batch_again = seen
    assert batch_session == batch_again and nested_session != batch_session
    runner.run(peek)  # afterwards the cached session serves again
    assert seen[-1] == batch_session


def test_a_model_first_loaded_inside_another_jobs_inference_mode_still_runs(tmp_path) -> None:
    """Interactive jobs run between a batch job's steps, inside its inference mode; a model loaded then must work later."""
    import torch

    from ganstudio.checkpoints import save_model
    from ganstudio.engine.painting import PaintJob
    from ganstudio.engine.runner import JobRunner
    from ganstudio.models.spade import SPADEGenerator

    torch.manual_seed(0)
    path = tmp_path / "spectral-spade.safetensors"
    save_model(SPADEGenerator(label_nc=3, ngf=4, crop_size=32), path)  # spectral norm folds a cached weight
    runner = JobRunner(device="cpu", threads=1)
    labels = np.zeros((32, 32), np.uint8)
    with torch.inference_mode():  # as inside a batch job's step
        first = runner.run(PaintJob(labels=labels, model_path=str(path))).outputs["image"]
    again = runner.run(PaintJob(labels=labels, model_path=str(path))).outputs["image"]
    assert np.array_equal(first, again)
