"""The whole window at the smallest supported size and a large one: it keeps its size on every tab and clips nothing."""
from __future__ import annotations

from pathlib import Path

import pytest
from layout_checks import clipped_widgets, shown_without_scrolling
from PySide6.QtWidgets import QApplication, QDockWidget

from tests.stylegan_models import save_tiny_stylegan2
from tests.translation_models import save_cyclegan, save_stargan


@pytest.fixture(scope="module")
def bundled(tmp_path_factory, spade_model_path):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("bundled")
    (folder / "tiny-spade.safetensors").write_bytes(spade_model_path.read_bytes())
    save_tiny_stylegan2(folder / "tiny-stylegan2.safetensors")
    save_cyclegan(folder / "tiny-cyclegan.safetensors", resolution=32)
    save_stargan(folder / "tiny-stargan.safetensors")
    bundled_text_model = Path(__file__).resolve().parents[2] / "resources" / "models" / "landscape-gan-int-cls.safetensors"
    (folder / bundled_text_model.name).write_bytes(bundled_text_model.read_bytes())  # the Describe workspace's model
    bundled_layout_model = bundled_text_model.with_name("landscape-lostgan.safetensors")
    (folder / bundled_layout_model.name).write_bytes(bundled_layout_model.read_bytes())  # the Layout workspace's model
    return folder


def settle(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    """Wait until no widget moves any more (layouts run over several event-loop passes)."""
    def geometry() -> list:
        return [w.geometry().getRect() for w in window.findChildren(QDockWidget)] + [window.workspaces.currentWidget().geometry().getRect()]

    last = geometry()
    for _ in range(20):
        QApplication.processEvents()
        now = geometry()
        if now == last:
            return
        last = now


@pytest.mark.parametrize("size", [(1024, 700), (1600, 1000)], ids=["1024x700", "1600x1000"])
def test_every_workspace_fits_the_window_with_nothing_clipped(qtbot, make_window, bundled, size) -> None:  # type: ignore[no-untyped-def]
    window = make_window(bundled_model_folder=str(bundled))
    window.start()
    qtbot.waitUntil(lambda: all(w.model_path() for w in window.workspace_list if w.name != "train"), timeout=30_000)  # Train has no model
    window.resize(*size)
    for index in range(window.workspaces.count()):
        window.workspaces.setCurrentIndex(index)
        settle(qtbot, window)
        name = window.workspaces.tabText(index)
        assert (window.width(), window.height()) == size, f"{name} resized the window"
        assert clipped_widgets(window.workspaces.currentWidget()) == [], name
        for dock in window.findChildren(QDockWidget):
            if dock.isVisible() and not dock.visibleRegion().isEmpty():  # a dock tabbed behind another shows nothing
                assert clipped_widgets(dock.widget()) == [], f"{dock.windowTitle()} dock on {name}"
    tabs = window.face_and_convert
    for workspace in (tabs.converter, tabs.attributes):
        window.workspaces.setCurrentWidget(workspace)
        settle(qtbot, window)
        panel = workspace.folder
        for control in (panel.start_button, panel.progress):
            assert shown_without_scrolling(control), f"{type(control).__name__} of {workspace.title}'s folder run is out of sight"
