"""The latent explorer workspace driven with real mouse events and a tiny random-weight StyleGAN2 model."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from latent_workspace_helpers import open_latent_workspace
from ganstudio.app.latent_viewmodel import LatentViewModel
from ganstudio.document.latent_io import write_latent_npz
from ganstudio.ui.latent.latent_panel import NO_SEED
from ganstudio.ui.latent.workspace import LatentWorkspace

TIMEOUT = 20_000


@pytest.fixture(scope="module")
def stylegan_path(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    from stylegan_models import save_tiny_stylegan2

    return save_tiny_stylegan2(tmp_path_factory.mktemp("models") / "tiny-stylegan2.safetensors")


@pytest.fixture
def workspace(qtbot, dialogs, stylegan_path):  # type: ignore[no-untyped-def]
    widget, controller = open_latent_workspace(qtbot, dialogs, stylegan_path, TIMEOUT)
    yield widget
    controller.shutdown()


def settle(qtbot, vm: LatentViewModel) -> None:  # type: ignore[no-untyped-def]
    """Wait for the output of the newest request."""
    wanted = vm.revision
    qtbot.waitUntil(lambda: vm.output is not None and vm.output.revision == wanted, timeout=TIMEOUT)


def test_dragging_the_pad_cursor_changes_the_output_along_the_drag(qtbot, workspace: LatentWorkspace) -> None:  # type: ignore[no-untyped-def]
    vm, pad = workspace.vm, workspace.pad
    to_point = lambda x, y: pad.to_widget(x, y).toPoint()  # noqa: E731
    qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=to_point(0.1, 0.1))
    settle(qtbot, vm)
    frames = [vm.output.image.copy()]
    assert vm.base == "pad" and vm.output.preview
    for step in (0.3, 0.5, 0.7, 0.9):
        qtbot.mouseMove(pad, to_point(step, step))
        settle(qtbot, vm)
        assert vm.output.preview and vm.output.image.shape == (16, 16, 3)
        frames.append(vm.output.image.copy())
    assert vm.cursor[0] == pytest.approx(0.9, abs=0.01)
    for before, after in zip(frames, frames[1:]):
        assert not np.array_equal(before, after)
    qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=to_point(0.9, 0.9))
    settle(qtbot, vm)
    assert not vm.output.preview and vm.output.image.shape == (32, 32, 3)
    assert workspace.view.image is not None and workspace.view.image.width() == 32


def test_anchors_move_by_drag_and_are_removed(qtbot, workspace: LatentWorkspace) -> None:  # type: ignore[no-untyped-def]
    vm, pad = workspace.vm, workspace.pad
    start = pad.to_widget(1.0, 1.0).toPoint()
    qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(pad, pad.to_widget(0.7, 0.6).toPoint())
    qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=pad.to_widget(0.7, 0.6).toPoint())
    assert (vm.anchors[3].x, vm.anchors[3].y) == pytest.approx((0.7, 0.6), abs=0.01)
    assert pad.selected == 3
    qtbot.keyClick(pad, Qt.Key.Key_Delete)
    assert len(vm.anchors) == 3 and pad.selected == -1


def test_a_mixing_toggle_changes_exactly_its_w(qtbot, workspace: LatentWorkspace) -> None:  # type: ignore[no-untyped-def]
    vm = workspace.vm
    ws_a = vm.output.ws.copy()
    assert [t.text() for t in workspace.mixing_panel.toggles] == ["A"] * 8
    qtbot.mouseClick(workspace.mixing_panel.toggles[5], Qt.MouseButton.LeftButton)
    settle(qtbot, vm)
    assert workspace.mixing_panel.toggles[5].text() == "B"
    assert np.flatnonzero(np.any(vm.output.ws != ws_a, axis=1)).tolist() == [5]
    workspace.mixing_panel.crossover.setValue(6)  # coarse 0-5 from A, fine 6-7 from B
    settle(qtbot, vm)
    assert [t.text() for t in workspace.mixing_panel.toggles] == list("AAAAAABB")
    assert np.flatnonzero(np.any(vm.output.ws != ws_a, axis=1)).tolist() == [6, 7]
    vm.set_crossover(3)  # the slider follows a crossover made elsewhere
    assert workspace.mixing_panel.crossover.value() == 3 and vm.layer_sources == [0, 0, 0, 1, 1, 1, 1, 1]
    settle(qtbot, vm)
    assert np.flatnonzero(np.any(vm.output.ws != ws_a, axis=1)).tolist() == [3, 4, 5, 6, 7]


def test_noise_sliders_change_the_image_only_through_noise(qtbot, workspace: LatentWorkspace) -> None:  # type: ignore[no-untyped-def]
    vm, noise = workspace.vm, workspace.noise_panel
    assert len(noise.layer_sliders) == 7
    before = vm.output
    noise.layer_sliders[2].slider.setValue(200)
    settle(qtbot, vm)
    assert vm.noise_scales[2] == 2.0
    assert not np.array_equal(vm.output.image, before.image)
    np.testing.assert_array_equal(vm.output.ws, before.ws)
    noise.mode_combo.setCurrentIndex(noise.mode_combo.findData("none"))
    settle(qtbot, vm)
    silent = vm.output.image.copy()
    noise.global_slider.slider.setValue(0)
    noise.layer_sliders[0].slider.setValue(150)
    settle(qtbot, vm)
    np.testing.assert_array_equal(vm.output.image, silent)  # without noise the sliders change nothing


def test_latent_files_favourites_and_gif_through_the_buttons(qtbot, workspace: LatentWorkspace, dialogs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    vm = workspace.vm
    shown = vm.output.image.copy()
    dialogs.save_answers.append(str(tmp_path / "w.npz"))
    qtbot.mouseClick(workspace.export_latent_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(workspace.latent_panel.next_button, Qt.MouseButton.LeftButton)
    settle(qtbot, vm)
    assert vm.seed == 1 and not np.array_equal(vm.output.image, shown)
    dialogs.open_answers.append(str(tmp_path / "w.npz"))
    qtbot.mouseClick(workspace.import_latent_button, Qt.MouseButton.LeftButton)
    settle(qtbot, vm)
    np.testing.assert_array_equal(vm.output.image, shown)

    write_latent_npz(tmp_path / "bad.npz", np.zeros((1, 18, 512), np.float32))
    dialogs.open_answers.append(str(tmp_path / "bad.npz"))
    qtbot.mouseClick(workspace.import_latent_button, Qt.MouseButton.LeftButton)
    assert dialogs.errors and "[1, 18, 512]" in dialogs.errors[-1][1] and "[1, 8, 32]" in dialogs.errors[-1][1]

    qtbot.mouseClick(workspace.favourites.add_button, Qt.MouseButton.LeftButton)
    assert workspace.favourites.list.count() == 1
    qtbot.mouseClick(workspace.favourites.pad_button, Qt.MouseButton.LeftButton)
    assert len(vm.anchors) == 5 and vm.anchors[-1].source.w is not None

    workspace.gif_frames.setValue(2)
    dialogs.save_answers.append(str(tmp_path / "walk.gif"))
    with qtbot.waitSignal(vm.animationFinished, timeout=TIMEOUT):
        qtbot.mouseClick(workspace.gif_button, Qt.MouseButton.LeftButton)
        assert workspace.gif_progress.isVisible() and workspace.gif_cancel.isVisible()
    assert (tmp_path / "walk.gif").exists() and not workspace.gif_progress.isVisible()


def test_window_hosts_the_explorer_and_keeps_favourites_in_the_project(qtbot, make_window, stylegan_path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.load_model(str(stylegan_path))  # a StyleGAN model goes to the latent explorer, not the painting
    assert window.workspaces.currentWidget() is window.latent
    vm = window.latent_vm
    qtbot.waitUntil(lambda: vm.output is not None, timeout=TIMEOUT)
    favourite = vm.add_favourite("keeper")
    assert window.document.save(str(tmp_path / "fav.gstudio"))
    vm.remove_favourite(0)
    assert window.painting.files.open_project(str(tmp_path / "fav.gstudio"))
    assert [f.name for f in vm.favourites] == ["keeper"]
    np.testing.assert_array_equal(vm.favourites[0].ws, favourite.ws)
    assert window.latent.favourites.list.count() == 1
    assert not [e for e in window.messages if "Cannot use this model" in e]


def test_the_seed_field_does_not_claim_a_seed_for_an_imported_latent_or_the_pad(qtbot, workspace: LatentWorkspace, dialogs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    vm, panel = workspace.vm, workspace.latent_panel
    spin = panel.seed_spin
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    settle(qtbot, vm)
    assert spin.value() == 2 and spin.text() == "2"
    dialogs.save_answers.append(str(tmp_path / "w.npz"))
    qtbot.mouseClick(workspace.export_latent_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    settle(qtbot, vm)
    dialogs.open_answers.append(str(tmp_path / "w.npz"))
    qtbot.mouseClick(workspace.import_latent_button, Qt.MouseButton.LeftButton)
    settle(qtbot, vm)
    assert vm.base == "saved"
    assert spin.value() == NO_SEED and spin.text() == "imported" and "w.npz" in spin.toolTip()

    # the arrows and buttons step on from the last seed shown (3), not from the blank
    qtbot.keyClick(spin, Qt.Key.Key_Up)
    settle(qtbot, vm)
    assert vm.shown_seed == 4 and spin.text() == "4"

    to_point = lambda x, y: workspace.pad.to_widget(x, y).toPoint()  # noqa: E731
    qtbot.mouseClick(workspace.pad, Qt.MouseButton.LeftButton, pos=to_point(0.4, 0.7))
    settle(qtbot, vm)
    assert vm.base == "pad" and spin.text() == "pad"
    qtbot.mouseClick(panel.prev_button, Qt.MouseButton.LeftButton)
    settle(qtbot, vm)
    assert vm.shown_seed == 3 and spin.text() == "3"

    # typing the last seed again while the pad is shown goes back to that seed
    qtbot.mouseClick(workspace.pad, Qt.MouseButton.LeftButton, pos=to_point(0.6, 0.2))
    settle(qtbot, vm)
    assert spin.text() == "pad"
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), "3")
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)
    settle(qtbot, vm)
    assert vm.base == "seed" and vm.shown_seed == 3 and spin.text() == "3"
    qtbot.mouseClick(panel.random_button, Qt.MouseButton.LeftButton)
    settle(qtbot, vm)
    assert vm.base == "seed" and spin.value() == min(vm.seed, spin.maximum())


def test_all_layers_noise_readout_matches_the_layers_and_the_render(qtbot, workspace: LatentWorkspace) -> None:  # type: ignore[no-untyped-def]
    vm, noise = workspace.vm, workspace.noise_panel
    global_slider = noise.global_slider.slider
    global_slider.setFocus()
    qtbot.keyClick(global_slider, Qt.Key.Key_End)  # all the way up
    settle(qtbot, vm)
    assert noise.global_slider.label.text() == "2.00x"
    assert [s.label.text() for s in noise.layer_sliders] == ["2.00x"] * 7
    assert vm.current_render().noise.layer_scales(7) == [2.0] * 7  # what the readouts say is what is applied
    doubled = vm.output.image.copy()

    layer = noise.layer_sliders[4].slider
    layer.setFocus()
    qtbot.keyClick(layer, Qt.Key.Key_Home)
    settle(qtbot, vm)
    assert noise.layer_sliders[4].label.text() == "0.00x" and noise.global_slider.label.text() == "mixed"
    assert vm.current_render().noise.layer_scales(7) == [2.0, 2.0, 2.0, 2.0, 0.0, 2.0, 2.0]

    global_slider.setFocus()
    qtbot.keyClick(global_slider, Qt.Key.Key_End)
    settle(qtbot, vm)
    assert noise.global_slider.label.text() == "2.00x" and noise.layer_sliders[4].label.text() == "2.00x"
    np.testing.assert_array_equal(vm.output.image, doubled)


def _click_handle(qtbot, slider) -> None:  # type: ignore[no-untyped-def]
    """Press and release the mouse on a slider's handle without moving it."""
    from PySide6.QtWidgets import QStyle, QStyleOptionSlider

    option = QStyleOptionSlider()
    slider.initStyleOption(option)
    handle = slider.style().subControlRect(QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderHandle, slider)
    qtbot.mouseClick(slider, Qt.MouseButton.LeftButton, pos=handle.center())


def test_the_crossover_slider_follows_hand_made_toggles(qtbot, workspace: LatentWorkspace) -> None:  # type: ignore[no-untyped-def]
    vm, mixing = workspace.vm, workspace.mixing_panel
    toggles = mixing.toggles
    assert mixing.crossover.value() == 8 and mixing.crossover_label.text() == "off"
    for index in (7, 6, 5):
        qtbot.mouseClick(toggles[index], Qt.MouseButton.LeftButton)
        assert mixing.crossover.value() == index and mixing.crossover_label.text() == str(index)
    qtbot.mouseClick(toggles[2], Qt.MouseButton.LeftButton)  # A A B A A B B B: no single crossover
    assert vm.layer_sources == [0, 0, 1, 0, 0, 1, 1, 1]
    assert mixing.crossover_label.text() == "custom" and mixing.crossover.value() == 2
    _click_handle(qtbot, mixing.crossover)  # taking the slider as it stands makes that crossover
    settle(qtbot, vm)
    assert vm.layer_sources == [0, 0, 1, 1, 1, 1, 1, 1] and mixing.crossover_label.text() == "2"

    # a crossover to C is one too, and the slider then keeps C for the fine ws
    qtbot.mouseClick(mixing.add_button, Qt.MouseButton.LeftButton)
    for index in range(2, 8):
        qtbot.mouseClick(toggles[index], Qt.MouseButton.LeftButton)  # B -> C
    assert [t.text() for t in toggles] == list("AACCCCCC")
    assert mixing.crossover.value() == 2 and mixing.fine_label.text() == "fine C"
    mixing.crossover.setFocus()
    qtbot.keyClick(mixing.crossover, Qt.Key.Key_Right)
    settle(qtbot, vm)
    assert vm.layer_sources == [0, 0, 0, 2, 2, 2, 2, 2] and [t.text() for t in toggles] == list("AAACCCCC")
