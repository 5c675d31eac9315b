"""Rendering speed of the synthetic data generators (images per second, one process).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_synthetic.py [--n 256]

Prints wall-clock and CPU-time rates for landscapes (label map + photo) and faces
at 128x128 and 256x256, rendering in the default batches (no PNG writing).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from trainer.synthetic import faces, landscapes  # noqa: E402


def measure(render_n, n: int, repeats: int) -> tuple[float, float]:
    """Best wall-clock and best CPU-time images/s over `repeats` runs."""
    best_wall = best_cpu = 0.0
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        render_n(n)
        best_wall = max(best_wall, n / (time.perf_counter() - wall))
        best_cpu = max(best_cpu, n / (time.process_time() - cpu))
    return best_wall, best_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=256, help="images per run at 128x128 (a quarter at 256x256)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure; the best is reported")
    args = parser.parse_args()
    generators = {
        "landscapes": lambda n, size: sum(len(b[0]) for b in landscapes.iter_batches(n, size, seed=0)),
        "faces": lambda n, size: sum(len(b[0]) for b in faces.iter_batches(n, size, seed=0)),
    }
    print(f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
    for size in (128, 256):
        n = args.n if size == 128 else max(args.n // 4, 1)
        for name, render in generators.items():
            wall, cpu = measure(lambda k: render(k, size), n, args.repeats)
            print(f"{name:11s} {size}x{size}: {wall:7.1f} img/s wall, {cpu:7.1f} img/s CPU ({n} images)")


if __name__ == "__main__":
    main()
