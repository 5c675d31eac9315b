"""DirectionsViewModel through a real inference worker and a tiny random-weight StyleGAN2 (32 px, 8 ws, w_dim 32)."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from ganstudio.app.directions_viewmodel import DirectionsViewModel, companion_path
from ganstudio.app.inference import InferenceController
from ganstudio.app.latent_viewmodel import LatentViewModel
from ganstudio.document.direction_sets import Direction, DirectionSet, read_direction_set, write_direction_set
from ganstudio.document.errors import FileReadError
from ganstudio.document.image_io import read_image_settings
from ganstudio.document.latent_io import read_latent_npz
from ganstudio.engine.directions_session import DirectionsSession
from ganstudio.engine.latent_spec import LatentAnimationJob
from ganstudio.engine.runner import JobRunner
from stylegan_models import save_tiny_stylegan2

TIMEOUT = 20_000


@pytest.fixture(scope="module")
def model_path(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    return save_tiny_stylegan2(tmp_path_factory.mktemp("m") / "tiny-sg2-directions.safetensors")


@pytest.fixture
def vms(qtbot, model_path, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(DirectionsSession, "cache_dir", tmp_path / "ganspace-cache")  # never the user's cache
    controller = InferenceController(lambda: JobRunner(device="cpu", threads=1))
    latent = LatentViewModel(controller)
    directions = DirectionsViewModel(latent)
    with qtbot.waitSignal(latent.outputChanged, timeout=TIMEOUT, check_params_cb=lambda *a: latent.output is not None):
        latent.load_model(str(model_path))
    yield latent, directions
    controller.shutdown()


def wait_output(qtbot, latent: LatentViewModel, action) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Run `action` and wait for the output of the revision it posted; returns its ws."""
    before = latent.revision
    action()
    wanted = latent.revision
    assert wanted > before, "the action posted no render"
    qtbot.waitUntil(lambda: latent.output is not None and latent.output.revision == wanted, timeout=TIMEOUT)
    return latent.output.ws.copy()


def find_sefa(qtbot, directions: DirectionsViewModel, layers: object = "all", count: int = 3) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(directions.findFinished, timeout=TIMEOUT):
        directions.find("sefa", layers, count=count)


def test_sefa_sliders_move_the_ws_of_their_range_and_combine(qtbot, vms) -> None:  # type: ignore[no-untyped-def]
    latent, directions = vms
    plain_ws, plain_image = latent.output.ws.copy(), latent.output.image.copy()
    find_sefa(qtbot, directions, "all", count=3)
    assert len(directions) == 3 and directions.ranges == [(0, 7)] * 3
    assert [d.slider for d in directions.directions] == [15.0] * 3
    assert latent.revision == latent.output.revision  # adding directions at 0 renders nothing new

    v0, v1 = directions.directions[0].vector, directions.directions[1].vector
    ws = wait_output(qtbot, latent, lambda: directions.set_amount(0, 4.0))
    np.testing.assert_allclose(ws, plain_ws + 4.0 * v0, atol=1e-5)
    assert not np.array_equal(latent.output.image, plain_image)
    assert latent.describe()["edits"] == [{"name": directions.directions[0].name, "amount": 4.0, "first_ws": 0, "last_ws": 7}]

    directions.set_range(1, 5, 2)  # put in order: ws 2-5
    assert directions.ranges[1] == (2, 5)
    ws = wait_output(qtbot, latent, lambda: directions.set_amount(1, -3.0))
    expected = plain_ws + 4.0 * v0
    expected[2:6] -= 3.0 * v1
    np.testing.assert_allclose(ws, expected, atol=1e-5)  # two sliders add up

    directions.set_amount(0, 99.0)
    assert directions.amounts[0] == 15.0  # clamped to the slider's range
    ws = wait_output(qtbot, latent, directions.reset_all)
    assert directions.amounts == [0.0, 0.0, 0.0] and latent.edits == ()
    np.testing.assert_array_equal(ws, plain_ws)
    np.testing.assert_array_equal(latent.output.image, plain_image)  # back to 0: the very same picture


def test_edits_combine_with_psi_and_mixing_and_reach_the_exported_files(qtbot, vms, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    latent, directions = vms
    sent: list[object] = []
    submit = latent.controller.submit
    monkeypatch.setattr(latent.controller, "submit", lambda job: (sent.append(job), submit(job))[1])
    find_sefa(qtbot, directions, "coarse", count=2)
    assert directions.ranges == [(0, 1)] * 2
    wait_output(qtbot, latent, lambda: latent.set_psi(0.5))
    wait_output(qtbot, latent, lambda: latent.set_crossover(4))
    unedited = latent.output.ws.copy()
    ws = wait_output(qtbot, latent, lambda: directions.set_amount(0, 6.0))
    expected = unedited.copy()
    expected[0:2] += 6.0 * directions.directions[0].vector
    np.testing.assert_allclose(ws, expected, atol=1e-5)  # added after truncation and mixing

    latent.export_latent(str(tmp_path / "edited.npz"))
    np.testing.assert_allclose(read_latent_npz(str(tmp_path / "edited.npz"), 8, 32)[0], ws, atol=1e-6)
    latent.export_image(str(tmp_path / "edited.png"))
    assert read_image_settings(str(tmp_path / "edited.png"))["edits"][0]["amount"] == 6.0

    with qtbot.waitSignal(latent.animationFinished, timeout=TIMEOUT):
        latent.export_gif(str(tmp_path / "walk.gif"), frames_per_segment=1)
    submitted = [job for job in sent if isinstance(job, LatentAnimationJob)]
    assert [stop.edits for stop in submitted[0].stops] == [latent.edits] * 4  # every GIF stop is edited too


def test_save_load_and_the_set_beside_the_model_loads_with_it(qtbot, vms, model_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    latent, directions = vms
    find_sefa(qtbot, directions, "fine", count=2)
    directions.set_range(0, 6, 7)
    saved = tmp_path / "set.npz"
    directions.save(str(saved))
    on_disk = read_direction_set(saved)
    assert on_disk.names() == [d.name for d in directions.directions]
    assert [(d.first_ws, d.last_ws) for d in on_disk.directions] == [(6, 7), (6, 7)]
    assert len(on_disk.model_sha256) == 64

    directions.clear()
    assert len(directions) == 0
    assert directions.load(str(saved)) == 2
    assert directions.ranges == [(6, 7), (6, 7)]
    assert directions.load(str(saved)) == 2 and len(directions) == 2  # the same names replace, not duplicate

    # a copy of the model with the set beside it: loading the model brings its directions
    copy = tmp_path / "copy.safetensors"
    shutil.copyfile(model_path, copy)
    shutil.copyfile(saved, companion_path(copy))
    assert companion_path(copy).name == "copy.directions.npz"
    with qtbot.waitSignal(directions.setChanged, timeout=TIMEOUT, check_params_cb=lambda *a: len(directions) == 2):
        latent.load_model(str(copy))
    assert latent.model_path == str(copy) and latent.edits == ()


def test_a_set_for_another_model_is_refused_with_the_reason(qtbot, vms, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _latent, directions = vms
    vector = np.eye(1, 32, dtype=np.float32)[0]
    other_file = DirectionSet((Direction("x", "sefa", vector, 0, 7, 15.0),), 8, 32, "0" * 64)
    write_direction_set(tmp_path / "other-file.npz", other_file)
    with pytest.raises(ValueError, match="another model file"):
        directions.load(str(tmp_path / "other-file.npz"))
    other_shape = DirectionSet((Direction("x", "sefa", np.eye(1, 64, dtype=np.float32)[0], 0, 11, 15.0),), 12, 64)
    write_direction_set(tmp_path / "other-shape.npz", other_shape)
    with pytest.raises(ValueError, match="12 ws of 64 values; the current model has 8 of 32"):
        directions.load(str(tmp_path / "other-shape.npz"))
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(FileReadError, match="junk.npz"):
        directions.load(str(tmp_path / "junk.npz"))
    assert len(directions) == 0
    # a set without a sha256 fits any model of the same layout
    write_direction_set(tmp_path / "any.npz", DirectionSet(other_file.directions, 8, 32))
    assert directions.load(str(tmp_path / "any.npz")) == 1


def test_ganspace_reports_progress_and_cancels(qtbot, vms) -> None:  # type: ignore[no-untyped-def]
    _latent, directions = vms
    progress: list[tuple[int, int]] = []
    directions.findProgress.connect(lambda done, total, _m: progress.append((done, total)))
    with qtbot.waitSignal(directions.findFinished, timeout=TIMEOUT):
        directions.find("ganspace", "middle", count=2, samples=5000)
    assert progress == [(4096, 5000), (5000, 5000)]
    assert [(d.kind, d.first_ws, d.last_ws) for d in directions.directions] == [("ganspace", 2, 5)] * 2

    # cancelled as soon as it reports: nothing is added, and it can be asked again
    directions.findProgress.connect(lambda *_a: directions.cancel_find())
    with qtbot.waitSignal(directions.findCancelled, timeout=TIMEOUT):
        directions.find("ganspace", count=2, samples=400_000, seed=3)
    assert directions.find_job is None and len(directions) == 2
    with pytest.raises(ValueError, match="load a StyleGAN2 model first"):
        DirectionsViewModel(LatentViewModel(None)).find("sefa")
