"""Import pix2pix ``latest_net_G.pth`` files holding a junyanz UnetGenerator.

The U-Net nests one level per halving: the outermost level's Sequential is
``model.model``, each inner level sits at index 1 (under the outermost) or 3
(under a middle level). Counting levels gives num_downs (7: unet_128, 8:
unet_256); the outermost down conv gives ngf and the input channels, its up
conv the output channels. Dropout sits last in a level and moves no index, so
it cannot be read from the weights: it defaults to on, as pix2pix trains.
"""
from __future__ import annotations

from typing import Any, Mapping

from . import ImportMismatch, ImportResult, State
from .junyanz_common import check_against, clean_norm_buffers, norm_at, shape, wants

ARCH = "pix2pix_unet"
OUTER = "model.model."


def _levels(state: State) -> list[str]:
    """Key prefixes of the U-Net levels, outermost first."""
    prefixes = [OUTER]
    prefix = OUTER + "1.model."
    while f"{prefix}1.weight" in state:
        prefixes.append(prefix)
        prefix = prefix + "3.model."
    return prefixes


def detect(state: State, hints: Mapping[str, Any]) -> ImportResult | None:
    if f"{OUTER}0.weight" not in state or not wants(hints, ARCH):
        return None
    levels = _levels(state)
    num_downs = len(levels)
    if num_downs < 5:
        raise ImportMismatch(f"U-Net with only {num_downs} levels found (pix2pix U-Nets have at least 5)")
    ngf, input_nc, kh, kw = shape(state, f"{OUTER}0.weight", 4)
    if (kh, kw) != (4, 4):
        raise ImportMismatch(f"{OUTER}0.weight has a {kh}x{kw} kernel; the pix2pix U-Net uses 4x4")
    output_nc = shape(state, f"{OUTER}3.weight", 4)[1]
    # The level below the outermost is a middle level: conv at 1, norm at 2.
    norm = norm_at(state, f"{levels[1]}2", f"{levels[1]}1")
    cleaned, dropped = clean_norm_buffers(state, norm)
    use_dropout = bool(hints.get("use_dropout", True))
    config = dict(input_nc=input_nc, output_nc=output_nc, num_downs=num_downs, ngf=ngf, norm=norm, use_dropout=use_dropout)
    check_against(ARCH, config, cleaned, "pix2pix U-Net")
    meta: dict[str, Any] = {
        "resolution": hints.get("resolution", 2**num_downs),
        "netG": {7: "unet_128", 8: "unet_256"}.get(num_downs, f"unet_{2**num_downs}"),
        "assumed": [] if "use_dropout" in hints else ["use_dropout"],
    }
    if dropped:
        meta["dropped_keys"] = dropped
    return ImportResult(arch=ARCH, config=config, state=cleaned, meta=meta)
