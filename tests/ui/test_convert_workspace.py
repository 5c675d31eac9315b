"""The Convert workspace driven like a user: model, image, compare view, folder run with cancel."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt

from ganstudio.app.converter_viewmodel import ConverterViewModel
from ganstudio.app.inference import InferenceController
from ganstudio.document.image_io import read_photo
from ganstudio.engine.runner import JobRunner
from ganstudio.ui.convert.workspace import ConverterWorkspace
from translation_models import save_cyclegan, smooth_image

TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def cyclegan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_cyclegan(tmp_path_factory.mktemp("models") / "tiny-cyclegan.safetensors", resolution=32)


@pytest.fixture
def workspace(qtbot, dialogs, cyclegan):  # type: ignore[no-untyped-def]
    controller = InferenceController(lambda: JobRunner(device="cpu", threads=1))
    vm = ConverterViewModel(controller)
    ws = ConverterWorkspace(vm, dialogs)
    qtbot.addWidget(ws)
    ws.resize(900, 700)
    ws.show()
    qtbot.waitExposed(ws)
    dialogs.open_answers.append(str(cyclegan))
    with qtbot.waitSignal(vm.modelChanged, timeout=TIMEOUT_MS):
        qtbot.mouseClick(ws.open_model_button, Qt.MouseButton.LeftButton)
    yield ws
    controller.shutdown()


def test_compare_view_splits_input_and_output_with_zoom_and_pan_in_step(qtbot, workspace: ConverterWorkspace, dialogs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = workspace
    assert ws.direction_combo.isEnabled() and not ws.mode_combo.isEnabled()
    image = np.zeros((60, 80, 3), np.uint8)
    image[..., 0] = 250  # a flat red input, so the output differs from it clearly
    path = tmp_path / "red.png"
    Image.fromarray(image).save(path)
    dialogs.open_answers.append(str(path))
    with qtbot.waitSignal(ws.vm.outputReady, timeout=TIMEOUT_MS):
        qtbot.mouseClick(ws.open_image_button, Qt.MouseButton.LeftButton)
    view = ws.compare
    assert view.input is not None and view.output is not None
    assert (view.output.width(), view.output.height()) == (80, 60)

    def colour_at(image_x: int, image_y: int) -> tuple[int, int, int]:
        point = view.offset + QPointF(image_x + 0.5, image_y + 0.5) * view.scale  # a pixel's centre
        pixel = view.grab().toImage().pixelColor(QPoint(int(point.x()), int(point.y())))
        return pixel.red(), pixel.green(), pixel.blue()

    out_pixel = tuple(int(v) for v in ws.vm.output[30, 60])
    view.zoom_to(3.0)  # whole screen pixels per image pixel, so sampling hits one image pixel
    ws.split_slider.setValue(500)
    assert view.split == 0.5
    assert np.abs(np.subtract(colour_at(15, 30), (250, 0, 0))).max() <= 3  # left: the input
    assert np.abs(np.subtract(colour_at(60, 30), out_pixel)).max() <= 3  # right: the output
    # zoom about a point and pan: both pictures move together, the split stays on the image
    anchor = view.offset + QPointF(40, 30) * view.scale
    view.zoom_by(2.0, anchor)
    assert view.scale == pytest.approx(6.0)
    assert view.to_image(anchor).x() == pytest.approx(40) and view.to_image(anchor).y() == pytest.approx(30)
    view.pan_by(-30, 10)
    assert np.abs(np.subtract(colour_at(15, 30), (250, 0, 0))).max() <= 3
    assert np.abs(np.subtract(colour_at(60, 30), out_pixel)).max() <= 3
    with qtbot.waitSignal(view.splitChanged, timeout=TIMEOUT_MS):
        ws.split_slider.setValue(900)
    assert np.abs(np.subtract(colour_at(60, 30), (250, 0, 0))).max() <= 3  # now left of the divider
    # dragging the divider moves the slider too
    x = int(view.divider_x())
    y = int(view.image_rect().center().y())
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(x, y))
    qtbot.mouseMove(view, QPoint(x - 40, y))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(x - 40, y))
    assert ws.split_slider.value() < 900
    # B -> A converts again with the other generator
    forward = ws.vm.output.copy()
    with qtbot.waitSignal(ws.vm.outputReady, timeout=TIMEOUT_MS):
        ws.direction_combo.setCurrentIndex(1)
    assert ws.vm.direction == "BtoA" and not np.array_equal(forward, ws.vm.output)


def test_folder_run_with_cancel_midway_and_unreadable_files_listed(qtbot, workspace: ConverterWorkspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = workspace
    source = tmp_path / "in"
    source.mkdir()
    for i in range(8):
        Image.fromarray(smooth_image(96, 128, seed=i)).save(source / f"p{i}.png")
    (source / "a-broken.png").write_bytes(b"nope")
    out = tmp_path / "out"
    panel = ws.folder
    panel.input_edit.setText(str(source))
    panel.output_edit.setText(str(out))
    panel.template_edit.setText("{index:02d}_{stem}.png")

    def cancel_in_the_middle(fraction: float, _message: str, _eta: str) -> None:
        if fraction > 0.4 and panel.progress.cancel_button.isEnabled():
            qtbot.mouseClick(panel.progress.cancel_button, Qt.MouseButton.LeftButton)

    ws.vm.batch.progressChanged.connect(cancel_in_the_middle)
    with qtbot.waitSignal(ws.vm.batch.finished, timeout=TIMEOUT_MS) as done:
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    summary = done.args[0]
    assert summary["cancelled"]
    assert 0 < len(summary["written"]) < 8
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(Path(p).name for p in summary["written"])  # nothing partial, no temp files
    for name in names:
        assert read_photo(out / name).size == (128, 96)
    assert "Cancelled" in panel.progress.status.text()
    assert panel.progress.skipped.count() == 1 and "a-broken.png" in panel.progress.skipped.item(0).text()
    assert panel.start_button.isEnabled()


def test_a_bad_template_is_reported(qtbot, workspace: ConverterWorkspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = workspace
    (tmp_path / "in").mkdir()
    Image.fromarray(smooth_image(32, 32)).save(tmp_path / "in" / "x.png")
    ws.folder.input_edit.setText(str(tmp_path / "in"))
    ws.folder.template_edit.setText("{stem}_{size}.png")
    with qtbot.waitSignal(ws.notice, timeout=TIMEOUT_MS) as note:
        qtbot.mouseClick(ws.folder.start_button, Qt.MouseButton.LeftButton)
    assert "unknown field" in note.args[0]


# ---- layout, domain names, captions (issue 19) ----------------------------------------


def _with_domains(source: Path, target: Path, a: str, b: str) -> Path:
    from ganstudio.checkpoints import load_model, save_model

    return save_model(load_model(source), target, provenance={"iterations": 1, "domains": {"A": a, "B": b}})


@pytest.fixture(scope="module")
def seasons(cyclegan: Path) -> Path:
    return _with_domains(cyclegan, cyclegan.with_name("seasons.safetensors"), "summer", "winter")


def _load(qtbot, ws: ConverterWorkspace, dialogs, path: Path) -> None:  # type: ignore[no-untyped-def]
    dialogs.open_answers.append(str(path))
    with qtbot.waitSignal(ws.vm.modelChanged, timeout=TIMEOUT_MS):
        qtbot.mouseClick(ws.open_model_button, Qt.MouseButton.LeftButton)


@pytest.mark.parametrize("size", [(760, 560), (1400, 880)])
def test_nothing_is_clipped_and_the_folder_run_is_in_sight(qtbot, workspace: ConverterWorkspace, dialogs, seasons: Path, tmp_path: Path, size) -> None:  # type: ignore[no-untyped-def]
    from layout_checks import clipped_widgets, shown_without_scrolling

    ws = workspace
    _load(qtbot, ws, dialogs, seasons)  # the longest direction names a model gives: summer → winter
    ws.resize(*size)
    qtbot.waitUntil(lambda: ws.size().width() == size[0] and ws.size().height() == size[1])
    panel = ws.folder
    for step in ("before a run", "after a run that skipped a file"):
        assert clipped_widgets(ws) == [], step
        for widget in (panel.start_button, panel.progress.bar, panel.progress.status, panel.progress.cancel_button,
                       panel.input_edit, panel.output_edit, panel.template_edit,
                       ws.open_model_button, ws.direction_combo, ws.mode_combo, ws.seed_spin):
            assert shown_without_scrolling(widget), f"{step}: {widget.text() if hasattr(widget, 'text') else type(widget).__name__}"
        assert ws.compare.height() >= 200 and ws.compare.width() >= 400
        if step.startswith("before"):
            source = tmp_path / "in"
            source.mkdir()
            Image.fromarray(smooth_image(32, 32)).save(source / "a.png")
            (source / "b-broken.png").write_bytes(b"nope")
            panel.input_edit.setText(str(source))
            panel.output_edit.setText(str(tmp_path / "out"))
            with qtbot.waitSignal(ws.vm.batch.finished, timeout=TIMEOUT_MS):
                qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
            assert panel.progress.skipped.isVisible() and "Done: 1 file(s) written" in panel.progress.status.text()
    # the top row: model, direction, mode and seed side by side, in the workspace's width
    row = [ws.open_model_button, ws.model_label, ws.direction_combo, ws.mode_combo, ws.seed_spin]
    tops = {w.mapTo(ws, w.rect().topLeft()).y() for w in row}
    assert max(tops) - min(tops) <= 6
    assert ws.seed_spin.mapTo(ws, ws.seed_spin.rect().topRight()).x() < ws.width()
    assert ws.direction_combo.width() >= ws.direction_combo.fontMetrics().horizontalAdvance("summer → winter")


def test_the_folder_panel_puts_both_folders_on_one_row_where_it_can(qtbot) -> None:  # type: ignore[no-untyped-def]
    from layout_checks import clipped_widgets

    from ganstudio.app.batch_run import BatchRun
    from ganstudio.ui.convert.folder_panel import FolderRunPanel

    controller = InferenceController(lambda: JobRunner(device="cpu", threads=1))
    panel = FolderRunPanel("Apply to a folder", BatchRun(controller), "{stem}.png", "Apply to folder")
    qtbot.addWidget(panel)
    panel.show()
    rows = lambda: {panel.input_edit.mapTo(panel, panel.input_edit.rect().topLeft()).y(), panel.output_edit.mapTo(panel, panel.output_edit.rect().topLeft()).y()}  # noqa: E731
    for width, count in ((900, 1), (380, 2)):
        panel.resize(width, panel.sizeHint().height())
        qtbot.waitUntil(lambda: len(rows()) == count)
        panel.resize(width, panel.sizeHint().height())
        qtbot.waitUntil(lambda: panel.height() >= panel.minimumSizeHint().height())
        assert clipped_widgets(panel) == [], width
    assert panel.minimumSizeHint().height() <= 170  # compact: two folder rows, names, start + progress, result line
    controller.shutdown()


def test_direction_names_and_captions_follow_the_models_domains(qtbot, workspace: ConverterWorkspace, dialogs, seasons: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from translation_models import save_pix2pix

    ws = workspace  # starts with a model that names no domains
    texts = lambda: [ws.direction_combo.itemText(i) for i in range(ws.direction_combo.count())]  # noqa: E731
    assert texts() == ["A → B", "B → A"] and ws.compare.captions == ("input", "output")
    _load(qtbot, ws, dialogs, seasons)
    assert texts() == ["summer → winter", "winter → summer"] and ws.direction_combo.currentText() == "summer → winter"
    assert ws.compare.captions == ("input: summer", "output: winter")
    with qtbot.waitSignal(ws.vm.optionsChanged, timeout=TIMEOUT_MS):
        ws.direction_combo.setCurrentIndex(1)
    assert ws.vm.direction == "BtoA" and ws.compare.captions == ("input: winter", "output: summer")
    labels = _with_domains(save_pix2pix(tmp_path / "p.safetensors"), tmp_path / "labels2photo.safetensors", "label map", "photo")
    _load(qtbot, ws, dialogs, labels)
    assert ws.direction_combo.currentText() == "label map → photo" and not ws.direction_combo.isEnabled()
    assert ws.compare.captions == ("input: label map", "output: photo")


def test_captions_read_on_a_white_picture(qtbot, workspace: ConverterWorkspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    view = workspace.compare
    white = np.full((120, 200, 3), 255, np.uint8)
    view.set_images(white, white)
    view.set_captions("input: summer", "output: winter")
    view.resize(500, 320)
    shot = view.grab().toImage()
    shot.save(str(tmp_path / "captions.png"))  # to look at
    pixels = np.array([[shot.pixelColor(x, y).lightness() for x in range(shot.width())] for y in range(shot.height())])
    top = int(max(view.image_rect().top(), 0)) + 6
    metrics = view.fontMetrics()
    cut = int(view.divider_x())
    for left, text in ((True, "input: summer"), (False, "output: winter")):
        width = metrics.horizontalAdvance(text) + 12
        x0 = cut - 8 - width if left else cut + 8
        box = pixels[top + 1: top + metrics.height() + 3, x0 + 1: x0 + width - 1]
        assert box.size and np.median(box) < 110, text  # a dark box on the white picture...
        assert box.max() > 200, text  # ...with light text on it
    assert pixels[top - 4, cut + 40] == 255  # the picture itself around it is untouched
