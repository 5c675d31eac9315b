"""The Attributes workspace driven like a user: toggles (hair exclusive), crop dragging, export."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt

from ganstudio.app.attributes_viewmodel import AttributesViewModel
from ganstudio.app.inference import InferenceController
from ganstudio.document.face_crop import CropBox
from ganstudio.document.image_io import read_photo
from ganstudio.engine.runner import JobRunner
from ganstudio.ui.attributes.workspace import AttributesWorkspace
from translation_models import save_cyclegan, save_stargan, smooth_image

TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def stargan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_stargan(tmp_path_factory.mktemp("models") / "tiny-stargan.safetensors", resolution=32)


@pytest.fixture
def workspace(qtbot, dialogs, stargan, tmp_path):  # type: ignore[no-untyped-def]
    controller = InferenceController(lambda: JobRunner(device="cpu", threads=1))
    vm = AttributesViewModel(controller)
    ws = AttributesWorkspace(vm, dialogs)
    qtbot.addWidget(ws)
    ws.resize(1000, 700)
    ws.show()
    qtbot.waitExposed(ws)
    dialogs.open_answers.append(str(stargan))
    with qtbot.waitSignal(vm.modelChanged, timeout=TIMEOUT_MS):
        qtbot.mouseClick(ws.open_model_button, Qt.MouseButton.LeftButton)
    photo = tmp_path / "face.png"
    Image.fromarray(smooth_image(218, 178)).save(photo)  # CelebA size
    dialogs.open_answers.append(str(photo))
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        qtbot.mouseClick(ws.open_photo_button, Qt.MouseButton.LeftButton)
    yield ws
    controller.shutdown()


def test_one_toggle_per_attribute_and_hair_colours_exclusive(qtbot, workspace: AttributesWorkspace) -> None:  # type: ignore[no-untyped-def]
    panel = workspace.toggles
    assert [t.text().split(" \u25c6")[0] for t in panel.toggles] == ["Black Hair", "Blond Hair", "Brown Hair", "Male", "Young"]
    before = workspace.vm.output.copy()
    with qtbot.waitSignal(workspace.vm.outputReady, timeout=TIMEOUT_MS):
        panel.toggles[1].click()  # blond
    assert not np.array_equal(before, workspace.vm.output)
    with qtbot.waitSignal(workspace.vm.outputReady, timeout=TIMEOUT_MS):
        panel.toggles[2].click()  # brown: blond goes off
    assert [t.isChecked() for t in panel.toggles[:3]] == [False, False, True]
    assert panel.sliders[2].isEnabled() and not panel.sliders[1].isEnabled()
    full = workspace.vm.output.copy()
    with qtbot.waitSignal(workspace.vm.outputReady, timeout=TIMEOUT_MS):
        panel.sliders[2].setValue(30)
    assert workspace.vm.target()[2] == pytest.approx(0.3)
    assert not np.array_equal(full, workspace.vm.output)
    panel.has_boxes[0].click()  # the photo has black hair
    assert workspace.vm.original[0] == 1 and workspace.vm.target()[0] == pytest.approx(0.7)


def test_crop_box_moves_and_resizes_by_dragging(qtbot, workspace: AttributesWorkspace) -> None:  # type: ignore[no-untyped-def]
    view = workspace.crop_view
    vm = workspace.vm
    assert vm.box == CropBox(0, 20, 178)  # the reference test crop
    vm.set_crop(20, 40, 100)
    rect = view.crop_rect()
    centre = rect.center().toPoint()
    scale = view.scale()
    with qtbot.waitSignal(vm.cropChanged, timeout=TIMEOUT_MS):
        qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=centre)
        qtbot.mouseMove(view, centre + QPoint(round(10 * scale), round(-10 * scale)))
        qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=centre + QPoint(round(10 * scale), round(-10 * scale)))
    assert abs(vm.box.x - 30) <= 1 and abs(vm.box.y - 30) <= 1 and vm.box.size == 100
    corner = view.crop_rect().bottomRight().toPoint()
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=corner)
    qtbot.mouseMove(view, corner + QPoint(round(20 * scale), round(20 * scale)))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=corner + QPoint(round(20 * scale), round(20 * scale)))
    assert abs(vm.box.size - 120) <= 2 and abs(vm.box.x - 30) <= 1
    assert workspace.input_pane.image is not None and workspace.input_pane.image.width() == 32


def test_export_pastes_back_at_full_size(qtbot, workspace: AttributesWorkspace, dialogs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(workspace.vm.outputReady, timeout=TIMEOUT_MS):
        workspace.toggles.toggles[3].click()
    target = tmp_path / "edited.png"
    dialogs.save_answers.append(str(target))
    with qtbot.waitSignal(workspace.notice, timeout=TIMEOUT_MS) as note:
        qtbot.mouseClick(workspace.export_button, Qt.MouseButton.LeftButton)
    assert "178x218" in note.args[0]
    exported = read_photo(target).pixels
    assert exported.shape == (218, 178, 3)
    original = workspace.vm.photo
    np.testing.assert_array_equal(exported[:20], original[:20])  # outside the crop: untouched


def test_window_routes_models_to_their_workspace(qtbot, make_window, stargan, tmp_path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    tabs = window.face_and_convert
    with qtbot.waitSignal(tabs.attributes_vm.modelChanged, timeout=TIMEOUT_MS):
        window.load_model(str(stargan))
    assert window.workspaces.currentWidget() is tabs.attributes
    cyclegan = save_cyclegan(tmp_path / "cyc.safetensors")
    with qtbot.waitSignal(tabs.converter_vm.modelChanged, timeout=TIMEOUT_MS):
        window.load_model(str(cyclegan))
    assert window.workspaces.currentWidget() is tabs.converter
    assert [window.workspaces.tabText(i) for i in range(window.workspaces.count())][-2:] == ["Attributes", "Convert"]
