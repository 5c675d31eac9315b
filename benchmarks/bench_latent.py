"""Latent explorer benchmark: pad-drag frames per second (preview and full) and the UI stall while dragging.

1. Engine: renders along a drag across the interpolation pad (four corner
   anchors, ws cached as while dragging), timing each LatentJob through the
   JobRunner, preview and full resolution. Prints frames/s per model.
2. UI: the real LatentWorkspace offscreen; the pad cursor is dragged with mouse
   events at 60 Hz while the worker renders previews (latest wins). A 1 ms
   timer measures the longest event-loop stall (target <= 16 ms); also counted:
   previews shown per second and release -> full-resolution latency.

Models: StyleGAN2 files in resources/models when there are any. Until one is
bundled, random-weight stand-ins with StyleGAN2-ADA's published configs are
used and said so: on the CPU its 'auto' config (channel_base 16384,
channel_max 512, 2 mapping layers, w_dim 512) at 64 and 128 px; on CUDA
'paper256' (channel_base 16384, 8 mapping layers) at 256 px and the FFHQ config
(channel_base 32768, 8 mapping layers) at 1024 px. Random weights cost exactly
what trained ones do.

Each model runs in the precision the app's policy measures for it (--precision
auto, the default; ganstudio.engine.precision) or a fixed one; the line says
which. --paper256 adds StyleGAN2-ADA's paper256 config (channel_base 16384,
8 mapping layers) at 256 px on the CPU too.

    .venv/bin/python benchmarks/bench_latent.py [--device auto|cpu|cuda] [--precision auto|fp32|bf16] [--paper256] [--frames 12] [--drag-seconds 4]
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


from ganstudio.app.model_library import BUNDLED_DIR, scan_folder  # noqa: E402
from ganstudio.engine.device import worker_thread_count  # noqa: E402
from ganstudio.engine.latent import preview_resolution  # noqa: E402
from ganstudio.engine.latent_spec import CORNERS, LatentJob, LatentRender, LatentSource, pad_weights  # noqa: E402
from ganstudio.engine.precision import PrecisionPolicy  # noqa: E402
from ganstudio.engine.runner import JobRunner  # noqa: E402

STAND_INS = {
    64: dict(channel_base=16384, mapping_layers=2),
    128: dict(channel_base=16384, mapping_layers=2),
    256: dict(channel_base=16384, mapping_layers=8),
    1024: dict(channel_base=32768, mapping_layers=8),
}


def make_stand_in(resolution: int, folder: Path) -> Path:
    import torch

    from ganstudio.checkpoints import save_model
    from ganstudio.models.stylegan2 import Generator

    spec = STAND_INS[resolution]
    torch.manual_seed(0)
    gen = Generator(z_dim=512, c_dim=0, w_dim=512, img_resolution=resolution, img_channels=3,
                    mapping_kwargs={"num_layers": spec["mapping_layers"]},
                    synthesis_kwargs={"channel_base": spec["channel_base"], "channel_max": 512, "conv_clamp": 256})
    path = folder / f"stand-in-stylegan2-{resolution}.safetensors"
    save_model(gen, path, resolution=resolution)
    return path


def models(device: str, folder: Path, paper256: bool = False) -> list[tuple[Path, str]]:
    bundled = [(Path(e.path), f"bundled {e.name}") for e in scan_folder(BUNDLED_DIR, "bundled") if e.arch == "stylegan2"]
    sizes = (256, 1024) if device.startswith("cuda") else ((64, 128, 256) if paper256 else (64, 128))
    stand_ins = [(make_stand_in(size, folder), f"stand-in {size}x{size} ({STAND_INS[size]['channel_base']} channel base, random weights)") for size in sizes]
    return bundled + stand_ins


def drag_renders(frames: int) -> list[LatentRender]:
    anchors = [LatentSource.from_seed(seed) for seed in range(4)]
    renders = []
    for index in range(frames):
        t = index / max(1, frames - 1)
        x, y = t, 0.5 + 0.4 * math.sin(t * math.pi * 2)
        weights = pad_weights(x, y, CORNERS)
        renders.append(LatentRender(blend=tuple((a, float(w)) for a, w in zip(anchors, weights) if w > 0), psi=0.7))
    return renders


def engine_rates(runner: JobRunner, path: Path, frames: int) -> dict[bool, float]:
    renders = drag_renders(frames)
    rates = {}
    for preview in (True, False):
        for render in renders[:2]:  # warm-up: first-call allocations, cached ws
            runner.run(LatentJob(render=render, preview=preview, model_path=str(path)))
        started = time.perf_counter()
        for render in renders:
            runner.run(LatentJob(render=render, preview=preview, model_path=str(path)))  # returns numpy: synchronised
        rates[preview] = frames / (time.perf_counter() - started)
    return rates


def ui_drag(path: Path, device: str, seconds: float, precision: str = "auto") -> None:
    from PySide6.QtCore import QElapsedTimer, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from ganstudio.app.inference import InferenceController
    from ganstudio.app.latent_viewmodel import LatentViewModel
    from ganstudio.ui.latent.workspace import LatentWorkspace

    app = QApplication.instance() or QApplication(sys.argv[:1])
    controller = InferenceController(lambda: JobRunner(device=device, precision=precision, threads=worker_thread_count(), policy=PrecisionPolicy()))
    vm = LatentViewModel(controller)
    workspace = LatentWorkspace(vm, dialogs=None)
    workspace.resize(1400, 900)
    workspace.show()

    def wait_until(condition, timeout: float = 300.0) -> bool:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while not condition() and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.0005)
        return condition()

    vm.load_model(str(path))
    if not wait_until(lambda: vm.output is not None and not vm.output.preview):
        print("  the model did not load / render")
        return
    pad = workspace.pad
    shown = {"previews": 0}
    vm.outputChanged.connect(lambda: shown.update(previews=shown["previews"] + (1 if vm.output and vm.output.preview else 0)))

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

    def point(t: float):  # type: ignore[no-untyped-def]
        return pad.to_widget(0.5 + 0.4 * math.cos(t), 0.5 + 0.4 * math.sin(t)).toPoint()

    def wait(ms: float) -> None:
        end = time.perf_counter() + ms / 1000
        while time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.0005)

    monitor.start()
    last["t"] = clock.nsecsElapsed()
    QTest.mousePress(pad, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point(0.0))
    moves = int(seconds * 60)
    started = time.perf_counter()
    for step in range(1, moves + 1):
        wait(16)  # a 60 Hz pointer
        QTest.mouseMove(pad, point(step * 2 * math.pi / 120))
    drag_time = time.perf_counter() - started
    QTest.mouseRelease(pad, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point(moves * 2 * math.pi / 120))
    released, final = time.perf_counter(), vm.revision
    wait_until(lambda: vm.output is not None and vm.output.revision == final)
    latency = (time.perf_counter() - released) * 1000
    monitor.stop()
    stalls = sorted(gap - 1.0 for gap in gaps[5:])
    p99 = stalls[min(len(stalls) - 1, int(0.99 * len(stalls)))]
    print(f"  UI drag ({moves} moves at 60 Hz): previews shown {shown['previews'] / drag_time:.1f}/s; "
          f"longest event-loop stall {stalls[-1]:.1f} ms (p99 {p99:.1f} ms; target <= 16 ms); release -> full {latency:.0f} ms")
    workspace.close()
    controller.shutdown()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default=os.environ.get("BENCH_DEVICE", "auto"))
    parser.add_argument("--frames", type=int, default=12, help="renders timed per mode and model")
    parser.add_argument("--drag-seconds", type=float, default=4.0)
    parser.add_argument("--no-ui", action="store_true", help="skip the UI drag")
    parser.add_argument("--precision", choices=["auto", "fp32", "bf16", "fp16"], default="auto")
    parser.add_argument("--paper256", action="store_true", help="also the paper256 config at 256 px on the CPU (slow)")
    args = parser.parse_args()
    runner = JobRunner(device=args.device, precision=args.precision, threads=worker_thread_count(), policy=PrecisionPolicy())
    device = str(runner.device)
    print(f"device: {runner.choice.description}; torch threads {worker_thread_count()}")
    folder = Path(tempfile.mkdtemp(prefix="bench-latent-"))
    found = models(device, folder, args.paper256)
    for path, note in found:
        started = time.perf_counter()
        info = runner.load(str(path))
        load_s = time.perf_counter() - started
        resolution = int(info["config"]["img_resolution"])
        rates = engine_rates(runner, path, args.frames)
        print(f"{note}: drag frames/s preview ({preview_resolution(resolution)} px) {rates[True]:.2f}, "
              f"full ({resolution} px) {rates[False]:.2f}; precision {info['precision_note']} (load {load_s:.1f} s)")
        runner.cache.evict(str(path))
    if not args.no_ui:
        path, note = found[0]
        print(f"UI stall with {note}:")
        ui_drag(path, args.device, args.drag_seconds, args.precision)
    return 0


if __name__ == "__main__":
    sys.exit(main())
