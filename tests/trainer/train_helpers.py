"""Tiny synthetic datasets and argument helpers for the trainer tests."""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

PALETTE = [{"name": "sky", "color": [90, 160, 230]}, {"name": "grass", "color": [60, 170, 60]}, {"name": "rock", "color": [120, 110, 100]}]


def _scene(rng: np.random.RandomState, size: int) -> tuple[np.ndarray, np.ndarray]:
    """A label map of horizontal bands and a photo coloured by it, with noise."""
    labels = np.zeros((size, size), dtype=np.uint8)
    cut1, cut2 = sorted(rng.randint(4, size - 4, size=2))
    labels[cut1:] = 1
    labels[cut2:, : rng.randint(4, size)] = 2
    colors = np.array([p["color"] for p in PALETTE], dtype=np.float32)
    photo = colors[labels] + rng.randn(size, size, 3) * 12
    return labels, np.clip(photo, 0, 255).astype(np.uint8)


def make_labelmap_data(root: Path, count: int = 4, size: int = 40) -> Path:
    rng = np.random.RandomState(1)
    (root / "labels").mkdir(parents=True)
    (root / "images").mkdir()
    for i in range(count):
        labels, photo = _scene(rng, size)
        Image.fromarray(labels, mode="L").save(root / "labels" / f"{i:05d}.png")
        Image.fromarray(photo).save(root / "images" / f"{i:05d}.png")
    (root / "palette.json").write_text(json.dumps(PALETTE))
    return root


def make_paired_data(root: Path, count: int = 4, size: int = 32) -> Path:
    """Side-by-side A|B images: A a label-coloured layout, B the photo."""
    rng = np.random.RandomState(2)
    root.mkdir(parents=True)
    colors = np.array([p["color"] for p in PALETTE], dtype=np.uint8)
    for i in range(count):
        labels, photo = _scene(rng, size)
        Image.fromarray(np.concatenate([colors[labels], photo], 1)).save(root / f"{i}.png")
    return root


def make_unpaired_data(root: Path, count: int = 4, size: int = 32) -> Path:
    rng = np.random.RandomState(3)
    for domain, tint in (("trainA", (1.0, 0.8, 0.6)), ("trainB", (0.6, 0.8, 1.0))):
        (root / domain).mkdir(parents=True)
        for i in range(count):
            _, photo = _scene(rng, size)
            Image.fromarray((photo * np.array(tint)).astype(np.uint8)).save(root / domain / f"{i}.png")
    return root


def make_face_data(root: Path, count: int = 4, size: int = 32) -> Path:
    rng = np.random.RandomState(4)
    (root / "images").mkdir(parents=True)
    names = ["Black_Hair", "Blond_Hair", "Brown_Hair", "Male", "Young", "Smiling"]
    lines = [str(count), " ".join(names)]
    for i in range(count):
        image = (rng.rand(size, size, 3) * 255).astype(np.uint8)
        Image.fromarray(image).save(root / "images" / f"{i:06d}.png")
        hair = i % 3
        values = [1 if h == hair else -1 for h in range(3)] + [int(rng.choice([-1, 1])) for _ in range(3)]
        lines.append(f"{i:06d}.png " + " ".join(str(v) for v in values))
    (root / "list_attr.txt").write_text("\n".join(lines) + "\n")
    return root


def make_image_folder(root: Path, count: int = 4, size: int = 32) -> Path:
    rng = np.random.RandomState(5)
    root.mkdir(parents=True)
    for i in range(count):
        _, photo = _scene(rng, size)
        Image.fromarray(photo).save(root / f"{i}.png")
    return root


def parse(recipe: str, argv: list[str]) -> argparse.Namespace:
    import importlib

    module = importlib.import_module(f"trainer.recipes.{recipe}")
    parser = argparse.ArgumentParser(prog=f"ganstudio-train {recipe}")
    module.add_arguments(parser)
    return parser.parse_args(argv)





# Per recipe: the data kind and options for a network small enough to train in a blink.
TINY = {
    "pix2pix": ("paired", ["--ngf", "4", "--ndf", "4"]),
    "cyclegan": ("unpaired", ["--ngf", "4", "--ndf", "4", "--n-blocks", "1", "--pool-size", "3"]),
    "stargan": ("faces", ["--g-conv-dim", "4", "--d-conv-dim", "4", "--g-repeat", "1", "--n-critic", "2"]),
    "spade": ("labelmap", ["--ngf", "2", "--ndf", "4", "--n-layers-d", "2", "--use-vae", "--z-dim", "8"]),
    "sean": ("labelmap", ["--ngf", "2", "--ndf", "4", "--n-layers-d", "2", "--style-dim", "8"]),
    "oasis": ("labelmap", ["--channels-g", "2", "--spade-hidden", "8", "--z-dim", "4", "--channels-d", "2", "--num-res-blocks-d", "3",
                           "--bn-batches", "2"]),
    "stylegan2": ("folder", ["--z-dim", "8", "--w-dim", "8", "--map-layers", "2", "--channel-base", "128", "--channel-max", "8",
                             "--d-reg-interval", "2", "--g-reg-interval", "2"]),
}
# Recipes whose own test files cover resume/torchrun/export: tiny options for the tests that go over every
# recipe's hooks (--diffaugment, --eval-every) without repeating those runs.
MORE_TINY = {
    "munit": ("unpaired", ["--dim", "2", "--n-res", "1", "--mlp-dim", "4", "--style-dim", "3", "--dis-dim", "2", "--dis-n-layer", "2",
                           "--dis-scales", "2"]),
    "unit": ("unpaired", ["--dim", "2", "--n-res", "1", "--dis-dim", "2", "--dis-n-layer", "2", "--dis-scales", "2"]),
    "bicyclegan": ("paired", ["--resolution", "64", "--ngf", "2", "--nef", "2", "--ndf", "2", "--nz", "4"]),
}
EVERY_TINY = {**TINY, **MORE_TINY}


def recipe_class(recipe: str):
    import importlib

    module = importlib.import_module(f"trainer.recipes.{recipe}")
    return next(v for v in vars(module).values() if isinstance(v, type) and getattr(v, "name", None) == recipe and v.__module__ == module.__name__)


def tiny_args(recipe: str, data: Path, out: Path, *extra: str, iters: int = 4) -> argparse.Namespace:
    options = EVERY_TINY[recipe][1]
    return parse(recipe, ["--data", str(data), "--out", str(out), "--resolution", "32", "--batch", "2", "--iters", str(iters),
                          "--sample-every", "0", "--no-progress", "--seed", "3", *options, *extra])


def distributed_args(recipe: str, data_root: Path, out: Path, *extra: str, iters: int = 4) -> argparse.Namespace:
    """tiny_args with the recipe's kind of data under `data_root` (one folder per kind, see TINY)."""
    return tiny_args(recipe, data_root / EVERY_TINY[recipe][0], out, *extra, iters=iters)


ROOT = Path(__file__).resolve().parents[2]
DISTRIBUTED_ITERS = 3


def train_on_two_processes(builder: str, data: Path, out: Path, recipes: list[str]) -> tuple[dict, dict]:
    """Train `recipes` under torchrun on two gloo CPU processes (tests/trainer/ddp_worker.py), arguments from
    `builder` ("test_module:function", see the worker); each rank's final states, per recipe."""
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               str(Path(__file__).with_name("ddp_worker.py")), str(data), str(out), builder, *recipes]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    rank0, rank1 = (torch.load(out / f"rank{r}.pt", weights_only=True) for r in (0, 1))
    return rank0, rank1


def assert_replicas_identical(rank0: dict, rank1: dict, out: Path) -> None:
    """Every recipe ran on 2 processes whose weights and buffers ended equal; one writer made its log and export."""
    for recipe, nets in rank0.items():
        assert nets["world_size"] == 2
        for net, state in nets.items():
            if net != "world_size":
                for key, value in state.items():
                    assert torch.equal(value, rank1[recipe][net][key]), f"{recipe}: {net}.{key} differs between ranks"
        assert (out / recipe / f"{recipe}.safetensors").is_file()
        assert len((out / recipe / "losses.csv").read_text().splitlines()) == 1 + DISTRIBUTED_ITERS  # header + iterations
