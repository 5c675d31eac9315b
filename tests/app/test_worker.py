"""The inference worker thread and its controller, driven through their signals."""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Mapping

import numpy as np
import pytest
import torch
import torch.nn as nn

from ganstudio.app.inference import InferenceController
from ganstudio.checkpoints import LoadedModel
from ganstudio.engine.jobs import BatchJob, Job, Result
from ganstudio.engine.model_cache import ModelCache
from ganstudio.engine.runner import JobRunner
from ganstudio.engine.session import RunContext, Session

TIMEOUT_MS = 10_000


@dataclass(frozen=True, kw_only=True, eq=False)
class DoubleJob(Job):
    """Doubles `value` with a real tensor op; can wait on a gate, log its run, or fail."""

    value: np.ndarray
    log: list | None = None
    gate: threading.Event | None = None
    error: str = ""

    session: ClassVar[Any] = f"{__name__}:DoubleSession"
    title: ClassVar[str] = "Doubling"


class DoubleSession(Session):
    def run(self, job: DoubleJob, ctx: RunContext) -> Mapping[str, Any]:
        if job.log is not None:
            job.log.append(job.job_id)
        if job.gate is not None:
            job.gate.wait(TIMEOUT_MS / 1000)
        if job.error:
            raise ValueError(job.error)
        return {"value": self.runtime.tensor(job.value) * 2}


@dataclass(frozen=True, kw_only=True, eq=False)
class ConvertFolderJob(BatchJob):
    images: int
    pause_at: int = -1  # waits on `gate` before this image
    gate: threading.Event | None = None

    session: ClassVar[Any] = f"{__name__}:ConvertFolderSession"


class ConvertFolderSession(Session):
    def run(self, job: ConvertFolderJob, ctx: RunContext) -> Mapping[str, Any]:
        for index in range(job.images):
            if index == job.pause_at and job.gate is not None:
                job.gate.wait(TIMEOUT_MS / 1000)
            ctx.step(index + 1, job.images, f"image {index + 1}")
        return {"converted": job.images}


class TinyTranslator(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.config: dict[str, Any] = {}
        self.conv = nn.Conv2d(3, 3, 1)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.conv(image)


def load_tiny(path: str, device: str = "cpu", **hints: Any) -> LoadedModel:
    module = TinyTranslator()
    module.load_state_dict(torch.load(path, weights_only=True))
    return LoadedModel("cyclegan_resnet", {}, module, {"provenance": {"trained": "test"}}, path=path)


@dataclass(frozen=True, kw_only=True, eq=False)
class TranslateJob(Job):
    image: np.ndarray

    session: ClassVar[Any] = f"{__name__}:GpuHungrySession"


class GpuHungrySession(Session):
    """Runs out of memory anywhere but on the CPU, like a too-large job on a small GPU."""

    def run(self, job: TranslateJob, ctx: RunContext) -> Mapping[str, Any]:
        if self.runtime.device.type != "cpu":
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 4.00 GiB")
        return {"image": self.model.module(self.runtime.tensor(job.image))}


def make_controller(runner_factory: Any = None) -> InferenceController:
    return InferenceController(runner_factory or (lambda: JobRunner(device="cpu")))


@pytest.fixture
def controller(qtbot):  # type: ignore[no-untyped-def]
    controller = make_controller()
    yield controller
    controller.shutdown()


def value(x: float = 1.0) -> np.ndarray:
    return np.full((2, 2), x, np.float32)


def test_the_device_is_reported_when_the_worker_starts(qtbot) -> None:  # type: ignore[no-untyped-def]
    controller = make_controller()
    try:
        # worker signals reach the controller through this thread's event loop, which has not run since
        with qtbot.waitSignal(controller.deviceReady, timeout=TIMEOUT_MS) as blocker:
            pass
        description, note = blocker.args
        assert description.startswith("CPU (") and note == ""
        assert controller.device_description == description and controller.running
    finally:
        controller.shutdown()


def test_latest_wins_under_load(qtbot, controller) -> None:  # type: ignore[no-untyped-def]
    ran: list[int] = []
    delivered: list[int] = []
    controller.resultReady.connect(lambda result: delivered.append(result.revision))
    gate = threading.Event()
    first = DoubleJob(channel="canvas", revision=0, value=value(), log=ran, gate=gate)
    with qtbot.waitSignal(controller.jobStarted, timeout=TIMEOUT_MS):
        controller.submit(first)
    # the first job is now running (held at its gate): 49 more arrive quickly
    jobs = [DoubleJob(channel="canvas", revision=revision, value=value(revision), log=ran) for revision in range(1, 50)]
    for job in jobs:
        controller.submit(job)
    assert controller.busy
    with qtbot.waitSignal(controller.busyChanged, timeout=TIMEOUT_MS, check_params_cb=lambda busy: not busy):
        gate.set()
    assert ran == [first.job_id, jobs[-1].job_id]  # only the first and the last ran
    assert delivered == [0, 49]


def test_results_are_numpy_and_carry_their_revision(qtbot, controller) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(controller.resultReady, timeout=TIMEOUT_MS) as blocker:
        job_id = controller.submit(DoubleJob(channel="canvas", revision=4, value=value(1.5)))
    result: Result = blocker.args[0]
    assert (result.job_id, result.channel, result.revision) == (job_id, "canvas", 4)
    assert isinstance(result.outputs["value"], np.ndarray)
    np.testing.assert_array_equal(result.outputs["value"], value(3.0))


def test_stale_revisions_are_dropped(qtbot, controller) -> None:  # type: ignore[no-untyped-def]
    delivered: list[int] = []
    controller.resultReady.connect(lambda result: delivered.append(result.revision))

    def run(job: Job) -> None:
        with qtbot.waitSignal(controller.busyChanged, timeout=TIMEOUT_MS, check_params_cb=lambda busy: not busy):
            controller.submit(job)

    run(DoubleJob(channel="canvas", revision=5, value=value()))
    run(DoubleJob(channel="canvas", revision=3, value=value()))  # answered after 5 was shown: stale
    run(DoubleJob(channel="latent", revision=1, value=value()))  # channels are independent
    run(DoubleJob(channel="canvas", revision=5, value=value()))  # the same revision again (e.g. full size after a preview)
    controller.discard_before("canvas", 8)  # e.g. a new document
    run(DoubleJob(channel="canvas", revision=7, value=value()))
    assert delivered == [5, 1, 5]
    assert controller.dropped_results == 2


def test_an_exception_is_reported_and_the_worker_keeps_working(qtbot, controller) -> None:  # type: ignore[no-untyped-def]
    bad = DoubleJob(channel="canvas", revision=1, value=value(), error="label 200 is not in the model's 151 classes")
    with qtbot.waitSignal(controller.failed, timeout=TIMEOUT_MS) as blocker:
        controller.submit(bad)
    job, message = blocker.args
    assert job is bad
    assert message == "Doubling failed: label 200 is not in the model's 151 classes"  # our words: no exception type
    with qtbot.waitSignal(controller.resultReady, timeout=TIMEOUT_MS) as blocker:
        controller.submit(DoubleJob(channel="canvas", revision=2, value=value(2.0)))
    np.testing.assert_array_equal(blocker.args[0].outputs["value"], value(4.0))


def test_batch_progress_and_cancel_midway(qtbot, controller) -> None:  # type: ignore[no-untyped-def]
    gate = threading.Event()
    progress: list[tuple[int, int, str]] = []
    controller.progress.connect(lambda job_id, done, total, message: progress.append((done, total, message)))
    job = ConvertFolderJob(channel="convert", images=20, pause_at=5, gate=gate)
    with qtbot.waitSignal(controller.progress, timeout=TIMEOUT_MS, check_params_cb=lambda job_id, done, total, message: done == 5):
        controller.submit(job)
    with qtbot.waitSignal(controller.cancelled, timeout=TIMEOUT_MS) as blocker:
        assert controller.cancel(job.job_id)
        gate.set()
    assert blocker.args[0] is job
    assert progress == [(done, 20, f"image {done}") for done in range(1, 6)]
    qtbot.waitUntil(lambda: not controller.busy, timeout=TIMEOUT_MS)
    assert not controller.cancel(job.job_id)  # already over


def test_a_waiting_batch_job_can_be_cancelled_before_it_starts(qtbot, controller) -> None:  # type: ignore[no-untyped-def]
    gate = threading.Event()
    with qtbot.waitSignal(controller.jobStarted, timeout=TIMEOUT_MS):
        controller.submit(DoubleJob(channel="canvas", value=value(), gate=gate))
    queued = ConvertFolderJob(channel="convert", images=3)
    controller.submit(queued)
    with qtbot.waitSignal(controller.cancelled, timeout=TIMEOUT_MS) as blocker:
        controller.cancel(queued.job_id)
    assert blocker.args[0] is queued
    with qtbot.waitSignal(controller.busyChanged, timeout=TIMEOUT_MS, check_params_cb=lambda busy: not busy):
        gate.set()


def test_interactive_jobs_run_between_the_steps_of_a_batch_job(qtbot, controller) -> None:  # type: ignore[no-untyped-def]
    gate = threading.Event()
    order: list[str] = []
    controller.resultReady.connect(lambda result: order.append(result.channel))
    batch = ConvertFolderJob(channel="convert", images=4, pause_at=2, gate=gate)
    with qtbot.waitSignal(controller.progress, timeout=TIMEOUT_MS, check_params_cb=lambda job_id, done, total, message: done == 2):
        controller.submit(batch)
    controller.submit(DoubleJob(channel="canvas", value=value()))  # the user paints during a folder conversion
    with qtbot.waitSignal(controller.busyChanged, timeout=TIMEOUT_MS, check_params_cb=lambda busy: not busy):
        gate.set()
    assert order == ["canvas", "convert"]


def test_gpu_out_of_memory_falls_back_to_cpu_and_says_so(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "horse2zebra.pth"
    torch.save(TinyTranslator().state_dict(), path)

    def gpu_runner() -> JobRunner:
        runner = JobRunner(device="cpu", cache=ModelCache(load_tiny))
        runner.device = torch.device("meta")  # stands in for a GPU without enough memory
        return runner

    controller = make_controller(gpu_runner)
    try:
        image = np.ones((1, 3, 4, 4), np.float32)
        with qtbot.waitSignal(controller.resultReady, timeout=TIMEOUT_MS) as blocker:
            controller.submit(TranslateJob(channel="convert", model_path=os.fspath(path), image=image))
        result: Result = blocker.args[0]
        assert result.note == "GPU out of memory: ran on the CPU instead (slower)"
        assert result.device.startswith("CPU") and result.outputs["image"].shape == (1, 3, 4, 4)
    finally:
        controller.shutdown()


def test_model_loaded_reports_plain_info(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "tiny.pth"
    torch.save(TinyTranslator().state_dict(), path)
    controller = make_controller(lambda: JobRunner(device="cpu", cache=ModelCache(load_tiny)))
    try:
        with qtbot.waitSignal(controller.modelLoaded, timeout=TIMEOUT_MS) as blocker:
            controller.load_model(path)
        info = blocker.args[0]
        assert info["arch"] == "cyclegan_resnet" and info["name"] == "tiny.pth" and info["parameters"] == 12
        assert info["provenance"] == {"trained": "test"} and info["device"].startswith("CPU")
    finally:
        controller.shutdown()


def test_model_load_failure_names_the_file_and_the_problem(qtbot, controller, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "broken.pth"
    broken.write_bytes(b"\x00" * 64)
    with qtbot.waitSignal(controller.modelFailed, timeout=TIMEOUT_MS) as blocker:
        controller.load_model(broken)
    path, message = blocker.args
    assert path == os.fspath(broken) and message.startswith("broken.pth: unrecognised file format")
    with qtbot.waitSignal(controller.modelFailed, timeout=TIMEOUT_MS) as blocker:
        controller.load_model(tmp_path / "missing.safetensors")
    assert blocker.args[1] == "missing.safetensors: file not found"
    # a job on a model that cannot load fails with the same cause, and the worker goes on
    with qtbot.waitSignal(controller.failed, timeout=TIMEOUT_MS) as blocker:
        controller.submit(TranslateJob(channel="convert", model_path=os.fspath(broken), image=np.zeros((1, 3, 2, 2), np.float32)))
    assert "cannot load the model: broken.pth: unrecognised file format" in blocker.args[1]
    with qtbot.waitSignal(controller.resultReady, timeout=TIMEOUT_MS):
        controller.submit(DoubleJob(channel="canvas", value=value()))


def test_shutdown_stops_a_running_batch_job_and_the_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    controller = make_controller()
    endless = ConvertFolderJob(channel="convert", images=10**9)
    with qtbot.waitSignal(controller.progress, timeout=TIMEOUT_MS):
        controller.submit(endless)
    controller.shutdown()
    assert not controller.running and not controller.busy
    controller.shutdown()  # a second call is harmless
    controller.submit(DoubleJob(channel="canvas", value=value()))  # ignored after shutdown


def test_shutdown_right_after_start(qtbot) -> None:  # type: ignore[no-untyped-def]
    controller = make_controller()
    controller.shutdown()
    assert not controller.running


def test_destroying_the_owner_without_shutdown_still_stops_the_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    import shiboken6
    from PySide6.QtCore import QObject, Qt

    owner = QObject()
    controller = InferenceController(lambda: JobRunner(device="cpu"), parent=owner)
    thread = controller._thread
    finished: list[bool] = []  # the thread goes with its controller: note its end as it happens
    thread.finished.connect(lambda: finished.append(True), Qt.ConnectionType.DirectConnection)
    with qtbot.waitSignal(controller.deviceReady, timeout=TIMEOUT_MS):
        pass
    del controller
    shiboken6.delete(owner)  # e.g. the main window closed without calling shutdown()
    assert finished == [True]
    assert not shiboken6.isValid(thread)  # deleted after it stopped (Qt aborts on a running one)


def test_loads_of_different_models_do_not_replace_each_other(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    paths = [tmp_path / "painting.pth", tmp_path / "faces.pth"]
    for path in paths:
        torch.save(TinyTranslator().state_dict(), path)
    controller = make_controller(lambda: JobRunner(device="cpu", cache=ModelCache(load_tiny)))
    loaded: list[str] = []
    controller.modelLoaded.connect(lambda info: loaded.append(info["name"]))
    try:
        gate = threading.Event()
        with qtbot.waitSignal(controller.jobStarted, timeout=TIMEOUT_MS):
            controller.submit(DoubleJob(channel="canvas", value=value(), gate=gate))
        for path in paths:  # two workspaces ask for their models while the worker is busy
            controller.load_model(path)
        with qtbot.waitSignal(controller.busyChanged, timeout=TIMEOUT_MS, check_params_cb=lambda busy: not busy):
            gate.set()
        assert loaded == ["painting.pth", "faces.pth"]
    finally:
        controller.shutdown()
