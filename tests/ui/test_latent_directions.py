"""The Directions panel of the latent workspace, driven through its real widgets with a tiny random-weight StyleGAN2."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QWidget

from latent_workspace_helpers import open_latent_workspace
from ganstudio.app.inference import InferenceController
from ganstudio.app.latent_viewmodel import LatentViewModel
from ganstudio.document.direction_sets import Direction, DirectionSet, write_direction_set
from ganstudio.engine.directions_session import DirectionsSession
from ganstudio.engine.runner import JobRunner
from ganstudio.ui.latent.workspace import LatentWorkspace
from layout_checks import clipped_widgets

TIMEOUT = 20_000


@pytest.fixture(scope="module")
def stylegan_path(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    from stylegan_models import save_tiny_stylegan2

    return save_tiny_stylegan2(tmp_path_factory.mktemp("models") / "tiny-stylegan2-dirs.safetensors")


@pytest.fixture
def workspace(qtbot, dialogs, stylegan_path, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(DirectionsSession, "cache_dir", tmp_path / "ganspace-cache")
    widget, controller = open_latent_workspace(qtbot, dialogs, stylegan_path, TIMEOUT)
    yield widget
    controller.shutdown()


def settle(qtbot, vm: LatentViewModel) -> None:  # type: ignore[no-untyped-def]
    wanted = vm.revision
    qtbot.waitUntil(lambda: vm.output is not None and vm.output.revision == wanted, timeout=TIMEOUT)


def find_with_the_button(qtbot, workspace: LatentWorkspace, count: int = 3) -> None:  # type: ignore[no-untyped-def]
    panel = workspace.directions_panel
    panel.count_spin.setValue(count)
    with qtbot.waitSignal(workspace.directions_vm.findFinished, timeout=TIMEOUT):
        qtbot.mouseClick(panel.find_button, Qt.MouseButton.LeftButton)
    assert len(panel.rows) == count and not panel.progress.isVisible()


def test_sefa_sliders_change_the_picture_combine_and_reset(qtbot, workspace: LatentWorkspace) -> None:  # type: ignore[no-untyped-def]
    vm, panel = workspace.vm, workspace.directions_panel
    assert panel.empty.isVisible() and not panel.save_button.isEnabled()
    before = vm.output.image.copy()
    find_with_the_button(qtbot, workspace, 3)
    qtbot.waitUntil(lambda: panel.rows[0].isVisible() and not panel.empty.isVisible())  # a layout shows new rows a turn later
    assert panel.rows[0].slider.slider.maximum() == 1000 and panel.rows[0].last.value() == 7

    panel.rows[0].slider.slider.setValue(500)  # +7.5 of +-15
    settle(qtbot, vm)
    one = vm.output.image.copy()
    assert workspace.directions_vm.amounts[0] == pytest.approx(7.5) and not np.array_equal(one, before)
    assert panel.reset_button.isEnabled()
    panel.rows[1].slider.slider.setValue(-600)
    settle(qtbot, vm)
    assert len(vm.edits) == 2 and not np.array_equal(vm.output.image, one)  # both apply at once
    panel.rows[1].slider.slider.setValue(0)
    settle(qtbot, vm)
    np.testing.assert_array_equal(vm.output.image, one)
    panel.rows[0].slider.slider.setValue(0)
    settle(qtbot, vm)
    np.testing.assert_array_equal(vm.output.image, before)  # every slider at 0: the unedited picture

    panel.rows[0].slider.slider.setValue(800)
    panel.rows[2].slider.slider.setValue(-800)
    settle(qtbot, vm)
    qtbot.mouseClick(panel.reset_button, Qt.MouseButton.LeftButton)
    settle(qtbot, vm)
    assert [row.slider.value() for row in panel.rows] == [0.0, 0.0, 0.0] and not panel.reset_button.isEnabled()
    np.testing.assert_array_equal(vm.output.image, before)


def test_a_removed_rows_widgets_act_on_nothing(qtbot, workspace: LatentWorkspace) -> None:  # type: ignore[no-untyped-def]
    """Until the rebuilt list replaces them, the old rows still take clicks: they must not reach another direction."""
    vm, panel = workspace.directions_vm, workspace.directions_panel
    find_with_the_button(qtbot, workspace, 3)
    qtbot.waitUntil(lambda: len(panel.rows) == 3 and panel.rows[2].isVisible())
    old_rows = list(panel.rows)
    names = [d.name for d in vm.directions]
    qtbot.mouseClick(old_rows[0].remove, Qt.MouseButton.LeftButton)
    assert [d.name for d in vm.directions] == names[1:]
    old_rows[0].remove.click()  # the same (stale) row again, and stale sliders and ranges
    old_rows[2].slider.slider.setValue(700)
    old_rows[2].first.setValue(1)
    assert [d.name for d in vm.directions] == names[1:] and vm.amounts == [0.0, 0.0]
    vm.remove(7), vm.set_amount(5, 1.0), vm.set_range(9, 0, 1)  # indices of a list that changed since: ignored
    assert len(vm.directions) == 2


def test_a_rows_ws_range_limits_what_it_moves(qtbot, workspace: LatentWorkspace) -> None:  # type: ignore[no-untyped-def]
    vm, panel = workspace.vm, workspace.directions_panel
    find_with_the_button(qtbot, workspace, 1)
    plain = vm.output.ws.copy()
    panel.rows[0].first.setValue(3)
    panel.rows[0].last.setValue(4)
    assert workspace.directions_vm.ranges[0] == (3, 4)
    panel.rows[0].slider.slider.setValue(400)
    settle(qtbot, vm)
    assert np.flatnonzero(np.any(vm.output.ws != plain, axis=1)).tolist() == [3, 4]
    # a custom range for the search itself
    panel.layers_combo.setCurrentIndex(panel.layers_combo.findData("custom"))
    assert panel.custom_box.isVisible()
    panel.custom_first.setValue(5)
    panel.custom_last.setValue(6)
    with qtbot.waitSignal(workspace.directions_vm.findFinished, timeout=TIMEOUT):
        qtbot.mouseClick(panel.find_button, Qt.MouseButton.LeftButton)
    assert workspace.directions_vm.ranges[1:] == [(5, 6)] * panel.count_spin.value()


def test_save_then_load_and_another_models_set_is_refused(qtbot, workspace: LatentWorkspace, dialogs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    panel, dvm = workspace.directions_panel, workspace.directions_vm
    find_with_the_button(qtbot, workspace, 2)
    names = [d.name for d in dvm.directions]
    dialogs.save_answers.append(str(tmp_path / "mine.npz"))
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert (tmp_path / "mine.npz").is_file() and not dialogs.errors
    qtbot.mouseClick(panel.rows[1].remove, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.rows[0].remove, Qt.MouseButton.LeftButton)
    assert panel.rows == [] and panel.empty.isVisible()
    dialogs.open_answers.append(str(tmp_path / "mine.npz"))
    qtbot.mouseClick(panel.load_button, Qt.MouseButton.LeftButton)
    assert [row.name.text() for row in panel.rows] == names and not dialogs.errors

    other = DirectionSet((Direction("tilt", "attribute", np.eye(1, 64, dtype=np.float32)[0], 0, 11, 3.0),), 12, 64, "a" * 64)
    write_direction_set(tmp_path / "other.npz", other)
    dialogs.open_answers.append(str(tmp_path / "other.npz"))
    qtbot.mouseClick(panel.load_button, Qt.MouseButton.LeftButton)
    assert len(panel.rows) == 2
    title, text = dialogs.errors[-1]
    assert title == "Cannot load these directions" and "other.npz" in text and "the current model has 8 of 32" in text


def test_ganspace_shows_progress_and_can_be_cancelled(qtbot, workspace: LatentWorkspace) -> None:  # type: ignore[no-untyped-def]
    panel, dvm = workspace.directions_panel, workspace.directions_vm
    panel.method_combo.setCurrentIndex(panel.method_combo.findData("ganspace"))
    assert panel.samples_spin.isVisible()
    panel.samples_spin.setValue(5000)
    panel.count_spin.setValue(2)
    shown: list[tuple[bool, int, int]] = []
    dvm.findProgress.connect(lambda *_a: shown.append((panel.progress.isVisible(), panel.progress.value(), panel.progress.maximum())))
    with qtbot.waitSignal(dvm.findFinished, timeout=TIMEOUT):
        qtbot.mouseClick(panel.find_button, Qt.MouseButton.LeftButton)
    assert shown == [(True, 4096, 5000), (True, 5000, 5000)]
    assert len(panel.rows) == 2 and [d.kind for d in dvm.directions] == ["ganspace"] * 2

    panel.samples_spin.setValue(400_000)
    dvm.findProgress.connect(lambda *_a: qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton))
    with qtbot.waitSignal(dvm.findCancelled, timeout=TIMEOUT):
        qtbot.mouseClick(panel.find_button, Qt.MouseButton.LeftButton)
    assert not panel.progress.isVisible() and not panel.cancel_button.isVisible() and panel.find_button.isEnabled()
    assert len(panel.rows) == 2


def test_the_workspace_still_fits_760x560_with_directions(qtbot, workspace: LatentWorkspace) -> None:  # type: ignore[no-untyped-def]
    find_with_the_button(qtbot, workspace, 6)
    workspace.resize(760, 560)
    assert workspace.size() == QSize(760, 560)
    snapshots: list[object] = []

    def stable() -> bool:
        snapshots.append([(child.geometry(), child.isVisible()) for child in workspace.findChildren(QWidget)])
        return len(snapshots) > 1 and snapshots[-1] == snapshots[-2]

    qtbot.waitUntil(stable, timeout=5000)
    assert clipped_widgets(workspace) == []
    scroll = workspace.controls_scroll
    assert scroll.widget().width() <= scroll.viewport().width()


BUNDLED_MODEL = Path(__file__).resolve().parents[2] / "resources" / "models" / "landscape-stylegan2.safetensors"


@pytest.mark.skipif(not BUNDLED_MODEL.with_name("landscape-stylegan2.directions.npz").is_file(), reason="no bundled direction set")
def test_the_bundled_set_loads_with_its_model_and_brightness_brightens(qtbot, dialogs) -> None:  # type: ignore[no-untyped-def]
    controller = InferenceController(lambda: JobRunner(device="cpu", threads=1))
    vm = LatentViewModel(controller)
    widget = LatentWorkspace(vm, dialogs)
    qtbot.addWidget(widget)
    try:
        dialogs.open_answers.append(str(BUNDLED_MODEL))
        qtbot.mouseClick(widget.open_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: vm.output is not None and not vm.output.preview, timeout=TIMEOUT)
        panel = widget.directions_panel
        names = [row.name.text() for row in panel.rows]
        for title in ("Brightness (night - day)", "Snow", "Green vegetation (summer)", "Autumn colours", "Dusk sky", "Water", "Clouds"):
            assert title in names
        row = panel.rows[names.index("Brightness (night - day)")]
        luminance = []
        for end in (row.slider.slider.minimum(), row.slider.slider.maximum()):
            row.slider.slider.setValue(end)
            settle(qtbot, vm)
            luminance.append(float(vm.output.image.astype(np.float32).mean()))
        assert luminance[1] > luminance[0] + 5  # +3 sd is clearly brighter than -3 sd (0-255 scale)
    finally:
        controller.shutdown()
