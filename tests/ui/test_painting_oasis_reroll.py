"""Issue 13, OASIS in Paint, through the real widgets: paint with the mouse, re-roll one region with the Re-roll tool,
re-roll everything with its button, undo, save and reopen. A region re-roll changes the picture inside the region
and, outside it, nothing farther than the generator's receptive field reaches (measured against the derived bound).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QToolButton

from canvas_strokes import drag, widget_point
from oasis_spill import chessboard_reach, output_region
from ganstudio.document.oasis_noise import NoiseState, Reroll
from ganstudio.document.palette import default_palette
from ganstudio.engine.painting import oasis_reroll_spill

DOC_W, DOC_H = 1024, 256  # 1:4, so the 512 px wide output leaves room beyond the re-roll's reach
OUT_W, OUT_H = 512, 128


@pytest.fixture(scope="module")
def oasis_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random-weight OASIS generator (512 px crop, 1 channel) whose output is not saturated."""
    import torch

    from ganstudio.checkpoints import save_model
    from ganstudio.models.oasis import OASISGenerator

    torch.manual_seed(5)
    palette = default_palette()
    gen = OASISGenerator(label_nc=len(palette), contain_dontcare_label=False, channels_G=1, crop_size=512, param_free_norm_type="batch", spade_hidden=4)
    with torch.no_grad():
        for module in gen.modules():
            if isinstance(module, torch.nn.BatchNorm2d):  # eval-mode batch norm: per pixel, as OASIS's syncbatch runs
                module.running_mean.normal_(0, 0.1)
                module.running_var.uniform_(0.5, 1.5)
        # random weights saturate tanh (all 0 or 255, hiding changes): scale the last conv into tanh's linear range
        gen.conv_img.bias.zero_()
        for _ in range(3):
            x = gen(gen.semantic_input(torch.randint(0, len(palette), (1, OUT_H, OUT_W))), latent_hw=(OUT_H // 32, OUT_W // 32))
            gen.conv_img.weight.mul_(0.5 / float(torch.atanh(x.clamp(-0.999, 0.999)).std()))
    path = tmp_path_factory.mktemp("models") / "tiny-oasis.safetensors"
    save_model(gen, path, labels=palette.to_json(), resolution=512)
    return path


def settled(qtbot, window) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The output once the newest revision's picture has arrived and nothing else is running."""
    qtbot.waitUntil(lambda: window.vm.output is not None and window.vm.output_revision == window.vm.revision and not window.controller.busy, timeout=30_000)
    return window.vm.output.astype(int)


def button(panel, name: str) -> QToolButton:  # type: ignore[no-untyped-def]
    found = panel.findChild(QToolButton, name)
    assert found is not None, name
    return found


def test_rerolling_a_painted_region_changes_it_and_nothing_beyond_the_receptive_field(qtbot, make_window, oasis_model_path, spade_model_path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    vm, tools, styles = window.vm, window.tools_panel, window.styles_panel
    reroll_tool, reroll_all = button(tools, "tool_reroll_tool"), button(tools, "tool_reroll_all")
    assert not reroll_tool.isEnabled() and not reroll_all.isEnabled()  # no OASIS model yet

    with qtbot.waitSignal(window.synthesis.modelChanged, timeout=30_000):
        window.load_model(str(oasis_model_path))
    assert reroll_tool.isEnabled() and reroll_all.isEnabled() and button(tools, "tool_reroll_region").isEnabled()
    assert "OASIS" in styles.note.text() and styles.noise_controls.isVisibleTo(styles) and not styles.sean_controls.isVisibleTo(styles)

    sky, tree = vm.palette.index_of("sky"), vm.palette.index_of("tree")
    vm.new_document(DOC_W, DOC_H, fill_class=sky)
    window.canvas.fit()
    # paint a tree at the left edge with the brush, by mouse
    vm.set_current_class(tree)
    tools.size_spin.setValue(40)
    drag(window, [(40, 60), (60, 100), (50, 150), (70, 190)])
    labels = vm.labels.copy()
    assert (labels == tree).sum() > 3000 and not (labels[:, 200:] == tree).any()
    before = settled(qtbot, window)
    assert before.shape == (OUT_H, OUT_W, 3)

    # the Re-roll tool, then a click on the tree: one undo step, new noise for the tree only
    QTest.mouseClick(reroll_tool, Qt.MouseButton.LeftButton)
    assert vm.tool == "reroll"
    steps = vm.undo_stack.count()
    with qtbot.waitSignal(vm.noiseChanged, timeout=5_000):
        QTest.mouseClick(window.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, widget_point(window, 55, 120))
    assert vm.undo_stack.count() == steps + 1 and [r.class_id for r in vm.noise.rerolls] == [tree]
    assert np.array_equal(vm.labels, labels)  # re-rolling never paints
    after = settled(qtbot, window)

    region = output_region(labels, tree, (OUT_H, OUT_W))
    diff = np.abs(after - before).max(axis=2)
    assert diff[region].mean() > 2.0, "the re-rolled region should look different"
    reach = chessboard_reach(region, diff > 0)
    bound = oasis_reroll_spill(window.synthesis.info["config"])
    right = int(np.flatnonzero(region.any(axis=0)).max())
    print(f"re-roll spill: changes reach {reach} px from the region; receptive-field bound {bound} px; "
          f"mean change inside {diff[region].mean():.1f}, outside {diff[~region].mean():.2f}")
    assert reach <= bound
    assert right + bound < OUT_W - 100  # the bound leaves a part of the picture to check
    assert np.array_equal(after[:, right + bound + 1 :], before[:, right + bound + 1 :])  # beyond it: bit-identical
    assert "tree" in styles.rerolled.text()

    # Re-roll all (its button): every region changes; undo (Ctrl+Z) brings back the exact picture
    with qtbot.waitSignal(vm.noiseChanged, timeout=5_000):
        QTest.mouseClick(reroll_all, Qt.MouseButton.LeftButton)
    everything = settled(qtbot, window)
    changed = np.abs(everything - after).max(axis=2) > 0
    assert changed.mean() > 0.95 and changed[region].mean() > 0.95
    assert vm.noise.rerolls == () and vm.noise.seed != 0
    window.canvas.setFocus()
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert vm.noise.rerolls and vm.noise.rerolls[0].class_id == tree
    assert np.array_equal(settled(qtbot, window), after)

    # the noise is part of the project: save, change it, open again -> the same picture
    saved = vm.noise
    path = tmp_path / "oasis.gstudio"
    window.dialogs.save_answers.append(str(path))
    assert window.painting.files.save()
    vm.reroll_all(seed=99)
    settled(qtbot, window)
    window.dialogs.unsaved_answer = "discard"
    assert window.open_path(str(path))
    assert vm.noise == saved and vm.noise != NoiseState(99)
    assert np.array_equal(settled(qtbot, window), after)

    # a SPADE model: re-rolls off, the re-roll tool gives way to the brush, the region styles dock as before
    QTest.mouseClick(reroll_tool, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(window.synthesis.modelChanged, timeout=30_000):
        window.load_model(str(spade_model_path))
    assert not reroll_tool.isEnabled() and vm.tool == "brush"
    assert "SEAN" in styles.note.text() and styles.sean_controls.isVisibleTo(styles) and not styles.noise_controls.isVisibleTo(styles)


def test_reroll_shortcuts_act_on_paint_only(qtbot, make_window, oasis_model_path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    vm = window.vm
    with qtbot.waitSignal(window.synthesis.modelChanged, timeout=30_000):
        window.load_model(str(oasis_model_path))
    grass = vm.palette.index_of("grass")
    vm.set_current_class(grass)
    window.canvas.setFocus()
    with qtbot.waitSignal(vm.noiseChanged, timeout=5_000):
        QTest.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)  # Re-roll region
    assert [r.class_id for r in vm.noise.rerolls] == [grass]
    with qtbot.waitSignal(vm.noiseChanged, timeout=5_000):
        QTest.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)  # Re-roll all
    assert vm.noise.rerolls == ()
    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ShiftModifier)
    assert vm.tool == "reroll"
    settled(qtbot, window)

    # Ctrl+R (Random style) gives an OASIS picture new noise everywhere: it has no style to draw
    with qtbot.waitSignal(vm.noiseChanged, timeout=5_000):
        QTest.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert vm.noise.rerolls == () and window.messages[-1].startswith("New noise everywhere")
    settled(qtbot, window)
    menu_actions = (window.tools_panel.reroll_region_action, window.tools_panel.reroll_all_action, window.tools_panel.reroll_tool_action)
    assert all(action.isEnabled() for action in menu_actions)

    steps = vm.undo_stack.count()
    window.workspaces.setCurrentWidget(window.latent)
    assert not any(action.isEnabled() for action in menu_actions)  # also in the Model and Edit menus: off elsewhere
    QTest.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
    assert vm.undo_stack.count() == steps  # the painting's re-rolls stay with the painting
    window.workspaces.setCurrentWidget(window.painting)
    assert all(action.isEnabled() for action in menu_actions)


def test_rerolled_noise_is_recovered_after_a_crash(qtbot, make_window, oasis_model_path) -> None:  # type: ignore[no-untyped-def]
    crashed = make_window()
    with qtbot.waitSignal(crashed.synthesis.modelChanged, timeout=30_000):
        crashed.load_model(str(oasis_model_path))
    vm = crashed.vm
    assert vm.reroll_class(vm.palette.index_of("sky"), seed=77) and vm.reroll_all(seed=78) and vm.reroll_class(vm.palette.index_of("grass"), seed=79)
    state = vm.noise
    crashed.document.autosave()  # the autosave goes through the project file, noise included
    # simulate a crash: the process "dies" holding its snapshot; its session lock goes with it
    crashed.document.recovery._lock_handle.close()
    crashed.document.recovery._session_dir = None
    vm.mark_saved()

    window = make_window()
    assert window.painting.files.offer_recovery()
    assert window.vm.noise == state == NoiseState(78).with_reroll(Reroll(79, class_id=vm.palette.index_of("grass")))
