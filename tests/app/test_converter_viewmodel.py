"""The converter view-model on a real worker thread: models, one image, folders with cancel."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganstudio.app.converter_viewmodel import ConverterViewModel
from ganstudio.app.inference import InferenceController
from ganstudio.app.samples import sample_files
from ganstudio.document.image_io import read_photo
from ganstudio.engine.runner import JobRunner
from translation_models import save_cyclegan, save_pix2pix, save_stargan, smooth_image

TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("models")
    return {
        "cyclegan": save_cyclegan(folder / "tiny-cyclegan.safetensors", resolution=32),
        "pix2pix": save_pix2pix(folder / "tiny-pix2pix.safetensors"),
        "stargan": save_stargan(folder / "tiny-stargan.safetensors"),
    }


@pytest.fixture
def vm(qtbot):  # type: ignore[no-untyped-def]
    controller = InferenceController(lambda: JobRunner(device="cpu", threads=1))
    viewmodel = ConverterViewModel(controller)
    yield viewmodel
    controller.shutdown()


def load(qtbot, vm: ConverterViewModel, path: Path) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(vm.modelChanged, timeout=TIMEOUT_MS):
        vm.load_model(path)


def test_one_image_converts_at_its_size_both_directions(qtbot, vm: ConverterViewModel, models, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    load(qtbot, vm, models["cyclegan"])
    assert vm.can_reverse and not vm.has_test_mode
    path = tmp_path / "gray16.png"
    Image.fromarray((np.arange(40 * 70, dtype=np.uint16).reshape(40, 70) * 20)).save(path)
    with qtbot.waitSignal(vm.notice, timeout=TIMEOUT_MS) as note, qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        assert vm.open_image(path)
    assert "16-bit grayscale" in note.args[0]
    assert vm.output.shape == (40, 70, 3)
    a2b = vm.output.copy()
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        vm.set_direction("BtoA")
    assert np.abs(vm.output.astype(int) - a2b.astype(int)).mean() > 0.5
    out = tmp_path / "out.png"
    assert vm.save_output(out) and read_photo(out).size == (70, 40)
    assert not vm.save_output(path)  # never over the input


def test_pix2pix_offers_the_reference_test_mode(qtbot, vm: ConverterViewModel, models) -> None:  # type: ignore[no-untyped-def]
    load(qtbot, vm, models["pix2pix"])
    assert vm.has_test_mode and not vm.can_reverse
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        vm.set_input(smooth_image(64, 64))
    deterministic = vm.output.copy()
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        vm.set_reference_mode(True)
    assert vm.output_info["mode"] == "reference-test"
    assert np.abs(vm.output.astype(int) - deterministic.astype(int)).mean() > 0.5
    with qtbot.waitSignal(vm.notice, timeout=TIMEOUT_MS):
        vm.set_direction("BtoA")
    assert vm.direction == "AtoB"


def test_a_shipped_sample_follows_the_model_but_the_users_image_stays(qtbot, vm: ConverterViewModel, models, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    photos, label_maps = sample_files("landscapes"), sample_files("label-maps")
    assert len(photos) == len(label_maps) >= 2
    load(qtbot, vm, models["cyclegan"])
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        vm.open_image(photos[1])
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        load(qtbot, vm, models["pix2pix"])  # pix2pix paints label maps: the same scene's label map
    assert Path(vm.input_path) == label_maps[1]
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        load(qtbot, vm, models["cyclegan"])
    assert Path(vm.input_path) == photos[1]
    mine = tmp_path / "mine.png"
    Image.open(photos[0]).save(mine)
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        vm.open_image(mine)
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        load(qtbot, vm, models["pix2pix"])
    assert Path(vm.input_path) == mine


def test_the_bundled_instagan_takes_the_same_scene_with_its_tree_masks(qtbot, vm: ConverterViewModel, models) -> None:  # type: ignore[no-untyped-def]
    """Out of the box: switching to InstaGAN on a landscape sample opens that scene's InstaGAN sample, whose masks
    lie beside it, and converts it; the trees' masks come back translated."""
    bundled = Path(__file__).resolve().parents[2] / "resources" / "models" / "trees2rocks-instagan.safetensors"
    photos, scenes = sample_files("landscapes"), sample_files("instances")
    assert len(scenes) == len(photos) and not any("_mask" in p.name for p in scenes)  # masks are no samples of their own
    load(qtbot, vm, models["cyclegan"])
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        vm.open_image(photos[0])
    with qtbot.waitSignal(vm.outputReady, timeout=60_000):
        load(qtbot, vm, bundled)
    assert Path(vm.input_path) == scenes[0]
    masks = sorted(scenes[0].parent.glob(f"{scenes[0].stem}_mask*.png"))
    assert len(vm.instances.layers) == len(masks) >= 2
    assert vm.output.shape == vm.input.shape and len(vm.output_masks) == len(masks)


def test_a_stargan_model_is_refused(qtbot, vm: ConverterViewModel, models) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(vm.notice, timeout=TIMEOUT_MS) as note:
        vm.load_model(models["stargan"])
    assert "conversion needs a pix2pix, CycleGAN" in note.args[0] and vm.model.info is None  # and the multimodal families after them


def _photos(folder: Path, count: int, size: tuple[int, int] = (72, 96)) -> None:
    folder.mkdir()
    for i in range(count):
        Image.fromarray(smooth_image(*size, seed=i)).save(folder / f"photo{i:02d}.png")


def test_folder_conversion_reports_progress_and_unreadable_files(qtbot, vm: ConverterViewModel, models, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    load(qtbot, vm, models["cyclegan"])
    _photos(tmp_path / "in", 2)
    (tmp_path / "in" / "zz-broken.jpg").write_bytes(b"not a jpeg")
    with qtbot.waitSignal(vm.notice, timeout=TIMEOUT_MS):
        assert vm.convert_folder(tmp_path / "in", tmp_path / "out", "{stem}_{colour}.png") is None
    fractions: list[float] = []
    vm.batch.progressChanged.connect(lambda f, _m, _eta: fractions.append(f))
    with qtbot.waitSignal(vm.batch.finished, timeout=TIMEOUT_MS) as done:
        vm.convert_folder(tmp_path / "in", tmp_path / "out", "{stem}_{direction}.png")
    summary = done.args[0]
    assert not summary["cancelled"]
    assert [Path(p).name for p in summary["written"]] == ["photo00_AtoB.png", "photo01_AtoB.png"]
    assert [Path(p).name for p, _ in summary["skipped"]] == ["zz-broken.jpg"]
    assert fractions and fractions == sorted(fractions)


def test_cancel_midway_keeps_finished_files_complete_and_none_partial(qtbot, vm: ConverterViewModel, models, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    load(qtbot, vm, models["cyclegan"])
    _photos(tmp_path / "in", 8, size=(96, 128))
    out = tmp_path / "out"

    def cancel_after_two(fraction: float, _message: str, _eta: str) -> None:
        if fraction >= 2.3 / 8:  # inside the third image
            vm.cancel_folder()

    vm.batch.progressChanged.connect(cancel_after_two)
    with qtbot.waitSignal(vm.batch.finished, timeout=TIMEOUT_MS) as done:
        vm.convert_folder(tmp_path / "in", out)
    summary = done.args[0]
    assert summary["cancelled"]
    assert 2 <= len(summary["written"]) < 8
    assert sorted(p.name for p in out.iterdir()) == sorted(Path(p).name for p in summary["written"])
    for path in summary["written"]:
        assert read_photo(path).size == (128, 96)  # complete, decodable files
    assert not vm.batch.running
