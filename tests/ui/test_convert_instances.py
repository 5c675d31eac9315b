"""The Convert workspace with an InstaGAN model, driven like a user: open the model and a picture, add instance
layers, paint them with the mouse on the view, get the output and the translated masks, remove a layer, import
masks, save, and the folder run that is off for it."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from instance_models import save_instagan
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from translation_models import save_cyclegan, smooth_image

from ganstudio.app.converter_viewmodel import INSTANCE_HINT, ConverterViewModel
from ganstudio.app.inference import InferenceController
from ganstudio.engine.runner import JobRunner
from ganstudio.ui.convert.workspace import ConverterWorkspace

TIMEOUT_MS = 20_000
HEIGHT, WIDTH = 48, 64


@pytest.fixture(scope="module")
def instagan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_instagan(tmp_path_factory.mktemp("models") / "tiny-instagan.safetensors")


@pytest.fixture
def picture(tmp_path: Path) -> Path:
    path = tmp_path / "scene.png"
    Image.fromarray(smooth_image(HEIGHT, WIDTH, seed=3)).save(path)
    return path


@pytest.fixture
def workspace(qtbot, dialogs, instagan, picture):  # type: ignore[no-untyped-def]
    controller = InferenceController(lambda: JobRunner(device="cpu", threads=1))
    vm = ConverterViewModel(controller)
    ws = ConverterWorkspace(vm, dialogs)
    qtbot.addWidget(ws)
    ws.resize(900, 700)
    ws.show()
    qtbot.waitExposed(ws)
    dialogs.open_answers.append(str(instagan))
    with qtbot.waitSignal(vm.modelChanged, timeout=TIMEOUT_MS):
        qtbot.mouseClick(ws.open_model_button, Qt.MouseButton.LeftButton)
    dialogs.open_answers.append(str(picture))
    with qtbot.waitSignal(vm.inputChanged, timeout=TIMEOUT_MS):
        qtbot.mouseClick(ws.open_image_button, Qt.MouseButton.LeftButton)
    yield ws
    controller.shutdown()


def view_point(ws: ConverterWorkspace, x: float, y: float) -> QPoint:
    view = ws.compare
    return (view.offset + QPointF(x, y) * view.scale).toPoint()


def paint(qtbot, ws: ConverterWorkspace, points: list[tuple[float, float]], button=Qt.MouseButton.LeftButton,  # type: ignore[no-untyped-def]
          modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A mouse drag on the view through picture points."""
    view = ws.compare
    qtbot.mousePress(view, button, modifier, view_point(ws, *points[0]))
    for x, y in points[1:]:
        qtbot.mouseMove(view, view_point(ws, x, y))
    qtbot.mouseRelease(view, button, modifier, view_point(ws, *points[-1]))


def select_layer(qtbot, ws: ConverterWorkspace, row: int) -> None:  # type: ignore[no-untyped-def]
    layers = ws.instances.layer_list
    qtbot.mouseClick(layers.viewport(), Qt.MouseButton.LeftButton, pos=layers.visualItemRect(layers.item(row)).center())
    assert ws.vm.instances.selected == row


def test_paint_two_instances_convert_and_remove_one(qtbot, workspace: ConverterWorkspace) -> None:  # type: ignore[no-untyped-def]
    ws, vm = workspace, workspace.vm
    panel = ws.instances
    # the start: the Instances column, and a hint instead of an error or a conversion
    assert ws.instance_area.isVisible() and ws.direction_combo.isEnabled()
    assert vm.output is None and vm.pending_job is None
    assert INSTANCE_HINT in ws.info_label.text().lower() and INSTANCE_HINT in panel.hint.text()
    assert ws.compare.waiting_caption == INSTANCE_HINT
    for _ in range(2):
        qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    assert [panel.layer_list.item(i).text() for i in range(panel.layer_list.count())] == ["Instance 1", "Instance 2"]
    assert vm.output is None  # empty layers are still nothing to translate
    passes: list[tuple[int, int]] = []
    vm.conversionProgress.connect(lambda done, total: passes.append((done, total)))
    # the divider sits at half the width: the input side is x < 32
    select_layer(qtbot, ws, 0)
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        paint(qtbot, ws, [(6, 10), (12, 12), (18, 14)])
    assert vm.instances.layers[0].mask[12, 12] == 255 and not vm.instances.layers[1].painted
    assert len(vm.output_masks) == 1
    select_layer(qtbot, ws, 1)
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        paint(qtbot, ws, [(8, 32), (20, 36), (24, 40)])
    assert vm.output.shape == (HEIGHT, WIDTH, 3) and vm.output.dtype == np.uint8
    assert [number for number, _ in vm.output_masks] == [1, 2]
    assert all(mask.shape == (HEIGHT, WIDTH) and mask.dtype == np.uint8 for _, mask in vm.output_masks)
    assert panel.mask_strip.count() == 2 and panel.masks_title.text() == "Translated masks (2)"
    assert (0, 1) in passes  # two masks: one pass
    assert "2 instance(s), 1 pass(es)" in ws.info_label.text()
    assert ws.compare.input_overlay is not None and ws.compare.output is not None
    # the right button erases, with the brush's size
    panel.brush_spin.setValue(4)
    assert vm.instances.brush == 4 and ws.compare.brush == 4
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        paint(qtbot, ws, [(20, 36)], button=Qt.MouseButton.RightButton)
    assert vm.instances.layers[1].mask[36, 20] == 0 and vm.instances.layers[1].mask[40, 24] == 255
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):  # so does Shift with the left one
        paint(qtbot, ws, [(24, 40)], modifier=Qt.KeyboardModifier.ShiftModifier)
    assert vm.instances.layers[1].mask[40, 24] == 0
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):  # and Undo takes the last stroke back
        qtbot.mouseClick(panel.undo_button, Qt.MouseButton.LeftButton)
    assert vm.instances.layers[1].mask[40, 24] == 255 and vm.instances.layers[1].mask[36, 20] == 0
    # the translated masks over the output, on request
    qtbot.mouseClick(panel.overlay_check, Qt.MouseButton.LeftButton)
    assert ws.compare.output_overlay is not None
    # removing a layer converts again with the other one
    select_layer(qtbot, ws, 0)
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    assert [number for number, _ in vm.output_masks] == [2] and panel.mask_strip.count() == 1
    assert vm.output.shape == (HEIGHT, WIDTH, 3) and vm.output_masks[0][1].shape == (HEIGHT, WIDTH)
    # and removing the last one comes back to the hint, with no output
    with qtbot.waitSignal(vm.outputChanged, timeout=TIMEOUT_MS):
        qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    assert vm.output is None and panel.mask_strip.count() == 0 and INSTANCE_HINT in ws.info_label.text().lower()


def test_importing_a_mask_of_another_size_says_so(qtbot, workspace: ConverterWorkspace, dialogs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = workspace
    small = tmp_path / "small_mask.png"
    Image.fromarray(np.full((20, 30), 255, np.uint8)).save(small)
    dialogs.open_answers.append(str(small))
    with qtbot.waitSignal(ws.notice, timeout=TIMEOUT_MS) as note:
        qtbot.mouseClick(ws.instances.import_button, Qt.MouseButton.LeftButton)
    assert "small_mask.png" in note.args[0] and "30x20" in note.args[0] and f"{WIDTH}x{HEIGHT}" in note.args[0]
    assert ws.instances.layer_list.count() == 0 and ws.vm.output is None
    # one of the right size becomes a layer and converts
    good = np.zeros((HEIGHT, WIDTH), np.uint8)
    good[10:30, 5:25] = 255
    Image.fromarray(good).save(tmp_path / "good_mask.png")
    dialogs.open_answers.append(str(tmp_path / "good_mask.png"))
    with qtbot.waitSignal(ws.vm.outputReady, timeout=TIMEOUT_MS):
        qtbot.mouseClick(ws.instances.import_button, Qt.MouseButton.LeftButton)
    assert ws.instances.layer_list.count() == 1 and np.array_equal(ws.vm.instances.layers[0].mask, good)
    # dialogs that offer several files at once (the window's do): one layer each
    Image.fromarray(np.roll(good, 20, axis=1)).save(tmp_path / "second.png")
    Image.fromarray(np.roll(good, 16, axis=0)).save(tmp_path / "third.png")
    dialogs.open_answers.append(os.pathsep.join([str(tmp_path / "second.png"), str(tmp_path / "third.png")]))
    with qtbot.waitSignal(ws.vm.outputReady, timeout=TIMEOUT_MS):
        qtbot.mouseClick(ws.instances.import_button, Qt.MouseButton.LeftButton)
    assert ws.instances.layer_list.count() == 3 and len(ws.vm.output_masks) == 3 and ws.instances.mask_strip.count() == 3


def test_direction_save_with_masks_and_no_folder_run(qtbot, workspace: ConverterWorkspace, dialogs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws, vm = workspace, workspace.vm
    assert ws.direction_combo.currentText() == "trees → rocks"
    assert not ws.folder.start_button.isEnabled() and "one picture at a time" in ws.folder.start_button.toolTip()
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        paint(qtbot, ws, [(5, 5), (15, 20)])  # with no layer, the first stroke makes one
    forward = vm.output.copy()
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        ws.direction_combo.setCurrentIndex(1)  # rocks → trees: the file's reverse generator
    assert vm.direction == "BtoA" and not np.array_equal(forward, vm.output)
    target = tmp_path / "out" / "scene_converted.png"
    target.parent.mkdir()
    dialogs.save_answers.append(str(target))
    with qtbot.waitSignal(ws.notice, timeout=TIMEOUT_MS) as note:
        qtbot.mouseClick(ws.save_button, Qt.MouseButton.LeftButton)
    assert "1 translated mask" in note.args[0]
    assert sorted(p.name for p in target.parent.iterdir()) == ["scene_converted.png", "scene_converted_mask1.png"]
    saved = np.asarray(Image.open(target.parent / "scene_converted_mask1.png"))
    assert saved.shape == (HEIGHT, WIDTH) and np.array_equal(saved, vm.output_masks[0][1])


def test_other_models_keep_the_plain_view(qtbot, workspace: ConverterWorkspace, dialogs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = workspace
    cyclegan = save_cyclegan(tmp_path / "c.safetensors", resolution=32)
    dialogs.open_answers.append(str(cyclegan))
    with qtbot.waitSignal(ws.vm.outputReady, timeout=TIMEOUT_MS):
        qtbot.mouseClick(ws.open_model_button, Qt.MouseButton.LeftButton)
    assert not ws.instance_area.isVisible() and ws.folder.start_button.isEnabled() and ws.vm.output_masks == []
    before = ws.split_slider.value()
    paint(qtbot, ws, [(5, 20), (25, 20)])  # a left drag pans, it does not paint
    assert ws.vm.instances.layers == [] and ws.split_slider.value() == before


@pytest.mark.parametrize("size", [(760, 560), (1024, 700)])
def test_three_instances_take_two_passes_and_the_column_fits(qtbot, workspace: ConverterWorkspace, size, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from layout_checks import clipped_widgets

    ws = workspace
    passes: list[tuple[int, int]] = []
    ws.vm.conversionProgress.connect(lambda done, total: passes.append((done, total)))
    for row, y in enumerate((8, 22, 36)):
        qtbot.mouseClick(ws.instances.add_button, Qt.MouseButton.LeftButton)
        with qtbot.waitSignal(ws.vm.outputReady, timeout=TIMEOUT_MS):
            paint(qtbot, ws, [(4 + 4 * row, y), (18, y + 2)])
    # three masks take two passes; the worker reports the second before it runs
    assert ws.vm.output_info["passes"] == 2 and (1, 2) in passes and len(ws.vm.output_masks) == 3
    ws.resize(*size)
    qtbot.waitUntil(lambda: (ws.width(), ws.height()) == size)
    ws.grab().save(str(tmp_path / f"instances-{size[0]}x{size[1]}.png"))  # to look at
    assert clipped_widgets(ws) == []
    assert ws.compare.width() >= 400 and ws.compare.height() >= 200
    assert ws.instance_area.geometry().right() <= ws.width()


def test_a_newer_stroke_cancels_the_conversion_on_its_way(qtbot, workspace: ConverterWorkspace, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    vm = workspace.vm
    cancelled: list[int] = []
    real_cancel = vm.controller.cancel
    monkeypatch.setattr(vm.controller, "cancel", lambda job_id: cancelled.append(job_id) or real_cancel(job_id))
    paint(qtbot, workspace, [(4, 4), (10, 10)])
    first = vm.pending_job
    assert first is not None
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS) as arrived:
        paint(qtbot, workspace, [(4, 30), (10, 40)])  # at once: the first job stops before its next pass (or is dropped)
    assert cancelled == [first] and arrived.args[0] == vm.revision
    assert vm.instances.layers[0].mask[40, 10] == 255 and len(vm.output_masks) == 1


def test_a_picture_opens_with_the_masks_saved_beside_it(qtbot, workspace: ConverterWorkspace, dialogs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """<stem>_mask<k>.png beside a picture (as "Save output..." writes them) become its layers, in order of k."""
    folder = tmp_path / "with-masks"
    folder.mkdir()
    Image.fromarray(smooth_image(HEIGHT, WIDTH, seed=5)).save(folder / "pair.png")
    for k, (top, left) in ((2, (30, 40)), (1, (4, 4))):
        mask = np.zeros((HEIGHT, WIDTH), np.uint8)
        mask[top : top + 10, left : left + 12] = 255
        Image.fromarray(mask).save(folder / f"pair_mask{k}.png")
    dialogs.open_answers.append(str(folder / "pair.png"))
    with qtbot.waitSignal(workspace.vm.outputReady, timeout=TIMEOUT_MS):
        qtbot.mouseClick(workspace.open_image_button, Qt.MouseButton.LeftButton)
    layers = workspace.vm.instances.layers
    assert workspace.instances.layer_list.count() == 2 and len(workspace.vm.output_masks) == 2
    assert layers[0].mask[5, 5] == 255 and layers[1].mask[35, 45] == 255  # mask1 first
