"""Load time of every bundled model (resources/models) on the CPU, as the app loads it.

    python benchmarks/bench_load.py [FOLDER]

Prints, per file: size, load time (median of 5 after one warm-up, in a process
that has already imported torch) and the first load in a fresh interpreter
(what a user waits for at start-up, torch import excluded).
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

FRESH = """
import sys, time, torch
from ganstudio.checkpoints import load_model
t = time.perf_counter(); load_model(sys.argv[1]); print(time.perf_counter() - t)
"""


def main() -> int:
    import torch

    from ganstudio.checkpoints import load_model

    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "resources" / "models"
    files = sorted(folder.glob("*.safetensors"))
    if not files:
        print(f"no models in {folder}")
        return 1
    print(f"# torch {torch.__version__}, {torch.get_num_threads()} threads, CPU")
    total = 0.0
    for path in files:
        load_model(path)  # warm-up: page cache, lazy imports
        times = []
        for _ in range(5):
            start = time.perf_counter()
            loaded = load_model(path)
            times.append(time.perf_counter() - start)
        fresh = float(subprocess.run([sys.executable, "-c", FRESH, str(path)], capture_output=True, text=True, check=True, cwd=ROOT).stdout.strip())
        size = path.stat().st_size / 1e6
        total += size
        print(f"{path.stem:28s} {loaded.arch:16s} {size:6.1f} MB   load {statistics.median(times) * 1000:6.0f} ms   first load in a fresh process {fresh * 1000:6.0f} ms")
    print(f"# {len(files)} models, {total:.1f} MB in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
