"""Tiled conversion speed (megapixels per second) with a CycleGAN model, and the multimodal families' style paths.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/bench_convert.py [--model FILE] [--size 512x384] [--repeats 1]
        [--styled munit,bicyclegan] [--variants 6]

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

Multimodal families (`--styled`, default MUNIT and BicycleGAN where their
modules exist): the bundled model of the family when there is one, else a
stand-in with the official configuration (MUNIT edges2shoes/summer2winter:
dim 64, style 8, 2 downsamplings, 4 residual blocks, MLP 256; BicycleGAN
G_Unet_add_all ngf 64, nz 8, 8 downsamplings, with its E_ResNet), random
weights. Printed: the time of a strip of `--variants` random styles at the
variant preview size (StyleVariantsJob's path), of one full-size conversion
with a fixed style, of the forced-tiled conversion with the same style, and
how far tiled is from whole in 8-bit levels (the style is the same for every
tile; normalisation statistics from one whole-image pass).
"""
from __future__ import annotations

import argparse
import dataclasses
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

def bundled_of(arch: str) -> Path | None:
    for path in sorted(BUNDLED.glob("*.safetensors")):
        with open(path, "rb") as handle:
            (size,) = struct.unpack("<Q", handle.read(8))
            header = json.loads(handle.read(size))
        meta = header.get("__metadata__") or {}
        if meta.get("format") == "ganstudio/1" and json.loads(meta.get("ganstudio", "{}")).get("arch") == arch:
            return path
    return None


def styled_stand_in(family: str, folder: Path) -> tuple[Path, str] | None:
    """The bundled model of a multimodal family, else a random-weight one in the official configuration."""
    torch.manual_seed(0)
    if family == "munit":
        bundled = bundled_of("munit")
        if bundled is not None:
            return bundled, "bundled"
        from ganstudio.models.munit import AdaINGen

        config = dict(dim=64, style_dim=8, n_downsample=2, n_res=4, mlp_dim=256)
        path = save_model(AdaINGen(**config), folder / "stand-in-munit.safetensors", parts={"domain_b": AdaINGen(**config)}, resolution=256)
        return path, "stand-in (official config, random weights)"
    if family == "bicyclegan":
        bundled = bundled_of("bicyclegan_unet")
        if bundled is not None:
            return bundled, "bundled"
        try:
            from ganstudio.models.bicyclegan import BicycleGenerator, ResNetEncoder
        except ImportError:
            return None
        path = save_model(BicycleGenerator(ngf=64, nz=8, num_downs=8), folder / "stand-in-bicyclegan.safetensors",
                          parts={"encoder": ResNetEncoder(nz=8, nef=64)}, resolution=256)
        return path, "stand-in (official config, random weights)"
    raise ValueError(f"unknown multimodal family {family!r}")


def bench_styled(model: Path, device: str, image: np.ndarray, repeats: int, count: int) -> None:
    from ganstudio.engine.translate import VARIANT_PREVIEW

    cache = ModelCache(capacity=1)
    ready = cache.get(model, device)
    session = TranslateSession(ready, ready.runtime)
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    module, _ = session.network("AtoB")
    size = f"{image.shape[1]}x{image.shape[0]}"

    def timed(fn):  # type: ignore[no-untyped-def]
        fn()  # warm-up
        times, out = [], None
        for _ in range(repeats):
            sync()
            start = time.perf_counter()
            out = fn()
            sync()
            times.append(time.perf_counter() - start)
        return out, statistics.median(times)

    with torch.inference_mode():
        (thumbs, _codes), strip = timed(lambda: session.variants(image, ConvertOptions(), 0, count, VARIANT_PREVIEW))
        options = ConvertOptions(style_seed=3)
        (whole, _), full = timed(lambda: session.convert(image, dataclasses.replace(options, tiled=False)))
        tile = session.tile_size(module)
        (tiled, info), tiled_time = timed(lambda: session.convert(image, dataclasses.replace(options, tile=tile)))
    inner = np.abs(tiled.astype(int) - whole.astype(int))[16:-16, 16:-16]
    print(f"{device:>6} {ready.runtime.precision_name} {ready.loaded.arch}: strip of {count} at {thumbs.shape[2]}x{thumbs.shape[1]} "
          f"{strip * 1000:.0f} ms ({strip * 1000 / count:.0f} ms/variant); full size {size} {full:.2f} s whole, "
          f"{tiled_time:.2f} s in {info['tiles']} tiles of {info['tile']} px; tiled vs whole with one style: mean {inner.mean():.3f}, "
          f"99th pct {np.percentile(inner, 99):.0f}, max {inner.max()} levels (16 px border excluded)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a CycleGAN .safetensors (default: the bundled one, else a stand-in)")
    parser.add_argument("--ngf", type=int, default=64, help="stand-in width (official CycleGAN: 64)")
    parser.add_argument("--size", default="512x384", help="WIDTHxHEIGHT of the test image")
    parser.add_argument("--cuda-size", default="3072x2048", help="WIDTHxHEIGHT on CUDA")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--no-cpu", action="store_true")
    parser.add_argument("--styled", default="munit,bicyclegan", help="multimodal families to time ('' for none)")
    parser.add_argument("--variants", type=int, default=6, help="variants in a strip")
    parser.add_argument("--no-cyclegan", action="store_true", help="only the multimodal families")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        model = Path(args.model) if args.model else bundled_cyclegan()
        source = "given" if args.model else "bundled"
        if model is None:
            model = stand_in(Path(tmp), args.ngf)
            source = f"stand-in (resnet_9blocks, ngf {args.ngf}, random weights)"
        print(f"model: {model.name} [{source}]; torch {torch.__version__}, {torch.get_num_threads()} CPU thread(s)")
        cpu_size = tuple(int(v) for v in args.size.lower().split("x"))
        cuda_size = tuple(int(v) for v in args.cuda_size.lower().split("x"))
        if not args.no_cyclegan:
            if not args.no_cpu:
                bench(model, "cpu", test_image(cpu_size[1], cpu_size[0]), args.repeats)
            if torch.cuda.is_available():
                print(f"CUDA: {torch.cuda.get_device_name(0)}")
                bench(model, "cuda", test_image(cuda_size[1], cuda_size[0]), max(args.repeats, 3))
        for family in [f for f in args.styled.split(",") if f]:
            found = styled_stand_in(family, Path(tmp))
            if found is None:
                print(f"{family}: its model module is not here; skipped")
                continue
            path, origin = found
            print(f"{family}: {path.name} [{origin}]")
            if not args.no_cpu:
                bench_styled(path, "cpu", test_image(cpu_size[1], cpu_size[0]), args.repeats, args.variants)
            if torch.cuda.is_available():
                bench_styled(path, "cuda", test_image(cuda_size[1], cuda_size[0]), max(args.repeats, 3), args.variants)


if __name__ == "__main__":
    main()
