"""Previews while painting: the next preview follows each one at once, the stroke's end cancels a running one."""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PySide6.QtCore import QObject, Signal

from ganstudio.app.painting_synthesis import PaintingSynthesis
from ganstudio.app.painting_viewmodel import PaintingViewModel
from ganstudio.engine.jobs import Result
from ganstudio.engine.painting import PaintJob, PaintingSession, resize_labels, stop_between_blocks
from ganstudio.engine.session import Cancelled, RunContext


class RecordingController(QObject):
    """The controller's signals and the two calls PaintingSynthesis makes; records them instead of running a worker."""

    jobStarted = Signal(object)
    resultReady = Signal(object)
    failed = Signal(object, str)
    modelLoaded = Signal(object)
    modelFailed = Signal(str, str)

    def __init__(self) -> None:
        super().__init__()
        self.submitted: list[PaintJob] = []
        self.cancelled: list[int] = []

    def submit(self, job: Any) -> int:
        self.submitted.append(job)
        return job.job_id

    def cancel(self, job_id: int) -> bool:
        self.cancelled.append(job_id)
        return True

    def load_model(self, path: str, **hints: Any) -> int:
        return 0


def _synthesis(qtbot) -> tuple[PaintingViewModel, PaintingSynthesis, RecordingController]:  # type: ignore[no-untyped-def]
    vm = PaintingViewModel(64, 64)
    controller = RecordingController()
    synthesis = PaintingSynthesis(vm, controller)  # type: ignore[arg-type]
    synthesis.info = {"path": "model.safetensors", "arch": "spade"}
    vm.synthesis_enabled = True
    return vm, synthesis, controller


def _result(job: PaintJob, preview: bool) -> Result:
    return Result(job.job_id, job.channel, job.revision, {"image": np.zeros((8, 8, 3), np.uint8), "preview": preview}, 1.0)


def test_a_preview_result_asks_for_the_next_while_the_stroke_goes_on(qtbot) -> None:  # type: ignore[no-untyped-def]
    vm, synthesis, controller = _synthesis(qtbot)
    vm.begin_stroke(10, 10)
    vm.request_synthesis(preview=True)
    first = controller.submitted[-1]
    vm.stroke_to(40, 40)  # the map moves on while the preview renders
    controller.resultReady.emit(_result(first, preview=True))
    assert len(controller.submitted) == 2 and controller.submitted[-1].preview
    assert controller.submitted[-1].revision > first.revision
    controller.resultReady.emit(_result(controller.submitted[-1], preview=True))
    assert len(controller.submitted) == 2  # nothing new painted since: no preview of the same map
    vm.end_stroke()


def test_the_full_picture_cancels_a_running_preview(qtbot) -> None:  # type: ignore[no-untyped-def]
    vm, synthesis, controller = _synthesis(qtbot)
    vm.begin_stroke(10, 10)
    vm.request_synthesis(preview=True)
    preview = controller.submitted[-1]
    controller.jobStarted.emit(preview)
    vm.stroke_to(30, 30)
    vm.end_stroke()  # asks for the full picture
    full = controller.submitted[-1]
    assert not full.preview and controller.cancelled == [preview.job_id]
    controller.jobStarted.emit(full)
    vm.request_synthesis(preview=False)
    assert controller.cancelled == [preview.job_id]  # a running full picture is never cancelled


def test_label_maps_are_resized_exactly_as_nearest_interpolation() -> None:
    rng = np.random.default_rng(0)
    for (h, w), size in [((1024, 1024), (128, 128)), ((1000, 777), (128, 96)), ((97, 131), (256, 171)), ((5, 7), (64, 64))]:
        labels = rng.integers(0, 20, (h, w)).astype(np.uint8)
        expected = F.interpolate(torch.from_numpy(labels.astype(np.int64))[None, None].float(), size=size, mode="nearest")[0, 0].long()
        assert torch.equal(resize_labels(labels, size, torch.device("cpu"))[0], expected)


@pytest.fixture
def tiny_spade_path(tmp_path):  # type: ignore[no-untyped-def]
    from ganstudio.checkpoints import save_model
    from ganstudio.models.spade import SPADEGenerator

    torch.manual_seed(0)
    path = tmp_path / "spade.safetensors"
    save_model(SPADEGenerator(label_nc=4, ngf=4, crop_size=32, param_free_norm_type="batch"), path, resolution=32)
    return path


def test_a_cancelled_preview_stops_before_the_next_block(tiny_spade_path) -> None:  # type: ignore[no-untyped-def]
    from ganstudio.engine.model_cache import ModelCache

    ready = ModelCache().get(tiny_spade_path, "cpu")
    session = PaintingSession(ready, ready.runtime)
    job = PaintJob(labels=np.zeros((32, 32), np.uint8), preview=True, model_path=str(tiny_spade_path))
    ctx = RunContext(job)
    entered: list[str] = []
    handles = [child.register_forward_pre_hook(lambda m, _a, n=name: entered.append(n)) for name, child in ready.module.named_children()]
    try:
        with torch.inference_mode():
            assert session.run(job, ctx)["preview"] is True
            blocks = len(entered)
            entered.clear()
            ctx.cancel.cancel()
            with pytest.raises(Cancelled):
                session.run(job, ctx)
    finally:
        for handle in handles:
            handle.remove()
    assert blocks > 1 and len(entered) <= 1  # it gave way at the first block it reached
    with stop_between_blocks(ready.module, RunContext(job)):
        pass
    assert not any(child._forward_pre_hooks for child in ready.module.children())  # hooks removed
