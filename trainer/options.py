"""Command-line options shared by every recipe (each recipe adds its own)."""
from __future__ import annotations

import argparse

from .export import add_export_arguments


def positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def add_common_arguments(parser: argparse.ArgumentParser, *, resolution: int, batch: int, iters: int, lr: float,
                         discriminator: bool = True) -> None:
    """--data/--out/--resolution/... with this recipe's paper defaults; `discriminator`: the recipe
    trains one, so --diffaugment applies."""
    io = parser.add_argument_group("data and output")
    io.add_argument("--data", required=True, help="dataset folder (layout described above)")
    io.add_argument("--out", required=True, help="run folder: checkpoint.pt, losses.csv, samples/ and the model, "
                    "named after the folder (runs/horse2zebra gives runs/horse2zebra/horse2zebra.safetensors)")
    io.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt exactly where it stopped")
    io.add_argument("--init", metavar="FILE", default=None,
                    help="start a new run from the weights of FILE: any model file the app opens (a GAN Studio export, or an "
                         "official checkpoint such as a StyleGAN2-ADA .pkl or a rosinality .pt) of the same architecture, "
                         "resolution and classes; networks the file lacks (often the discriminator) start fresh. "
                         "Ignored when --resume finds a checkpoint")
    add_export_arguments(io)

    run = parser.add_argument_group("training")
    run.add_argument("--resolution", type=positive_int, default=resolution, help=f"training image size in pixels, square (default {resolution})")
    run.add_argument("--load-size", type=positive_int, default=None, help="resize to this size before the random crop to --resolution "
                     "(default: 286/256 of --resolution for pix2pix and cyclegan, no crop for the others)")
    run.add_argument("--no-flip", action="store_true", help="disable random horizontal flips")
    run.add_argument("--batch", type=positive_int, default=batch, help=f"images per process per iteration (default {batch})")
    run.add_argument("--iters", type=positive_int, default=iters, help=f"total training iterations (default {iters})")
    run.add_argument("--lr", type=float, default=lr, help=f"base learning rate (default {lr})")
    run.add_argument("--seed", type=int, default=0, help="random seed; the same seed and data give the same run (default 0)")
    run.add_argument("--workers", type=int, default=0, help="data-loading worker processes (default 0: load in the main process)")
    if discriminator:
        run.add_argument("--diffaugment", metavar="OPS", default="",
                         help="DiffAugment (Zhao et al. 2020) of every image the discriminator sees, real and generated: "
                              "a comma list of color, translation, cutout (e.g. color,translation,cutout for a few hundred "
                              "images; colour is unwise where D must judge colours, e.g. StarGAN hair). Default: none")

    dev = parser.add_argument_group("device")
    dev.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="auto picks CUDA when available (default auto)")
    dev.add_argument("--amp", default="auto", choices=["auto", "off", "bf16", "fp16"],
                     help="mixed precision on CUDA: auto = bf16 where supported; on the CPU see --precision (default auto)")
    dev.add_argument("--precision", default="fp32", choices=["fp32", "bf16"],
                     help="bf16: the training step's forward passes in bfloat16 autocast on the CPU too (processors with "
                          "AVX512-BF16 or AMX; losses and optimiser state stay fp32); fp32: full precision on the CPU, "
                          "CUDA as --amp says (default fp32)")
    dev.add_argument("--deterministic", action="store_true", help="deterministic cuDNN/cuBLAS kernels on CUDA (slower)")

    log = parser.add_argument_group("checkpoints and logs")
    log.add_argument("--checkpoint-every", type=positive_int, default=1000, help="write OUT/checkpoint.pt every N iterations (default 1000); also on SIGINT/SIGTERM")
    log.add_argument("--sample-every", type=int, default=1000, help="write a PNG grid of samples every N iterations, 0 to disable (default 1000)")
    log.add_argument("--log-every", type=positive_int, default=1, help="append losses to OUT/losses.csv every N iterations (default 1)")
    log.add_argument("--no-progress", action="store_true", help="no progress bar")
    log.add_argument("--eval-every", type=int, default=0,
                     help="every N iterations, the Frechet distance between --eval-images generated and training images in "
                          "the features of GAN Studio's measurement network, to OUT/evaluation.csv and TensorBoard; 0 to disable "
                          "(default 0). The first use trains the feature network once (cached, a few minutes on a CPU)")
    log.add_argument("--eval-images", type=positive_int, default=200, help="images per side of that distance (default 200)")
    log.add_argument("--eval-features", choices=["landscapes", "faces"], default="landscapes",
                     help="the measurement network: landscapes (area of each landscape class) or faces (attribute classifier); "
                          "default landscapes")


def add_lr_decay_argument(group: argparse._ArgumentGroup) -> None:
    """--decay-iters, as recipe.linear_decay_scheduler reads it."""
    group.add_argument("--decay-iters", type=int, default=None, help="iterations of linear LR decay at the end (default half of --iters)")
