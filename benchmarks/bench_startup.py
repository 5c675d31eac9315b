"""Start-up time: from launching the studio to its first synthesized picture.

Launches a fresh Python process that starts the studio as `python -m ganstudio`
does (the same imports, window, worker with the precision policy and start-up
models), with settings and recovery files kept apart, and prints when each
phase ended, counted from the launch:
- the interpreter ran our first line,
- Qt, torch and the window's modules were imported,
- the window was shown,
- the painting workspace showed its first synthesized picture.
The precision policy uses the user cache as the app does: the first run on a
machine also measures the painting model (about 1-8 s on a loaded 2-core CPU),
later runs read the choice (BENCH_FRESH_CACHE=1 measures every time).

    .venv/bin/python benchmarks/bench_startup.py [--runs 3]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child() -> int:
    marks = {"python": time.time()}
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from PySide6.QtWidgets import QApplication

    from ganstudio.app.inference import InferenceController
    from ganstudio.engine.device import worker_thread_count
    from ganstudio.engine.precision import PrecisionPolicy
    from ganstudio.engine.runner import JobRunner
    from ganstudio.ui import smoke_test
    from ganstudio.ui.main_window import MainWindow

    marks["imports"] = time.time()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    cache = os.environ.get("BENCH_CACHE_DIR") or None
    controller = InferenceController(lambda: JobRunner(threads=worker_thread_count(), policy=PrecisionPolicy(cache_dir=cache)))
    with smoke_test.isolated_state() as state:
        window = MainWindow(controller=controller, **state)
        window.show()
        app.processEvents()
        marks["window"] = time.time()
        window.vm.outputChanged.connect(lambda: marks.setdefault("picture", time.time()))
        # when each workspace's model was ready: the painting's picture waits for loads queued before it
        controller.modelLoaded.connect(lambda info: marks.setdefault(f"loaded {info.get('name')}", time.time()))
        window.start()
        deadline = time.monotonic() + 300
        while "picture" not in marks and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.002)
        precision = (window.synthesis.info or {}).get("precision_note", "")
        window.vm.mark_saved()
        window.close()
        controller.shutdown()
    print(json.dumps({"marks": marks, "precision": precision}))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", GANSTUDIO_NO_AUTOSAVE_PROMPT="1")
    phases: dict[str, list[float]] = {}
    for run in range(args.runs):
        if os.environ.get("BENCH_FRESH_CACHE"):
            env["BENCH_CACHE_DIR"] = tempfile.mkdtemp(prefix="bench-startup-cache-")
        launched = time.time()
        out = subprocess.run([sys.executable, __file__, "--child"], env=env, capture_output=True, text=True, timeout=600)
        line = next((l for l in reversed(out.stdout.splitlines()) if l.startswith("{")), None)
        if line is None:
            print(out.stdout[-2000:], out.stderr[-2000:])
            return 1
        data = json.loads(line)
        times = {name: (t - launched) * 1000 for name, t in data["marks"].items()}
        for name, value in times.items():
            phases.setdefault(name, []).append(value)
        print(f"run {run + 1}: " + ", ".join(f"{name} {value:.0f} ms" for name, value in times.items())
              + f"; painting model in {data['precision']}; load {os.getloadavg()[0]:.1f}")
    print("median from launch: " + ", ".join(f"{name} {statistics.median(v):.0f} ms" for name, v in phases.items()))
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        sys.exit(child())
    sys.exit(main())
