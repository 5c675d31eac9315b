"""The real main window, driven with mouse events and real inference on a tiny SPADE model."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from canvas_strokes import drag, widget_point
from ganstudio.document.image_io import read_image_settings


def click(window, x: float, y: float, modifier=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    QTest.mouseClick(window.canvas, Qt.MouseButton.LeftButton, modifier, widget_point(window, x, y))


def load(qtbot, window, path: Path) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.synthesis.modelChanged, timeout=20_000):
        window.load_model(str(path))


def wait_output(qtbot, window) -> np.ndarray:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.vm.output is not None and window.vm.output_revision == window.vm.revision, timeout=20_000)
    return window.vm.output.copy()


def test_window_opens_without_a_model_and_paints(make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    assert window.model_label.text() == "No model loaded"
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles[:5] == ["File", "Edit", "View", "Model", "Help"]
    before = window.vm.labels.copy()
    drag(window, [(100, 100), (200, 120)])
    assert not np.array_equal(before, window.vm.labels)
    assert window.vm.output is None  # nothing to synthesize with, and no error either
    assert window.dialogs.errors == []


@pytest.mark.slow
def test_stroke_changes_labels_along_its_path_and_the_output_in_that_area(qtbot, make_window, spade_model_path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    load(qtbot, window, spade_model_path)
    assert "tiny-spade" in window.model_label.text()
    first = wait_output(qtbot, window)
    water = window.vm.palette.index_of("water")
    window.vm.set_current_class(water)
    window.vm.set_brush_size(40)
    path = [(60, 256), (150, 256), (250, 256), (330, 256)]
    drag(window, path)
    labels = window.vm.labels
    for x, y in path:
        assert labels[y, x] == water
    assert labels[40, 40] == 0 and labels[500, 500] == 0  # far from the stroke: untouched sky
    assert window.vm.undo_stack.count() == 1  # one stroke, one undo step
    second = wait_output(qtbot, window)
    assert window.time_label.text().startswith("Inference")
    scale_y, scale_x = second.shape[0] / labels.shape[0], second.shape[1] / labels.shape[1]
    band = slice(int(236 * scale_y), int(276 * scale_y) + 1)
    diff = np.abs(second.astype(int) - first.astype(int)).sum(axis=2)
    assert diff[band, int(80 * scale_x) : int(320 * scale_x)].mean() > 0
    assert diff[band].mean() > diff[: int(100 * scale_y)].mean()  # the painted band changed most


def test_fill_eyedropper_undo_redo_restore_exact_arrays(make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    vm = window.vm
    blank = vm.labels.copy()
    vm.set_current_class(vm.palette.index_of("rock"))
    vm.set_tool("rect")
    drag(window, [(100, 100), (300, 300)])
    after_rect = vm.labels.copy()
    assert (after_rect[100:301, 100:301] == vm.palette.index_of("rock")).all()
    vm.set_current_class(vm.palette.index_of("grass"))
    vm.set_tool("fill")
    click(window, 200, 200)
    after_fill = vm.labels.copy()
    assert (after_fill[100:301, 100:301] == vm.palette.index_of("grass")).all()
    assert (after_fill[:100] == 0).all()  # the fill stayed inside the connected region

    vm.set_current_class(0)
    click(window, 150, 150, Qt.KeyboardModifier.AltModifier)  # Alt+click picks the class
    assert vm.current_class == vm.palette.index_of("grass")
    vm.set_tool("eyedropper")
    click(window, 10, 10)
    assert vm.current_class == 0

    window.act_undo.trigger()
    assert np.array_equal(vm.labels, after_rect)
    window.act_undo.trigger()
    assert np.array_equal(vm.labels, blank)
    window.act_redo.trigger()
    window.act_redo.trigger()
    assert np.array_equal(vm.labels, after_fill)
    for command_index in range(vm.undo_stack.count()):  # patches, not whole maps
        assert vm.undo_stack.command(command_index).stored_bytes < 2 * blank.nbytes


def test_brush_size_keys_and_class_number_keys(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.canvas.setFocus()
    size = window.vm.brush_size
    QTest.keyClick(window.canvas, Qt.Key.Key_BracketRight)
    assert window.vm.brush_size > size
    QTest.keyClick(window.canvas, Qt.Key.Key_BracketLeft)
    QTest.keyClick(window.canvas, Qt.Key.Key_BracketLeft)
    assert window.vm.brush_size < size
    QTest.keyClick(window.canvas, Qt.Key.Key_3)
    assert window.vm.current_class == 2
    QTest.keyClicks(window.canvas, "w")  # type-to-search
    assert window.classes_panel.search.text() == "w"
    QTest.keyClicks(window.classes_panel.search, "ate")
    QTest.keyClick(window.classes_panel.search, Qt.Key.Key_Return)
    assert window.vm.palette[window.vm.current_class].name == "water"


def test_project_save_and_load_round_trip(make_window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    vm = window.vm
    vm.set_current_class(3)
    drag(window, [(50, 50), (400, 300)])
    vm.set_brush_size(77)
    rng = np.random.default_rng(0)
    vm.add_style_source("ref", rng.integers(0, 255, (32, 32, 3), dtype=np.uint8), np.full((32, 32), 2, np.uint8))
    vm.set_region_source(3, "ref")
    painted = vm.labels.copy()
    path = tmp_path / "work.gstudio"
    window.dialogs.save_answers.append(str(path))
    assert window.painting.files.save()
    assert path.exists() and not vm.is_modified
    assert window.windowTitle().startswith("work.gstudio") and not window.isWindowModified()

    window.painting.files.new_document()
    assert (vm.labels == 0).all()
    vm.set_brush_size(5)
    assert window.open_path(str(path))
    assert np.array_equal(vm.labels, painted)
    assert vm.brush_size == 77
    assert list(vm.style_sources) == ["ref"] and vm.region_sources == {3: "ref"}


def test_export_writes_png_with_settings(qtbot, make_window, spade_model_path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    load(qtbot, window, spade_model_path)
    output = wait_output(qtbot, window)
    assert window.painting.files.export_output(str(tmp_path / "out.png"))
    assert np.array_equal(np.asarray(Image.open(tmp_path / "out.png").convert("RGB")), output)
    assert read_image_settings(tmp_path / "out.png")["arch"] == "spade"
    assert window.painting.files.export_output(str(tmp_path / "out.jpg"))
    assert Image.open(tmp_path / "out.jpg").format == "JPEG"


def test_crash_is_recovered_from_autosave(make_window, recovery_dir) -> None:  # type: ignore[no-untyped-def]
    crashed = make_window()
    crashed.vm.set_current_class(7)
    drag(crashed, [(20, 20), (300, 400)])
    painted = crashed.vm.labels.copy()
    crashed.document.autosave()
    # simulate a crash: the process "dies" holding its snapshot; its session lock goes with it
    crashed.document.recovery._lock_handle.close()
    crashed.document.recovery._session_dir = None
    crashed.vm.mark_saved()  # so closing the dead window asks nothing

    window = make_window()
    assert window.painting.files.offer_recovery()
    assert np.array_equal(window.vm.labels, painted)
    assert window.vm.is_modified  # recovered work is not saved work
    assert "Recovered" in window.messages[-1]


def test_corrupt_png_shows_a_message_and_keeps_the_painting(make_window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    drag(window, [(10, 10), (90, 90)])
    painted = window.vm.labels.copy()
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20)
    assert not window.open_path(str(bad))
    assert np.array_equal(window.vm.labels, painted)
    title, text = window.dialogs.errors[-1]
    assert "broken.png" in text and "unchanged" in text


def test_out_of_range_class_ids_show_a_message_and_keep_the_painting(make_window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    drag(window, [(10, 10), (90, 90)])
    painted = window.vm.labels.copy()
    ids = np.zeros((64, 64), np.uint8)
    ids[5, 5] = 200
    Image.fromarray(ids, mode="L").save(tmp_path / "ids.png")
    assert not window.open_path(str(tmp_path / "ids.png"))
    assert np.array_equal(window.vm.labels, painted)
    assert "200" in window.dialogs.errors[-1][1]


def test_colour_coded_label_map_opens_with_a_report_of_unmatched_colours(make_window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    colors = window.vm.palette.colors
    rgb = np.zeros((40, 60, 3), np.uint8)
    rgb[:] = colors[0]
    rgb[20:] = colors[7]
    rgb[0, 0] = (1, 2, 3)  # not in the palette
    Image.fromarray(rgb).save(tmp_path / "rgb.png")
    assert window.open_path(str(tmp_path / "rgb.png"))
    assert window.vm.labels.shape == (40, 60)
    assert (window.vm.labels[20:] == 7).all()
    assert "not in the palette" in window.messages[-1]


def test_wrong_models_show_why_and_the_current_model_stays(qtbot, make_window, spade_model_path, stylegan_like_path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    load(qtbot, window, spade_model_path)
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"not a model at all")
    with qtbot.waitSignal(window.synthesis.modelRejected, timeout=20_000):
        window.load_model(str(junk))
    assert "junk.safetensors" in window.dialogs.errors[-1][1]
    with qtbot.waitSignal(window.synthesis.modelRejected, timeout=20_000):
        window.load_model(str(stylegan_like_path))
    assert "SPADE, SEAN or OASIS" in window.dialogs.errors[-1][1]
    assert window.synthesis.path == str(spade_model_path)
    assert "tiny-spade" in window.model_label.text()


def test_a_crash_in_a_model_run_is_a_notice_and_loses_nothing(qtbot, make_window, spade_model_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from ganstudio.engine.painting import PaintingSession

    window = make_window()
    load(qtbot, window, spade_model_path)
    wait_output(qtbot, window)

    def explode(self, labels, style=None, *, preview=False, latent_scale=1):  # type: ignore[no-untyped-def]
        raise RuntimeError("simulated failure inside the generator")

    monkeypatch.setattr(PaintingSession, "synthesize", explode)
    with qtbot.waitSignal(window.synthesis.synthesisFailed, timeout=20_000):
        drag(window, [(30, 30), (60, 60)])
    painted = window.vm.labels.copy()
    assert "simulated failure" in window.messages[-1]
    assert window.vm.undo_stack.count() == 1 and np.array_equal(window.vm.labels, painted)


def test_preferences_persist_between_runs(make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.vm.set_brush_size(123)
    window.act_split.trigger()
    window.close()
    again = make_window()
    assert again.vm.brush_size == 123
    assert again.act_split.isChecked()


def test_closing_with_unsaved_changes_asks_first(make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    drag(window, [(10, 10), (50, 50)])
    window.dialogs.unsaved_answer = "cancel"
    assert not window.close()
    assert window.isVisible()


def test_painting_docks_show_only_with_the_paint_workspace(make_window) -> None:  # type: ignore[no-untyped-def]
    def is_open(dock) -> bool:  # type: ignore[no-untyped-def]
        return dock.toggleViewAction().isChecked()  # tabbed-behind docks are open but not visible

    window = make_window()
    window.show()
    window.classes_dock.hide()  # the user closed one dock: it must stay closed
    painting_docks = (window.tools_dock, window.styles_dock, window.history_dock)
    window.workspaces.setCurrentWidget(window.latent)
    assert not any(dock.isVisible() for dock in painting_docks + (window.classes_dock,))
    assert window.models_dock.isVisible()
    window.close()  # the saved layout is the painting one, not the hidden one
    again = make_window()
    again.show()
    assert is_open(again.tools_dock) and not is_open(again.classes_dock)
    window = again
    painting_docks = (window.tools_dock, window.styles_dock, window.history_dock)
    window.workspaces.setCurrentWidget(window.latent)
    window.workspaces.setCurrentWidget(window.painting)
    assert [is_open(dock) for dock in painting_docks] == [True, True, True] and not is_open(window.classes_dock)


def test_status_bar_names_the_model_of_the_workspace_on_screen(qtbot, make_window, spade_model_path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    load(qtbot, window, spade_model_path)
    assert spade_model_path.name in window.model_label.text()
    window.workspaces.setCurrentWidget(window.latent)
    assert window.model_label.text() == "No model loaded"  # no StyleGAN model yet
    window.workspaces.setCurrentWidget(window.painting)
    assert spade_model_path.name in window.model_label.text()


@pytest.mark.slow
def test_import_official_checkpoint_converts_it_into_the_user_folder_and_opens_it(qtbot, make_window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    official = Path(__file__).resolve().parents[1] / "fixtures" / "cyclegan" / "resnet6_instance_stale_net_G.pth"
    window = make_window()
    converter = window.face_and_convert.converter_vm
    window.dialogs.open_answers = [str(official)]
    with qtbot.waitSignal(converter.modelChanged, timeout=60_000):
        window.import_model_dialog()
    converted = tmp_path / "user-models" / "resnet6_instance_stale_net_G.safetensors"
    assert converted.exists()
    assert converter.model.info["arch"] == "cyclegan_resnet"
    assert window.dialogs.errors == []


def test_import_of_a_broken_file_says_why_once_in_our_words_and_quickly(qtbot, make_window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import time

    broken = tmp_path / "latest_net_G.pth"
    broken.write_bytes(b"not a checkpoint at all")
    window = make_window()
    window.dialogs.open_answers = [str(broken)]
    started = time.perf_counter()
    window.import_model_dialog()
    qtbot.waitUntil(lambda: bool(window.dialogs.errors), timeout=60_000)
    elapsed = time.perf_counter() - started
    title, text = window.dialogs.errors[-1]
    assert title == "Cannot import the checkpoint"
    assert text.count("latest_net_G.pth") == 1 and "Traceback" not in text and "ganstudio-convert" not in text
    assert "Nothing was added" in text
    assert elapsed < 2.0  # converted on the worker in this process: no interpreter start-up
    assert not list((tmp_path / "user-models").glob("*.safetensors"))
