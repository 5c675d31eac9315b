"""Import CycleGAN ``latest_net_G.pth`` files holding a junyanz ResnetGenerator.

Layout of ``model``: 0 pad, 1 conv7, 2 norm, 3 ReLU, 4/7 stride-2 convs with
norms at 5/8, residual blocks from index 10, then transposed convs, and the
7x7 output conv at index 17 + n_blocks. Inside a block the first conv is at
1 (reflect/replicate padding) or 0 (zero padding); with dropout the second conv
moves one index up. The published CycleGAN files carry stale InstanceNorm
buffers; they are dropped here as the reference test does.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from . import ImportMismatch, ImportResult, State
from .junyanz_common import check_against, clean_norm_buffers, norm_at, shape, wants

ARCH = "cyclegan_resnet"
FIRST_BLOCK = 10
BLOCK_KEY = re.compile(r"model\.(\d{1,6})\.conv_block\.")


def _block_count(state: State) -> int:
    """Residual blocks at consecutive indices from FIRST_BLOCK (one pass over the keys)."""
    found = {int(m.group(1)) for key in state if (m := BLOCK_KEY.match(key))}
    count = 0
    while FIRST_BLOCK + count in found:
        count += 1
    return count


def _block_layout(state: State, n_blocks: int) -> tuple[str, bool]:
    """(padding type, use_dropout) read from the first residual block."""
    if n_blocks == 0:
        return "reflect", False
    block = f"model.{FIRST_BLOCK}.conv_block."
    first = 1 if f"{block}1.weight" in state and state[f"{block}1.weight"].ndim == 4 else 0
    padding = "reflect" if first == 1 else "zero"
    # second conv: pad? conv norm ReLU [Dropout] pad? conv
    plain_second = first + 3 + first
    if f"{block}{plain_second}.weight" in state and state[f"{block}{plain_second}.weight"].ndim == 4:
        return padding, False
    if f"{block}{plain_second + 1}.weight" in state:
        return padding, True
    raise ImportMismatch(f"cannot find the second convolution of residual block {FIRST_BLOCK}")


def detect(state: State, hints: Mapping[str, Any]) -> ImportResult | None:
    first = state.get("model.1.weight")
    if first is None or first.ndim != 4 or tuple(first.shape[2:]) != (7, 7) or not wants(hints, ARCH):
        return None
    if any(key.startswith("model.model.") for key in state):
        return None
    ngf, input_nc = first.shape[0], first.shape[1]
    norm = norm_at(state, "model.2", "model.1")
    n_blocks = _block_count(state)
    padding, use_dropout = _block_layout(state, n_blocks)
    if padding == "reflect" and hints.get("padding_type") in ("reflect", "replicate"):
        padding = hints["padding_type"]  # the two leave the same keys
    output_nc = shape(state, f"model.{17 + n_blocks}.weight", 4)[0]
    cleaned, dropped = clean_norm_buffers(state, norm)
    config = dict(
        input_nc=int(input_nc), output_nc=int(output_nc), ngf=int(ngf), norm=norm, use_dropout=use_dropout,
        n_blocks=n_blocks, padding_type=padding,
    )
    check_against(ARCH, config, cleaned, "CycleGAN ResNet generator")
    meta: dict[str, Any] = {"resolution": hints.get("resolution", 256), "netG": f"resnet_{n_blocks}blocks"}
    if dropped:
        meta["dropped_keys"] = dropped
    return ImportResult(arch=ARCH, config=config, state=cleaned, meta=meta)
