"""The Latent workspace's Photo → latent panel, driven with real clicks on a tiny random-weight StyleGAN2 and a real worker."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt

from latent_workspace_helpers import open_latent_workspace
from ganstudio.engine.projection import psnr
from ganstudio.ui.latent.workspace import LatentWorkspace

TIMEOUT = 60_000
STEPS = 150
BOUND_DB = 18.0  # what the engine test asks of this random-weight model in as many steps (~20 dB measured)


@pytest.fixture(scope="module")
def stylegan_path(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    from stylegan_models import save_tiny_stylegan2

    return save_tiny_stylegan2(tmp_path_factory.mktemp("models") / "tiny-stylegan2.safetensors", seed=3)


@pytest.fixture
def workspace(qtbot, dialogs, stylegan_path):  # type: ignore[no-untyped-def]
    widget, controller = open_latent_workspace(qtbot, dialogs, stylegan_path, TIMEOUT)
    yield widget
    controller.shutdown()


def open_own_image(qtbot, workspace: LatentWorkspace, dialogs, tmp_path: Path) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The model's own picture of seed 7, saved as a photo and opened through the panel's button."""
    vm = workspace.vm
    vm.set_seed(7)
    wanted = vm.revision
    qtbot.waitUntil(lambda: vm.output is not None and vm.output.revision == wanted, timeout=TIMEOUT)
    image = vm.output.image.copy()
    Image.fromarray(image).save(tmp_path / "seed7.png")
    dialogs.open_answers.append(str(tmp_path / "seed7.png"))
    qtbot.mouseClick(workspace.projection_panel.open_button, Qt.MouseButton.LeftButton)
    return image


def test_projecting_the_models_own_image_reaches_the_bound(qtbot, workspace: LatentWorkspace, dialogs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    panel, vm = workspace.projection_panel, workspace.vm
    target = open_own_image(qtbot, workspace, dialogs, tmp_path)
    assert panel.project_button.isEnabled()
    assert not panel.encoder_check.isEnabled()  # the tiny model has no companion encoder
    panel.steps_spin.setValue(STEPS)
    previews: list[np.ndarray] = []
    panel.vm.previewReady.connect(previews.append)
    with qtbot.waitSignal(panel.vm.finished, timeout=TIMEOUT) as finished:
        qtbot.mouseClick(panel.project_button, Qt.MouseButton.LeftButton)
        assert panel.cancel_button.isVisible() and not panel.project_button.isEnabled()
    result = finished.args[0]
    assert result["psnr"] >= BOUND_DB, result["psnr"]
    assert result["steps"] == STEPS
    assert len(previews) >= 2  # live previews during the run, then the result
    assert "PSNR" in panel.status.text()
    # the result is the explorer's latent now, rendered as the projection found it
    assert vm.base == "saved" and vm.saved_origin == "projected"
    wanted = vm.revision
    qtbot.waitUntil(lambda: vm.output is not None and vm.output.revision == wanted, timeout=TIMEOUT)
    assert psnr(vm.output.image, target) == pytest.approx(result["psnr"], abs=0.01)
    assert panel.favourite_button.isEnabled()
    qtbot.mouseClick(panel.favourite_button, Qt.MouseButton.LeftButton)
    assert len(vm.favourites) == 1 and vm.favourites[0].name.startswith("projected")
    assert np.allclose(vm.favourites[0].ws, result["ws"])


def test_cancel_mid_projection(qtbot, workspace: LatentWorkspace, dialogs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    panel = workspace.projection_panel
    open_own_image(qtbot, workspace, dialogs, tmp_path)
    panel.steps_spin.setValue(5000)
    seen: list[int] = []
    panel.vm.progressed.connect(lambda done, _total, _message: seen.append(done))
    with qtbot.waitSignal(panel.vm.progressed, timeout=TIMEOUT, check_params_cb=lambda done, *_: done >= 3):
        qtbot.mouseClick(panel.project_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(panel.vm.cancelled, timeout=TIMEOUT):
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert max(seen) < 5000
    assert not panel.cancel_button.isVisible() and panel.project_button.isEnabled()
    assert panel.status.text() == "Projection cancelled"
    assert workspace.vm.saved_origin != "projected"
