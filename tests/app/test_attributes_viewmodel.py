"""The attributes view-model on a real worker thread: toggles, crop, output, paste-back, folders, "photo has" per photo."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from attribute_models import BRIGHT_LABELS, DARK_LABELS, flat_photo, save_stargan_with_classifier
from ganstudio.app.attributes_viewmodel import AttributesViewModel
from ganstudio.app.inference import InferenceController
from ganstudio.document.face_crop import CropBox
from ganstudio.document.image_io import read_image_settings, read_photo
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


def test_a_new_photo_clears_photo_has_and_says_so_while_the_changes_stay(qtbot, vm: AttributesViewModel) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        vm.set_photo(smooth_image(64, 64), "first.png")
    vm.set_original(0, True)  # the first photo has black hair
    vm.set_toggle(3, True)  # and the user wants the opposite sex
    vm.set_strength(3, 0.6)
    notices: list[str] = []
    vm.notice.connect(notices.append)
    with qtbot.waitSignal(vm.originalNote, timeout=TIMEOUT_MS):
        vm.set_photo(smooth_image(64, 64, seed=5), "second.png")
    note = vm.original_note
    assert "second.png" in note and "cleared" in note and "Black Hair" in note and "changes are kept" in note
    assert notices == [note]  # the status bar hears it too
    assert vm.original == [0] * 5
    assert vm.toggled == [False, False, False, True, False] and vm.strengths[3] == pytest.approx(0.6)
    # nothing ticked: nothing to clear, the note only says which photo the ticks describe
    vm.set_photo(smooth_image(64, 64, seed=6), "third.png")
    assert "third.png" in vm.original_note and "cleared" not in vm.original_note


def test_no_change_asked_exports_the_photo_as_it_is_and_keep_detail_changes_the_preview(qtbot, vm: AttributesViewModel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    photo = smooth_image(90, 70)
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        vm.set_photo(photo, "face.png")
    np.testing.assert_array_equal(vm.pasted(), photo)  # the model's redraw never leaks into the export
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        vm.set_toggle(1, True)
    on = vm.preview()
    assert on.shape == (70, 70, 3)  # the box's own size (under PREVIEW_SIZE)
    with qtbot.waitSignal(vm.outputChanged, timeout=TIMEOUT_MS):
        vm.set_keep_detail(False)
    off = vm.preview()
    assert np.abs(on.astype(int) - off.astype(int)).mean() > 1.0
    np.testing.assert_array_equal(vm.pasted()[:10], photo[:10])  # above the box: untouched
    assert vm.export(tmp_path / "out.png")
    settings = read_image_settings(tmp_path / "out.png")
    assert settings["keep_detail"] is False and settings["photo_has"] == dict.fromkeys(CELEBA_ATTRIBUTES, 0)
    assert "every photo of the folder" in vm.folder_note() and not vm.has_classifier


def test_a_model_with_a_classifier_detects_photo_has_for_each_photo_and_folder(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model = save_stargan_with_classifier(tmp_path / "with-d.safetensors")
    controller = InferenceController(lambda: JobRunner(device="cpu", threads=1))
    vm = AttributesViewModel(controller)
    try:
        with qtbot.waitSignal(vm.attributesChanged, timeout=TIMEOUT_MS):
            vm.load_model(model)
        assert vm.has_classifier and "detected for each photo" in vm.folder_note()
        vm.set_toggle(3, True)  # flip Male
        with qtbot.waitSignal(vm.originalNote, timeout=TIMEOUT_MS):
            vm.set_photo(flat_photo(48, 40, 230), "bright.png")
        assert vm.original == BRIGHT_LABELS and "bright.png" in vm.original_note and "Black Hair" in vm.original_note
        assert vm.target()[3] == 0.0  # a man made a woman
        with qtbot.waitSignal(vm.originalNote, timeout=TIMEOUT_MS):
            vm.set_photo(flat_photo(48, 40, 25), "dark.png")
        assert vm.original == DARK_LABELS and vm.target()[3] == 1.0 and vm.toggled[3]
        folder = tmp_path / "faces"
        folder.mkdir()
        Image.fromarray(flat_photo(40, 30, 230)).save(folder / "a.png")
        Image.fromarray(flat_photo(40, 30, 25)).save(folder / "b.png")
        with qtbot.waitSignal(vm.batch.finished, timeout=TIMEOUT_MS) as done:
            vm.apply_to_folder(folder, tmp_path / "out")
        assert done.args[0]["detected"] == 2
        a, b = (read_image_settings(p) for p in done.args[0]["written"])
        assert a["target"]["Male"] == 0.0 and b["target"]["Male"] == 1.0
    finally:
        controller.shutdown()
