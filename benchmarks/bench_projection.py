"""Projection benchmark: reconstruction PSNR, feature distance and seconds per target, by distance and latent space.

Model: the bundled landscape StyleGAN2 (64 px, z/w 128, 10 ws). Targets:
`--targets` images the model renders itself from held-out seeds (90 000 on,
truncation 1, its const noise) and as many "real-ish" synthetic photos
(`trainer.evaluation.heldout.render_landscapes`, held-out data seed 9100,
resized to 64 px). Variants: the default distance (pixel + pyramid + gradient
+ SSIM, `projection.DEFAULT_WEIGHTS`) against plain pixel MSE, in W and W+.
"Feature distance" is the L2 distance of the trainer's landscape feature
network (measure_nets, the FID feature space, 64-d) between target and result,
divided by the mean distance between two different targets, so 0 is identical
and 1 is as far as two unrelated landscapes. Seconds are wall time of the
whole projection on one torch thread (the worker's count on a 2-core machine), and
the CPU seconds of the process (the wall time an otherwise idle core would take).

    .venv/bin/python benchmarks/bench_projection.py [--steps 300] [--targets 8] [--threads 1] [--variants default-w,pixel-w,default-wplus]

`--faces` measures instead what comes before projecting a portrait (issue 23): per test photo
(tests/fixtures/faces, public domain; a two-face photo made of both; one enlarged to 4000x3000),
OpenCV face + eye + mouth detection, the FFHQ warp to 256 and 1024 px, and the full-resolution
paste-back, in ms (median of `--repeat`), with how far the detected points are from the hand marks.

`--encoders [--size 1024] [--passes 2]` times the published encoders' work on the CPU (issue 23):
the e4e encoder on a 256 px photo, one render, and each HyperStyle pass, at the published widths
with random weights.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import torch

from ganstudio.checkpoints import load_model
from ganstudio.engine import projection as P
from ganstudio.models.stylegan2 import z_from_seed

MODEL = Path(__file__).resolve().parents[1] / "resources" / "models" / "landscape-stylegan2.safetensors"
VARIANTS = {
    "default-w": (P.DEFAULT_WEIGHTS, False),
    "pixel-w": (P.PIXEL_ONLY, False),
    "default-wplus": (P.DEFAULT_WEIGHTS, True),
    "pixel-wplus": (P.PIXEL_ONLY, True),
}


def seed_targets(gen: torch.nn.Module, n: int) -> list[np.ndarray]:
    with torch.no_grad():
        return [P.to_uint8(gen(torch.from_numpy(z_from_seed(90_000 + i, gen.z_dim)).float(), None)) for i in range(n)]


def photo_targets(n: int, size: int) -> list[np.ndarray]:
    from trainer.evaluation import heldout

    _, images = heldout.render_landscapes(9100, n)
    return list(heldout.resize_images(images, size))


def feature_net(size: int):  # type: ignore[no-untyped-def]
    from trainer.evaluation import measure_nets

    net = measure_nets.landscape_feature_net(size, 2000, 8, Path.home() / ".cache" / "ganstudio" / "evaluation")
    return lambda images: net.features(torch.stack([P.to_tensor(im)[0] for im in images])).detach().numpy()


def bench_faces(repeat: int) -> None:
    """Detect + align (+ paste back) time per photo, and the detected points' error against the hand marks."""
    import json

    from PIL import Image

    from ganstudio.document.face_align import FacePoints, ffhq_square
    from ganstudio.engine.faces import detect_faces, paste_face, warp_face

    folder = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "faces"
    marks = json.loads((folder / "landmarks.json").read_text())
    photos = {name: np.asarray(Image.open(folder / name).convert("RGB")) for name in sorted(marks)}
    group = np.zeros((600, 1024, 3), np.uint8)
    group[:512, :512], group[:, 512:] = photos["astronaut.jpg"], photos["grace_hopper.jpg"]
    photos["two faces (1024x600)"] = group
    photos["astronaut x7.8 (4000x3000)"] = np.asarray(Image.fromarray(np.pad(photos["astronaut.jpg"], ((0, 0), (85, 85), (0, 0)), mode="edge"))
                                                      .resize((4000, 3000), Image.Resampling.BICUBIC))

    def median_ms(fn) -> tuple[float, object]:  # type: ignore[no-untyped-def]
        times, out = [], None
        for _ in range(repeat):
            started = time.perf_counter()
            out = fn()
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times), out

    detect_faces(photos["astronaut.jpg"])  # the cascades load once per process (~0.2 s)
    print(f"{'photo':28} {'faces':>5} {'detect ms':>9} {'warp 256':>8} {'warp 1024':>9} {'paste ms':>8}  points vs hand marks (px: left eye, right eye, mouth)")
    for name, pixels in photos.items():
        t_detect, faces = median_ms(lambda: detect_faces(pixels))
        if not faces:
            print(f"{name:28} {0:5d} {t_detect:9.0f}")
            continue
        square = ffhq_square(faces[0].points)
        t_256, aligned = median_ms(lambda: warp_face(pixels, square, 256))
        t_1024, _ = median_ms(lambda: warp_face(pixels, square, 1024))
        t_paste, _ = median_ms(lambda: paste_face(pixels, aligned, square))
        error = ""
        if name in marks:
            truth = FacePoints(*(tuple(marks[name][k]) for k in ("left_eye", "right_eye", "mouth")))
            error = " ".join(f"{e:.1f}" for e in np.hypot(*(faces[0].points.array() - truth.array()).T)) + f"  ({faces[0].points.source})"
        print(f"{name:28} {len(faces):5d} {t_detect:9.0f} {t_256:8.1f} {t_1024:9.1f} {t_paste:8.1f}  {error}", flush=True)


def bench_encoders(size: int, passes: int, repeat: int) -> None:
    """Seconds for the e4e encoder (256 px photo -> ws), one render, and each HyperStyle pass, at the published
    widths (IR-SE50 base 64, w 512, a rosinality-style 1024 px generator: channel_base 32768, channel_max 512,
    the published tuned layers), random weights (no face model ships with the studio), on this machine's CPU."""
    from ganstudio.engine import encoders as E
    from ganstudio.models import stylegan2 as sg2
    from ganstudio.models.e4e import GradualStyleEncoder
    from ganstudio.models.hyperstyle import HyperNetwork

    torch.manual_seed(0)
    num_ws = 2 * size.bit_length() - 4
    gen = sg2.Generator(z_dim=512, c_dim=0, w_dim=512, img_resolution=size, img_channels=3,
                        mapping_kwargs={"num_layers": 8},
                        synthesis_kwargs={"channel_base": 32768, "channel_max": 512, "num_fp16_res": 0, "conv_clamp": None}).eval()
    encoder = GradualStyleEncoder(n_styles=num_ws, e4e=True).eval()
    count = 2 + 3 * (size.bit_length() - 3)
    layers = ",".join(str(i) for i in (0, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 23, 24) if i < count)
    hypernet = HyperNetwork(img_resolution=size, layers_to_tune=layers).eval()
    with torch.no_grad():
        for p in hypernet.parameters():
            p.mul_(1e-3)  # random offsets of a sane size; the cost does not depend on the values
    photo = np.random.default_rng(0).integers(0, 256, (256, 256, 3), dtype=np.uint8)
    x = E.encoder_input(photo)
    n_params = {name: sum(p.numel() for p in net.parameters()) / 1e6 for name, net in
                (("encoder", encoder), ("generator", gen), ("hypernet", hypernet))}
    print(f"{size} px, {torch.get_num_threads()} thread(s); parameters (M): " + ", ".join(f"{k} {v:.0f}" for k, v in n_params.items()))
    times: dict[str, list[tuple[float, float]]] = {"encode": [], "render": [], "pass": []}

    def clock() -> tuple[float, float]:  # wall and CPU seconds: the machine is shared, CPU time is what an idle core takes
        return time.perf_counter(), time.process_time()

    def since(start: tuple[float, float]) -> tuple[float, float]:
        now = clock()
        return now[0] - start[0], now[1] - start[1]

    with torch.inference_mode():
        for _ in range(repeat):
            started = clock()
            ws = encoder(x)
            times["encode"].append(since(started))
            started = clock()
            E.render(gen, ws)
            times["render"].append(since(started))
            marks = [clock()]
            E.refine(gen, hypernet, x, ws, passes, lambda k, n, image: marks.append(clock()))
            times["pass"] += [(b[0] - a[0], b[1] - a[1]) for a, b in zip(marks, marks[1:])]
    for name, values in times.items():
        print(f"{name:7} median {statistics.median(v[0] for v in values):6.2f} s wall, "
              f"{statistics.median(v[1] for v in values):6.2f} s CPU  ({len(values)} runs)", flush=True)
    print("a HyperStyle pass = hypernetwork on [photo, picture] + offsets W*(1+delta) + one render; "
          "the first pass also renders the encoder's picture", flush=True)


def main() -> None:
    if "--encoders" in sys.argv:
        parser = argparse.ArgumentParser(description="e4e encoder and HyperStyle pass times on the CPU")
        parser.add_argument("--encoders", action="store_true")
        parser.add_argument("--size", type=int, default=1024)
        parser.add_argument("--passes", type=int, default=2)
        parser.add_argument("--repeat", type=int, default=2)
        parser.add_argument("--threads", type=int, default=1)
        options = parser.parse_args()
        torch.set_num_threads(options.threads)
        bench_encoders(options.size, options.passes, options.repeat)
        return
    if "--faces" in sys.argv:
        parser = argparse.ArgumentParser(description="detect + align time per photo")
        parser.add_argument("--faces", action="store_true")
        parser.add_argument("--repeat", type=int, default=5)
        bench_faces(parser.parse_args().repeat)
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--targets", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--variants", default="default-w,pixel-w,default-wplus")
    parser.add_argument("--kinds", default="seeds,photos")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    gen = load_model(MODEL).module
    stats = P.w_statistics(gen)
    features = feature_net(int(gen.img_resolution))
    kinds = {"seeds": seed_targets(gen, args.targets), "photos": photo_targets(args.targets, int(gen.img_resolution))}
    print(f"steps {args.steps}, {args.targets} targets per kind, {torch.get_num_threads()} thread(s)")
    print(f"{'kind':7} {'variant':14} {'PSNR dB (min-median-max)':>26} {'feature dist':>12} {'seconds':>8} {'cpu s':>6}")
    for kind in args.kinds.split(","):
        targets = kinds[kind]
        f_targets = features(targets)
        pairs = [np.linalg.norm(a - b) for i, a in enumerate(f_targets) for b in f_targets[i + 1 :]]
        scale = float(np.mean(pairs)) if pairs else 1.0
        for name in args.variants.split(","):
            weights, w_plus = VARIANTS[name]
            psnrs, dists, secs, cpus = [], [], [], []
            for target, f_target in zip(targets, f_targets):
                started, cpu = time.perf_counter(), time.process_time()
                with torch.enable_grad():
                    result = P.project(gen, target, P.ProjectionSettings(steps=args.steps, w_plus=w_plus), w_stats=stats,
                                       weights=weights)
                secs.append(time.perf_counter() - started)
                cpus.append(time.process_time() - cpu)  # CPU seconds: what an idle machine's wall time would be
                psnrs.append(result.psnr)
                dists.append(float(np.linalg.norm(features([result.image])[0] - f_target)) / scale)
            print(f"{kind:7} {name:14} {min(psnrs):7.2f} {statistics.median(psnrs):7.2f} {max(psnrs):7.2f}    "
                  f"{statistics.median(dists):10.3f} {statistics.median(secs):8.1f} {statistics.median(cpus):6.1f}", flush=True)


if __name__ == "__main__":
    main()
