"""Window-level actions and indicators follow the workspace on screen (File › Export, zoom, undo, Models dock, status bar, tabs)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from tests.stylegan_models import save_tiny_stylegan2
from tests.translation_models import save_cyclegan, smooth_image


@pytest.fixture(scope="module")
def cyclegan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_cyclegan(tmp_path_factory.mktemp("models") / "tiny-cyclegan.safetensors", resolution=32)


@pytest.fixture(scope="module")
def stylegan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_stylegan2(tmp_path_factory.mktemp("models") / "tiny-stylegan2.safetensors")


def record_save_titles(window) -> list[str]:  # type: ignore[no-untyped-def]
    titles: list[str] = []
    window.dialogs.save_file = lambda title, _filter, suggested="": (titles.append(title), "")[1]
    window.latent.dialogs = window.face_and_convert.converter.dialogs = window.face_and_convert.attributes.dialogs = window.dialogs
    return titles


def test_export_shortcut_exports_the_picture_of_the_workspace_on_screen(qtbot, make_window, spade_model_path, stylegan, cyclegan) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    with qtbot.waitSignal(window.synthesis.modelChanged, timeout=20_000):
        window.load_model(str(spade_model_path))
    with qtbot.waitSignal(window.latent_vm.outputChanged, timeout=20_000):
        window.load_model(str(stylegan))
    titles = record_save_titles(window)
    assert window.workspaces.currentWidget() is window.latent
    QTest.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert titles == ["Export image"]  # the latent picture, not the painting's output
    window.workspaces.setCurrentWidget(window.painting)
    qtbot.waitUntil(lambda: window.vm.output is not None, timeout=20_000)
    QTest.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert titles[-1] == "Export output"


def test_zoom_acts_on_the_visible_view_and_is_off_where_there_is_none(qtbot, make_window, cyclegan) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    converter = window.face_and_convert.converter
    with qtbot.waitSignal(window.face_and_convert.converter_vm.modelChanged, timeout=20_000):
        window.load_model(str(cyclegan))
    converter.compare.set_images(smooth_image(64, 96), None)
    converter.compare.fit()
    canvas_zoom, compare_scale = window.canvas.zoom, converter.compare.scale
    QTest.keyClick(window, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert converter.compare.scale == pytest.approx(compare_scale * 1.25)
    assert window.canvas.zoom == canvas_zoom  # the hidden painting canvas stays as it was
    window.workspaces.setCurrentWidget(window.latent)
    assert not window.act_zoom_in.isEnabled() and not window.act_fit.isEnabled()
    window.workspaces.setCurrentWidget(window.painting)
    assert window.act_zoom_in.isEnabled()
    window.act_zoom_in.trigger()
    assert window.canvas.zoom == pytest.approx(canvas_zoom * 1.25)


def test_undo_and_painting_actions_act_only_on_paint(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.vm.set_current_class(window.vm.palette.index_of("water"))
    canvas = window.canvas
    start = canvas.offset.toPoint() + QPoint(40, 40)
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(canvas, start + QPoint(60, 10))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start + QPoint(60, 10))
    painted = window.vm.labels.copy()
    assert window.act_undo.isEnabled()
    window.workspaces.setCurrentWidget(window.latent)
    assert not window.act_undo.isEnabled() and not window.act_split.isEnabled() and not window.painting.act_open_labels.isEnabled()
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert np.array_equal(window.vm.labels, painted)  # Ctrl+Z on Latent does not undo the hidden painting
    window.workspaces.setCurrentWidget(window.painting)
    assert window.act_undo.isEnabled()
    window.act_undo.trigger()
    assert not np.array_equal(window.vm.labels, painted)


def test_models_dock_tick_and_status_bar_follow_the_workspace(qtbot, make_window, spade_model_path, cyclegan) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    with qtbot.waitSignal(window.synthesis.modelChanged, timeout=20_000):
        window.load_model(str(spade_model_path))
    qtbot.waitUntil(lambda: window.time_label.text().startswith("Inference"), timeout=20_000)
    with qtbot.waitSignal(window.face_and_convert.converter_vm.modelChanged, timeout=20_000):
        window.load_model(str(cyclegan))
    assert window.workspaces.currentWidget() is window.face_and_convert.converter
    assert window.models_panel.current_path == str(cyclegan)
    assert "tiny-cyclegan" in window.model_label.text()
    assert not window.cursor_label.isVisible()  # the canvas cursor readout belongs to Paint
    assert window.time_label.text() == ""  # nothing converted yet: Paint's time is not shown here
    window.workspaces.setCurrentWidget(window.painting)
    assert window.models_panel.current_path == str(spade_model_path)
    assert window.time_label.text().startswith("Inference")
    assert window.cursor_label.isVisible()


def test_the_workspace_tabs_stay_in_one_place(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    bar = window.workspace_bar
    positions = []
    for index in range(bar.count()):
        QTest.mouseClick(bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, bar.tabRect(index).center())
        assert window.workspaces.currentIndex() == index
        qtbot.waitUntil(lambda: bar.isVisible())
        positions.append(bar.mapTo(window, QPoint(0, 0)))
    assert len(set((p.x(), p.y()) for p in positions)) == 1, positions
    window.workspaces.setCurrentWidget(window.latent)  # switching from code moves the bar too
    assert bar.currentIndex() == window.workspaces.currentIndex()
