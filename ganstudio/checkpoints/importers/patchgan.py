"""Import junyanz PatchGAN discriminators (``latest_net_D.pth``).

``model`` holds 4x4 convs at indices 0, 2, 5, 8, ...: the first (with bias,
followed by a LeakyReLU), one [conv, norm, LeakyReLU] triple per layer
(n_layers of them), then the one-channel output conv right after the last
triple. So the convs from index 2 on number n_layers + 1.
"""
from __future__ import annotations

from typing import Any, Mapping

from . import ImportMismatch, ImportResult, State
from .junyanz_common import check_against, clean_norm_buffers, norm_at, wants

ARCH = "patchgan"


def detect(state: State, hints: Mapping[str, Any]) -> ImportResult | None:
    first = state.get("model.0.weight")
    if first is None or first.ndim != 4 or tuple(first.shape[2:]) != (4, 4) or "model.0.bias" not in state:
        return None
    if not wants(hints, ARCH):
        return None
    ndf, input_nc = int(first.shape[0]), int(first.shape[1])
    convs = sorted(int(key.split(".")[1]) for key in state if key.startswith("model.") and key.endswith(".weight") and state[key].ndim == 4)
    triples = [index for index in convs if index >= 2]
    if not triples or triples != [2 + 3 * i for i in range(len(triples))]:
        raise ImportMismatch(f"PatchGAN convolutions at unexpected indices {convs}")
    n_layers = len(triples) - 1  # the last conv is the output conv, not a triple
    if n_layers < 1:
        raise ImportMismatch("PatchGAN with no hidden layers")
    if state[f"model.{triples[-1]}.weight"].shape[0] != 1:
        raise ImportMismatch(f"the last convolution has {state[f'model.{triples[-1]}.weight'].shape[0]} outputs; PatchGAN has 1")
    norm = norm_at(state, "model.3", "model.2")
    cleaned, dropped = clean_norm_buffers(state, norm)
    config = dict(input_nc=input_nc, ndf=ndf, n_layers=n_layers, norm=norm)
    check_against(ARCH, config, cleaned, "PatchGAN discriminator")
    meta: dict[str, Any] = {}
    if hints.get("resolution") is not None:
        meta["resolution"] = hints["resolution"]
    if dropped:
        meta["dropped_keys"] = dropped
    return ImportResult(arch=ARCH, config=config, state=cleaned, meta=meta)
