"""`ganstudio-train`: train a recipe, or make synthetic data to train on.

    ganstudio-train make-data landscapes OUT --n 2000 --size 256
    ganstudio-train make-data faces OUT --n 2000 --size 128
    ganstudio-train RECIPE --data DIR --out DIR [options]

Recipes live in trainer.recipes.<name> as `add_arguments(parser)` and
`run(args) -> exit status`. They import torch, so only the recipe named on the
command line is imported; `--help` lists them all without loading any.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
import time
from types import ModuleType
from typing import Sequence

from trainer.recipes import RECIPES

RECIPE_HELP = {
    "pix2pix": "paired image-to-image translation (e.g. label map -> photo), U-Net + PatchGAN",
    "lostgan": "images from layouts of labelled boxes (LostGAN-v2), boxes derived from label maps",
    "cyclegan": "unpaired translation between two image domains (e.g. summer <-> winter)",
    "munit": "multimodal unpaired translation: content + style per domain, many looks per input (MUNIT)",
    "unit": "unpaired translation through a latent space shared by two VAE-GANs (UNIT)",
    "bicyclegan": "paired translation with many looks per input: a style code z and a photo -> z encoder (BicycleGAN)",
    "stargan": "multi-attribute face editing from a CelebA-style attribute list",
    "spade": "semantic image synthesis from label maps (SPADE / GauGAN)",
    "sean": "semantic image synthesis with per-region styles (SEAN)",
    "oasis": "semantic image synthesis with adversarial supervision only and 3D noise (OASIS)",
    "stylegan2": "unconditional image generation (StyleGAN2-ADA)",
    "encoder": "an image -> latent encoder for a trained StyleGAN2 model (pSp/e4e)",
    "instagan": "instance-aware unpaired translation: an image and its instance masks (InstaGAN)",
    "gan_int_cls": "text to image: GAN-INT-CLS with our own text encoder, on captioned images (make-data writes captions.json)",
    "gigagan": "text to image: a GigaGAN-style StyleGAN2 with text cross-attention and adaptive kernels",
    "dcgan": "unconditional image generation from z: DCGAN (pytorch/examples layout)",
    "wgan_gp": "the DCGAN generator trained with a batch-norm-free critic and a gradient penalty (WGAN-GP)",
    "progan": "unconditional image generation grown from 4x4 to full size with fade-ins (Progressive GAN)",
}

_EPILOG = """examples:
  ganstudio-train make-data landscapes data/land --n 2000 --size 256
  ganstudio-train spade --data data/land --out runs/spade
  ganstudio-train cyclegan --data data/land/cyclegan --out runs/summer2winter
  ganstudio-train make-data faces data/faces --n 5000 --size 128
  ganstudio-train stargan --data data/faces --out runs/stargan
A run saves its model as OUT/<name of OUT>.safetensors (float16; runs/summer2winter gives
runs/summer2winter/summer2winter.safetensors) and names it on its last line.
Run `ganstudio-train COMMAND --help` for the options of one command."""


def available_recipes() -> list[str]:
    """Recipe names whose module exists (found without importing it)."""
    return [name for name in RECIPES if importlib.util.find_spec(f"trainer.recipes.{name}") is not None]


def load_recipe(name: str) -> ModuleType:
    module = importlib.import_module(f"trainer.recipes.{name}")
    for attr in ("add_arguments", "run"):
        if not callable(getattr(module, attr, None)):
            raise SystemExit(f"ganstudio-train: recipe module trainer.recipes.{name} has no {attr}()")
    return module


def _size(text: str) -> int:
    value = int(text)
    if value < 16:
        raise argparse.ArgumentTypeError(f"size must be at least 16 pixels, got {text}")
    return value


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a count >= 0, got {text}")
    return value


def _add_make_data(subparsers: argparse._SubParsersAction) -> None:
    make = subparsers.add_parser(
        "make-data",
        help="render synthetic training data (no download): landscapes or faces",
        description="Render a synthetic dataset that the recipes can train on directly.",
    )
    kinds = make.add_subparsers(dest="kind", metavar="KIND", required=True)

    land = kinds.add_parser(
        "landscapes",
        help="procedural landscapes: label maps + photos (spade, sean, pix2pix, cyclegan, stylegan2)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="""Procedural landscapes with crisp class-id label maps.

Writes OUT/labels/NNNNN.png (grayscale class ids), OUT/images/NNNNN.png (photos),
OUT/palette.json (class names and colours), OUT/pix2pix/A and B (colour label
map -> photo pairs), OUT/cyclegan/trainA (summer) and trainB (winter) from
disjoint layouts, OUT/captions.json (captions of every photo, from what was
rendered; held-out combinations marked) and OUT/meta.json (seeds and parameters).
Train with: spade/sean --data OUT, pix2pix --data OUT/pix2pix,
cyclegan --data OUT/cyclegan, stylegan2 --data OUT/images, gan_int_cls/gigagan --data OUT.""",
    )
    land.add_argument("out", metavar="OUT", help="output folder (created if missing)")
    land.add_argument("--n", type=_count, default=1000, help="number of label map + photo pairs (default 1000)")
    land.add_argument("--size", type=_size, default=256, help="image side in pixels, square (default 256)")
    land.add_argument("--seed", type=int, default=0, help="dataset seed; the same seed gives the same files (default 0)")
    land.add_argument("--season", choices=["summer", "autumn", "winter"], default=None,
                      help="render every photo in this season (default: a random season per image)")
    land.add_argument("--time-of-day", choices=["day", "dusk", "night"], default=None,
                      help="render every photo at this time of day (default: random per image)")
    land.add_argument("--cyclegan-n", type=_count, default=None,
                      help="images in each of cyclegan/trainA and trainB (default: --n; 0 skips them)")
    land.add_argument("--no-pix2pix", action="store_true", help="do not write the pix2pix/A and pix2pix/B folders")
    land.add_argument("--batch-size", type=int, default=None,
                      help="images rendered at once (default: about 1 Mpixel per batch)")
    land.add_argument("--quiet", action="store_true", help="no progress lines")
    land.set_defaults(func=_run_make_landscapes)

    inst = kinds.add_parser(
        "instances",
        help="landscapes with tree (A) and rock (B) instance masks (instagan)",
        description="Landscapes split by the 4-connected components of their tree and rock classes: OUT/trainA/ with "
                    "OUT/trainA_seg/<name>_<i>.png (trees), OUT/trainB/ with OUT/trainB_seg/ (rocks). Train with: instagan --data OUT.",
    )
    inst.add_argument("out", metavar="OUT", help="output folder (created if missing)")
    inst.add_argument("--n", type=_count, default=1000, help="landscapes to render (default 1000)")
    inst.add_argument("--size", type=_size, default=64, help="image side in pixels, square (default 64)")
    inst.add_argument("--seed", type=int, default=0, help="first layout/style seed (default 0)")
    inst.add_argument("--quiet", action="store_true", help="no summary line")
    inst.set_defaults(func=_run_make_instances)

    faces = kinds.add_parser(
        "faces",
        help="procedural faces with a CelebA-style attribute list (stargan)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="""Procedural faces with attributes Black_Hair, Blond_Hair, Brown_Hair (exclusive),
Eyeglasses, Male, Smiling, Young.

Writes OUT/images/NNNNN.png, OUT/list_attr.txt in the CelebA list_attr_celeba.txt
format, OUT/captions.json (captions from the attributes) and OUT/meta.json.
Train with: stargan --data OUT, gan_int_cls/gigagan --data OUT.""",
    )
    faces.add_argument("out", metavar="OUT", help="output folder (created if missing)")
    faces.add_argument("--n", type=_count, default=1000, help="number of faces (default 1000)")
    faces.add_argument("--size", type=_size, default=128, help="image side in pixels, square (default 128)")
    faces.add_argument("--seed", type=int, default=0, help="dataset seed; the same seed gives the same files (default 0)")
    faces.add_argument("--batch-size", type=int, default=None,
                       help="images rendered at once (default: about 1 Mpixel per batch)")
    faces.add_argument("--quiet", action="store_true", help="no progress lines")
    faces.set_defaults(func=_run_make_faces)


def _run_make_landscapes(args: argparse.Namespace) -> int:
    from trainer.synthetic.landscapes import make_landscapes

    start = time.perf_counter()
    meta = make_landscapes(
        args.out, args.n, args.size, seed=args.seed, batch_size=args.batch_size, season=args.season,
        time_of_day=args.time_of_day, cyclegan_n=args.cyclegan_n, pix2pix=not args.no_pix2pix,
        progress=not args.quiet,
    )
    if not args.quiet:
        total = meta["n"] + 2 * meta["cyclegan"]["n"]
        print(f"wrote {total} landscapes to {args.out} in {time.perf_counter() - start:.1f} s")
    return 0


def _run_make_instances(args: argparse.Namespace) -> int:
    from trainer.synthetic.instances import make_instance_landscapes

    counts = make_instance_landscapes(args.out, args.n, args.size, args.seed)
    if not args.quiet:
        print(f"trees (A): {counts['A']} images, rocks (B): {counts['B']} images in {args.out}")
    return 0


def _run_make_faces(args: argparse.Namespace) -> int:
    from trainer.synthetic.faces import make_faces

    start = time.perf_counter()
    make_faces(args.out, args.n, args.size, seed=args.seed, batch_size=args.batch_size, progress=not args.quiet)
    if not args.quiet:
        print(f"wrote {args.n} faces to {args.out} in {time.perf_counter() - start:.1f} s")
    return 0


def build_parser(recipe: str | None = None) -> argparse.ArgumentParser:
    """The full parser; only `recipe` (if given) gets its options, so nothing else is imported."""
    parser = argparse.ArgumentParser(
        prog="ganstudio-train",
        description="Train GAN Studio models, or render synthetic data to train them on.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_make_data(commands)
    for name in available_recipes():
        dashed = name.replace("_", "-")  # the papers' spelling (gan-int-cls, wgan-gp) works too
        sub = commands.add_parser(
            name, help=RECIPE_HELP.get(name, f"train {name}"), formatter_class=argparse.RawDescriptionHelpFormatter,
            aliases=[dashed] if dashed != name else [],
        )
        if name == recipe:
            module = load_recipe(name)
            module.add_arguments(sub)
            sub.set_defaults(func=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    named = argv[0].replace("-", "_") if argv else ""
    recipe = named if named in available_recipes() else None
    args = build_parser(recipe).parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
