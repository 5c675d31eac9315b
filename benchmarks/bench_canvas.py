"""Painting canvas benchmark: UI stalls while inference runs, stroke-to-output latency, peak memory.

Runs the real main window offscreen on a 1024x1024 document. Strokes are
mouse events on the canvas, one move every 16 ms (a 60 Hz pointer), while the
worker synthesizes continuously. Prints:
- the longest stall of the UI event loop (target <= 16 ms),
- stroke-end-to-output latency (p50, p95) with the default painting model,
- peak resident memory.
The default painting model is the first SPADE/SEAN file in resources/models;
while none is bundled, a random-weight SPADE stand-in of the same shape
(ngf 64, 256 px, 12 landscape classes) is used and said so.
"""
from __future__ import annotations

import math
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QPointF, QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from ganstudio.app.inference import InferenceController  # noqa: E402
from ganstudio.app.model_library import BUNDLED_DIR, PAINTING_ARCHS, scan_folder  # noqa: E402
from ganstudio.document.autosave import RecoveryStore  # noqa: E402
from ganstudio.document.palette import default_palette  # noqa: E402
from ganstudio.engine.device import worker_thread_count  # noqa: E402
from ganstudio.engine.runner import JobRunner  # noqa: E402
from ganstudio.ui.main_window import MainWindow  # noqa: E402

DOC = 1024
STROKES = int(os.environ.get("BENCH_STROKES", "12"))


def default_model(tmp: Path) -> tuple[Path, str]:
    for entry in scan_folder(BUNDLED_DIR, "bundled"):
        if entry.arch in PAINTING_ARCHS:
            return Path(entry.path), f"bundled {entry.name}"
    import torch

    from ganstudio.checkpoints import save_model
    from ganstudio.models.spade import SPADEGenerator

    torch.manual_seed(0)
    palette = default_palette()
    path = tmp / "stand-in-spade.safetensors"
    save_model(SPADEGenerator(label_nc=len(palette), ngf=64, crop_size=256, param_free_norm_type="batch"), path, labels=palette.to_json(), resolution=256)
    return path, "random-weight SPADE stand-in (ngf 64, 256 px; no bundled model yet)"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="bench-canvas-"))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp))
    app = QApplication.instance() or QApplication(sys.argv[:1])
    model_path, model_note = default_model(tmp)
    controller = InferenceController(lambda: JobRunner(device=os.environ.get("BENCH_DEVICE", "auto"), threads=worker_thread_count()))
    window = MainWindow(controller=controller, settings=QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat), recovery=RecoveryStore(tmp / "recovery"), user_model_folder=str(tmp))
    window.resize(1400, 900)
    window.show()
    vm, canvas = window.vm, window.canvas
    vm.new_document(DOC, DOC)

    loaded = {"done": False}
    window.synthesis.modelChanged.connect(lambda info: loaded.update(done=info is not None))
    window.load_model(str(model_path))
    deadline = time.monotonic() + 120
    while not loaded["done"] and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)
    if not loaded["done"]:
        print("model did not load:", window.messages[-3:])
        return 1
    canvas.fit()

    # --- event-loop stall monitor: a 1 ms timer; a gap longer than that is a stall
    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = {"t": clock.nsecsElapsed()}

    def tick() -> None:
        now = clock.nsecsElapsed()
        gaps.append((now - last["t"]) / 1e6)
        last["t"] = now

    monitor = QTimer()
    monitor.setTimerType(Qt.TimerType.PreciseTimer)
    monitor.setInterval(1)
    monitor.timeout.connect(tick)

    latencies: list[float] = []
    stroke_end = {"revision": None, "t": 0.0}

    def on_output(revision: int, _ms: float) -> None:
        if stroke_end["revision"] is not None and revision >= stroke_end["revision"]:
            latencies.append((time.perf_counter() - stroke_end["t"]) * 1000)
            stroke_end["revision"] = None

    window.synthesis.outputArrived.connect(on_output)

    def to_widget(x: float, y: float):  # type: ignore[no-untyped-def]
        return (canvas.offset + QPointF(x, y) * canvas.zoom).toPoint()

    def wait(ms: float) -> None:
        end = time.perf_counter() + ms / 1000
        while time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.0005)

    vm.set_brush_size(48)
    rng = np.random.default_rng(0)
    monitor.start()
    last["t"] = clock.nsecsElapsed()
    for stroke in range(STROKES):
        vm.set_current_class(int(rng.integers(0, len(vm.palette))))
        y0 = float(rng.uniform(64, DOC - 64))
        points = [(64 + i * (DOC - 128) / 40, y0 + 80 * math.sin(i / 6)) for i in range(41)]
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to_widget(*points[0]))
        for x, y in points[1:]:
            wait(16)  # a 60 Hz pointer; inference keeps running meanwhile
            QTest.mouseMove(canvas, to_widget(x, y))
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, to_widget(*points[-1]))
        stroke_end.update(revision=vm.revision, t=time.perf_counter())
        deadline = time.monotonic() + 60
        while stroke_end["revision"] is not None and time.monotonic() < deadline:
            wait(1)
    monitor.stop()

    stalls = [g - 1.0 for g in gaps[5:]]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"model: {model_note}")
    print(f"device: {controller.device_description}; document {DOC}x{DOC}; {STROKES} strokes of 41 moves at 60 Hz")
    print(f"longest UI event-loop stall while inference runs: {max(stalls):.1f} ms (p99 {percentile(stalls, 99):.1f} ms; target <= 16 ms)")
    if latencies:
        print(f"stroke end -> full-quality output: p50 {percentile(latencies, 50):.0f} ms, p95 {percentile(latencies, 95):.0f} ms ({len(latencies)} strokes)")
    print(f"last inference: {vm.last_inference_ms:.0f} ms; peak memory (max RSS): {peak_mb:.0f} MB")
    vm.mark_saved()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
