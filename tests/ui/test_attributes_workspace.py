"""The Attributes workspace driven like a user: toggles (hair exclusive), crop dragging, export, a new photo's ticks, the layout."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QRegion
from PySide6.QtWidgets import QWidget

from attribute_models import BRIGHT_LABELS, flat_photo, save_stargan_with_classifier
from ganstudio.app.attributes_viewmodel import AttributesViewModel
from ganstudio.app.inference import InferenceController
from ganstudio.document.face_crop import CropBox
from ganstudio.document.image_io import read_photo
from ganstudio.engine.runner import JobRunner
from ganstudio.ui.attributes.workspace import AttributesWorkspace
from layout_checks import clipped_widgets
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
    names = [window.workspaces.tabText(i) for i in range(window.workspaces.count())]
    assert names[names.index("Attributes") + 1] == "Convert"


def _shown_in(widget: QWidget, window: QWidget) -> bool:
    """Visible on screen now, all of it: inside `window`, and no ancestor (scroll area, splitter pane) cuts it."""
    rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    return widget.isVisible() and widget.visibleRegion() == QRegion(widget.rect()) and window.rect().contains(rect)


@pytest.mark.parametrize("size", [(760, 560), (1400, 880)])  # 760x560: what the workspace gets in a 1024x700 window
def test_nothing_is_clipped_and_the_folder_run_is_in_sight(qtbot, dialogs, stargan, tmp_path, size) -> None:  # type: ignore[no-untyped-def]
    controller = InferenceController(lambda: JobRunner(device="cpu", threads=1))
    vm = AttributesViewModel(controller)
    ws = AttributesWorkspace(vm, dialogs)
    qtbot.addWidget(ws)
    try:
        ws.resize(*size)
        ws.show()
        qtbot.waitExposed(ws)
        with qtbot.waitSignal(vm.attributesChanged, timeout=TIMEOUT_MS):
            vm.load_model(stargan)
        photo = tmp_path / "face.png"
        Image.fromarray(smooth_image(218, 178)).save(photo)
        with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
            vm.open_photo(photo)
        qtbot.waitUntil(lambda: ws.output_pane.image is not None, timeout=TIMEOUT_MS)
        assert ws.size().width() == size[0] and ws.size().height() == size[1]
        assert clipped_widgets(ws) == []
        folder = ws.folder
        for widget in (folder.start_button, folder.progress.bar, folder.progress.status, ws.folder_note, ws.export_button, ws.detail_check):
            assert _shown_in(widget, ws), widget
        # every column of the toggles shows whole: nothing to scroll sideways to
        assert ws.toggles_scroll.horizontalScrollBar().maximum() == 0
        for row in (ws.toggles.toggles, ws.toggles.sliders, ws.toggles.has_boxes):
            for widget in row:
                assert ws.toggles_scroll.viewport().rect().contains(QRect(widget.mapTo(ws.toggles_scroll.viewport(), QPoint(0, 0)), widget.size()))
    finally:
        controller.shutdown()


def test_a_new_photo_clears_photo_has_and_keeps_the_changes_with_a_visible_note(qtbot, workspace: AttributesWorkspace, dialogs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    panel = workspace.toggles
    panel.has_boxes[0].click()  # this photo has black hair
    with qtbot.waitSignal(workspace.vm.outputReady, timeout=TIMEOUT_MS):
        panel.toggles[3].click()  # change: male
    second = tmp_path / "second.png"
    Image.fromarray(smooth_image(120, 100, seed=4)).save(second)
    dialogs.open_answers.append(str(second))
    with qtbot.waitSignal(workspace.vm.outputReady, timeout=TIMEOUT_MS):
        qtbot.mouseClick(workspace.open_photo_button, Qt.MouseButton.LeftButton)
    assert [b.isChecked() for b in panel.has_boxes] == [False] * 5  # "photo has" described the other photo
    assert panel.toggles[3].isChecked() and panel.sliders[3].isEnabled()  # the change asked for stays
    assert panel.original_note.isVisible() and "second.png" in panel.original_note.text() and "Black Hair" in panel.original_note.text()
    assert not panel.detect_button.isVisible()  # this model has no classifier
    assert "every photo of the folder" in workspace.folder_note.text() and workspace.folder_note.isVisible()


def test_keep_photo_detail_changes_the_result_shown(qtbot, workspace: AttributesWorkspace) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(workspace.vm.outputReady, timeout=TIMEOUT_MS):
        workspace.toggles.toggles[1].click()
    shown = workspace.output_pane.image.copy()
    assert shown.width() == 178  # the crop box, as it will be exported
    with qtbot.waitSignal(workspace.vm.outputChanged, timeout=TIMEOUT_MS):
        workspace.detail_check.click()
    assert not workspace.vm.keep_detail and workspace.output_pane.image != shown


def test_a_model_with_a_classifier_ticks_photo_has_and_says_folder_runs_detect(qtbot, dialogs, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = save_stargan_with_classifier(tmp_path / "with-d.safetensors")
    controller = InferenceController(lambda: JobRunner(device="cpu", threads=1))
    vm = AttributesViewModel(controller)
    ws = AttributesWorkspace(vm, dialogs)
    qtbot.addWidget(ws)
    try:
        ws.resize(900, 640)
        ws.show()
        qtbot.waitExposed(ws)
        dialogs.open_answers.append(str(model))
        with qtbot.waitSignal(vm.modelChanged, timeout=TIMEOUT_MS):
            qtbot.mouseClick(ws.open_model_button, Qt.MouseButton.LeftButton)
        assert ws.toggles.detect_button.isVisible() and "detected for each photo" in ws.folder_note.text()
        photo = tmp_path / "bright.png"
        Image.fromarray(flat_photo(80, 64, 230)).save(photo)
        dialogs.open_answers.append(str(photo))
        with qtbot.waitSignal(vm.originalNote, timeout=TIMEOUT_MS):
            qtbot.mouseClick(ws.open_photo_button, Qt.MouseButton.LeftButton)
        assert [int(b.isChecked()) for b in ws.toggles.has_boxes] == BRIGHT_LABELS
        assert "classifier" in ws.toggles.original_note.text()
        ws.toggles.has_boxes[3].click()  # the user corrects it; Detect puts the classifier's answer back
        assert vm.original[3] == 0
        with qtbot.waitSignal(vm.originalNote, timeout=TIMEOUT_MS):
            qtbot.mouseClick(ws.toggles.detect_button, Qt.MouseButton.LeftButton)
        assert ws.toggles.has_boxes[3].isChecked()
    finally:
        controller.shutdown()
