"""`ganstudio-convert`: turn an official checkpoint into the native .safetensors format."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from ganstudio import families

from .errors import CheckpointError
from .loader import load_model
from .native import save_model


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ganstudio-convert",
        description="Convert an official checkpoint of any family the app opens (SPADE/SEAN/OASIS/pix2pix/CycleGAN/"
        "BicycleGAN *_net_G.pth, MUNIT/UNIT gen_*.pt, StarGAN *-G.ckpt, StyleGAN2-ADA *.pkl, rosinality, e4e/pSp/"
        "HyperStyle .pt) into a GAN Studio .safetensors model.",
    )
    parser.add_argument("input", type=Path, help="the official file")
    parser.add_argument("output", type=Path, nargs="?", help="where to write (default: INPUT with .safetensors)")
    parser.add_argument("--preset", help="dataset preset for SPADE/SEAN labels: ade20k, coco, cityscapes, celebamask-hq")
    parser.add_argument("--crop-size", type=int, help="SPADE/SEAN output width the model was trained at")
    parser.add_argument("--aspect-ratio", type=float, help="SPADE/SEAN width / height (cityscapes: 2)")
    parser.add_argument("--upsampling", choices=["normal", "more", "most"], help="SPADE num_upsampling_layers")
    parser.add_argument("--label-nc", type=int, help="SPADE/SEAN number of label classes (when no preset fits)")
    parser.add_argument("--dontcare", action="store_true", default=None, help="SPADE/SEAN: the input has an extra dontcare channel")
    parser.add_argument("--no-instance", action="store_true", default=None, help="SPADE/SEAN: the input has no instance-edge channel")
    parser.add_argument("--encoder", type=Path, help="SPADE VAE / BicycleGAN: the latest_net_E.pth to store with the generator "
                        "(BicycleGAN joins one beside latest_net_G.pth by itself)")
    parser.add_argument("--arch", help="force an architecture instead of detecting it")
    parser.add_argument("--half", action="store_true", help="store weights in float16 (half the size)")
    return parser


def one_line(text: str) -> str:
    """Messages go to a terminal: one line, no control characters from a file's contents."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    hints = {
        key: value
        for key, value in {
            "preset": args.preset,
            "crop_size": args.crop_size,
            "aspect_ratio": args.aspect_ratio,
            "num_upsampling_layers": args.upsampling,
            "label_nc": args.label_nc,
            "contain_dontcare_label": args.dontcare,
            "no_instance": args.no_instance,
            "arch": args.arch,
        }.items()
        if value is not None
    }
    output = args.output or args.input.with_suffix(".safetensors")
    try:
        loaded = load_model(args.input, **hints)
        parts = {}
        if args.encoder is not None:
            owner = families.family_of(loaded.arch)
            encoder_arch = owner.parts.get("encoder") if owner is not None else None
            if encoder_arch is None:
                raise CheckpointError(args.encoder, f"a {loaded.arch} model takes no encoder")
            parts["encoder"] = load_model(args.encoder, arch=encoder_arch)
        save_model(loaded, output, parts=parts, dtype=torch.float16 if args.half else None)
    except CheckpointError as exc:
        print(f"ganstudio-convert: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except OSError as exc:  # writing the output
        print(f"ganstudio-convert: {output.name}: cannot write ({exc.strerror or type(exc).__name__})", file=sys.stderr)
        return 2
    except Exception as exc:  # never a traceback for a file: one line, non-zero exit
        print(f"ganstudio-convert: {args.input.name}: conversion failed ({type(exc).__name__})", file=sys.stderr)
        return 2
    print(f"{args.input} -> {output} ({loaded.arch})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
