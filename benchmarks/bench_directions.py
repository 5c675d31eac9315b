"""Semantic directions benchmark: SeFa (ms), GANSpace over 20 000 samples (s), render with edits (ms).

Models: the bundled landscape StyleGAN2 (64 px, w_dim 128, 10 ws) and a
random-weight 512-dim generator with StyleGAN2-ADA's FFHQ config (1024 px,
18 ws, 8 mapping layers, channel_base 32768); random weights cost exactly what
trained ones do. Each timing is the median of --repeats runs after one warm-up.
"Render" is a full LatentJob through LatentSession (cached ws), without and
with three direction edits, at the bundled model's resolution (the 1024-px
stand-in is not rendered on the CPU: seconds per frame, and the edits' cost is
the same ~0.1 ms there).

    .venv/bin/python benchmarks/bench_directions.py [--threads N] [--samples 20000] [--repeats 5] [--device cpu]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

from ganstudio.checkpoints import load_model
from ganstudio.engine import directions as D
from ganstudio.engine.device import CPU_RUNTIME, worker_thread_count
from ganstudio.engine.latent import LatentSession
from ganstudio.engine.latent_spec import (
    DirectionEdit,
    LatentJob,
    LatentRender,
    LatentSource,
)
from ganstudio.engine.model_cache import ReadyModel
from ganstudio.engine.session import RunContext
from ganstudio.models.stylegan2 import Generator

BUNDLED = Path(__file__).resolve().parents[1] / "resources" / "models" / "landscape-stylegan2.safetensors"


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1e3)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # default: what the app's worker uses (cores - 1). On a busy 2-core machine two OpenMP threads
    # made SeFa's eigen-solve swing between 0.1 and 2.8 s; one thread stayed at 30-150 ms.
    parser.add_argument("--threads", type=int, default=worker_thread_count())
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} thread(s), CPU ({os.cpu_count()} cores)")

    loaded = load_model(BUNDLED)
    bundled = loaded.module
    torch.manual_seed(0)
    ffhq = Generator(z_dim=512, c_dim=0, w_dim=512, img_resolution=1024, img_channels=3,
                     mapping_kwargs={"num_layers": 8}, synthesis_kwargs={"channel_base": 32768, "channel_max": 512}).eval()
    models = {"landscape (bundled, w_dim 128)": bundled, "FFHQ config (random, w_dim 512)": ffhq}

    for name, gen in models.items():
        for layers in ("all", "coarse", "fine"):
            ms = median_ms(lambda gen=gen, layers=layers: D.sefa(gen, layers), args.repeats)
            rows = D.stacked_style_weights(gen, *D.ws_range(layers, gen.num_ws))[0].shape[0]
            print(f"SeFa {layers:<6} {name}: {ms:8.1f} ms  ({rows} style channels)")
    for name, gen in models.items():
        started = time.perf_counter()
        D.ganspace(gen, samples=args.samples, seed=0)
        print(f"GANSpace {args.samples} samples, {name}: {time.perf_counter() - started:6.2f} s")

    session = LatentSession(ReadyModel(loaded, CPU_RUNTIME, key=id(loaded)), CPU_RUNTIME)
    factors = D.sefa(bundled, "all", count=3).directions
    edits = tuple(DirectionEdit(vector=v, amount=5.0, first_ws=0, last_ws=bundled.num_ws - 1, name=f"SeFa {i}")
                  for i, v in enumerate(factors))
    plain = LatentRender(blend=((LatentSource.from_seed(1), 1.0),), psi=0.7)
    edited = LatentRender(blend=((LatentSource.from_seed(1), 1.0),), psi=0.7, edits=edits)
    for label, render in (("no edits", plain), ("3 edits", edited)):
        job = LatentJob(render=render)
        ms = median_ms(lambda job=job: session.run(job, RunContext(job)), args.repeats * 2)
        print(f"render 64 px, {label}: {ms:7.1f} ms")
    ws = session.final_ws(plain)[0]
    print(f"apply_directions alone (3 edits, 10 ws): {median_ms(lambda: D.apply_directions(ws, edits), 50) * 1e3:7.1f} us")


if __name__ == "__main__":
    main()
