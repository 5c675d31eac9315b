"""Thousands of seeded random operations on the real window, hostile files among those it opens.

Mouse strokes, key presses, menu actions, buttons, sliders, spin boxes and
combo boxes of whatever workspace shows, tab switches and window resizes; the
file dialogs answer with good and bad files alike. pytest-qt fails the test on
any exception raised inside a Qt slot or event handler, so passing means no
uncaught exception. The longest event-loop stall is measured and reported.
"""
from __future__ import annotations

import os
import random
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QAbstractSlider, QAbstractSpinBox, QApplication, QCheckBox, QComboBox, QDoubleSpinBox, QSpinBox, QToolButton

from tests.stylegan_models import save_tiny_stylegan2
from tests.translation_models import save_cyclegan, save_stargan, smooth_image

OPERATIONS = int(os.environ.get("GANSTUDIO_RANDOM_OPERATIONS", "2000"))
SEED = int(os.environ.get("GANSTUDIO_RANDOM_SEED", "20261205"))
SKIPPED_ACTIONS = {"Quit", "Documentation"}  # Quit ends the run; Documentation starts the system's file viewer


def make_files(folder: Path, spade_model_path: Path) -> tuple[list[str], list[str]]:
    """(files to open, of every kind, good and hostile; folders for folder runs)."""
    folder.mkdir()
    good = folder / "photo.png"
    Image.fromarray(smooth_image(48, 64)).save(good)
    Image.fromarray(smooth_image(40, 40)).save(folder / "face.jpg")
    Image.fromarray(np.zeros((1, 1, 3), np.uint8)).save(folder / "one-pixel.png")
    (folder / "truncated.png").write_bytes(good.read_bytes()[:60])
    (folder / "random.safetensors").write_bytes(os.urandom(300))
    (folder / "header-array.safetensors").write_bytes(len(b"[1, 2]").to_bytes(8, "little") + b"[1, 2]")
    (folder / "latest_net_G.pth").write_bytes(b"PK\x03\x04 not really a zip")
    (folder / "broken.gstudio").write_bytes(b"PK\x05\x06" + bytes(18))
    with zipfile.ZipFile(folder / "empty-project.gstudio", "w") as archive:
        archive.writestr("project.json", '{"version": true, "label_map": [1, 2]}')
    np.savez(folder / "latent-wrong-shape.npz", w=np.zeros((3, 3), np.float32))
    (folder / "latent-garbage.npz").write_bytes(os.urandom(100))
    (folder / "not-an-image.png").write_text("hello")
    models = folder / "models"
    models.mkdir()
    spade = models / "tiny-spade.safetensors"
    spade.write_bytes(spade_model_path.read_bytes())
    paths = [str(p) for p in sorted(folder.iterdir()) if p.is_file()]
    paths += [str(spade), str(save_tiny_stylegan2(models / "tiny-stylegan2.safetensors")),
              str(save_cyclegan(models / "tiny-cyclegan.safetensors", resolution=32)), str(save_stargan(models / "tiny-stargan.safetensors")),
              str(folder / "missing-file.png"), ""]  # "" is a cancelled dialog
    out = folder / "out"
    out.mkdir()
    return paths, [str(folder), str(out), ""]


class StallMeter:
    """The longest gap between ticks of a 5 ms timer: how long the event loop was kept from running."""

    def __init__(self) -> None:
        self.longest_ms = 0.0
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest_ms = max(self.longest_ms, (now - self._last) * 1000.0)
        self._last = now

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()

    def pause(self) -> None:
        self.timer.stop()


@pytest.mark.slow
def test_random_operations_raise_nothing_and_lose_nothing(qtbot, make_window, spade_model_path, tmp_path, record_property) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(SEED)
    files, folders = make_files(tmp_path / "files", spade_model_path)
    window = make_window(bundled_model_folder=str(tmp_path / "files" / "models"))
    dialogs = window.dialogs
    dialogs.open_file = lambda title, file_filter: rng.choice(files)
    dialogs.save_file = lambda title, file_filter, suggested="": rng.choice([str(tmp_path / "files" / "out" / (suggested or "x.png")), ""])
    dialogs.open_folder = lambda title: rng.choice(folders)
    dialogs.choose = lambda title, text, options, current=0: rng.choice([None, *range(len(options))])
    dialogs.ask_unsaved = lambda document: rng.choice(["discard", "cancel"])
    tabs = window.face_and_convert
    for panel in (tabs.converter.folder, tabs.attributes.folder):
        panel.choose_folder = lambda title: rng.choice(folders)
    window.start()
    meter = StallMeter()
    meter.start()
    counts: dict[str, int] = {}

    def widgets_of(kind):  # type: ignore[no-untyped-def]
        root = window.workspaces.currentWidget()
        docks = [d.widget() for d in (window.tools_dock, window.classes_dock, window.styles_dock, window.models_dock) if d.isVisible()]
        found = []
        for parent in [root, *docks]:
            found += [w for w in parent.findChildren(kind) if w.isVisible() and w.isEnabled()]
        return found

    def stroke() -> None:
        canvas = window.canvas
        if not canvas.isVisible():
            return
        window.vm.set_tool(rng.choice(["brush", "eraser", "fill", "line", "rect", "eyedropper", "replace"]))
        points = [QPoint(rng.randrange(-20, canvas.width() + 20), rng.randrange(-20, canvas.height() + 20)) for _ in range(rng.randrange(1, 6))]
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[0])
        for p in points[1:]:
            QTest.mouseMove(canvas, p)
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[-1])

    def pad_drag() -> None:
        pad = window.latent.pad
        if not pad.isVisible() or not pad.isEnabled():
            return
        points = [QPoint(rng.randrange(0, pad.width()), rng.randrange(0, pad.height())) for _ in range(rng.randrange(2, 8))]
        QTest.mousePress(pad, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[0])
        for p in points[1:]:
            QTest.mouseMove(pad, p)
        QTest.mouseRelease(pad, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[-1])

    def key() -> None:
        keys = [Qt.Key.Key_1, Qt.Key.Key_3, Qt.Key.Key_S, Qt.Key.Key_BracketLeft, Qt.Key.Key_BracketRight, Qt.Key.Key_Delete, Qt.Key.Key_Escape, Qt.Key.Key_Space]
        modifiers = [Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier]
        target = QApplication.focusWidget() or window
        QTest.keyClick(target, rng.choice(keys), rng.choice(modifiers))

    def action() -> None:
        actions = [a for a in window.findChildren(type(window.act_export)) if a.isEnabled() and a.text() and a.text().replace("&", "") not in SKIPPED_ACTIONS and not a.isSeparator() and a.menu() is None]
        chosen = rng.choice(actions)
        chosen.trigger()

    def button() -> None:
        buttons = [b for b in widgets_of(QAbstractButton) if not (isinstance(b, QToolButton) and b.menu() is not None)]
        if buttons:
            chosen = rng.choice(buttons)
            if isinstance(chosen, QCheckBox) or chosen.isCheckable():
                chosen.toggle()
            else:
                chosen.click()

    def slider() -> None:
        sliders = [s for s in widgets_of(QAbstractSlider) if type(s).__name__ != "QScrollBar"]
        if sliders:
            chosen = rng.choice(sliders)
            chosen.setValue(rng.randint(chosen.minimum(), chosen.maximum()))

    def spin() -> None:
        spins = widgets_of(QAbstractSpinBox)
        if spins:
            chosen = rng.choice(spins)
            if isinstance(chosen, QSpinBox):
                chosen.setValue(rng.randint(chosen.minimum(), min(chosen.maximum(), chosen.minimum() + 1000)))
            elif isinstance(chosen, QDoubleSpinBox):
                chosen.setValue(rng.uniform(chosen.minimum(), chosen.maximum()))

    def combo() -> None:
        combos = [c for c in widgets_of(QComboBox) if c.count()]
        if combos:
            chosen = rng.choice(combos)
            chosen.setCurrentIndex(rng.randrange(chosen.count()))

    def switch_tab() -> None:
        bar = window.workspace_bar
        index = rng.randrange(bar.count())
        QTest.mouseClick(bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, bar.tabRect(index).center())

    def resize() -> None:
        window.resize(rng.randint(1024, 1600), rng.randint(700, 1000))

    def open_any() -> None:
        path = rng.choice(files)
        if path:
            window.open_path(path)

    operations = [(stroke, 6), (pad_drag, 2), (key, 3), (action, 4), (button, 6), (slider, 3), (spin, 2), (combo, 3), (switch_tab, 3), (resize, 1), (open_any, 1)]
    population = [op for op, weight in operations for _ in range(weight)]
    started = time.perf_counter()
    for index in range(OPERATIONS):
        operation = rng.choice(population)
        counts[operation.__name__] = counts.get(operation.__name__, 0) + 1
        operation()
        QApplication.processEvents()
        if index % 50 == 0:
            qtbot.wait(1)  # let worker results arrive now and then
    meter.pause()
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=60_000)
    elapsed = time.perf_counter() - started
    print(f"\n{OPERATIONS} random operations in {elapsed:.1f} s (seed {SEED}): {counts}; longest event-loop stall {meter.longest_ms:.0f} ms")
    record_property("longest_stall_ms", round(meter.longest_ms, 1))
    # still a working window: the painting paints and the labels are the document's shape
    window.workspaces.setCurrentWidget(window.painting)
    assert window.vm.labels.shape == (window.vm.height, window.vm.width)
    assert sum(counts.values()) == OPERATIONS
