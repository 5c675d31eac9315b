"""The region-styles dock with a real (tiny, random-weight) SEAN model: sources chosen in the dock restyle the output."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from ganstudio.document.palette import default_palette


@pytest.fixture(scope="module")
def sean_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch

    from ganstudio.checkpoints import save_model
    from ganstudio.models.sean import SEANGenerator

    torch.manual_seed(0)
    palette = default_palette()
    gen = SEANGenerator(label_nc=len(palette), ngf=4, crop_size=64, style_dim=16, param_free_norm_type="batch")
    path = tmp_path_factory.mktemp("models") / "tiny-sean.safetensors"
    save_model(gen, path, labels=palette.to_json(), resolution=64)
    return path


def settled_output(qtbot, window) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The output once every requested synthesis has come back."""
    qtbot.waitUntil(lambda: window.vm.output is not None and window.vm.output_revision == window.vm.revision and not window.controller.busy, timeout=20_000)
    return window.vm.output.copy()


def test_sources_chosen_in_the_dock_restyle_the_output_and_random_restores_it(qtbot, make_window, sean_model_path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    with qtbot.waitSignal(window.synthesis.modelChanged, timeout=20_000):
        window.load_model(str(sean_model_path))
    vm, panel = window.vm, window.styles_panel
    window.styles_dock.show()
    window.styles_dock.raise_()
    qtbot.waitUntil(panel.isVisible)
    assert not panel.note.isVisible()  # a SEAN model: no "needs a SEAN model" note

    sky, grass = vm.palette.index_of("sky"), vm.palette.index_of("grass")
    vm.set_current_class(grass)
    vm.draw_rect((0, vm.height // 2), (vm.width - 1, vm.height - 1))  # bottom half grass
    assert panel.region_combo(sky) is not None and panel.region_combo(grass) is not None
    before = settled_output(qtbot, window)

    # a style source through the dock's button: a photo and its label map (sky above, grass below)
    rng = np.random.default_rng(1)
    photo = np.zeros((64, 64, 3), np.uint8)
    photo[:32] = (40, 60, 200)
    photo[32:] = np.clip(rng.normal((200, 40, 30), 30, (32, 64, 3)), 0, 255).astype(np.uint8)
    ids = np.full((64, 64), sky, np.uint8)
    ids[32:] = grass
    Image.fromarray(photo).save(tmp_path / "sunset.png")
    Image.fromarray(ids, mode="L").save(tmp_path / "sunset-labels.png")
    window.dialogs.open_answers += [str(tmp_path / "sunset.png"), str(tmp_path / "sunset-labels.png")]
    QTest.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    assert list(vm.style_sources) == ["sunset"]
    unchanged = settled_output(qtbot, window)
    assert np.array_equal(unchanged, before)  # a source alone restyles nothing

    combo = panel.region_combo(grass)
    assert combo is not None and combo.findData("sunset") > 0
    combo.setCurrentIndex(combo.findData("sunset"))  # what picking it in the list does
    assert vm.region_sources == {grass: "sunset"}
    after = settled_output(qtbot, window)

    assert not np.array_equal(after, before)  # the grass region took the source's style
    # the dock still shows the choice, and the other region keeps the random style
    assert panel.region_combo(grass).currentData() == "sunset"
    assert panel.region_combo(sky).currentData() == ""

    combo.setCurrentIndex(combo.findData(""))  # back to the random style: exactly the first output
    assert vm.region_sources == {}
    assert np.array_equal(settled_output(qtbot, window), before)

    panel.all_combo.setCurrentIndex(panel.all_combo.findData("sunset"))
    QTest.mouseClick(panel.apply_all_button, Qt.MouseButton.LeftButton)
    assert vm.default_source == "sunset"
    everywhere = settled_output(qtbot, window)
    assert not np.array_equal(everywhere, before) and not np.array_equal(everywhere, after)
    assert panel.region_combo(sky).currentData() == "sunset" == panel.region_combo(grass).currentData()
