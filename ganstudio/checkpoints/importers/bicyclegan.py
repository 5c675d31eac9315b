"""Import junyanz/BicycleGAN ``latest_net_G.pth`` (the U-Net) and ``latest_net_E.pth`` (the encoder).

G_Unet_add_all (every published model): each level holds ``down``,
``submodule`` and ``up``, so its keys (``model.down.0.weight``,
``model.submodule.down.1.weight``...) are BicycleGAN's alone. The outermost
down conv takes input_nc + nz channels, the next level's takes ngf + nz, which
gives nz; a 4x4 transposed conv at ``up.1`` is the "basic" up-sampling, a 3x3
conv at ``up.3`` the "bilinear" one. BatchNorm leaves weights; InstanceNorm
and no norm leave nothing and no moved index, so the norm is instance (every
published config) unless batch weights are there; the non-linearity (relu by
default) and dropout leave no weights either.

G_Unet_add_input nests like pix2pix's U-Net (``model.model.1.model...``): such a
file is taken for BicycleGAN when its convs carry biases beside BatchNorm or
its levels nest without a norm slot (pix2pix's never do), or when the caller
asks for ``arch="bicyclegan_unet"``; with instance norm it reads like a pix2pix
file and the pix2pix importer takes it unless asked.

E_ResNet: ``conv.0`` (4x4), residual blocks ``conv.1..`` with a ``shortcut``,
``fc``/``fcVar`` linear heads; the index of a block's first 3x3 conv tells
batch (0 is the norm's weight, conv at 2), instance (conv at 2, no weight at 0)
and none (conv at 1).

The published models (download_model.sh: edges2shoes, edges2handbags, night2day,
maps, facades) are all unet_256 + resnet_256, nz 8, ngf = nef = 64, instance
norm, basic up-sampling; a preset hint adds their domains and image size.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from . import ImportMismatch, ImportResult, State
from .junyanz_common import check_against, shape, wants

ARCH = "bicyclegan_unet"
ENCODER_ARCH = "bicyclegan_encoder"


@dataclass(frozen=True)
class BicyclePreset:
    domains: tuple[str, str]  # what the model takes, what it makes (after the script's --direction)
    resolution: int  # the test script's crop size (the input channels, 1 for edges, are read from the weights)


# From the repository's scripts/test_<name>.sh (crop size, direction)
PRESETS: dict[str, BicyclePreset] = {
    "edges2shoes": BicyclePreset(("edges", "shoes"), 256),
    "edges2handbags": BicyclePreset(("edges", "handbags"), 256),
    "night2day": BicyclePreset(("night", "day"), 256),
    "facades": BicyclePreset(("labels", "facades"), 256),  # BtoA: the label image is the input
    "maps": BicyclePreset(("map", "aerial photo"), 512),  # BtoA, map2aerial; its test script runs with --no_encode
}


def find_preset(name: Any) -> tuple[str, BicyclePreset] | None:
    """(name, preset) for a published model's name (case-insensitive; map2aerial is maps), or None."""
    if not isinstance(name, str):
        return None
    key = name.strip().lower().replace("-", "").replace("_", "").replace("map2aerial", "maps")
    return next(((known, preset) for known, preset in PRESETS.items() if known == key), None)


def _preset(hints: Mapping[str, Any]) -> tuple[str, BicyclePreset] | None:
    return find_preset(hints.get("preset"))


def detect(state: State, hints: Mapping[str, Any]) -> ImportResult | None:
    if "model.down.0.weight" in state and "model.submodule.down.1.weight" in state:
        if not wants(hints, ARCH):
            return None
        return _add_all(state, hints)
    if "conv.0.weight" in state and "fc.0.weight" in state and "conv.1.shortcut.1.weight" in state:
        if not wants(hints, ENCODER_ARCH):
            return None
        return encoder_result(state)
    if "model.model.0.weight" in state and "model.model.0.bias" in state and _add_input_wanted(state, hints):
        return _add_input(state, hints)
    return None


def _meta(num_downs: int, hints: Mapping[str, Any], assumed: list[str]) -> dict[str, Any]:
    meta: dict[str, Any] = {"netG": f"unet_{2 ** num_downs}", "resolution": hints.get("resolution", 2**num_downs), "assumed": assumed}
    found = _preset(hints)
    if found is not None:
        name, preset = found
        meta["resolution"] = hints.get("resolution", preset.resolution)
        meta["provenance"] = {"preset": name, "domains": {"A": preset.domains[0], "B": preset.domains[1]}}
    return meta


def _up(state: State, prefix: str) -> tuple[str, int]:
    """("basic" | "bilinear", output channels) of a level's up path."""
    key = f"{prefix}up.1.weight"
    if key in state:
        return "basic", shape(state, key, 4)[1]
    key = f"{prefix}up.3.weight"
    if key in state:
        return "bilinear", shape(state, key, 4)[0]
    raise ImportMismatch(f"{prefix}up has neither a transposed conv at 1 nor a conv at 3")


def _add_all(state: State, hints: Mapping[str, Any]) -> ImportResult:
    levels = ["model."]
    while f"{levels[-1]}submodule.down.1.weight" in state:
        levels.append(levels[-1] + "submodule.")
    num_downs = len(levels)
    if num_downs < 6:
        raise ImportMismatch(f"BicycleGAN U-Net with only {num_downs} levels found (at least 6)")
    ngf, outer_in, kh, kw = shape(state, "model.down.0.weight", 4)
    if (kh, kw) != (4, 4):
        raise ImportMismatch(f"model.down.0.weight has a {kh}x{kw} kernel; the BicycleGAN U-Net uses 4x4")
    nz = shape(state, "model.submodule.down.1.weight", 4)[1] - ngf
    if nz < 0 or outer_in - nz < 1:
        raise ImportMismatch(f"model.submodule.down.1.weight takes {nz + ngf} channels, fewer than ngf {ngf}")
    upsample, output_nc = _up(state, "model.")
    norm = "batch" if "model.submodule.down.2.weight" in state else "instance"
    assumed = [k for k in ("nl", "use_dropout") if k not in hints] + ([] if norm == "batch" else ["norm"])
    config = dict(input_nc=outer_in - nz, output_nc=output_nc, nz=nz, num_downs=num_downs, ngf=ngf, norm=norm, nl=str(hints.get("nl", "relu")),
                  upsample=upsample, use_dropout=bool(hints.get("use_dropout", True)), where_add="all")
    state = _with_counters(state, norm)
    check_against(ARCH, config, state, "BicycleGAN U-Net")
    return ImportResult(arch=ARCH, config=config, state=state, meta=_meta(num_downs, hints, assumed))


def _add_input_wanted(state: State, hints: Mapping[str, Any]) -> bool:
    if hints.get("arch") == ARCH:
        return True
    # pix2pix's convs feeding a BatchNorm have no bias, and its 'none' keeps an empty slot (the inner level at 3);
    # BicycleGAN's convs always have biases and no norm leaves no slot (the inner level at 2)
    if hints.get("arch") is not None or "model.model.1.model.1.bias" not in state:
        return False
    return "model.model.1.model.2.weight" in state or "model.model.1.model.2.model.1.weight" in state


def _add_input(state: State, hints: Mapping[str, Any]) -> ImportResult:
    # a middle level's inner level sits after its norm: at 3, or at 2 without a norm
    inner = 3 if "model.model.1.model.3.model.1.weight" in state else 2
    levels = ["model.model.", "model.model.1.model."]
    if "model.model.1.model.1.weight" not in state:
        raise ImportMismatch("missing model.model.1.model.1.weight")
    while f"{levels[-1]}{inner}.model.1.weight" in state:
        levels.append(f"{levels[-1]}{inner}.model.")
    num_downs = len(levels)
    if num_downs < 5:
        raise ImportMismatch(f"BicycleGAN U-Net with only {num_downs} levels found (at least 5)")
    ngf, outer_in = shape(state, "model.model.0.weight", 4)[:2]
    basic = "model.model.3.weight" in state and tuple(state["model.model.3.weight"].shape[2:]) == (4, 4)
    output_nc = shape(state, "model.model.3.weight", 4)[1] if basic else shape(state, "model.model.5.weight", 4)[0]
    # the image and z share the first conv: nz 8 (every published config) when that leaves 1 or 3 image channels
    nz = 8 if outer_in - 8 in (1, 3) else max(0, outer_in - 3)
    norm = "batch" if "model.model.1.model.2.weight" in state else ("instance" if inner == 3 else "none")
    config = dict(input_nc=outer_in - nz, output_nc=output_nc, nz=nz, num_downs=num_downs, ngf=ngf, norm=norm, nl=str(hints.get("nl", "relu")),
                  upsample="basic" if basic else "bilinear", use_dropout=bool(hints.get("use_dropout", True)), where_add="input")
    state = _with_counters(state, norm)
    check_against(ARCH, config, state, "BicycleGAN U-Net (z at the input)")
    return ImportResult(arch=ARCH, config=config, state=state, meta=_meta(num_downs, hints, ["nz", *(k for k in ("nl", "use_dropout") if k not in hints)]))


def encoder_result(state: State) -> ImportResult:
    """The ImportResult of an E_ResNet state (raises ImportMismatch when it does not fit)."""
    nef, input_nc, kh, kw = shape(state, "conv.0.weight", 4)
    if (kh, kw) != (4, 4):
        raise ImportMismatch(f"conv.0.weight has a {kh}x{kw} kernel; the BicycleGAN encoder uses 4x4")
    n_blocks = 1
    while f"conv.{n_blocks}.shortcut.1.weight" in state:
        n_blocks += 1
    if "conv.1.conv.0.weight" in state:
        norm = "batch"
    elif "conv.1.conv.2.weight" in state:
        norm = "instance"
    else:
        norm = "none"
    nz = shape(state, "fc.0.weight", 2)[0]
    config = dict(input_nc=input_nc, nz=nz, nef=nef, n_blocks=n_blocks, norm=norm, vae_like="fcVar.0.weight" in state)
    state = _with_counters(state, norm)
    check_against(ENCODER_ARCH, config, state, "BicycleGAN encoder")
    return ImportResult(arch=ENCODER_ARCH, config=config, state=state, meta={"netE": f"resnet_{8 * 2 ** n_blocks}", "resolution": 8 * 2**n_blocks})


def _with_counters(state: State, norm: str) -> dict[str, Any]:
    """Old BatchNorm files have no num_batches_tracked; newer torch expects one (it never affects eval)."""
    import torch

    cleaned = dict(state)
    if norm == "batch":
        for key in list(state):
            if key.endswith(".running_mean"):
                cleaned.setdefault(key[: -len("running_mean")] + "num_batches_tracked", torch.tensor(0, dtype=torch.long))
    return cleaned
