"""OASIS in Paint: stroke-to-output and re-roll-to-output times of the painting session, and the noise map's share.

Runs ganstudio.engine.painting.PaintingSession (what the worker runs for a
PaintJob) on a 1024x1024 landscape document with the default OASIS painting
model: the bundled one (resources/models, arch oasis) when there is one, else
a random-weight stand-in of the planned size (channels_G 16, 128 px, the 12
landscape classes, the reference's SPADE width 128), and says which. Prints,
in milliseconds (median and p95 over the runs):

- stroke -> output: a brush stroke segment, then a full-size synthesis, with
  no class re-roll (the noise map comes from the cache) and with the painted
  class re-rolled (the map follows the class, so each stroke rebuilds it);
  the same for a preview (half grid);
- re-roll -> output: a new region re-roll (one class; one connected area as a
  mask) and Re-roll all, each a new noise state, so the map is built anew;
- the noise map alone: a build, and a cache hit.

Run: ``python benchmarks/bench_painting_oasis.py [--device cpu|cuda] [--runs N]``.
Torch uses the worker's thread count (cores - 1), as in the app.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

import numpy as np  # noqa: E402
import torch  # noqa: E402

from ganstudio.app.model_library import ModelLibrary  # noqa: E402
from ganstudio.checkpoints import load_model, save_model  # noqa: E402
from ganstudio.document.edits import BrushStroke  # noqa: E402
from ganstudio.document.fill import region_mask  # noqa: E402
from ganstudio.document.labelmap import LabelMap  # noqa: E402
from ganstudio.document.oasis_noise import NoiseState, Reroll  # noqa: E402
from ganstudio.document.palette import default_palette  # noqa: E402
from ganstudio.document.starter_map import starter_label_map  # noqa: E402
from ganstudio.engine.device import runtime_for, worker_thread_count  # noqa: E402
from ganstudio.engine.model_cache import ReadyModel  # noqa: E402
from ganstudio.engine.painting import PaintingSession  # noqa: E402

DOC = 1024


def default_model(tmp: Path) -> tuple[Path, str]:
    bundled = [entry for entry in ModelLibrary().defaults_for("paint") if entry.arch == "oasis"]
    if bundled:
        return Path(bundled[0].path), f"bundled {bundled[0].name}"
    from ganstudio.models.oasis import OASISGenerator

    torch.manual_seed(0)
    palette = default_palette()
    gen = OASISGenerator(label_nc=len(palette), contain_dontcare_label=False, channels_G=16, crop_size=128, param_free_norm_type="batch")
    path = tmp / "stand-in-oasis.safetensors"
    save_model(gen, path, labels=palette.to_json(), resolution=128)
    weights = sum(p.numel() for p in gen.parameters())
    return path, f"random-weight OASIS stand-in (channels_G 16, 128 px, {weights / 1e6:.1f} M weights; no bundled OASIS model yet)"


def timed(fn: Callable[[], Any], runs: int, sync: Callable[[], None]) -> list[float]:
    fn()  # warm-up (first conv algorithm choice, allocator)
    sync()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        sync()
        times.append((time.perf_counter() - start) * 1000)
    return times


def show(name: str, times: list[float]) -> None:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    print(f"  {name:<46} {statistics.median(times):8.1f} ms  p95 {p95:8.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(worker_thread_count())
    device = torch.device(args.device)
    sync = (lambda: torch.cuda.synchronize(device)) if device.type == "cuda" else (lambda: None)

    tmp = Path(tempfile.mkdtemp(prefix="bench-oasis-"))
    path, note = default_model(tmp)
    loaded = load_model(path, device=str(device))
    runtime = runtime_for(device, loaded.arch)
    session = PaintingSession(ReadyModel(loaded, runtime, key=str(path), part_runtimes={}), runtime)

    palette = default_palette()
    labels = starter_label_map(palette, DOC, DOC)
    if labels is None:
        labels = np.zeros((DOC, DOC), np.uint8)
    labelmap = LabelMap(labels.copy(), palette)
    tree = palette.index_of("tree")
    rng = np.random.default_rng(0)

    def stroke() -> None:
        # one pointer-sized stroke of trees somewhere on the map, as the brush paints it
        x, y = rng.uniform(100, DOC - 100, size=2)
        brush = BrushStroke(labelmap, tree, 40)
        brush.begin(float(x), float(y))
        brush.move_to(float(x + 16), float(y + 8))
        brush.finish()

    plain = {"noise": NoiseState(1).to_style()}
    by_class = {"noise": NoiseState(1).with_reroll(Reroll(2, class_id=tree)).to_style()}
    out = session.synthesize(labelmap.ids, plain)
    print(f"OASIS painting on {device} ({torch.get_num_threads()} threads), {DOC}x{DOC} document -> {out.shape[1]}x{out.shape[0]} output")
    print(f"  model: {note}")

    show("stroke -> output (noise map cached)", timed(lambda: (stroke(), session.synthesize(labelmap.ids, plain)), args.runs, sync))
    show("stroke -> output (painted class re-rolled)", timed(lambda: (stroke(), session.synthesize(labelmap.ids, by_class)), args.runs, sync))
    show("stroke -> preview (noise map cached)", timed(lambda: (stroke(), session.synthesize(labelmap.ids, plain, preview=True)), args.runs, sync))

    seeds = iter(range(1000, 100000))
    found = region_mask(labelmap.ids, (DOC / 2, DOC * 0.9))
    area = np.zeros((DOC, DOC), bool)
    if found is not None:
        box, inside = found
        area[box.y0 : box.y1, box.x0 : box.x1] = inside
    show("re-roll one class -> output", timed(lambda: session.synthesize(labelmap.ids, {"noise": NoiseState(1).with_reroll(Reroll(next(seeds), class_id=tree)).to_style()}), args.runs, sync))
    show("re-roll one connected area (mask) -> output", timed(lambda: session.synthesize(labelmap.ids, {"noise": NoiseState(1).with_reroll(Reroll(next(seeds), mask=area)).to_style()}), args.runs, sync))
    show("re-roll all -> output", timed(lambda: session.synthesize(labelmap.ids, {"noise": NoiseState(next(seeds)).to_style()}), args.runs, sync))

    size = tuple(out.shape[:2])
    many = NoiseState(1)
    for cid in range(len(palette)):
        many = many.with_reroll(Reroll(cid + 10, class_id=cid))
    show("noise map build (1 class re-roll)", timed(lambda: session._build_noise(labelmap.ids, 1, [dict(r) for r in by_class["noise"]["rerolls"]], size), args.runs, sync))
    show(f"noise map build ({len(palette)} class re-rolls)", timed(lambda: session._build_noise(labelmap.ids, 1, [dict(r) for r in many.to_style()["rerolls"]], size), args.runs, sync))
    session.oasis_noise(labelmap.ids, plain["noise"], size)
    show("noise map cache hit (no class re-roll)", timed(lambda: session.oasis_noise(labelmap.ids, plain["noise"], size), args.runs, sync))
    return 0


if __name__ == "__main__":
    sys.exit(main())
