"""ZPdesu/SEAN checkpoints: latest_net_G.pth with ACE blocks and the Zencoder style encoder.

Detected: ngf, semantic channels, the number of per-class style layers
(fc_mu0..fc_mu{n-1}; 19 in the official model whatever the class count), the
style width, the inner SPADE's kernel and norm, spectral norm. Crop size,
aspect ratio and 'normal' vs 'more' come from hints or the preset.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from . import ImportMismatch, ImportResult, State
from .spade import (
    has_prefix,
    shape_of,
    check_latent,
    conv_weight_key,
    geometry,
    labels_meta,
    norm_settings,
    resolve_preset,
    semantic_split,
)

ARCH = "sean"
MODES = ("normal", "more")
UPSAMPLINGS = {"normal": 5, "more": 6}


def detect(state: State, hints: Mapping[str, Any]) -> ImportResult | None:
    wanted = hints.get("arch")
    if wanted not in (None, ARCH):
        return None
    if "head_0.ace_0.Spade.mlp_shared.0.weight" not in state and not has_prefix(state, "Zencoder.model."):
        return None
    if has_prefix(state, "up_4."):
        raise ImportMismatch("SEAN weights with an up_4 block ('most' upsampling) cannot be used: the reference generator never runs that block")

    weight_key, spectral = conv_weight_key(state, "head_0.conv_0")
    ngf = shape_of(state, weight_key)[0] // 16
    semantic_nc = shape_of(state, "head_0.ace_0.Spade.mlp_shared.0.weight")[1]
    fc = shape_of(state, "fc.weight")
    if len(fc) != 4 or fc[1] != semantic_nc:
        raise ImportMismatch(f"fc weight {fc} does not fit {semantic_nc} semantic channels")
    norm_type, kernel = norm_settings(state, "head_0.ace_0.Spade")
    style_layers = sorted(int(m.group(1)) for key in state if (m := re.fullmatch(r"head_0\.ace_0\.fc_mu(\d+)\.weight", key)))
    if not style_layers or style_layers != list(range(len(style_layers))):
        raise ImportMismatch("the ACE blocks' per-class style layers fc_mu0, fc_mu1, ... are missing or not contiguous")
    num_style_classes = len(style_layers)
    style_dim = shape_of(state, "head_0.ace_0.fc_mu0.weight")[0]
    if num_style_classes < semantic_nc:
        raise ImportMismatch(f"{semantic_nc} semantic channels but only {num_style_classes} per-class style layers")
    zencoder_out = shape_of(state, "Zencoder.model.14.weight")[0]
    if zencoder_out != style_dim:
        raise ImportMismatch(f"the style encoder makes {zencoder_out}-d codes but the ACE layers take {style_dim}")

    preset, _ = resolve_preset(hints, semantic_nc, "SEAN")
    split = semantic_split(hints, semantic_nc, preset)
    geom = geometry(hints, preset, MODES, up_4=False)
    config: dict[str, Any] = dict(
        **split, ngf=ngf, **geom, spectral_norm=spectral, param_free_norm_type=norm_type,
        spade_kernel_size=kernel, num_style_classes=num_style_classes, style_dim=style_dim,
        spade_hidden=shape_of(state, "head_0.ace_0.Spade.mlp_shared.0.weight")[0],
    )
    sh, sw = check_latent(config)
    scale = 2 ** UPSAMPLINGS[config["num_upsampling_layers"]]
    meta = {"resolution": [sh * scale, sw * scale], **labels_meta(preset)}
    return ImportResult(ARCH, config, dict(state), meta)
