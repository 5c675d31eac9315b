"""The Train workspace's waits: Start -> first loss-curve point, Pause -> checkpoint written and stopped,
Resume -> first new point, as the app sees them (a tiny DCGAN child on 8 synthetic 16 px images, 1 thread).

    .venv/bin/python benchmarks/bench_train_workspace.py [--repeat 3]

The child's Python start and torch import dominate; the app's 200 ms poll adds at most one interval.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ganstudio.app.train_command import trainer_command  # noqa: E402
from ganstudio.app.train_registry import RunRecord, RunRegistry  # noqa: E402
from ganstudio.app.train_run import TrainRun  # noqa: E402

TINY = ["--resolution", "16", "--batch", "2", "--iters", "100000", "--z-dim", "8", "--ngf", "2", "--ndf", "2",
        "--sample-every", "0", "--checkpoint-every", "100000"]


def wait_until(condition, timeout_s: float = 120.0) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    loop = QEventLoop()
    timer = QTimer()
    timer.timeout.connect(lambda: loop.quit() if condition() or time.perf_counter() - start > timeout_s else None)
    timer.start(20)
    loop.exec()
    timer.stop()
    if not condition():
        raise TimeoutError("the run did not get there")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    QCoreApplication([])
    figures: dict[str, list[float]] = {"start -> first point": [], "pause -> stopped": [], "resume -> new point": []}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        subprocess.run([sys.executable, "-m", "trainer.cli", "make-data", "landscapes", str(data), "--n", "8", "--size", "16",
                        "--cyclegan-n", "0", "--quiet"], check=True, cwd=ROOT)
        for index in range(args.repeat):
            out = str(Path(tmp) / f"run{index}")
            command = trainer_command("dcgan", str(data / "images"), out, TINY)
            run = TrainRun(RunRecord(f"r{index}", "dcgan", out, str(data), command, iters=100000), RunRegistry(Path(tmp) / "runs.json"))
            run.start()
            figures["start -> first point"].append(wait_until(lambda: bool(run.rows)))
            run.pause()
            figures["pause -> stopped"].append(wait_until(lambda: run.state == "stopped"))
            last = run.rows[-1].iteration
            run.resume()
            figures["resume -> new point"].append(wait_until(lambda: bool(run.rows) and run.rows[-1].iteration > last))
            run.stop()
            wait_until(lambda: run.state != "running")
    for name, values in figures.items():
        print(f"{name:>22}: median {statistics.median(values):.2f} s  (runs: {', '.join(f'{v:.2f}' for v in values)})")


if __name__ == "__main__":
    main()
