"""Layout workspace benchmark: labelled boxes -> a LostGAN picture, through the JobRunner as the worker runs it.

Times LayoutJobs for the bundled layout models (resources/models, arch with the `layout_input`
capability), or a random-weight stand-in of the bundled size (ch 8, 128 px, 10 classes) when none
is there (and with --published-size one of the published COCO model's size, ch 64): a full render and a preview (the same render returned at half size, what dragging shows),
for a 4-object layout and for the model's object limit (8), then a re-rolled object (its seed is new:
one latent drawn, the others cached). Prints milliseconds per job (median).

    .venv/bin/python benchmarks/bench_layout.py [--device auto|cpu|cuda] [--repeats 7] [--threads 1]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FOUR = [(1, 0.0, 0.0, 1.0, 0.45), (3, 0.05, 0.22, 0.6, 0.35), (7, 0.62, 0.35, 0.3, 0.35), (8, 0.0, 0.62, 1.0, 0.38)]
EIGHT = FOUR + [(2, 0.1, 0.05, 0.3, 0.15), (6, 0.0, 0.8, 0.5, 0.2), (5, 0.4, 0.55, 0.2, 0.15), (9, 0.6, 0.85, 0.4, 0.15)]


def stand_in(folder: Path, published: bool = False) -> Path:
    import torch

    from ganstudio.checkpoints import save_model
    from ganstudio.models.lostgan import LostGANGenerator

    torch.manual_seed(0)
    config = dict(ch=64, num_classes=184, z_dim=128, mask_hidden=256, mask_head=100) if published else \
        dict(ch=8, num_classes=10, z_dim=32, mask_hidden=32, mask_head=16)
    net = LostGANGenerator(size=128, embed_dim=180, **config)
    name = "stand-in-lostgan-coco128.safetensors" if published else "stand-in-lostgan.safetensors"
    return save_model(net.eval(), folder / name, resolution=128)


def job(path: Path, objects: list[tuple[int, float, float, float, float]], preview: bool, seed_shift: int = 0):  # type: ignore[no-untyped-def]
    from ganstudio.engine.layout_spec import LayoutJob

    seeds = np.arange(len(objects))
    seeds[0] += 1000 * seed_shift  # a re-roll: the first object's latent is new, the others come from the cache
    return LayoutJob(model_path=str(path), preview=preview, boxes=np.array([o[1:] for o in objects], dtype=np.float32),
                     classes=np.array([o[0] for o in objects]), object_seeds=seeds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--published-size", action="store_true",
                        help="also time a random-weight stand-in of the published COCO 128 px model (ch 64, 184 classes)")
    args = parser.parse_args()

    from safetensors import safe_open

    from ganstudio import families
    from ganstudio.engine.runner import JobRunner

    models = []
    for path in sorted((ROOT / "resources" / "models").glob("*.safetensors")):
        with safe_open(str(path), framework="np") as handle:
            arch = json.loads((handle.metadata() or {}).get("ganstudio", "{}")).get("arch")
        if "layout_input" in families.capabilities(arch):
            models.append((path, "bundled"))
    tmp = tempfile.TemporaryDirectory()
    if not models:
        models.append((stand_in(Path(tmp.name)), "random-weight stand-in, bundled size"))
    if args.published_size:
        models.append((stand_in(Path(tmp.name), published=True), "random-weight stand-in, published COCO size"))
    runner = JobRunner(device=args.device, threads=args.threads)
    for path, what in models:
        runner.run(job(path, FOUR, False))  # loads the model and warms up
        cases = {
            "4 objects, full size": lambda i: job(path, FOUR, False),
            "4 objects, preview (half size)": lambda i: job(path, FOUR, True),
            "8 objects, full size": lambda i: job(path, EIGHT, False),
            "8 objects, preview (half size)": lambda i: job(path, EIGHT, True),
            "4 objects, one re-rolled (new seed)": lambda i: job(path, FOUR, False, seed_shift=i + 1),
        }
        print(f"{path.name} ({what}), device {args.device}, {args.threads} thread(s):")
        for name, make in cases.items():
            times = []
            for i in range(args.repeats):
                start = time.perf_counter()
                out = runner.run(make(i))
                times.append((time.perf_counter() - start) * 1000)
            size = out.outputs["image"].shape[0]
            print(f"  {name:38s} {statistics.median(times):7.1f} ms (median of {args.repeats}, {size} px)")
    tmp.cleanup()


if __name__ == "__main__":
    main()
