"""The Latent workspace with generators from z alone: a pytorch/examples DCGAN file and a pytorch_GAN_zoo PGAN file
(the reference-made fixtures), driven through the real widgets."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt

from latent_workspace_helpers import open_latent_workspace, settle
from ganstudio.checkpoints import load_model
from ganstudio.models.stylegan2 import z_from_seed

TIMEOUT = 20_000
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DCGAN = FIXTURES / "dcgan" / "netG_epoch_2.pth"
PGAN = FIXTURES / "progan" / "pgan_s2.pt"


@pytest.fixture
def opened(qtbot, dialogs, request):  # type: ignore[no-untyped-def]
    widget, controller = open_latent_workspace(qtbot, dialogs, request.param, TIMEOUT)
    yield widget
    controller.shutdown()


def expected_image(path: Path, seed: int) -> np.ndarray:
    """What the model makes for a seed's z, computed here without the app (eval mode, [-1, 1] -> 0..255)."""
    module = load_model(path).module.eval()
    with torch.no_grad():
        image = module(torch.from_numpy(z_from_seed(seed, module.z_dim)).float()).clamp(-1, 1)
    return ((image[0].permute(1, 2, 0) + 1) * 127.5).round().to(torch.uint8).numpy()


@pytest.mark.parametrize("opened", [DCGAN], indirect=True)
def test_dcgan_file_opens_with_the_w_controls_disabled_and_seeds_render(qtbot, opened, dialogs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    workspace, vm = opened, opened.vm
    assert vm.z_only and vm.layout.num_ws == 1 and vm.layout.w_dim == 16
    for what, box in workspace.w_only_groups.items():
        assert not box.isEnabled() and "mapping network" in box.toolTip() and what in box.toolTip(), what
    assert not workspace.mixing_panel.isEnabled() and not workspace.directions_panel.isEnabled()
    for widget in (workspace.latent_panel.psi_slider, workspace.latent_panel.cutoff_spin):
        assert not widget.isEnabled() and "W space" in widget.toolTip()
    assert workspace.pad.isEnabled() and workspace.gif_button.isEnabled() and workspace.favourites.add_button.isEnabled()
    assert not workspace.stages_box.isVisible()  # DCGAN has no growth stages
    assert workspace.latent_panel.model_label.text().endswith("64x64, z of 16 (no W)")

    first = vm.output.image.copy()
    assert np.abs(first.astype(int) - expected_image(DCGAN, 0)).max() <= 1  # rounding only
    qtbot.mouseClick(workspace.latent_panel.next_button, Qt.MouseButton.LeftButton)
    settle(qtbot, vm, TIMEOUT)
    assert vm.seed == 1 and not np.array_equal(vm.output.image, first)
    assert np.abs(vm.output.image.astype(int) - expected_image(DCGAN, 1)).max() <= 1

    qtbot.mouseClick(workspace.favourites.add_button, Qt.MouseButton.LeftButton)
    assert workspace.favourites.list.count() == 1
    workspace.gif_frames.setValue(2)
    dialogs.save_answers.append(str(tmp_path / "walk.gif"))
    with qtbot.waitSignal(vm.animationFinished, timeout=TIMEOUT):
        qtbot.mouseClick(workspace.gif_button, Qt.MouseButton.LeftButton)
    assert (tmp_path / "walk.gif").stat().st_size > 0


@pytest.mark.parametrize("opened", [PGAN], indirect=True)
def test_progan_file_shows_each_growth_stage(qtbot, opened) -> None:  # type: ignore[no-untyped-def]
    workspace, vm = opened, opened.vm
    assert vm.z_only and len(vm.output.stages) == 3
    assert workspace.stages_box.isVisible()
    shown = [label for label in workspace.stage_labels if label.isVisible()]
    assert [label.toolTip() for label in shown] == ["growth stage 0: 4x4", "growth stage 1: 8x8", "growth stage 2: 16x16"]
    assert all(label.pixmap().width() == 64 for label in shown)  # each enlarged by whole factors to 64 px
    # the last stage is the picture itself, enlarged 4x by repeating pixels
    np.testing.assert_array_equal(vm.output.stages[-1][::4, ::4], vm.output.image)
    assert np.abs(vm.output.image.astype(int) - expected_image(PGAN, 0)).max() <= 1


@pytest.mark.parametrize("opened", [DCGAN], indirect=True)
def test_a_stylegan2_model_after_a_dcgan_gets_its_w_controls_back(qtbot, opened, dialogs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from stylegan_models import save_tiny_stylegan2

    workspace, vm = opened, opened.vm
    path = save_tiny_stylegan2(tmp_path / "tiny-stylegan2.safetensors")
    dialogs.open_answers.append(str(path))
    with qtbot.waitSignal(vm.modelChanged, timeout=TIMEOUT):
        qtbot.mouseClick(workspace.open_button, Qt.MouseButton.LeftButton)
    assert not vm.z_only
    assert all(box.isEnabled() and not box.toolTip() for box in workspace.w_only_groups.values())
    assert workspace.latent_panel.psi_slider.isEnabled() and "Truncation psi:" in workspace.latent_panel.psi_slider.toolTip()
