"""How long the UI event loop stalls while the worker runs models back to back.

A QTimer fires every millisecond on the main thread and records the longest
gap between two firings, first with the worker idle (the machine's own noise),
then while the inference worker runs a CPU-heavy stand-in network (a 6-layer
conv net on 256x256 images, about what a small generator costs) continuously:
each result immediately submits the next job, and a second timer posts a
"stroke" job every 16 ms on the same channel, as painting does (latest wins).

Torch releases the GIL inside its kernels; the worker leaves one core to the
UI (`device.worker_thread_count()`), so the UI thread only waits for the GIL
during the worker's short stretches of Python between kernels. The other
in-process stall was Python's full garbage collection walking the ~200k
objects torch creates (50-160 ms); the worker freezes long-lived objects
(engine/pauses.py), which removed those. On a shared machine, stalls from
other processes competing for the cores still show up (compare the idle line).
Target: the longest stall <= 16 ms (one frame at 60 fps).
Run: ``OMP_NUM_THREADS=1 python benchmarks/bench_worker.py [--seconds 5] [--device cpu]``.
"""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Mapping

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from PySide6.QtCore import QCoreApplication, QElapsedTimer, QEventLoop, Qt, QTimer  # noqa: E402

from ganstudio.app.inference import InferenceController  # noqa: E402
from ganstudio.engine.device import worker_thread_count  # noqa: E402
from ganstudio.engine.jobs import Job, Result  # noqa: E402
from ganstudio.engine.runner import JobRunner  # noqa: E402
from ganstudio.engine.session import RunContext, Session  # noqa: E402

SIZE = 256
TARGET_MS = 16.0


class StandInGenerator(nn.Module):
    """Six 3x3 convolutions, 32 channels, at full resolution: CPU-heavy, like a small generator."""

    def __init__(self, width: int = 32, depth: int = 6) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(3, width, 3, padding=1), nn.ReLU()]
        for _ in range(depth - 2):
            layers += [nn.Conv2d(width, width, 3, padding=1), nn.ReLU()]
        layers += [nn.Conv2d(width, 3, 3, padding=1), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.net(image)


@dataclass(frozen=True, kw_only=True, eq=False)
class RenderJob(Job):
    image: np.ndarray  # (H, W, 3) float32 in [-1, 1]

    title: ClassVar[str] = "Render"


class RenderSession(Session):
    net: ClassVar[StandInGenerator | None] = None

    def run(self, job: RenderJob, ctx: RunContext) -> Mapping[str, Any]:
        if RenderSession.net is None:
            torch.manual_seed(0)
            RenderSession.net = self.runtime.prepare(StandInGenerator())
        image = self.runtime.tensor(job.image.transpose(2, 0, 1)[None])
        out = RenderSession.net(image)[0].permute(1, 2, 0)
        return {"image": ((out + 1) * 127.5).clamp(0, 255).to(torch.uint8)}


RenderJob.session = RenderSession


class StallMeter:
    """A 1 ms precise timer on the UI thread; records the longest gap between firings."""

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(1)
        self.timer.timeout.connect(self._tick)
        self.gaps: list[float] = []
        self._last = 0

    def start(self) -> None:
        self.gaps.clear()
        self.clock.start()
        self._last = self.clock.nsecsElapsed()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = self.clock.nsecsElapsed()
        self.gaps.append((now - self._last) / 1e6)
        self._last = now

    def summary(self) -> str:
        gaps = np.array(self.gaps or [0.0])
        over = int((gaps > TARGET_MS).sum())
        return f"max {gaps.max():.1f} ms, p99 {np.percentile(gaps, 99):.1f} ms, p99.9 {np.percentile(gaps, 99.9):.1f} ms, {over} gap(s) over {TARGET_MS:.0f} ms"

    @property
    def longest(self) -> float:
        return max(self.gaps or [0.0])


def spin(app: QCoreApplication, seconds: float) -> None:
    QTimer.singleShot(int(seconds * 1000), app.quit)
    app.exec()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    app = QCoreApplication.instance() or QCoreApplication(sys.argv)
    meter = StallMeter()

    meter.start()
    spin(app, args.seconds)
    meter.stop()
    idle = meter.summary()

    threads = worker_thread_count()
    controller = InferenceController(lambda: JobRunner(device=args.device, threads=threads))
    rng = np.random.default_rng(0)
    frames = [rng.uniform(-1, 1, (SIZE, SIZE, 3)).astype(np.float32) for _ in range(4)]
    revision = 0
    results: list[Result] = []

    def submit() -> None:
        nonlocal revision
        revision += 1
        controller.submit(RenderJob(channel="canvas", revision=revision, image=frames[revision % len(frames)]))

    def on_result(result: Result) -> None:
        results.append(result)
        submit()  # keep the worker busy all the time

    controller.resultReady.connect(on_result)
    strokes = QTimer()
    strokes.setInterval(16)
    strokes.timeout.connect(submit)

    # warm up (the first run builds the net), then measure
    warm_up = QEventLoop()
    controller.resultReady.connect(warm_up.quit)
    submit()
    warm_up.exec()
    controller.resultReady.disconnect(warm_up.quit)
    results.clear()
    strokes.start()
    meter.start()
    spin(app, args.seconds)
    meter.stop()
    strokes.stop()
    busy = meter.summary()
    controller.shutdown()

    per_run = float(np.median([r.elapsed_ms for r in results])) if results else float("nan")
    print(f"worker: {controller.device_description}, torch threads {threads} of {os.cpu_count()} cores")
    print(f"stand-in model: 6 conv layers x 32 ch at {SIZE}x{SIZE}, {per_run:.1f} ms per run (median), {len(results)} runs in {args.seconds:.0f} s")
    print(f"UI timer gaps, worker idle:    {idle}")
    print(f"UI timer gaps, worker running: {busy}")
    print(f"longest stall {meter.longest:.1f} ms (target <= {TARGET_MS:.0f} ms):", "OK" if meter.longest <= TARGET_MS else "OVER TARGET")
    return 0


if __name__ == "__main__":
    sys.exit(main())
