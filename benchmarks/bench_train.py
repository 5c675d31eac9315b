"""Training speed of every recipe: iterations/s at a fixed config, and what augmenting D's
inputs costs: stylegan2 with ADA off (--aug noaug) and with the bgc pipeline at a fixed p
(0.5, and 1: every transform on every image; ADA's adjusted p lies in between), pix2pix and
stargan with DiffAugment (color,translation,cutout).

    python benchmarks/bench_train.py                      # CPU, and CUDA when present
    python benchmarks/bench_train.py --reference PATH     # also run the official
        pytorch-CycleGAN-and-pix2pix trainer at PATH on the same data and config
        (pix2pix and cyclegan) and print our speed / its speed

Data are rendered by trainer.synthetic into a temporary folder. A run warms up
for --warmup iterations, then times --iters more (data loading included, as
the reference's per-iteration time + data time, which is what we compare to).
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

# Fixed configs: modest widths so the CPU figures take seconds, not hours.
# pix2pix/cyclegan use sizes the reference trainer also accepts (unet_128, resnet_6blocks).
CONFIGS = {
    "pix2pix": ("pix2pix_ab", ["--resolution", "128", "--load-size", "128", "--batch", "1", "--ngf", "32", "--ndf", "32"]),
    "cyclegan": ("cyclegan", ["--resolution", "128", "--load-size", "128", "--batch", "1", "--ngf", "32", "--ndf", "32", "--n-blocks", "6"]),
    "stargan": ("faces", ["--resolution", "64", "--batch", "4", "--g-conv-dim", "32", "--d-conv-dim", "32"]),
    "spade": ("land", ["--resolution", "64", "--batch", "2", "--ngf", "16", "--ndf", "32", "--no-vgg"]),
    "sean": ("land", ["--resolution", "64", "--batch", "2", "--ngf", "16", "--ndf", "32", "--no-vgg"]),
    "stylegan2": ("land/images", ["--resolution", "64", "--batch", "4", "--channel-base", "4096", "--channel-max", "128",
                                  "--map-layers", "2", "--z-dim", "128", "--w-dim", "128", "--aug", "noaug"]),
}
# the same configs with augmentation of D's inputs; a name's part before "+" is the recipe
_SG2 = CONFIGS["stylegan2"][1][:-2]
CONFIGS.update({
    "stylegan2+ada-p0.5": ("land/images", [*_SG2, "--aug", "fixed", "--aug-p", "0.5"]),
    "stylegan2+ada-p1": ("land/images", [*_SG2, "--aug", "fixed", "--aug-p", "1"]),
    "pix2pix+diffaugment": ("pix2pix_ab", [*CONFIGS["pix2pix"][1], "--diffaugment", "color,translation,cutout"]),
    "stargan+diffaugment": ("faces", [*CONFIGS["stargan"][1], "--diffaugment", "color,translation,cutout"]),
})


def recipe_of(name: str) -> str:
    return name.split("+")[0]


def make_data(root: Path, count: int) -> None:
    from trainer.synthetic.faces import make_faces
    from trainer.synthetic.landscapes import make_landscapes

    make_landscapes(str(root / "land"), count, 128, seed=0, cyclegan_n=count)
    os.replace(root / "land" / "cyclegan", root / "cyclegan")
    make_faces(str(root / "faces"), count, 64, seed=0)
    # side-by-side A|B images: the layout both our pix2pix and the reference read
    (root / "pix2pix_ab" / "train").mkdir(parents=True)
    for a_path in sorted((root / "land" / "pix2pix" / "A").iterdir()):
        a = np.asarray(Image.open(a_path).convert("RGB"))
        b = np.asarray(Image.open(root / "land" / "pix2pix" / "B" / a_path.name).convert("RGB"))
        Image.fromarray(np.concatenate([a, b], 1)).save(root / "pix2pix_ab" / "train" / a_path.name)


def bench_ours(name: str, data: Path, out: Path, device: str, warmup: int, iters: int) -> float:
    from trainer.cli import load_recipe
    from trainer.loop import run_recipe

    recipe = recipe_of(name)
    module = load_recipe(recipe)
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    folder, options = CONFIGS[name]
    args = parser.parse_args(["--data", str(data / folder), "--out", str(out), "--iters", str(warmup + iters), "--device", device,
                              "--sample-every", "0", "--checkpoint-every", "1000000", "--no-progress", *options])
    cls = next(v for v in vars(module).values() if isinstance(v, type) and getattr(v, "name", None) == recipe)
    stamps: dict[int, float] = {}

    def stamp(iteration: int) -> None:
        if device == "cuda":
            torch.cuda.synchronize()
        stamps[iteration] = time.perf_counter()

    run_recipe(cls, args, on_iteration=stamp)
    return iters / (stamps[warmup + iters] - stamps[warmup])


def reference_command(reference: Path, recipe: str, data: Path, out: Path, iters: int) -> list[str]:
    """The official trainer's command line for our fixed config (old and new option spellings)."""
    options = (reference / "options" / "base_options.py").read_text() + (reference / "options" / "train_options.py").read_text()
    new = "--batch_size" in options
    common = ["--gpu_ids", "-1", "--checkpoints_dir", str(out), "--name", recipe, "--display_id", "0", "--no_html",
              "--print_freq", "1", "--save_latest_freq", "1000000", "--save_epoch_freq", "1000000", "--ngf", "32", "--ndf", "32",
              "--max_dataset_size", str(iters), "--serial_batches"]
    common += (["--batch_size", "1", "--load_size", "128", "--crop_size", "128", "--num_threads", "0", "--n_epochs", "1", "--n_epochs_decay", "0"]
               if new else ["--batchSize", "1", "--loadSize", "128", "--fineSize", "128", "--nThreads", "0", "--niter", "1", "--niter_decay", "0"])
    if recipe == "pix2pix":
        model = ["--dataroot", str(data / "pix2pix_ab"), "--model", "pix2pix", "--dataset_mode", "aligned",
                 "--netG" if new else "--which_model_netG", "unet_128", "--norm", "batch"]
    else:
        model = ["--dataroot", str(data / "cyclegan"), "--model", "cycle_gan", "--dataset_mode", "unaligned",
                 "--netG" if new else "--which_model_netG", "resnet_6blocks"]
    return [sys.executable, "train.py", *model, *common]


def bench_reference(reference: Path, recipe: str, data: Path, out: Path, warmup: int, iters: int) -> float:
    command = reference_command(reference, recipe, data, out, warmup + iters)
    done = subprocess.run(command, cwd=reference, capture_output=True, text=True, timeout=3600)
    timings = [float(t) + float(d) for t, d in re.findall(r"time: ([0-9.]+), data: ([0-9.]+)", done.stdout)]
    if done.returncode != 0 or len(timings) <= warmup:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"reference run failed (exit {done.returncode}): {' | '.join(tail)}")
    return 1.0 / statistics.mean(timings[warmup:])


def bench_augment(device: str, batch: int = 4, size: int = 64, repeats: int = 20) -> None:
    """The augmentation alone, forward and backward, interleaved so that other load hits each alike:
    what it adds to each of the 3-4 discriminator passes of a stylegan2 iteration."""
    from trainer.augment import AugmentPipe, DiffAugment

    x = torch.rand(batch, 3, size, size, device=device) * 2 - 1
    ops = {"ada bgc p=0": lambda t: AugmentPipe("bgc")(t, 0.0), "ada bgc p=0.5": lambda t: AugmentPipe("bgc")(t, 0.5),
           "ada bgc p=1": lambda t: AugmentPipe("bgc")(t, 1.0), "diffaugment c,t,c": DiffAugment("color,translation,cutout")}
    best = {name: float("inf") for name in ops}
    for _ in range(repeats):
        for name, op in ops.items():
            t = x.clone().requires_grad_(True)
            start = time.perf_counter()
            op(t).square().sum().backward()
            if device == "cuda":
                torch.cuda.synchronize()
            best[name] = min(best[name], time.perf_counter() - start)
    print(f"augmentation of {batch} images of {size} px, forward + backward ({device}, best of {repeats}): "
          + ", ".join(f"{name} {1000 * t:.2f} ms" for name, t in best.items()), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipes", nargs="+", default=list(CONFIGS), choices=list(CONFIGS), help="recipes to time (default all)")
    parser.add_argument("--iters", type=int, default=8, help="timed iterations per run (default 8)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed iterations first (default 2)")
    parser.add_argument("--device", choices=["cpu", "cuda", "all"], default="all", help="cpu, cuda, or all available (default all)")
    parser.add_argument("--reference", type=Path, default=None, help="a pytorch-CycleGAN-and-pix2pix checkout to compare with")
    parser.add_argument("--repeats", type=int, default=2,
                        help="runs of each (ours and the reference alternate); the fastest counts, which damps noise from other load (default 2)")
    args = parser.parse_args()

    devices = ["cpu", "cuda"] if args.device == "all" else [args.device]
    devices = [d for d in devices if d == "cpu" or torch.cuda.is_available()]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads"
          + (f", {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ", no CUDA"))
    for device in devices:
        bench_augment(device)
    with tempfile.TemporaryDirectory(prefix="bench_train_") as tmp:
        tmp_path = Path(tmp)
        make_data(tmp_path / "data", max(8, args.warmup + args.iters))
        # repeats outermost: every config is timed once per round, so a burst of other load hits them alike
        ours: dict[tuple[str, str], float] = {}
        refs: dict[str, str] = {}
        for repeat in range(args.repeats):
            for recipe in args.recipes:
                for device in devices:
                    out = tmp_path / f"{recipe}_{device}_{repeat}"
                    ours[recipe, device] = max(ours.get((recipe, device), 0.0), bench_ours(recipe, tmp_path / "data", out, device, args.warmup, args.iters))
                    if args.reference and recipe in ("pix2pix", "cyclegan") and device == "cpu" and refs.get(recipe) != "failed":
                        try:
                            ref = bench_reference(args.reference.resolve(), recipe, tmp_path / "data", tmp_path / f"ref_{recipe}_{repeat}",
                                                  args.warmup, args.iters)
                            refs[recipe] = f"{max(ref, float(refs.get(recipe, 0))):.3f}"
                        except (RuntimeError, subprocess.TimeoutExpired) as exc:
                            refs[recipe] = "failed"
                            print(f"  reference {recipe}: {exc}", file=sys.stderr)
        print(f"{'recipe':<20} {'device':<6} {'it/s':>8}  {'reference it/s':>14}  {'ratio':>6}  config")
        for (recipe, device), speed in ours.items():
            ref_text = refs.get(recipe, "-") if device == "cpu" else "-"
            ratio_text = f"{speed / float(ref_text):.2f}" if ref_text not in ("-", "failed") else "-"
            print(f"{recipe:<20} {device:<6} {speed:>8.3f}  {ref_text:>14}  {ratio_text:>6}  {' '.join(CONFIGS[recipe][1])}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
