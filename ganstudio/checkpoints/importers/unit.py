"""Import mingyuliutw/UNIT ``gen_XXXXXXXX.pt`` files: {'a': VAEGen state, 'b': VAEGen state}.

Read from the weights: input channels and width (the encoder's 7x7 conv),
downsamplings (its stride-2 4x4 convs), residual blocks and PReLU; padding and
other activations from hints `padding_type` / `activ` or a `preset`, else the
published relu / reflect. Old files' InstanceNorm buffers are dropped.
"""
from __future__ import annotations

from typing import Any, Mapping

from . import ImportResult, State
from .junyanz_common import wants
from .two_domain import assemble, clean, consecutive, layout_hints, preset, split, tensor

ARCH = "unit"
MARKER = "enc.model.0.conv.weight"
WHAT = "UNIT generator (VAEGen)"


def _config(state: State, hints: Mapping[str, Any], chosen) -> dict[str, Any]:
    first = tensor(state, MARKER, 4)
    n_downsample = consecutive(state, "enc.model.{}.conv.weight", 1, lambda t: t.ndim == 4 and tuple(t.shape[2:]) == (4, 4))
    n_res = consecutive(state, "enc.model." + str(n_downsample + 1) + ".model.{}.model.0.conv.weight", 0)
    return dict(input_dim=int(first.shape[1]), dim=int(first.shape[0]), n_downsample=n_downsample, n_res=n_res,
                **layout_hints(state, "enc", hints, chosen))


def detect(state: State, hints: Mapping[str, Any]) -> ImportResult | None:
    sides = split(state, MARKER)
    if sides is None or not wants(hints, ARCH) or not any(k.startswith(("dec.model.", "a.dec.model.")) for k in state):
        return None
    chosen = preset(hints, ARCH)
    read = {}
    for side, sub in sides.items():
        config = _config(sub, hints, chosen)
        cleaned, dropped = clean(ARCH, config, sub, WHAT + (f" (domain {side.upper()})" if side else ""))
        read[side] = (config, cleaned, dropped)
    return assemble(ARCH, read, hints, chosen, "mingyuliutw/UNIT")
