"""`ganstudio-project MODEL IMAGE --out latent.npz`: project a photo into a StyleGAN2 model's latent space.

The photo's largest centred square is taken and resized to the model's
resolution (the app lets the user move that square), then projected with
`ganstudio.engine.projection.project`. The .npz holds `w` [1, num_ws, w_dim]
as the latent explorer's Import latent reads it, plus the PSNR and settings;
the PSNR of the ws as the app draws them is printed. Problems with the inputs
end in a one-line message and exit status 2, never a traceback.
"""
from __future__ import annotations

import argparse
import sys
import time
from typing import Sequence


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ganstudio-project", description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="a StyleGAN2 model file (.safetensors, .pkl, .pt)")
    parser.add_argument("image", help="the photo to project (any size; its centred square is used)")
    parser.add_argument("--out", required=True, help="where to write the latent (.npz)")
    parser.add_argument("--steps", type=int, default=300, help="optimisation steps (default 300)")
    parser.add_argument("--w-plus", action="store_true", help="optimise one w per layer (W+) instead of one w")
    parser.add_argument("--noise", action="store_true", help="optimise the noise inputs too (saved as noise_* arrays)")
    parser.add_argument("--encoder", default="", metavar="FILE", help="start from this encoder's guess instead of the mean w")
    parser.add_argument("--seed", type=int, default=0, help="seed of the w noise schedule (default 0)")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or mps")
    parser.add_argument("--quiet", action="store_true", help="print only the result line")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.steps < 1:
        print("ganstudio-project: --steps must be at least 1", file=sys.stderr)
        return 2
    import numpy as np
    import torch

    from ganstudio.checkpoints import CheckpointError, load_model
    from ganstudio.document.errors import DocumentError
    from ganstudio.document.face_crop import crop_for_model, default_crop
    from ganstudio.document.image_io import read_photo
    from ganstudio.document.latent_io import write_latent_npz

    from . import projection as P
    from .device import worker_thread_count

    torch.set_num_threads(worker_thread_count())  # more threads than spare cores only slow each step down

    def fail(message: str) -> int:
        print(f"ganstudio-project: {message}", file=sys.stderr)
        return 2

    try:
        loaded = load_model(args.model, device=args.device)
        gen = P.stylegan_generator(loaded)
    except CheckpointError as exc:
        return fail(f"cannot load the model: {exc}")
    except (ValueError, OSError, RuntimeError) as exc:
        return fail(f"{args.model}: {exc}")
    try:
        photo = read_photo(args.image, keep_alpha=False).pixels
    except (DocumentError, OSError, ValueError) as exc:
        return fail(f"cannot read the image: {exc}")
    resolution = int(gen.img_resolution)
    target = crop_for_model(photo, default_crop(photo.shape[1], photo.shape[0]), resolution)
    encoder = None
    if args.encoder:
        try:
            encoder = P.load_encoder(args.encoder, args.device)
        except CheckpointError as exc:
            return fail(f"cannot load the encoder: {exc}")
    settings = P.ProjectionSettings(steps=args.steps, w_plus=args.w_plus, optimize_noise=args.noise, seed=args.seed)

    def report(step: P.ProjectionStep) -> None:
        if not args.quiet and (step.step % 50 == 0 or step.step == step.total):
            print(f"step {step.step}/{step.total}: loss {step.loss:.4f}, PSNR {step.psnr:.2f} dB", flush=True)

    started = time.perf_counter()
    try:
        result = P.project(gen, target, settings, encoder=encoder, on_step=report)
    except ValueError as exc:  # e.g. an encoder that gives the wrong shape
        return fail(str(exc))
    seconds = time.perf_counter() - started
    extra = {"psnr": np.float32(result.psnr_const_noise), "steps": np.int64(result.steps), "seed": np.int64(args.seed),
             "w_plus": np.int64(args.w_plus)}
    extra.update({f"noise_{name}": buf for name, buf in result.noise.items()})
    try:
        write_latent_npz(args.out, result.ws[None], extra)
    except (DocumentError, OSError) as exc:
        return fail(f"cannot write {args.out}: {exc}")
    noise_note = f" ({result.psnr:.2f} dB with the optimised noise)" if result.noise else ""
    print(f"PSNR {result.psnr_const_noise:.2f} dB{noise_note} after {result.steps} steps in {seconds:.1f} s; wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
