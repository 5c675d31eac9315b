"""The attributes view-model on a real worker thread: toggles, crop, output, paste-back, folders."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganstudio.app.attributes_viewmodel import AttributesViewModel
from ganstudio.app.inference import InferenceController
from ganstudio.document.face_crop import CropBox
from ganstudio.document.image_io import read_photo
from ganstudio.engine.runner import JobRunner
from translation_models import CELEBA_ATTRIBUTES, save_cyclegan, save_stargan, smooth_image

TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def stargan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_stargan(tmp_path_factory.mktemp("models") / "tiny-stargan.safetensors", resolution=32)


@pytest.fixture
def vm(qtbot, stargan):  # type: ignore[no-untyped-def]
    controller = InferenceController(lambda: JobRunner(device="cpu", threads=1))
    viewmodel = AttributesViewModel(controller)
    with qtbot.waitSignal(viewmodel.attributesChanged, timeout=TIMEOUT_MS):
        viewmodel.load_model(stargan)
    yield viewmodel
    controller.shutdown()


def test_toggles_come_from_the_model_and_hair_colours_are_exclusive(qtbot, vm: AttributesViewModel) -> None:  # type: ignore[no-untyped-def]
    assert vm.attributes == CELEBA_ATTRIBUTES
    vm.set_original(0, True)  # the photo has black hair
    vm.set_toggle(1, True)  # blond
    vm.set_toggle(2, True)  # brown replaces blond
    assert vm.toggled[:3] == [False, False, True]
    vm.set_toggle(3, True)
    assert vm.target() == [0, 0, 1, 1, 0]
    vm.set_strength(2, 0.5)
    assert vm.target() == [0.5, 0, 0.5, 1, 0]
    vm.set_original(1, True)  # saying the photo is blond clears black
    assert vm.original[:3] == [0, 1, 0]


def test_crop_defaults_to_the_reference_crop_and_stays_inside(qtbot, vm: AttributesViewModel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        vm.set_photo(smooth_image(218, 178))
    assert vm.box == CropBox(0, 20, 178)
    assert vm.model_input.shape == (32, 32, 3) and vm.output.shape == (32, 32, 3)
    with qtbot.waitSignal(vm.cropChanged, timeout=TIMEOUT_MS):
        vm.set_crop(100, 150, 120)
    assert vm.box == CropBox(58, 98, 120)


def test_output_follows_toggles_and_exports_full_size_with_exif_orientation(qtbot, vm: AttributesViewModel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "portrait.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # stored landscape, shown rotated 90 degrees: upright it is 60 wide, 100 tall
    Image.fromarray(smooth_image(60, 100)).save(path, exif=exif.tobytes(), quality=95)
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        assert vm.open_photo(path)
    assert vm.photo.shape[:2] == (100, 60) and any("EXIF" in n for n in vm.photo_notes)
    before = vm.output.copy()
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        vm.set_toggle(1, True)
    assert np.abs(vm.output.astype(int) - before.astype(int)).mean() > 0.5
    full = vm.pasted()
    assert full.shape == vm.photo.shape
    out = tmp_path / "edited.png"
    assert vm.export(out)
    assert read_photo(out).size == (60, 100)
    assert not vm.export(path)  # never over the original


def test_apply_to_folder(qtbot, vm: AttributesViewModel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "faces"
    folder.mkdir()
    for i, size in enumerate([(80, 64), (50, 50)]):
        Image.fromarray(smooth_image(*size, seed=i)).save(folder / f"face{i}.png")
    vm.set_toggle(3, True)
    with qtbot.waitSignal(vm.batch.finished, timeout=TIMEOUT_MS) as done:
        vm.apply_to_folder(folder, tmp_path / "out")
    summary = done.args[0]
    assert [Path(p).name for p in summary["written"]] == ["face0_edited.png", "face1_edited.png"]
    assert read_photo(summary["written"][0]).size == (64, 80)


def test_a_non_stargan_model_is_refused(qtbot, vm: AttributesViewModel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    other = save_cyclegan(tmp_path / "cyc.safetensors")
    with qtbot.waitSignal(vm.notice, timeout=TIMEOUT_MS) as note:
        vm.load_model(other)
    assert "StarGAN" in note.args[0] and vm.model.arch == "stargan"
