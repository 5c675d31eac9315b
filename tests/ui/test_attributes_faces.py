"""Attributes on detected faces, with the real widgets and the bundled faces-stargan: find, turn, edit, paste back, folders."""
from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt

from ganstudio.app.attributes_viewmodel import AttributesViewModel
from ganstudio.app.inference import InferenceController
from ganstudio.document.face_align import FacePoints, align_square
from ganstudio.document.image_io import read_image_settings, read_photo
from ganstudio.engine.runner import JobRunner
from ganstudio.ui.attributes.workspace import AttributesWorkspace

TIMEOUT_MS = 30_000
ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "resources" / "models" / "faces-stargan.safetensors"
FACES = ROOT / "tests" / "fixtures" / "faces"
NO_FACE = ROOT / "resources" / "samples" / "landscapes" / "landscape-1.png"

pytestmark = pytest.mark.skipif(not BUNDLED.exists(), reason="the bundled faces-stargan is not in this checkout")


@pytest.fixture
def workspace(qtbot, dialogs):  # type: ignore[no-untyped-def]
    controller = InferenceController(lambda: JobRunner(device="cpu", threads=1))
    vm = AttributesViewModel(controller)
    ws = AttributesWorkspace(vm, dialogs)
    qtbot.addWidget(ws)
    ws.resize(1000, 700)
    ws.show()
    qtbot.waitExposed(ws)
    dialogs.open_answers.append(str(BUNDLED))
    with qtbot.waitSignal(vm.attributesChanged, timeout=TIMEOUT_MS):
        qtbot.mouseClick(ws.open_model_button, Qt.MouseButton.LeftButton)
    yield ws
    controller.shutdown()


def open_photo(qtbot, ws: AttributesWorkspace, dialogs, path: Path) -> None:  # type: ignore[no-untyped-def]
    dialogs.open_answers.append(str(path))
    with qtbot.waitSignal(ws.vm.outputReady, timeout=TIMEOUT_MS):
        qtbot.mouseClick(ws.open_photo_button, Qt.MouseButton.LeftButton)


def find_faces(qtbot, ws: AttributesWorkspace) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(ws.vm.facesChanged, timeout=TIMEOUT_MS):
        qtbot.mouseClick(ws.find_faces_button, Qt.MouseButton.LeftButton)


def test_a_found_face_is_cut_turned_edited_and_pasted_back(qtbot, workspace: AttributesWorkspace, dialogs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    vm, view = workspace.vm, workspace.crop_view
    open_photo(qtbot, workspace, dialogs, FACES / "astronaut.jpg")
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):  # the found face's crop is edited afresh
        find_faces(qtbot, workspace)
    assert len(vm.faces) == 1 and vm.face_index == 0
    assert workspace.faces_label.text() == "Face 1 of 1"
    # the bundled model learnt from the project's procedural faces: its faces are cut by their template
    assert vm.alignment == "synthetic"
    assert vm.square == align_square(vm.faces[0].points, "synthetic")
    assert vm.model_input.shape == (64, 64, 3)

    # turn the square by dragging its knob a quarter turn about the centre
    square = vm.square
    knob = view.knob_point(square)
    centre = view.to_screen(square.cx + 0.5, square.cy + 0.5)
    radius = math.hypot(knob.x() - centre.x(), knob.y() - centre.y())
    start_angle = math.atan2(knob.y() - centre.y(), knob.x() - centre.x())
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=knob.toPoint())
    for step in range(1, 4):  # through intermediate points, as a hand does
        a = start_angle + math.radians(10 * step)
        qtbot.mouseMove(view, QPointF(centre.x() + radius * math.cos(a), centre.y() + radius * math.sin(a)).toPoint())
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPointF(centre.x() + radius * math.cos(a), centre.y() + radius * math.sin(a)).toPoint())
    assert vm.square.angle == pytest.approx(square.angle + 30, abs=3)
    assert (vm.square.cx, vm.square.cy, vm.square.size) == pytest.approx((square.cx, square.cy, square.size))
    # scale it with the wheel, then move it back by dragging inside
    with qtbot.waitSignal(vm.cropChanged, timeout=TIMEOUT_MS):
        qtbot.wait(1)  # let the release settle before the wheel
        view.wheelEvent(_wheel(view, 120))
    assert vm.square.size == pytest.approx(square.size * 1.1)

    photo = read_photo(FACES / "astronaut.jpg").pixels
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        workspace.toggles.toggles[vm.attributes.index("Blond_Hair")].click()
    full = vm.pasted()
    assert full.shape == photo.shape
    x0, y0, x1, y1 = (int(v) for v in vm.square.bounds())
    outside = np.ones(photo.shape[:2], bool)
    outside[max(0, y0 - 1) : y1 + 2, max(0, x0 - 1) : x1 + 2] = False
    assert np.array_equal(full[outside], photo[outside])  # nothing changes outside the face square
    assert np.abs(full.astype(int) - photo).sum() > 0  # and the edit is in the photo

    target = tmp_path / "astronaut_blond.png"
    dialogs.save_answers.append(str(target))
    with qtbot.waitSignal(workspace.notice, timeout=TIMEOUT_MS) as note:
        qtbot.mouseClick(workspace.export_button, Qt.MouseButton.LeftButton)
    assert "512x512" in note.args[0]
    settings = read_image_settings(target)
    assert settings["crop"]["alignment"] == "synthetic" and len(settings["crop"]["square"]) == 4


def _wheel(view, delta: int):  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QWheelEvent

    centre = QPointF(view.width() / 2, view.height() / 2)
    return QWheelEvent(centre, view.mapToGlobal(centre), QPoint(0, 0), QPoint(0, delta), Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)


def test_several_faces_are_found_and_a_click_selects_another(qtbot, workspace: AttributesWorkspace, dialogs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    group = np.zeros((600, 1024, 3), np.uint8)
    group[:512, :512] = np.asarray(Image.open(FACES / "astronaut.jpg").convert("RGB"))
    group[:, 512:] = np.asarray(Image.open(FACES / "grace_hopper.jpg").convert("RGB"))
    path = tmp_path / "two.png"
    Image.fromarray(group).save(path)
    open_photo(qtbot, workspace, dialogs, path)
    find_faces(qtbot, workspace)
    vm, view = workspace.vm, workspace.crop_view
    assert len(vm.faces) == 2 and vm.face_index == 0
    other = vm.faces[1]
    x, y, w, h = other.box
    inside = view.to_screen(x + w * 0.5, y + h * 0.9).toPoint()  # inside the other face's box, outside the current square
    assert not view.square_polygon(vm.square).containsPoint(QPointF(inside), Qt.FillRule.OddEvenFill)
    with qtbot.waitSignal(vm.facesChanged, timeout=TIMEOUT_MS):
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=inside)
    assert vm.face_index == 1 and workspace.faces_label.text() == "Face 2 of 2"
    assert vm.square == other.square(vm.alignment)


def test_a_photo_without_a_face_is_said_so_and_keeps_its_crop(qtbot, workspace: AttributesWorkspace, dialogs) -> None:  # type: ignore[no-untyped-def]
    open_photo(qtbot, workspace, dialogs, NO_FACE)
    box = workspace.vm.box
    with qtbot.waitSignal(workspace.notice, timeout=TIMEOUT_MS) as note:
        qtbot.mouseClick(workspace.find_faces_button, Qt.MouseButton.LeftButton)
    assert "No face found in landscape-1.png" in note.args[0]
    assert workspace.vm.faces == [] and workspace.vm.square is None and workspace.vm.box == box
    assert workspace.faces_label.text() == "No face"


def test_a_folder_run_edits_every_face_and_lists_photos_without_one(qtbot, workspace: AttributesWorkspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    for name in ("astronaut.jpg", "grace_hopper.jpg"):
        shutil.copy(FACES / name, source / name)
    shutil.copy(NO_FACE, source / "landscape.png")
    vm = workspace.vm
    vm.set_toggle(vm.attributes.index("Male"), True)
    workspace.folder_faces_check.setChecked(True)
    with qtbot.waitSignal(vm.batch.finished, timeout=120_000) as done:
        workspace._start_folder(str(source), str(out), "{stem}_edited.png", False)
    result = done.args[0]
    assert sorted(Path(p).name for p in result["written"]) == ["astronaut_edited.png", "grace_hopper_edited.png"]
    assert [(Path(p).name, why) for p, why in result["skipped"]] == [("landscape.png", "no face found")]
    settings = read_image_settings(out / "astronaut_edited.png")
    assert len(settings["faces"]) == 1 and settings["faces"][0]["alignment"] == "synthetic"
    # the photo outside its face square is untouched
    photo = read_photo(source / "astronaut.jpg").pixels
    edited = read_photo(out / "astronaut_edited.png").pixels
    cx, cy, size, angle = settings["faces"][0]["square"]
    reach = size * (abs(math.cos(math.radians(angle))) + abs(math.sin(math.radians(angle)))) / 2 + 2
    yy, xx = np.mgrid[: photo.shape[0], : photo.shape[1]]
    far = (np.abs(xx - cx) > reach) | (np.abs(yy - cy) > reach)
    assert np.array_equal(edited[far], photo[far])
    assert np.abs(edited.astype(int) - photo).sum() > 0


def test_manual_points_give_the_celeba_square_for_a_celeba_model() -> None:
    """A StarGAN without provenance (an official CelebA file) gets CelebA's cut."""
    from ganstudio.document.face_align import alignment_for_model

    assert alignment_for_model(None, "celeba") == "celeba"
    assert alignment_for_model({"data_command": "-m trainer.cli make-data faces DATA --n 4000"}, "celeba") == "synthetic"
    assert alignment_for_model({"alignment": "ffhq"}, "celeba") == "ffhq"
    points = FacePoints((204.0, 101.0), (246.0, 103.0), (224.5, 139.5))
    assert align_square(points, "celeba").size > align_square(points, "synthetic").size * 0.5
