"""BatchRun's start-up checks, shared by every folder run: model, one run at a time, usable folder and names."""
from __future__ import annotations

from pathlib import Path

from PIL import Image
from PySide6.QtCore import QObject, Signal

from ganstudio.app.batch_run import BatchRun
from ganstudio.engine.jobs import BatchJob, Job


class QueueOnlyController(QObject):
    """Takes jobs without running them, so a run stays "going on" for as long as a test needs."""

    progress = Signal(int, int, int, str)
    resultReady = Signal(object)
    cancelled = Signal(object)
    failed = Signal(object, str)

    def __init__(self) -> None:
        super().__init__()
        self.submitted: list[Job] = []

    def submit(self, job: Job) -> int:
        self.submitted.append(job)
        return len(self.submitted)


def test_inputs_to_start_refuses_without_a_model_during_a_run_and_for_a_bad_folder(qapp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    Image.new("RGB", (4, 4)).save(tmp_path / "a.png")
    notices: list[str] = []
    batch = BatchRun(QueueOnlyController())  # type: ignore[arg-type]

    assert batch.inputs_to_start("", tmp_path, "{stem}_out.png", notices.append, no_model="Open a model first") is None
    assert notices[-1] == "Open a model first"
    assert batch.inputs_to_start("m.safetensors", tmp_path / "missing", "{stem}_out.png", notices.append, no_model="-") is None
    assert "Cannot read the folder" in notices[-1]

    inputs = batch.inputs_to_start("m.safetensors", tmp_path, "{stem}_out.png", notices.append, no_model="-")
    assert inputs == (str(tmp_path / "a.png"),)
    batch.start(BatchJob(channel="test", revision=batch.next_revision()))
    assert batch.inputs_to_start("m.safetensors", tmp_path, "{stem}_out.png", notices.append, no_model="-", busy="Busy") is None
    assert notices[-1] == "Busy"
