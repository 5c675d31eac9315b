"""Small things a new user tripped over (issue 19): class list, cursor readout, reference photo, dialogs' folder, model folder, Help."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, QSettings, Qt
from PySide6.QtTest import QTest

import ganstudio
from ganstudio.document.palette import Palette


def point(window, x: float, y: float) -> QPoint:  # type: ignore[no-untyped-def]
    return (window.canvas.offset + QPointF(x, y) * window.canvas.zoom).toPoint()


def test_the_class_list_shows_the_models_classes_before_the_model_has_loaded(qtbot, make_window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import torch

    from ganstudio.checkpoints import save_model
    from ganstudio.models.spade import SPADEGenerator

    bundled = tmp_path / "bundled"
    bundled.mkdir()
    palette = Palette([("sky", (110, 160, 230)), ("sea", (20, 60, 140)), ("sand", (220, 200, 150)), ("rock", (90, 90, 90)), ("grass", (60, 150, 60))])
    torch.manual_seed(0)
    save_model(SPADEGenerator(label_nc=len(palette), ngf=4, crop_size=64, param_free_norm_type="batch"), bundled / "coast.safetensors", labels=palette.to_json(), resolution=64)
    window = make_window(bundled_model_folder=str(bundled))
    window.start()
    assert window.synthesis.info is None  # still loading on the worker...
    assert window.vm.palette.names == palette.names  # ...but the classes are already the model's
    assert [window.classes_panel.list.item(i).text().split(maxsplit=1)[-1] for i in range(window.classes_panel.list.count())] == palette.names
    with qtbot.waitSignal(window.synthesis.modelChanged, timeout=20_000):
        pass
    assert window.vm.palette.names == palette.names


def test_after_a_fill_the_cursor_readout_names_the_new_class(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.vm.set_labels(np.zeros_like(window.vm.labels))
    QTest.mouseMove(window.canvas, point(window, 30, 30))
    qtbot.waitUntil(lambda: window.vm.palette[0].name in window.cursor_label.text())
    water = window.vm.palette.index_of("water")
    window.vm.set_current_class(water)
    window.vm.set_tool("fill")
    QTest.mouseClick(window.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point(window, 30, 30))
    assert int(window.vm.labels[30, 30]) == water
    assert window.cursor_label.text().endswith("water")  # without moving the mouse again


def test_the_reference_photo_button_says_what_it_removes_and_is_off_without_one(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    button = window.tools_panel.remove_reference_button
    assert button.text() == "Remove" and button.parentWidget().title() == "Reference photo" and "reference photo" in button.toolTip().lower()
    assert not button.isEnabled()
    window.vm.set_reference(np.full((window.vm.height, window.vm.width, 3), 128, np.uint8))
    assert button.isEnabled()
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.vm.reference is None and not button.isEnabled()


def test_file_dialogs_open_in_the_folder_used_last(qtbot, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QFileDialog

    from ganstudio.ui.dialogs import Dialogs

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    pictures = tmp_path / "pictures"
    pictures.mkdir()
    asked: list[str] = []
    answers = [str(pictures / "photo.png"), str(pictures / "out.png")]
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda _p, _t, folder, _f: (asked.append(folder), (answers.pop(0), ""))[1])
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda _p, _t, start, _f: (asked.append(start), (answers.pop(0), ""))[1])
    dialogs = Dialogs(None, settings)
    assert dialogs.open_file("Open", "*") == str(pictures / "photo.png")
    dialogs.save_file("Export", "*", "output.png")
    assert asked[0] != str(Path.cwd()) and asked[1] == str(pictures / "output.png")
    assert Dialogs(None, settings).start_folder() == str(pictures)  # remembered across runs


def test_setting_the_user_model_folder_says_what_it_found(make_window, spade_model_path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "my-models"
    folder.mkdir()
    (folder / "tiny.safetensors").write_bytes(spade_model_path.read_bytes())
    window = make_window()
    window.dialogs.folder_answers = [str(folder)]
    window.choose_model_folder()
    assert window.messages[-1] == f"User model folder: {folder} (1 model found; imports go here)"
    assert any(entry.name == "tiny.safetensors" for entry in window.library.entries)


def test_help_has_shortcuts_documentation_and_about_with_version_and_licence(make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "Help")
    titles = [a.text().replace("&", "") for a in help_menu.actions() if not a.isSeparator()]
    assert titles == ["Documentation", "Keyboard shortcuts", "About GAN Studio"]
    window.act_shortcuts.trigger()
    title, text = window.dialogs.infos[-1]
    assert title == "Keyboard shortcuts" and "Export output" in text and "Ctrl+E" in text and "Alt+click" in text
    window.act_about.trigger()
    title, text = window.dialogs.infos[-1]
    assert ganstudio.__version__ in text and "MIT" in text
    assert (Path(ganstudio.__file__).resolve().parents[1] / "LICENSE").is_file()


@pytest.mark.parametrize("size", [(1024, 700), (1600, 1000)])
def test_the_window_keeps_the_size_it_is_given_on_every_tab(qtbot, make_window, size) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.resize(*size)
    for index in range(window.workspaces.count()):
        window.workspaces.setCurrentIndex(index)
        qtbot.waitUntil(lambda: window.workspaces.currentIndex() == index)
        QTest.qWait(0)  # let the layout settle (no timing: one pass of the event loop)
        assert (window.width(), window.height()) == size, window.workspaces.tabText(index)


def test_a_fitted_canvas_stays_fitted_when_the_window_changes_size_and_a_zoomed_one_stays_zoomed(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.canvas.fit()
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() == 1024)
    canvas = window.canvas

    def fits() -> bool:
        shown = canvas.image_to_widget_rect(QRectF(0, 0, window.vm.width, window.vm.height))
        return canvas.rect().contains(shown) and (shown.width() >= canvas.width() - 20 or shown.height() >= canvas.height() - 20)

    qtbot.waitUntil(fits)
    window.resize(1600, 1000)
    qtbot.waitUntil(lambda: window.width() == 1600)
    qtbot.waitUntil(fits)
    window.act_zoom_in.trigger()
    zoom = canvas.zoom
    window.resize(1300, 900)
    qtbot.waitUntil(lambda: window.width() == 1300)
    assert canvas.zoom == zoom  # the user's own zoom is kept
