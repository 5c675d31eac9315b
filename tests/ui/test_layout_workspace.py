"""The Layout workspace driven like a user: open a LostGAN file, draw boxes with the mouse, get a picture; re-roll one
object and only its part of the picture changes much; move a box and undo it; search the class list; the window
opens LostGAN files in Layout and the bundled model starts it."""
from __future__ import annotations

import lzma
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from ganstudio.app.inference import InferenceController
from ganstudio.app.layout_viewmodel import LayoutViewModel
from ganstudio.document.image_io import read_image_settings
from ganstudio.engine.runner import JobRunner
from ganstudio.ui.layout.workspace import LayoutWorkspace

TIMEOUT_MS = 30_000
ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "lostgan" / "netGv2_tiny128.pth.xz"  # made by the reference code (ch 4, COCO classes)
BUNDLED = ROOT / "resources" / "models" / "landscape-lostgan.safetensors"


@pytest.fixture(scope="module")
def official_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lostgan") / "netGv2_tiny128.pth"
    path.write_bytes(lzma.decompress(FIXTURE.read_bytes()))
    return path


@pytest.fixture
def workspace(qtbot, dialogs, official_file):  # type: ignore[no-untyped-def]
    controller = InferenceController(lambda: JobRunner(device="cpu", threads=1))
    vm = LayoutViewModel(controller, seed=0)
    ws = LayoutWorkspace(vm, dialogs)
    qtbot.addWidget(ws)
    ws.resize(900, 560)
    ws.show()
    qtbot.waitExposed(ws)
    dialogs.open_answers.append(str(official_file))
    with qtbot.waitSignal(vm.outputChanged, timeout=TIMEOUT_MS):  # the model, then the first picture (its starter layout)
        qtbot.mouseClick(ws.open_model_button, Qt.MouseButton.LeftButton)
    yield ws
    controller.shutdown()


def at(ws: LayoutWorkspace, x: float, y: float) -> QPoint:
    """The canvas pixel of layout point (x, y) in [0, 1]."""
    return ws.canvas.to_widget(x, y).topLeft().toPoint()


def drag(ws: LayoutWorkspace, start: tuple[float, float], end: tuple[float, float], steps: int = 4) -> None:
    canvas = ws.canvas
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(ws, *start))
    for i in range(1, steps + 1):
        t = i / steps
        QTest.mouseMove(canvas, at(ws, start[0] + (end[0] - start[0]) * t, start[1] + (end[1] - start[1]) * t))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(ws, *end))


def wait_for_full_picture(qtbot, ws: LayoutWorkspace) -> None:  # type: ignore[no-untyped-def]
    """Until the picture shown is the full render of the layout as it is now."""
    vm = ws.vm
    qtbot.waitUntil(lambda: vm.output is not None and not vm.output.preview and vm.output.state == vm.state, timeout=TIMEOUT_MS)


def clear_layout(qtbot, ws: LayoutWorkspace) -> None:  # type: ignore[no-untyped-def]
    """Select every box by a click and delete it with the Delete key."""
    while ws.vm.boxes:
        box = ws.vm.boxes[-1]
        QTest.mouseClick(ws.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(ws, box.x + box.w / 2, box.y + box.h / 2))
        assert ws.vm.selected == len(ws.vm.boxes) - 1
        QTest.keyClick(ws.canvas, Qt.Key.Key_Delete)


def test_drawn_boxes_make_a_picture_and_a_reroll_changes_mostly_its_object(qtbot, workspace: LayoutWorkspace) -> None:  # type: ignore[no-untyped-def]
    ws, vm = workspace, workspace.vm
    assert "184 classes" not in ws.model_label.text() and "183 classes" in ws.model_label.text()  # class 0 pads: not offered
    assert "up to 8 objects" in ws.model_label.text()
    clear_layout(qtbot, ws)
    assert vm.boxes == ()
    ws.class_list.start_search("car")
    qtbot.keyClick(ws.class_list.search, Qt.Key.Key_Return)
    car = vm.current_class
    assert vm.class_by_id(car).name == "car"
    drag(ws, (0.05, 0.1), (0.45, 0.6))
    ws.class_list.search.clear()
    ws.class_list.start_search("tree")
    qtbot.keyClick(ws.class_list.search, Qt.Key.Key_Return)
    drag(ws, (0.5, 0.45), (0.95, 0.95))
    assert [vm.class_by_id(b.class_id).name for b in vm.boxes] == ["car", "tree"]
    assert vm.boxes[0].rect == pytest.approx((0.05, 0.1, 0.4, 0.5), abs=0.02)
    wait_for_full_picture(qtbot, ws)
    before = vm.output
    assert before.image.shape == (128, 128, 3) and before.masks.shape == (2, 128, 128)
    assert ws.output.picture is before.image and ws.export_button.isEnabled()

    box = vm.boxes[1]
    QTest.mouseClick(ws.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(ws, box.x + box.w / 2, box.y + box.h / 2))
    assert vm.selected == 1 and ws.reroll_object_button.isEnabled()
    qtbot.mouseClick(ws.reroll_object_button, Qt.MouseButton.LeftButton)
    assert vm.boxes[1].seed != box.seed and vm.boxes[0] == before.state.boxes[0]
    wait_for_full_picture(qtbot, ws)
    after = vm.output
    change = np.abs(after.image.astype(int) - before.image.astype(int)).mean(axis=2)
    inside = np.maximum(before.masks[1], after.masks[1]) > 0.05 * 255
    # measured on this fixture (view-model seed 0): mean change 35.3 levels inside the re-rolled tree's mask, 5.9 outside
    assert change[inside].mean() > 25
    assert change[~inside].mean() < 9
    assert change[~inside].mean() < 0.3 * change[inside].mean()

    ws.show_masks_check.setChecked(True)
    tinted = ws.output.shown_array()
    assert tinted is not None and np.abs(tinted.astype(int) - after.image.astype(int))[inside].mean() > 5


def test_moving_a_box_previews_while_dragging_and_undo_puts_it_back(qtbot, workspace: LayoutWorkspace) -> None:  # type: ignore[no-untyped-def]
    ws, vm = workspace, workspace.vm
    wait_for_full_picture(qtbot, ws)
    box = vm.boxes[0]
    start = (box.x + box.w / 2, box.y + box.h / 2)
    previews = []
    vm.outputChanged.connect(lambda: previews.append(vm.output.preview))
    steps_before = vm.undo_stack.count()
    drag(ws, start, (start[0] + 0.1, start[1] + 0.05), steps=3)
    moved = vm.boxes[0]
    assert (moved.x, moved.y) == pytest.approx((box.x + 0.1, box.y + 0.05), abs=0.02) and (moved.w, moved.h) == (box.w, box.h)
    assert vm.undo_stack.count() == steps_before + 1  # the whole drag is one step
    wait_for_full_picture(qtbot, ws)
    assert previews[-1] is False
    qtbot.mouseClick(ws.undo_button, Qt.MouseButton.LeftButton)
    assert vm.boxes[0] == box
    wait_for_full_picture(qtbot, ws)
    qtbot.mouseClick(ws.redo_button, Qt.MouseButton.LeftButton)
    assert vm.boxes[0] == moved


def test_resize_by_a_handle_and_the_object_limit(qtbot, workspace: LayoutWorkspace) -> None:  # type: ignore[no-untyped-def]
    ws, vm = workspace, workspace.vm
    clear_layout(qtbot, ws)
    drag(ws, (0.2, 0.2), (0.4, 0.4))
    assert vm.selected == -1  # a new box is not selected: the next class picked draws the next box
    QTest.mouseClick(ws.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(ws, 0.3, 0.3))
    assert vm.selected == 0
    drag(ws, (0.4, 0.4), (0.6, 0.5))  # the bottom-right handle
    assert vm.boxes[0].rect == pytest.approx((0.2, 0.2, 0.4, 0.3), abs=0.02)
    for i in range(vm.max_objects - 1):
        drag(ws, (0.05 + 0.1 * i, 0.8), (0.1 + 0.1 * i, 0.9))
    assert len(vm.boxes) == vm.max_objects == 8
    drag(ws, (0.7, 0.1), (0.9, 0.15))
    assert len(vm.boxes) == 8 and "at most 8 objects" in ws.note_label.text()


def test_the_class_search_narrows_the_list_and_picks_the_selected_box_class(qtbot, workspace: LayoutWorkspace) -> None:  # type: ignore[no-untyped-def]
    ws, vm = workspace, workspace.vm
    clear_layout(qtbot, ws)
    drag(ws, (0.1, 0.1), (0.5, 0.5))
    QTest.mouseClick(ws.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(ws, 0.3, 0.3))
    assert vm.selected == 0
    ws.canvas.setFocus()
    QTest.keyClicks(ws.canvas, "g")  # a letter over the canvas starts the search
    assert ws.class_list.search.hasFocus() and ws.class_list.search.text() == "g"
    QTest.keyClicks(ws.class_list.search, "rass")
    assert ws.class_list.shown_names() == ["grass"]
    QTest.keyClick(ws.class_list.search, Qt.Key.Key_Return)
    assert vm.class_by_id(vm.boxes[0].class_id).name == "grass"  # the selected box took the class
    ws.undo_button.click()
    assert vm.class_by_id(vm.boxes[0].class_id).name != "grass"


def test_the_window_opens_lostgan_files_in_layout(qtbot, make_window, official_file: Path, dialogs, tmp_path: Path, spade_model_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    names = [window.workspaces.tabText(i) for i in range(window.workspaces.count())]
    assert "Layout" in names
    window.workspaces.setCurrentWidget(window.layout_workspace)  # an official .pth tells its kind once loaded
    with qtbot.waitSignal(window.layout_vm.modelChanged, timeout=TIMEOUT_MS):
        assert window.load_model(str(official_file)) == "layout"
    assert window.current_workspace.name == "layout" and window.current_workspace.model_path() == str(official_file)
    qtbot.waitUntil(lambda: window.layout_vm.output is not None, timeout=TIMEOUT_MS)
    target = tmp_path / "from-menu.png"
    dialogs.save_answers.append(str(target))
    window.act_export.trigger()  # File › Export on Layout writes the layout's picture with its boxes
    shown = [window.layout_vm.class_by_id(b.class_id).name for b in window.layout_vm.output.state.boxes]
    assert [o["class"] for o in read_image_settings(target)["objects"]] == shown == ["mountain", "tree"]  # the starter boxes COCO has
    ws = window.layout_workspace
    drag(ws, (0.1, 0.1), (0.3, 0.3))
    added = len(window.layout_vm.boxes)
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # the window's undo acts on the layout here
    assert len(window.layout_vm.boxes) == added - 1
    dialogs.open_answers.append(str(spade_model_path))
    with qtbot.waitSignal(window.layout_vm.modelRejected, timeout=TIMEOUT_MS):
        qtbot.mouseClick(ws.open_model_button, Qt.MouseButton.LeftButton)  # a painting model: refused in words
    assert "needs a LostGAN-v2 model" in window.messages[-1] and "needs a LostGAN-v2 model" in ws.note_label.text()
    assert window.layout_vm.model.path == str(official_file)  # the layout keeps its model


@pytest.mark.skipif(not BUNDLED.is_file(), reason="the bundled LostGAN model is not there")
def test_the_bundled_model_starts_layout_with_a_landscape(qtbot, make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "bundled"
    folder.mkdir()
    (folder / BUNDLED.name).write_bytes(BUNDLED.read_bytes())
    window = make_window(bundled_model_folder=str(folder))
    window.workspaces.setCurrentWidget(window.layout_workspace)
    window.start()
    vm = window.layout_vm
    qtbot.waitUntil(lambda: vm.output is not None, timeout=TIMEOUT_MS)
    assert Path(vm.model.path).name == BUNDLED.name
    assert [vm.class_by_id(b.class_id).name for b in vm.boxes] == ["sky", "mountain", "tree", "water"]
    assert vm.output.image.shape == (128, 128, 3) and vm.max_objects == 8
