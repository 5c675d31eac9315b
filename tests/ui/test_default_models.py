"""Start-up: every workspace gets its remembered or bundled model, with no configuration and no download.

The bundled folder is a temporary one of tiny random-weight models in the
native format (as resources/models holds the real ones).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from ganstudio.app.model_defaults import last_model_key
from ganstudio.app.samples import sample_files
from ganstudio.document.palette import Palette
from ganstudio.document.starter_map import starter_label_map
from stylegan_models import save_tiny_stylegan2
from translation_models import save_cyclegan, save_pix2pix, save_stargan

TIMEOUT_MS = 30_000
# the bundled painting models' classes, in their own (not the default palette's) order
LANDSCAPE_CLASSES = ["sky", "cloud", "mountain", "snow", "rock", "grass", "tree", "water", "sand"]


def save_painting_model(arch: str, path: Path) -> Path:
    import torch

    from ganstudio.checkpoints import save_model
    from ganstudio.models.sean import SEANGenerator
    from ganstudio.models.spade import SPADEGenerator

    torch.manual_seed(0)
    palette = Palette([(name, Palette.generic(len(LANDSCAPE_CLASSES))[i].color) for i, name in enumerate(LANDSCAPE_CLASSES)])
    common = {"label_nc": len(palette), "ngf": 4, "crop_size": 64, "param_free_norm_type": "batch"}
    gen = SPADEGenerator(**common) if arch == "spade" else SEANGenerator(**common, style_dim=16)
    save_model(gen, path, labels=palette.to_json(), resolution=64)
    return path


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bundled")
    save_painting_model("spade", folder / "landscape-spade.safetensors")
    save_painting_model("sean", folder / "landscape-sean.safetensors")
    save_tiny_stylegan2(folder / "landscape-stylegan2.safetensors")
    save_stargan(folder / "faces-stargan.safetensors", resolution=32)
    save_cyclegan(folder / "summer2winter-cyclegan.safetensors", resolution=32)
    save_pix2pix(folder / "landscape-pix2pix.safetensors", num_downs=5)
    return folder


def model_signals(window):  # type: ignore[no-untyped-def]
    face_and_convert = window.face_and_convert
    return [window.synthesis.modelChanged, window.latent_vm.modelChanged, face_and_convert.attributes_vm.model.modelChanged, face_and_convert.converter_vm.model.modelChanged]


def current_models(window) -> dict[str, str]:  # type: ignore[no-untyped-def]
    face_and_convert = window.face_and_convert
    paths = {
        "paint": window.synthesis.path,
        "latent": window.latent_vm.model_path,
        "attributes": face_and_convert.attributes_vm.model.path,
        "convert": face_and_convert.converter_vm.model.path,
    }
    return {workspace: Path(path).name for workspace, path in paths.items()}


def test_with_no_settings_every_workspace_loads_its_bundled_default(qtbot, make_window, bundled, settings) -> None:  # type: ignore[no-untyped-def]
    window = make_window(bundled_model_folder=str(bundled))
    assert window.model_label.text() == "No model loaded"  # the window shows first; models come from the worker
    with qtbot.waitSignals(model_signals(window), timeout=TIMEOUT_MS):
        window.start()
    assert current_models(window) == {
        "paint": "landscape-spade.safetensors",  # SPADE before SEAN
        "latent": "landscape-stylegan2.safetensors",
        "attributes": "faces-stargan.safetensors",
        "convert": "summer2winter-cyclegan.safetensors",  # CycleGAN before pix2pix
    }
    assert window.workspaces.currentWidget() is window.painting  # loading defaults does not switch tabs
    assert window.dialogs.errors == []
    for workspace, name in current_models(window).items():
        assert Path(settings.value(last_model_key(workspace), "", str)).name == name

    # the painting starts from a landscape in the model's classes, and it gets synthesized
    vm = window.vm
    assert vm.palette.names == LANDSCAPE_CLASSES and not vm.is_modified
    assert np.array_equal(vm.labels, starter_label_map(vm.palette, vm.width, vm.height))
    qtbot.waitUntil(lambda: vm.output is not None and vm.output_revision == vm.revision, timeout=TIMEOUT_MS)
    # Attributes and Convert open a sample photo and edit / convert it
    attributes, converter = window.face_and_convert.attributes_vm, window.face_and_convert.converter_vm
    assert Path(attributes.photo_path) == sample_files("faces")[0]
    assert Path(converter.input_path) == sample_files("landscapes")[0]
    qtbot.waitUntil(lambda: attributes.output is not None and converter.output is not None and window.latent_vm.output is not None, timeout=TIMEOUT_MS)
    # the Samples menus open the other samples
    faces_menu = window.face_and_convert.attributes.samples_button.menu()
    faces_menu.actions()[1].trigger()
    assert Path(attributes.photo_path) == sample_files("faces")[1]
    convert_menu = window.face_and_convert.converter.samples_button.menu()
    entries = [a.text() for a in convert_menu.actions()]  # a section each: photos, colour label maps, InstaGAN's
    photos, label_maps = [p.stem for p in sample_files("landscapes")], [p.stem for p in sample_files("label-maps")]
    scenes = [p.stem for p in sample_files("instances")]
    assert entries == ["Landscape photos", *photos, "Colour label maps (pix2pix input)", *label_maps,
                       "Landscapes with tree masks (InstaGAN input)", *scenes]
    next(a for a in convert_menu.actions() if a.text() == label_maps[0]).trigger()
    assert Path(converter.input_path) == sample_files("label-maps")[0]
    # pix2pix stays one click away in the library
    assert "landscape-pix2pix.safetensors" in [e.name for e in window.library.entries]


def test_a_remembered_model_wins_over_the_default_per_workspace(qtbot, make_window, bundled, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    mine = save_painting_model("sean", tmp_path / "my-sean.safetensors")
    settings.setValue(last_model_key("paint"), str(mine))
    settings.setValue(last_model_key("convert"), str(bundled / "landscape-pix2pix.safetensors"))
    settings.setValue(last_model_key("latent"), str(tmp_path / "deleted.safetensors"))  # gone: the default again
    window = make_window(bundled_model_folder=str(bundled))
    with qtbot.waitSignals(model_signals(window), timeout=TIMEOUT_MS):
        window.start()
    assert current_models(window) == {
        "paint": "my-sean.safetensors",
        "latent": "landscape-stylegan2.safetensors",
        "attributes": "faces-stargan.safetensors",
        "convert": "landscape-pix2pix.safetensors",
    }
    assert "my-sean.safetensors" in [e.name for e in window.library.entries]  # shown in the library too
    # pix2pix paints colour label maps: Convert opens the label-map sample, not the photo
    converter = window.face_and_convert.converter_vm
    qtbot.waitUntil(lambda: Path(converter.input_path) == sample_files("label-maps")[0], timeout=TIMEOUT_MS)


def test_a_model_given_by_hand_is_not_replaced_by_the_default(qtbot, make_window, bundled, tmp_path) -> None:  # type: ignore[no-untyped-def]
    mine = save_painting_model("sean", tmp_path / "my-sean.safetensors")
    window = make_window(bundled_model_folder=str(bundled))
    with qtbot.waitSignals(model_signals(window), timeout=TIMEOUT_MS):
        window.start(model=str(mine))
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=TIMEOUT_MS)
    assert current_models(window)["paint"] == "my-sean.safetensors"


def test_a_broken_bundled_file_gives_a_message_and_the_others_still_load(qtbot, make_window, bundled, tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "bundled"
    shutil.copytree(bundled, folder)
    good = (folder / "landscape-spade.safetensors").read_bytes()
    (folder / "a-broken-spade.safetensors").write_bytes(good[: len(good) - 2000])  # header intact, weights cut short
    (folder / "faces-stargan.safetensors").write_bytes(b"\x00not a model at all")  # not even a header
    window = make_window(bundled_model_folder=str(folder))
    signals = [s for s in model_signals(window) if s is not window.face_and_convert.attributes_vm.model.modelChanged]
    with qtbot.waitSignals(signals, timeout=TIMEOUT_MS):
        window.start()
    models = current_models(window)
    assert models["paint"] == "landscape-spade.safetensors"  # the next painting model was tried
    assert models["latent"] == "landscape-stylegan2.safetensors" and models["convert"] == "summer2winter-cyclegan.safetensors"
    assert models["attributes"] == ""  # no usable StarGAN: the workspace stays empty
    assert any("a-broken-spade" in text for _title, text in window.dialogs.errors)
    assert any("faces-stargan.safetensors" in text and "cannot be used" in text for text in window.messages)


def test_the_painting_shows_its_picture_before_the_other_workspaces_load(qtbot, make_window, bundled) -> None:  # type: ignore[no-untyped-def]
    window = make_window(bundled_model_folder=str(bundled))
    events: list[str] = []
    window.controller.modelLoaded.connect(lambda info: events.append(str(info.get("name"))))
    window.vm.outputChanged.connect(lambda: events.append("picture") if "picture" not in events else None)
    with qtbot.waitSignals(model_signals(window), timeout=TIMEOUT_MS):
        window.start()
    qtbot.waitUntil(lambda: "picture" in events, timeout=TIMEOUT_MS)
    # the worker runs one job at a time: nothing but the painting's model came before its first picture
    assert events[:2] == ["landscape-spade.safetensors", "picture"]
    assert sorted(events[2:]) == ["faces-stargan.safetensors", "landscape-stylegan2.safetensors", "summer2winter-cyclegan.safetensors"]
