"""Train the default models that ship in `resources/models/`, resumably.

    python -m trainer.defaults [--only NAME ...] [--jobs 2] [--minutes M] [--export-only]

Each default is one `ganstudio-train` run on synthetic data rendered with a fixed
seed. Runs live in `--work` (default: the user cache, `~/.cache/ganstudio/defaults/runs`
on Linux, so that they survive fresh clones); a run that was stopped
(Ctrl+C, `--minutes`, a kill) continues from its last checkpoint the next time,
and a model whose shipped file already has all its iterations is skipped. On
Ctrl+C or `--minutes` every run checkpoints and what it has so far is stored. The
exported file is stored in float16 under `--dest`, and `--work/NAME/train.json`
records the command, wall time and device for docs/models.md.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from trainer.export import find_export

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(platformdirs.user_cache_dir("ganstudio")) / "defaults"
WORK_DIR = CACHE / "runs"
DATA_DIR = CACHE / "data"


@dataclass(frozen=True)
class Dataset:
    kind: str  # make-data generator
    size: int
    n: int
    seed: int
    extra: tuple[str, ...] = ()
    season: str | None = None  # every photo in this season / time of day (None: random per image)
    time_of_day: str | None = None

    @property
    def folder(self) -> str:
        fixed = "".join(f"-{v}" for v in (self.season, self.time_of_day) if v)
        return f"{self.kind}{self.size}-n{self.n}-s{self.seed}{fixed}"

    def command(self, out: Path) -> list[str]:
        fixed = [a for flag, v in (("--season", self.season), ("--time-of-day", self.time_of_day)) if v for a in (flag, v)]
        return [sys.executable, "-m", "trainer.cli", "make-data", self.kind, str(out), "--n", str(self.n), "--size", str(self.size), "--seed", str(self.seed), "--quiet", *fixed, *self.extra]


LANDSCAPES = Dataset("landscapes", 128, 3000, 1, ("--cyclegan-n", "1500"))
# pix2pix maps a label map to one photo; with a random season and time of day per
# training photo the best it can learn is every class's average colour (it matched
# the class-mean baseline when trained on LANDSCAPES), so it learns one look.
SUMMER_DAY_LANDSCAPES = Dataset("landscapes", 128, 3000, 3, ("--cyclegan-n", "0"), season="summer", time_of_day="day")
FACES = Dataset("faces", 64, 4000, 2)
# Captioned landscapes for the text-to-image models (captions.json beside images/), rendered at their 64 px
# Trees (A) and rocks (B) with their instance masks, for InstaGAN (trainer/synthetic/instances.py)
INSTANCE_LANDSCAPES = Dataset("instances", 64, 1500, 0)
CAPTIONED_LANDSCAPES = Dataset("landscapes", 64, 8000, 1, ("--cyclegan-n", "0", "--no-pix2pix"))


@dataclass(frozen=True)
class DefaultModel:
    name: str  # file name in resources/models (without .safetensors)
    recipe: str
    dataset: Dataset | None  # None: the run needs no rendered data (the encoder trains on its generator's samples)
    subfolder: str  # inside the dataset folder
    iters: int
    args: tuple[str, ...] = field(default=())
    domains: tuple[str, str] | None = None  # translation models: what A and B are, for the app's direction menu
    # another default this one is trained for (--generator resources/models/<name>.safetensors), trained first
    generator: str | None = None

    def command(self, data_root: Path, out: Path, iters: int) -> list[str]:
        named = ["--domain-a", self.domains[0], "--domain-b", self.domains[1]] if self.domains else []
        inputs = ["--data", str(data_root / self.dataset.folder / self.subfolder)] if self.dataset is not None else []
        if self.generator:
            inputs += ["--generator", f"resources/models/{self.generator}.safetensors"]  # relative: runs start in ROOT
        return [
            sys.executable, "-m", "trainer.cli", self.recipe, *inputs, "--out", str(out),
            "--iters", str(iters), "--resume", "--no-progress", "--seed", "0", *self.args, *named,
        ]


# StyleGAN2 keeps R1 gamma 10: stylegan2-ada's "auto" 0.0002 * resolution**2 / batch (0.1
# here) let D overpower G on these 3000 images without ADA's augmentation (D losses ~0.1,
# G ~4.5, images darkening by 2500 iterations), where 10 stays balanced (D ~0.2-0.4, G ~2).
# Sizes are chosen so that all defaults together stay under BUNDLE_BUDGET_MB in float16
# and each trains in hours on one GPU (or, slowly, on a CPU).
BUNDLE_BUDGET_MB = 100
BUNDLE_BUDGET_REASON = (
    "The budget was 60 MB while the app had 7 families; with 20 families each needing a default that works out of the "
    "box (and companions: encoders, directions) it is 100 MB, still under a tenth of the installed torch. The largest "
    "files (SPADE 13 MB, pix2pix 12 MB, SEAN 11 MB) are the first to shrink if it is reached.")
DEFAULTS: tuple[DefaultModel, ...] = (
    DefaultModel("landscape-spade", "spade", LANDSCAPES, "", 20000, (
        "--resolution", "128", "--ngf", "16", "--spade-hidden", "32", "--ndf", "32", "--n-layers-d", "3", "--batch", "4", "--use-vae", "--z-dim", "64",
        "--no-vgg", "--checkpoint-every", "200", "--sample-every", "500")),
    DefaultModel("landscape-sean", "sean", LANDSCAPES, "", 20000, (
        "--resolution", "128", "--ngf", "12", "--spade-hidden", "32", "--ndf", "32", "--n-layers-d", "3", "--batch", "2", "--style-dim", "32",
        "--no-vgg", "--checkpoint-every", "200", "--sample-every", "500")),
    # OASIS at the SPADE default's size: 16 noise channels instead of the paper's 64 (the
    # noise enters every SPADE norm at full resolution; 64 cost a fifth more per iteration
    # on a CPU), batch 2 (~1 s per iteration on one CPU thread).
    DefaultModel("landscape-oasis", "oasis", LANDSCAPES, "", 20000, (
        "--resolution", "128", "--channels-g", "16", "--spade-hidden", "32", "--z-dim", "16", "--channels-d", "16", "--batch", "2",
        "--checkpoint-every", "200", "--sample-every", "500")),
    DefaultModel("landscape-pix2pix", "pix2pix", SUMMER_DAY_LANDSCAPES, "pix2pix", 20000, (
        "--resolution", "128", "--ngf", "24", "--ndf", "32", "--batch", "4", "--checkpoint-every", "200", "--sample-every", "500"),
        ("label map", "photo")),
    # BicycleGAN on LANDSCAPES, whose photos take a random season and time of day: the style code carries the
    # look pix2pix had to average away. Reference losses and two 2-scale discriminators; G ngf 16 + E nef 32
    # (3.0 M weights, 6 MB in float16), batch 2 (one encoded, one random code), ~0.3 s per iteration on one CPU thread.
    DefaultModel("landscape-bicyclegan", "bicyclegan", LANDSCAPES, "pix2pix", 8000, (
        "--resolution", "128", "--ngf", "16", "--nef", "32", "--ndf", "32", "--batch", "2", "--checkpoint-every", "200",
        "--sample-every", "500"), ("label map", "photo")),
    DefaultModel("summer2winter-cyclegan", "cyclegan", LANDSCAPES, "cyclegan", 30000, (
        "--resolution", "64", "--load-size", "72", "--ngf", "16", "--ndf", "32", "--n-blocks", "6", "--batch", "1",
        "--checkpoint-every", "500", "--sample-every", "1000"), ("summer", "winter")),
    # InstaGAN trees -> rocks at 64 px: ngf 12 with 6 blocks per encoder (G_A + G_B 0.7 M weights, 2.8 MB in float16),
    # two instances per pass, the four largest per image; ~1-2 s per iteration on one busy CPU thread.
    DefaultModel("trees2rocks-instagan", "instagan", INSTANCE_LANDSCAPES, "", 2000, (
        "--resolution", "64", "--load-size", "72", "--ngf", "12", "--ndf", "24", "--n-blocks", "6", "--ins-max", "4",
        "--ins-per", "2", "--batch", "1", "--checkpoint-every", "50", "--sample-every", "250"), ("trees", "rocks")),
    # MUNIT at the CycleGAN default's scale (64 px, width 16) with the published losses and weights; 3 residual blocks,
    # a 64-wide MLP and a two-scale discriminator keep an iteration ~0.4 s on one busy CPU thread.
    DefaultModel("summer2winter-munit", "munit", LANDSCAPES, "cyclegan", 6000, (
        "--resolution", "64", "--dim", "16", "--n-res", "3", "--mlp-dim", "64", "--dis-dim", "16", "--dis-n-layer", "3",
        "--dis-scales", "2", "--batch", "1", "--checkpoint-every", "250", "--sample-every", "500"), ("summer", "winter")),
    DefaultModel("faces-stargan", "stargan", FACES, "", 30000, (
        "--resolution", "64", "--g-conv-dim", "32", "--d-conv-dim", "32", "--g-repeat", "4", "--batch", "16",
        "--checkpoint-every", "200", "--sample-every", "500")),
    DefaultModel("landscape-stylegan2", "stylegan2", LANDSCAPES, "images", 40000, (
        "--resolution", "64", "--z-dim", "128", "--w-dim", "128", "--map-layers", "2", "--channel-base", "4096",
        "--channel-max", "128", "--batch", "8", "--r1-gamma", "10", "--checkpoint-every", "200", "--sample-every", "500")),
    # GAN-INT-CLS (text to image) at 64 px, ngf/ndf 32 (1.4 M generator weights + the text encoder, 2.9 MB in float16); the
    # text encoder trains alone for 200 iterations first. ~1.2 s per iteration (batch 32) on one busy CPU thread; stopped
    # at the 40-minute budget of this machine.
    DefaultModel("landscape-gan-int-cls", "gan_int_cls", CAPTIONED_LANDSCAPES, "", 1363, (
        "--resolution", "64", "--ngf", "32", "--ndf", "32", "--batch", "32", "--text-warmup", "200", "--checkpoint-every", "100",
        "--sample-every", "200")),
    # GigaGAN-style text to image at 64 px: channel_base 1024 / channel_max 32, 4 kernels per conv for the sample-adaptive
    # selection, text cross-attention up to 16 px, a two-scale discriminator; batch 8, ~0.3-0.6 s per iteration on one busy
    # CPU thread (5000 iterations in about 30 min).
    DefaultModel("landscape-gigagan", "gigagan", CAPTIONED_LANDSCAPES, "", 5000, (
        "--resolution", "64", "--channel-base", "1024", "--channel-max", "32", "--num-kernels", "4", "--batch", "8",
        "--text-warmup", "200", "--checkpoint-every", "50", "--sample-every", "200")),
    # LostGAN-v2 at its smallest published size (128 px) with ch 8 (128 channels at 4x4), a 32-wide mask network and
    # 32-d latents: about 1 M generator weights, ~2 MB in float16; boxes are the label maps' connected class regions
    DefaultModel("landscape-lostgan", "lostgan", LANDSCAPES, "", 8000, (
        "--resolution", "128", "--ch", "8", "--ndf", "16", "--z-dim", "32", "--mask-hidden", "32", "--mask-head", "16",
        "--max-objects", "8", "--batch", "4", "--checkpoint-every", "100", "--sample-every", "500")),
    # DCGAN at pytorch/examples' 64 px with half its widths (ngf/ndf 32, z 100): 1.1 M generator weights, 2.2 MB in
    # float16; ~0.9 s per iteration (batch 32) on one busy CPU thread: 2633 iterations in the 40-minute budget.
    DefaultModel("landscape-dcgan", "dcgan", LANDSCAPES, "images", 8000, (
        "--resolution", "64", "--ngf", "32", "--ndf", "32", "--batch", "32", "--checkpoint-every", "200", "--sample-every", "500")),
    # WGAN-GP trains the DCGAN default's generator (same widths) against a batch-norm-free critic with the gradient
    # penalty, 5 critic steps per generator step (Gulrajani et al.); ~0.35 s per iteration (batch 32) on one busy CPU thread.
    DefaultModel("landscape-wgan-gp", "wgan_gp", LANDSCAPES, "images", 8000, (
        "--resolution", "64", "--ngf", "32", "--ndf", "32", "--batch", "32", "--checkpoint-every", "50", "--sample-every", "250")),
    # ProGAN growing 4 -> 64 px (96 channels up to 16 px, 48 at 32, 24 at 64; 0.69 M generator weights, 1.4 MB in
    # float16): a fade-in and a stable phase of 3000 images per scale, so the 64 px fade-in starts after 21000 images
    # (2625 iterations at batch 8); 0.3 s (4 px) to 3 s (64 px) per iteration on one busy CPU thread: 3094 iterations
    # in 50 minutes (40 + 10 to finish the last fade-in). A short EMA half-life: the growing network changes fast.
    DefaultModel("landscape-progan", "progan", LANDSCAPES, "images", 6000, (
        "--resolution", "64", "--z-dim", "128", "--channel-base", "1536", "--channel-max", "96", "--stage-kimg", "3",
        "--ema-kimg", "1", "--batch", "8", "--checkpoint-every", "200", "--sample-every", "500")),
    # The latent explorer's image -> ws encoder for landscape-stylegan2, on the generator's own samples. On a CPU the
    # image loss back through the generator costs most, so only 4 of each 16 targets take it (the ws loss takes all);
    # ~1-2 s per iteration on one busy CPU thread.
    DefaultModel("landscape-stylegan2-encoder", "encoder", None, "", 2000, (
        "--batch", "16", "--image-batch", "4", "--checkpoint-every", "100", "--sample-every", "250"),
        generator="landscape-stylegan2"),
)


def checkpoint_iteration(run: Path) -> int:
    path = run / "checkpoint.pt"
    if not path.exists():
        return 0
    import torch  # only when there is a checkpoint to read

    return int(torch.load(path, map_location="cpu", weights_only=True)["iteration"])


def shipped_iterations(dest: Path) -> int:
    if not dest.exists():
        return -1
    from safetensors import safe_open

    with safe_open(str(dest), framework="np") as handle:
        header = json.loads((handle.metadata() or {}).get("ganstudio", "{}"))
    return int(header.get("provenance", {}).get("iterations", -1))


def stamp_domains(path: Path, domains: tuple[str, str]) -> bool:
    """Record `domains` in a shipped file's provenance, tensors untouched; False if it had them already.

    Only the JSON header is rewritten: the tensor bytes after it are copied as they
    are (their offsets count from the end of the header), so the weights stay
    bit-identical. For files shipped before the trainer recorded domain names.
    """
    import struct

    from ganstudio.atomic import atomic_writer

    raw = path.read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + size])
    meta = header["__metadata__"]
    model = json.loads(meta["ganstudio"])
    provenance = model.setdefault("provenance", {})
    wanted = {"A": domains[0], "B": domains[1]}
    if provenance.get("domains") == wanted:
        return False
    provenance["domains"] = wanted
    meta["ganstudio"] = json.dumps(model)
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)  # safetensors pads its header to 8 bytes with spaces
    with atomic_writer(path) as handle:
        handle.write(struct.pack("<Q", len(encoded)) + encoded)
        handle.write(raw[8 + size:])
    return True


def ensure_data(dataset: Dataset, data_root: Path) -> None:
    target = data_root / dataset.folder
    if (target / "meta.json").exists():
        return
    partial = data_root / (dataset.folder + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    print(f"rendering {dataset.kind} data -> {target}", flush=True)
    subprocess.run(dataset.command(partial), check=True, cwd=ROOT)
    if target.exists():  # an older render without meta.json: incomplete, or made before its generator wrote one
        shutil.rmtree(target)
    partial.rename(target)


def run_stage(model: DefaultModel, args: argparse.Namespace, threads: int) -> subprocess.Popen:
    out = args.work / model.name
    out.mkdir(parents=True, exist_ok=True)
    iters = model.iters if not args.export_only else max(checkpoint_iteration(out), 1)
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    command = model.command(args.data, out, iters)
    log = open(out / "train.log", "a")
    log.write(f"\n$ {' '.join(command)}\n")
    log.flush()
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def finish(model: DefaultModel, args: argparse.Namespace, started: float, wall_before: float) -> None:
    """Store the run's export in float16 under --dest and record how it was made."""
    import torch

    from ganstudio.checkpoints import load_model, save_model

    out = args.work / model.name
    export = find_export(out)  # OUT/<model name>.safetensors, or model.safetensors from runs exported before
    if export is None:
        print(f"{model.name}: no export (the run did not finish); see {out / 'train.log'}", flush=True)
        return
    loaded = load_model(export)
    dest = args.dest / f"{model.name}.safetensors"
    wall = wall_before + (time.time() - started)
    provenance = dict(loaded.meta.get("provenance", {}))
    provenance.update({"default_model": model.name, "wall_time_s": round(wall), "device": device_name(), "target_iterations": model.iters})
    if model.dataset is not None:
        provenance["data_command"] = " ".join(model.dataset.command(Path("DATA"))[1:])
    if model.domains:
        provenance["domains"] = {"A": model.domains[0], "B": model.domains[1]}
    save_model(loaded, dest, dtype=torch.float16, provenance=provenance)
    record = {"name": model.name, "command": shlex.join(model.command(Path("DATA"), Path("RUN"), model.iters)[1:]),
              "iterations": provenance.get("iterations"), "wall_time_s": round(wall), "device": device_name()}
    (out / "train.json").write_text(json.dumps(record, indent=1))
    print(f"{model.name}: {provenance.get('iterations')} iterations -> {dest} ({dest.stat().st_size / 1e6:.1f} MB)", flush=True)


def device_name() -> str:
    import torch

    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    return f"CPU ({os.cpu_count()} cores)"


def previous_wall(run: Path) -> float:
    record = run / "train.json"
    return float(json.loads(record.read_text()).get("wall_time_s", 0)) if record.exists() else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trainer.defaults", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", choices=[m.name for m in DEFAULTS], help="train only these defaults")
    parser.add_argument("--work", type=Path, default=WORK_DIR, help=f"run folders: checkpoints, logs, samples (default {WORK_DIR})")
    parser.add_argument("--data", type=Path, default=DATA_DIR, help=f"where synthetic data is rendered (default {DATA_DIR})")
    parser.add_argument("--dest", type=Path, default=ROOT / "resources" / "models", help="where the float16 models are stored")
    parser.add_argument("--jobs", type=int, default=1, help="runs in parallel (CPU: one per core; the cores are split)")
    parser.add_argument("--threads", type=int, help="torch threads per run (default: the cores split between --jobs)")
    parser.add_argument("--minutes", type=float, help="stop each run after this long (checkpointed; the next call resumes) and ship what it has")
    parser.add_argument("--export-only", action="store_true", help="ship the latest checkpoint of each run without training")
    parser.add_argument("--stamp-domains", action="store_true",
                        help="only add the domain names (summer/winter, label map/photo) to shipped files that lack them; weights untouched")
    args = parser.parse_args(argv)

    chosen = [m for m in DEFAULTS if not args.only or m.name in args.only]
    if args.stamp_domains:
        for model in chosen:
            shipped = args.dest / f"{model.name}.safetensors"
            if model.domains and shipped.exists():
                changed = stamp_domains(shipped, model.domains)
                print(f"{model.name}: {' → '.join(model.domains)}{'' if changed else ' (already there)'}", flush=True)
        return 0
    todo = []
    for model in chosen:
        if shipped_iterations(args.dest / f"{model.name}.safetensors") >= model.iters:
            print(f"{model.name}: complete, skipped", flush=True)
            continue
        todo.append(model)
    if not args.export_only:
        for dataset in {m.dataset for m in todo if m.dataset is not None}:
            ensure_data(dataset, args.data)
    threads = args.threads or max(1, (os.cpu_count() or 1) // max(1, args.jobs))
    pending = list(todo)
    running: list[tuple[DefaultModel, subprocess.Popen, float, float]] = []
    failed: list[str] = []
    try:
        while pending or running:
            while pending and len(running) < max(1, args.jobs):
                # a model trained for another default (an encoder) waits until that one is stored
                busy = {m.name for m in pending} | {m.name for m, *_ in running}
                model = next((m for m in pending if m.generator not in busy), None)
                if model is None:
                    break
                pending.remove(model)
                wall_before = previous_wall(args.work / model.name)
                running.append((model, run_stage(model, args, threads), time.time(), wall_before))
            time.sleep(2)
            for entry in list(running):
                model, proc, started, wall_before = entry
                if args.minutes is not None and proc.poll() is None and time.time() - started > args.minutes * 60:
                    proc.send_signal(signal.SIGINT)  # the trainer checkpoints and stops
                    proc.wait()
                if proc.poll() is None:
                    continue
                running.remove(entry)
                if proc.returncode != 0 and args.minutes is None:
                    failed.append(model.name)
                settle(model, args, threads, started, wall_before)
    except KeyboardInterrupt:
        # Ctrl+C: every run checkpoints (SIGTERM: a second SIGINT would make it stop without one),
        # and what the runs have so far is stored; the next call resumes.
        print("interrupted: checkpointing the runs and storing their models; run again to resume", flush=True)
        for model, proc, started, wall_before in running:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            proc.wait()
            settle(model, args, threads, started, wall_before)
        return 130
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def settle(model: DefaultModel, args: argparse.Namespace, threads: int, started: float, wall_before: float) -> None:
    """After a run stops: export its checkpoint if the run stopped before exporting, then store the model."""
    out = args.work / model.name
    export = find_export(out)
    if checkpoint_iteration(out) > (shipped_iterations(export) if export is not None else -1):
        run_stage(model, argparse.Namespace(**{**vars(args), "export_only": True}), threads).wait()
    finish(model, args, started, wall_before)


if __name__ == "__main__":
    sys.exit(main())
