"""StyleGAN2 encoder benchmark: reconstruction PSNR of the encoder alone and seconds per image.

Targets:
1. self-generated: the generator's images of held-out seeds (z = RandomState(seed).randn,
   as the reference tools draw it; the encoder trained on torch-generated z of other seeds),
   truncation 1, constant noise;
2. synthetic photos: held-out landscape renders (the evaluation's data seed, which no
   training run uses), resized to the generator's size: out of the generator's range, so
   this is the harder case the projection engine refines.

Reconstruction = generator.synthesis(encoder(target)), PSNR on uint8 images as in
docs/models.md. Time: the encoder's forward per image (batch 1, best of the repeats),
and encoder + synthesis. The issue's target: >= 20 dB on self-generated targets in < 0.2 s.

    .venv/bin/python benchmarks/bench_stylegan2_encoder.py [--encoder FILE] [--generator FILE] [--n 8] [--threads 1]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ganstudio.checkpoints import load_model  # noqa: E402
from trainer.evaluation import heldout  # noqa: E402
from trainer.evaluation.generation import seed_latents  # noqa: E402
from trainer.evaluation.metrics import psnr  # noqa: E402

HELDOUT_SEEDS = range(1_000_000, 1_000_000 + 64)


def best_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--encoder", type=Path, default=ROOT / "resources/models/landscape-stylegan2-encoder.safetensors")
    parser.add_argument("--generator", type=Path, default=ROOT / "resources/models/landscape-stylegan2.safetensors")
    parser.add_argument("--n", type=int, default=8, help="targets of each kind (default 8)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1: the app's worker on a busy CPU)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    encoder = load_model(args.encoder).module.eval()
    generator = load_model(args.generator).module.eval()
    size = generator.img_resolution
    with torch.inference_mode():
        z = seed_latents(list(HELDOUT_SEEDS[:args.n]), generator.z_dim)
        generated = generator(z, None, noise_mode="const")
        _, photos = heldout.render_landscapes(heldout.HELDOUT_LANDSCAPE_SEED, args.n)
        photos = heldout.to_tensor(heldout.resize_images(photos, size))
        results = {}
        for label, target in (("self-generated (held-out seeds)", generated), ("synthetic photos (held-out renders)", photos)):
            recon = generator.synthesis(encoder(target), noise_mode="const")
            # the average image is what an encoder that learnt nothing would give
            average = generator.synthesis(encoder.w_avg.expand(len(target), generator.num_ws, -1).clone(), noise_mode="const")
            p, base = psnr(heldout.to_uint8(recon), heldout.to_uint8(target)), psnr(heldout.to_uint8(average), heldout.to_uint8(target))
            results[label] = (float(np.mean(p)), float(np.min(p)), float(np.mean(base)))
        one = generated[:1]
        encode_s = best_time(lambda: encoder(one), args.repeats)
        both_s = best_time(lambda: generator.synthesis(encoder(one), noise_mode="const"), args.repeats)

    print(f"encoder {args.encoder.name} for {args.generator.name} ({size} px, {generator.num_ws} ws), {args.n} targets each, "
          f"{args.threads} thread(s)")
    for label, (mean, low, base) in results.items():
        print(f"  {label}: PSNR {mean:.2f} dB (lowest {low:.2f}); the average image w_avg gives {base:.2f} dB")
    print(f"  seconds per image: encoder {encode_s:.4f} s, encoder + synthesis {both_s:.4f} s (batch 1, best of {args.repeats})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
