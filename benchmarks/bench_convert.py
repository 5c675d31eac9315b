"""Tiled conversion speed (megapixels per second) with a CycleGAN model.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/bench_convert.py [--model FILE] [--size 512x384] [--repeats 1]

Uses the bundled CycleGAN model (the first resources/models/*.safetensors whose
architecture is cyclegan_resnet) when there is one, else --model, else a
documented stand-in: the official CycleGAN generator configuration
(resnet_9blocks, ngf 64, InstanceNorm, reflect padding; random weights, since
speed does not depend on the weights) with a B->A part, trained resolution 256.
The image is converted through the app's own path (TranslateSession), once to
warm up, then `--repeats` times, two ways: as the app does by default (one
whole-image pass up to WHOLE_IMAGE_PIXELS, tiles beyond), and forced into tiles
(256 px for a ResNet, quarter-tile overlap, one whole-image
normalisation-statistics pass, feathered blending); the median time gives
megapixels of input per second. Runs on the CPU (torch threads as
OMP_NUM_THREADS says) and on CUDA when present (fp16 + channels_last, the app's
policy). It also prints how far the tiled result is from whole-image
inference, in 8-bit levels, for the same image.
"""
from __future__ import annotations

import argparse
import json
import statistics
import struct
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ganstudio.checkpoints import save_model  # noqa: E402
from ganstudio.engine.model_cache import ModelCache  # noqa: E402
from ganstudio.engine.translate import ConvertOptions, TranslateSession  # noqa: E402
from ganstudio.models.cyclegan import ResnetGenerator  # noqa: E402

BUNDLED = Path(__file__).resolve().parents[1] / "resources" / "models"


def bundled_cyclegan() -> Path | None:
    for path in sorted(BUNDLED.glob("*.safetensors")):
        with open(path, "rb") as handle:
            (size,) = struct.unpack("<Q", handle.read(8))
            header = json.loads(handle.read(size))
        meta = header.get("__metadata__") or {}
        if meta.get("format") == "ganstudio/1" and json.loads(meta.get("ganstudio", "{}")).get("arch") == "cyclegan_resnet":
            return path
    return None


def stand_in(folder: Path, ngf: int) -> Path:
    torch.manual_seed(0)
    path = folder / f"stand-in-cyclegan-resnet9-ngf{ngf}.safetensors"
    return save_model(ResnetGenerator(ngf=ngf, n_blocks=9), path, parts={"reverse": ResnetGenerator(ngf=ngf, n_blocks=9)}, resolution=256)


def test_image(height: int, width: int) -> np.ndarray:
    """A smooth, photo-like picture (upsampled noise plus gradients), fixed seed."""
    rng = np.random.default_rng(0)
    coarse = torch.from_numpy(rng.uniform(0, 1, size=(1, 3, max(2, height // 32), max(2, width // 32))).astype(np.float32))
    smooth = torch.nn.functional.interpolate(coarse, size=(height, width), mode="bicubic", align_corners=False)[0]
    detail = torch.from_numpy(rng.normal(0, 0.03, size=(3, height, width)).astype(np.float32))
    return ((smooth + detail).clamp(0, 1) * 255).round().byte().permute(1, 2, 0).numpy()


def bench(model: Path, device: str, image: np.ndarray, repeats: int) -> None:
    cache = ModelCache(capacity=1)
    ready = cache.get(model, device)
    session = TranslateSession(ready, ready.runtime)
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    megapixels = image.shape[0] * image.shape[1] / 1e6
    module, _ = session.network("AtoB")
    ways = {"app default": ConvertOptions(), "tiled": ConvertOptions(tile=session.tile_size(module))}
    results = {}
    with torch.inference_mode():
        for way, options in ways.items():
            session.convert(image, options)  # warm-up
            times = []
            for _ in range(repeats):
                sync()
                start = time.perf_counter()
                out, info = session.convert(image, options)
                sync()
                times.append(time.perf_counter() - start)
            results[way] = (out, info, statistics.median(times))
        whole, _ = session.convert(image, ConvertOptions(tiled=False))
    for way, (out, info, median) in results.items():
        inner = np.abs(out.astype(int) - whole.astype(int))[16:-16, 16:-16]
        print(
            f"{device:>6} {ready.runtime.precision_name} {way}: {image.shape[1]}x{image.shape[0]} ({megapixels:.2f} MP), "
            f"{info['tiles']} tile(s) of {info['tile']} px (overlap {info['overlap']}), median {median:.2f} s "
            f"-> {megapixels / median:.3f} MP/s; vs whole image: mean {inner.mean():.2f}, "
            f"99th pct {np.percentile(inner, 99):.0f}, max {inner.max()} levels (16 px border excluded)"
        )

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a CycleGAN .safetensors (default: the bundled one, else a stand-in)")
    parser.add_argument("--ngf", type=int, default=64, help="stand-in width (official CycleGAN: 64)")
    parser.add_argument("--size", default="512x384", help="WIDTHxHEIGHT of the test image")
    parser.add_argument("--cuda-size", default="3072x2048", help="WIDTHxHEIGHT on CUDA")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--no-cpu", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        model = Path(args.model) if args.model else bundled_cyclegan()
        source = "given" if args.model else "bundled"
        if model is None:
            model = stand_in(Path(tmp), args.ngf)
            source = f"stand-in (resnet_9blocks, ngf {args.ngf}, random weights)"
        print(f"model: {model.name} [{source}]; torch {torch.__version__}, {torch.get_num_threads()} CPU thread(s)")
        if not args.no_cpu:
            w, h = (int(v) for v in args.size.lower().split("x"))
            bench(model, "cpu", test_image(h, w), args.repeats)
        if torch.cuda.is_available():
            w, h = (int(v) for v in args.cuda_size.lower().split("x"))
            print(f"CUDA: {torch.cuda.get_device_name(0)}")
            bench(model, "cuda", test_image(h, w), max(args.repeats, 3))


if __name__ == "__main__":
    main()
