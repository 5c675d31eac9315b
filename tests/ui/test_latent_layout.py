"""The latent workspace fits, with nothing clipped, from the 760x560 a 1024x700 window leaves it (beside the Models dock) up.

Layouts settle through posted events (a scroll area sizes its column a turn
later), so each check first waits until no geometry changes any more.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QWidget

from ganstudio.app.inference import InferenceController
from ganstudio.app.latent_viewmodel import LatentViewModel
from ganstudio.engine.runner import JobRunner
from ganstudio.ui.latent.workspace import LatentWorkspace
from layout_checks import clipped_widgets

TIMEOUT = 20_000
SMALLEST = (760, 560)
SIZES = [SMALLEST, (1400, 880)]


@pytest.fixture(scope="module")
def stylegan_path(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    from stylegan_models import save_tiny_stylegan2

    return save_tiny_stylegan2(tmp_path_factory.mktemp("models") / "tiny-stylegan2.safetensors")


@pytest.fixture
def loaded(qtbot, dialogs, stylegan_path):  # type: ignore[no-untyped-def]
    """The workspace with a model, its picture and one favourite: every control it can show is there."""
    controller = InferenceController(lambda: JobRunner(device="cpu", threads=1))
    vm = LatentViewModel(controller)
    widget = LatentWorkspace(vm, dialogs)
    qtbot.addWidget(widget)
    widget.resize(*SMALLEST)
    widget.show()
    qtbot.waitExposed(widget)
    dialogs.open_answers.append(str(stylegan_path))
    qtbot.mouseClick(widget.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: vm.output is not None and not vm.output.preview, timeout=TIMEOUT)
    qtbot.mouseClick(widget.favourites.add_button, Qt.MouseButton.LeftButton)
    assert widget.favourites.list.count() == 1 and widget.favourites.pad_button.isEnabled()
    yield widget
    controller.shutdown()


def settle(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    """Wait until no geometry under `widget` changes between two turns of the event loop."""
    snapshots: list[list[tuple[object, bool]]] = []

    def stable() -> bool:
        snapshots.append([(child.geometry(), child.isVisible()) for child in widget.findChildren(QWidget)])
        return len(snapshots) > 1 and snapshots[-1] == snapshots[-2]

    qtbot.waitUntil(stable, timeout=5000)


def assert_fits(qtbot, widget: LatentWorkspace, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    widget.resize(*size)
    assert widget.size() == QSize(*size)
    settle(qtbot, widget)
    assert clipped_widgets(widget) == []
    scroll = widget.controls_scroll
    assert scroll.widget().width() <= scroll.viewport().width()  # the controls column never needs sideways scrolling
    assert min(widget.pad.width(), widget.pad.height()) >= 180 and min(widget.view.width(), widget.view.height()) >= 200


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_nothing_is_clipped_with_a_model_loaded(qtbot, loaded: LatentWorkspace, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert_fits(qtbot, loaded, size)
    for button in (loaded.open_button, loaded.export_button, loaded.export_latent_button, loaded.import_latent_button,
                   loaded.gif_button, loaded.favourites.add_button, loaded.favourites.apply_button,
                   loaded.favourites.pad_button, loaded.favourites.remove_button):
        assert button.isVisible() and button.isEnabled()
    assert loaded.gif_frames.isVisible() and loaded.gif_frames.text() == "12 frames/anchor"


def test_nothing_is_clipped_while_a_gif_is_made(qtbot, loaded: LatentWorkspace, dialogs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    loaded.gif_frames.setValue(240)  # 960 frames: long enough to look at the progress row
    dialogs.save_answers.append(str(tmp_path / "walk.gif"))
    qtbot.mouseClick(loaded.gif_button, Qt.MouseButton.LeftButton)
    assert loaded.gif_progress.isVisible() and loaded.gif_cancel.isVisible()
    assert_fits(qtbot, loaded, SMALLEST)
    with qtbot.waitSignal(loaded.vm.animationCancelled, timeout=TIMEOUT):
        qtbot.mouseClick(loaded.gif_cancel, Qt.MouseButton.LeftButton)
    assert not loaded.gif_progress.isVisible() and not (tmp_path / "walk.gif").exists()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_1024px_conditional_model_fits_too(qtbot, dialogs, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    """The widest controls: 18 ws (two rows of 9 toggles), 17 noise sliders, a class picker."""
    vm = LatentViewModel()  # no worker: the layout needs the model's config only
    widget = LatentWorkspace(vm, dialogs)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    vm.set_model({"arch": "stylegan2", "name": "ffhq-like", "path": "ffhq.pkl",
                  "config": {"img_resolution": 1024, "w_dim": 512, "z_dim": 512, "c_dim": 10, "synthesis_kwargs": {}}})
    assert len(widget.mixing_panel.toggles) == 18 and len(widget.noise_panel.layer_sliders) == 17
    assert widget.latent_panel.class_combo.isVisible()
    assert_fits(qtbot, widget, size)
