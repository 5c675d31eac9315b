"""Import StarGAN ``{iter}-G.ckpt`` / ``{iter}-D.ckpt`` files (yunjey/stargan).

Generator: ``main.0`` is a bias-free 7x7 conv from 3 + c_dim channels to
conv_dim; residual blocks ``main.{9+i}.main.*`` count repeat_num. Its
InstanceNorm layers carry running statistics (never used by the official test;
missing ones are filled in). Discriminator: ``main.{0,2,...}`` 4x4 convs with
bias, ``conv1`` (source) and ``conv2`` (classes), whose kernel is
image_size / 2**repeat_num.
"""
from __future__ import annotations

from typing import Any, Mapping

import torch

from . import ImportMismatch, ImportResult, State
from .junyanz_common import check_against, wants

ARCH_G = "stargan"
ARCH_D = "stargan_discriminator"
FIRST_BLOCK = 9

# The attributes of the official CelebA model (solver default selected_attrs).
CELEBA_ATTRIBUTES = ["Black_Hair", "Blond_Hair", "Brown_Hair", "Male", "Young"]
# The official RaFD model's classes: its expression folders in sorted order.
RAFD_EXPRESSIONS = ["angry", "contemptuous", "disgusted", "fearful", "happy", "neutral", "sad", "surprised"]


def attributes_for(c_dim: int, hints: Mapping[str, Any]) -> list[str]:
    given = hints.get("attributes")
    if given is not None:
        names = [str(name) for name in given]
        if len(names) != c_dim:
            raise ImportMismatch(f"{len(names)} attribute names given but the network has c_dim={c_dim}")
        return names
    if c_dim == len(CELEBA_ATTRIBUTES):
        return list(CELEBA_ATTRIBUTES)
    if c_dim == len(RAFD_EXPRESSIONS):
        return list(RAFD_EXPRESSIONS)
    return [f"attribute_{i}" for i in range(c_dim)]


def _fill_running_stats(state: State) -> dict[str, torch.Tensor]:
    """Add default InstanceNorm buffers where a file lacks them (they never change outputs)."""
    filled = dict(state)
    for key, value in state.items():
        if key.endswith(".weight") and value.ndim == 1:
            slot = key[: -len(".weight")]
            filled.setdefault(f"{slot}.running_mean", torch.zeros_like(value))
            filled.setdefault(f"{slot}.running_var", torch.ones_like(value))
            filled.setdefault(f"{slot}.num_batches_tracked", torch.tensor(0, dtype=torch.long))
    return filled


def _resolution(hints: Mapping[str, Any], default: int) -> int:
    return int(hints.get("resolution") or hints.get("image_size") or default)


def _detect_generator(state: State, hints: Mapping[str, Any]) -> ImportResult:
    conv_dim, in_channels = state["main.0.weight"].shape[:2]
    c_dim = int(in_channels) - 3
    if c_dim < 1:
        raise ImportMismatch(f"main.0 takes {in_channels} channels; a StarGAN generator takes 3 + c_dim")
    repeat_num = 0
    while f"main.{FIRST_BLOCK + repeat_num}.main.0.weight" in state:
        repeat_num += 1
    config = dict(conv_dim=int(conv_dim), c_dim=c_dim, repeat_num=repeat_num)
    filled = _fill_running_stats(state)
    check_against(ARCH_G, config, filled, "StarGAN generator")
    meta = {"attributes": attributes_for(c_dim, hints), "resolution": _resolution(hints, 128)}
    return ImportResult(arch=ARCH_G, config=config, state=filled, meta=meta)


def _detect_discriminator(state: State, hints: Mapping[str, Any]) -> ImportResult:
    conv_dim = int(state["main.0.weight"].shape[0])
    repeat_num = 0
    while f"main.{2 * repeat_num}.weight" in state:
        repeat_num += 1
    c_dim, _, kernel, _ = state["conv2.weight"].shape
    image_size = int(kernel) * 2**repeat_num
    wanted = hints.get("image_size") or hints.get("resolution")
    if wanted is not None:
        if int(wanted) // 2**repeat_num != kernel:
            raise ImportMismatch(f"image_size {wanted} does not fit conv2's {kernel}x{kernel} kernel with repeat_num={repeat_num}")
        image_size = int(wanted)
    config = dict(image_size=image_size, conv_dim=conv_dim, c_dim=int(c_dim), repeat_num=repeat_num)
    check_against(ARCH_D, config, state, "StarGAN discriminator")
    meta = {"attributes": attributes_for(int(c_dim), hints), "resolution": image_size}
    return ImportResult(arch=ARCH_D, config=config, state=dict(state), meta=meta)


def detect(state: State, hints: Mapping[str, Any]) -> ImportResult | None:
    first = state.get("main.0.weight")
    if first is None or first.ndim != 4:
        return None
    if tuple(first.shape[2:]) == (7, 7) and "main.0.bias" not in state and wants(hints, ARCH_G):
        return _detect_generator(state, hints)
    if "conv1.weight" in state and "conv2.weight" in state and state["conv2.weight"].ndim == 4 and wants(hints, ARCH_D):
        return _detect_discriminator(state, hints)
    return None
