"""The Latent workspace's portrait flow with the real widgets: open a photo, its face found and aligned, encoded by the
model's encoder, edited with a Directions slider, pasted back at full size and exported.

There is no face StyleGAN2 in the project (nothing may be downloaded), so the bundled landscape StyleGAN2 (64 px) and
its encoder stand in: the face comes back as a landscape-like picture, but every step of the flow is the one a face
model would take (the alignment is FFHQ's, as for a StyleGAN2 without other provenance).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from ganstudio.document.face_align import ffhq_square
from ganstudio.document.image_io import read_image_settings, read_photo
from ganstudio.ui.latent.workspace import LatentWorkspace
from latent_workspace_helpers import open_latent_workspace

TIMEOUT = 60_000
ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "resources" / "models" / "landscape-stylegan2.safetensors"
FACES = ROOT / "tests" / "fixtures" / "faces"
NO_FACE = ROOT / "resources" / "samples" / "landscapes" / "landscape-1.png"

pytestmark = pytest.mark.skipif(not MODEL.with_name("landscape-stylegan2-encoder.safetensors").exists(),
                                reason="the bundled StyleGAN2 and its encoder are not in this checkout")


@pytest.fixture
def workspace(qtbot, dialogs):  # type: ignore[no-untyped-def]
    widget, controller = open_latent_workspace(qtbot, dialogs, MODEL, TIMEOUT)
    yield widget
    controller.shutdown()


def open_face(qtbot, workspace: LatentWorkspace, dialogs, path: Path) -> None:  # type: ignore[no-untyped-def]
    panel = workspace.portrait_panel
    dialogs.open_answers.append(str(path))
    with qtbot.waitSignal(panel.vm.facesChanged, timeout=TIMEOUT, check_params_cb=lambda: panel.vm.faces_searched):
        qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)


def encode(qtbot, workspace: LatentWorkspace) -> dict:  # type: ignore[no-untyped-def]
    panel, vm = workspace.portrait_panel, workspace.vm
    with qtbot.waitSignal(panel.vm.encoded, timeout=TIMEOUT) as done:
        qtbot.mouseClick(panel.encode_button, Qt.MouseButton.LeftButton)
    wanted = vm.revision
    qtbot.waitUntil(lambda: vm.output is not None and vm.output.revision == wanted and not vm.output.preview, timeout=TIMEOUT)
    return done.args[0]


def test_photo_to_edited_face_pasted_back_and_exported(qtbot, workspace: LatentWorkspace, dialogs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    panel, vm = workspace.portrait_panel, workspace.vm
    pvm = panel.vm
    open_face(qtbot, workspace, dialogs, FACES / "astronaut.jpg")
    assert len(pvm.faces) == 1 and panel.faces_label.text() == "Face 1 of 1"
    assert pvm.alignment == "ffhq" and pvm.square == ffhq_square(pvm.faces[0].points)
    assert panel.aligned.pixmap() is not None and not panel.aligned.pixmap().isNull()
    assert panel.encode_button.isEnabled()  # the bundled model has its encoder beside it

    result = encode(qtbot, workspace)
    assert result["how"] == "encode" and result["ws"].shape == (vm.layout.num_ws, vm.layout.w_dim)
    assert vm.saved_origin == "projected" and vm.saved.name == "portrait astronaut.jpg"
    photo = read_photo(FACES / "astronaut.jpg").pixels
    # unedited, only the change is pasted: the photo comes back exactly
    assert np.array_equal(pvm.pasted(), photo)
    assert panel.export_button.isEnabled()

    # a Directions slider edits the face in the explorer, and the edit goes into the photo
    directions = workspace.directions_panel
    qtbot.waitUntil(lambda: len(directions.rows) > 0, timeout=TIMEOUT)
    directions.rows[0].slider.slider.setValue(directions.rows[0].slider.slider.maximum())
    wanted = vm.revision
    qtbot.waitUntil(lambda: vm.output is not None and vm.output.revision == wanted and not vm.output.preview, timeout=TIMEOUT)
    assert vm.edits
    full = pvm.pasted()
    assert full.shape == photo.shape
    changed = np.abs(full.astype(int) - photo).sum(axis=-1) > 0
    assert changed.sum() > 500
    x0, y0, x1, y1 = pvm.square.bounds()
    ys, xs = np.nonzero(changed)
    assert xs.min() >= x0 - 1 and xs.max() <= x1 + 1 and ys.min() >= y0 - 1 and ys.max() <= y1 + 1
    assert panel.pasted.pixmap() is not None and not panel.pasted.pixmap().isNull()

    # without "keep photo detail" the model's face replaces the photo's
    qtbot.mouseClick(panel.detail_check, Qt.MouseButton.LeftButton)
    assert not pvm.keep_detail
    replaced = pvm.pasted()
    assert np.abs(replaced.astype(int) - photo).sum() > np.abs(full.astype(int) - photo).sum()

    target = tmp_path / "astronaut_edited.png"
    dialogs.save_answers.append(str(target))
    with qtbot.waitSignal(vm.notice, timeout=TIMEOUT, check_params_cb=lambda text: text.startswith("Exported")) as note:
        qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
    assert "512x512" in note.args[0]
    assert np.array_equal(read_photo(target).pixels, replaced)
    settings = read_image_settings(target)
    assert settings["alignment"] == "ffhq" and settings["encoder"] == "landscape-stylegan2-encoder.safetensors"
    assert settings["latent"]["edits"]


def test_refining_starts_from_the_encoder_and_gets_closer(qtbot, workspace: LatentWorkspace, dialogs) -> None:  # type: ignore[no-untyped-def]
    panel = workspace.portrait_panel
    open_face(qtbot, workspace, dialogs, FACES / "grace_hopper.jpg")
    encoded = encode(qtbot, workspace)
    panel.steps_spin.setValue(30)
    with qtbot.waitSignal(panel.vm.encoded, timeout=TIMEOUT) as done:
        qtbot.mouseClick(panel.refine_button, Qt.MouseButton.LeftButton)
        assert panel.cancel_button.isVisible() and not panel.refine_button.isEnabled()
    refined = done.args[0]
    assert refined["how"] == "refine" and refined["psnr"] > encoded["psnr"]
    assert not panel.cancel_button.isVisible() and panel.refine_button.isEnabled()


def test_a_turned_square_is_what_gets_encoded(qtbot, workspace: LatentWorkspace, dialogs) -> None:  # type: ignore[no-untyped-def]
    panel = workspace.portrait_panel
    open_face(qtbot, workspace, dialogs, FACES / "astronaut.jpg")
    before = panel.vm.aligned()
    with qtbot.waitSignal(panel.vm.cropChanged, timeout=TIMEOUT):
        panel.vm.set_square(panel.vm.square.rotated(20))
    assert not np.array_equal(panel.vm.aligned(), before)
    assert encode(qtbot, workspace)["how"] == "encode"


def test_a_photo_without_a_face_is_said_so(qtbot, workspace: LatentWorkspace, dialogs) -> None:  # type: ignore[no-untyped-def]
    panel = workspace.portrait_panel
    with qtbot.waitSignal(workspace.vm.notice, timeout=TIMEOUT, check_params_cb=lambda text: "No face found" in text) as note:
        dialogs.open_answers.append(str(NO_FACE))
        qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    assert "landscape-1.png" in note.args[0]
    assert panel.vm.faces == [] and panel.faces_label.text() == "No face found"
