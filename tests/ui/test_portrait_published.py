"""The portrait flow on published encoder files (tiny random-weight e4e and HyperStyle files made by the reference code,
tests/fixtures/e4e): the file's own encoder, a HyperStyle file's separate W-encoder chosen by hand, HyperStyle passes whose
weight offsets the explorer renders, and the paste-back of the result."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from e4e_fixtures import checkpoint
from ganstudio.document.image_io import read_photo
from ganstudio.ui.latent.workspace import LatentWorkspace
from latent_workspace_helpers import open_latent_workspace

TIMEOUT = 90_000
FACE = Path(__file__).resolve().parents[1] / "fixtures" / "faces" / "astronaut.jpg"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("published")
    return {name: checkpoint(folder, name) for name in ("e4e_64", "hyperstyle_128", "hyperstyle_128_w_encoder")}


def opened(qtbot, dialogs, path: Path):  # type: ignore[no-untyped-def]
    widget, controller = open_latent_workspace(qtbot, dialogs, path, TIMEOUT)
    panel = widget.portrait_panel
    dialogs.open_answers.append(str(FACE))
    with qtbot.waitSignal(panel.vm.facesChanged, timeout=TIMEOUT, check_params_cb=lambda: panel.vm.faces_searched):
        qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    return widget, controller


def click_and_wait(qtbot, workspace: LatentWorkspace, button) -> dict:  # type: ignore[no-untyped-def]
    vm = workspace.vm
    with qtbot.waitSignal(workspace.portrait_panel.vm.encoded, timeout=TIMEOUT) as done:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    wanted = vm.revision
    qtbot.waitUntil(lambda: vm.output is not None and vm.output.revision == wanted and not vm.output.preview, timeout=TIMEOUT)
    return done.args[0]


def test_an_e4e_file_encodes_with_its_own_encoder(qtbot, dialogs, files) -> None:  # type: ignore[no-untyped-def]
    workspace, controller = opened(qtbot, dialogs, files["e4e_64"])
    try:
        panel, pvm = workspace.portrait_panel, workspace.portrait_panel.vm
        assert pvm.published and not pvm.has_hypernet and pvm.alignment == "ffhq"
        assert panel.encode_button.isEnabled() and panel.refine_button.text() == "Refine"
        result = click_and_wait(qtbot, workspace, panel.encode_button)
        assert result["how"] == "encode" and result["ws"].shape == (10, 16)
        assert workspace.vm.current_render().weight_offsets is None
        assert np.array_equal(pvm.pasted(), read_photo(FACE).pixels)  # unedited: the photo as it was
    finally:
        controller.shutdown()


def test_hyperstyle_needs_its_w_encoder_then_refines_the_face(qtbot, dialogs, files) -> None:  # type: ignore[no-untyped-def]
    workspace, controller = opened(qtbot, dialogs, files["hyperstyle_128"])
    try:
        panel, pvm, vm = workspace.portrait_panel, workspace.portrait_panel.vm, workspace.vm
        assert pvm.has_hypernet and panel.refine_button.text() == "HyperStyle" and panel.steps_spin.suffix() == " passes"
        assert not panel.encode_button.isEnabled() and not panel.refine_button.isEnabled()  # no encoder in this file
        dialogs.open_answers.append(str(files["hyperstyle_128_w_encoder"]))
        qtbot.mouseClick(panel.encoder_button, Qt.MouseButton.LeftButton)
        assert panel.encode_button.isEnabled() and panel.refine_button.isEnabled()

        encoded = click_and_wait(qtbot, workspace, panel.encode_button)
        plain = vm.output.image.copy()
        panel.steps_spin.setValue(2)
        assert pvm.refine_passes == 2
        progress: list[tuple[int, int]] = []
        pvm.progressed.connect(lambda done, total, _m: progress.append((done, total)))
        refined = click_and_wait(qtbot, workspace, panel.refine_button)
        assert refined["how"] == "hyperstyle" and progress[-1] == (3, 3)
        np.testing.assert_allclose(refined["ws"], encoded["ws"], atol=1e-5)  # HyperStyle keeps the encoder's codes
        assert vm.current_render().weight_offsets is not None  # the explorer draws with the tuned weights
        assert not np.array_equal(vm.output.image, plain)
        assert np.array_equal(vm.output.image, pvm.reconstruction)
        # the model's face (not only its change) pasted back differs from the photo only inside the square
        qtbot.mouseClick(panel.detail_check, Qt.MouseButton.LeftButton)
        full, photo = pvm.pasted(), read_photo(FACE).pixels
        x0, y0, x1, y1 = pvm.square.bounds()
        ys, xs = np.nonzero(np.abs(full.astype(int) - photo).sum(axis=-1))
        assert len(xs) > 0 and xs.min() >= x0 - 1 and xs.max() <= x1 + 1 and ys.min() >= y0 - 1 and ys.max() <= y1 + 1
        # a bookmark keeps the refinement; another latent (a seed) is drawn without this photo's weight offsets
        tuned = vm.current_render().weight_offsets
        vm.add_favourite("refined photo")
        vm.set_seed(3)
        assert vm.current_render().weight_offsets is None
        vm.apply_favourite(len(vm.favourites) - 1)
        assert vm.current_render().weight_offsets is tuned
    finally:
        controller.shutdown()
