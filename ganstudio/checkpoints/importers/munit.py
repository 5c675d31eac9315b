"""Import NVlabs/MUNIT ``gen_XXXXXXXX.pt`` files: {'a': AdaINGen state, 'b': AdaINGen state}.

Read from the weights: input channels and width (the content encoder's 7x7
conv), downsamplings (its stride-2 4x4 convs), residual blocks, style length
(the style encoder's last 1x1 conv), MLP width and PReLU. Padding and other
activations leave no trace: hints `padding_type` / `activ`, or a `preset`
(translation_presets), else the published relu / reflect.
"""
from __future__ import annotations

from typing import Any, Mapping

from ganstudio.models.munit import MLP_BLOCKS, STYLE_DOWNSAMPLE

from . import ImportMismatch, ImportResult, State
from .junyanz_common import wants
from .two_domain import assemble, clean, consecutive, layout_hints, preset, split, tensor

ARCH = "munit"
MARKER = "enc_content.model.0.conv.weight"
WHAT = "MUNIT generator (AdaINGen)"


def _config(state: State, hints: Mapping[str, Any], chosen) -> dict[str, Any]:
    first = tensor(state, MARKER, 4)
    dim, input_dim = int(first.shape[0]), int(first.shape[1])
    n_downsample = consecutive(state, "enc_content.model.{}.conv.weight", 1, lambda t: t.ndim == 4 and tuple(t.shape[2:]) == (4, 4))
    n_res = consecutive(state, "enc_content.model." + str(n_downsample + 1) + ".model.{}.model.0.conv.weight", 0)
    style_last = 1 + STYLE_DOWNSAMPLE + 1  # conv7, four stride-2 convs, pooling, then the 1x1 conv
    style_dim = int(tensor(state, f"enc_style.model.{style_last}.weight", 4).shape[0])
    mlp_dim = int(tensor(state, "mlp.model.0.fc.weight", 2).shape[0])
    if f"mlp.model.{MLP_BLOCKS - 1}.fc.weight" not in state or f"mlp.model.{MLP_BLOCKS}.fc.weight" in state:
        raise ImportMismatch(f"looks like a {WHAT} but its MLP does not have the reference's {MLP_BLOCKS} layers")
    return dict(input_dim=input_dim, dim=dim, style_dim=style_dim, n_downsample=n_downsample, n_res=n_res,
                mlp_dim=mlp_dim, **layout_hints(state, "enc_content", hints, chosen))


def detect(state: State, hints: Mapping[str, Any]) -> ImportResult | None:
    sides = split(state, MARKER)
    if sides is None or not wants(hints, ARCH) or not any(k.endswith("enc_style.model.0.conv.weight") for k in state):
        return None
    chosen = preset(hints, ARCH)
    read = {}
    for side, sub in sides.items():
        config = _config(sub, hints, chosen)
        cleaned, dropped = clean(ARCH, config, sub, WHAT + (f" (domain {side.upper()})" if side else ""))
        read[side] = (config, cleaned, dropped)
    return assemble(ARCH, read, hints, chosen, "NVlabs/MUNIT")
