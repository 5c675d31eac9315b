"""Import pSp / e4e checkpoints (and HyperStyle's W-encoder file): a StyleGAN2 plus its image encoder.

omertov/encoder4editing and eladrich/pixel2style2pixel save ``{"state_dict": {"encoder.*",
"decoder.*"}, "opts": vars(options), "latent_avg": [n_styles, 512]}`` (plus training extras);
HyperStyle's ``faces_w_encoder.pt`` has the same layout with its simpler W encoder.
`containers.canonical_state_dict` hands us the ``state_dict`` with ``latent_avg`` beside it,
and the loader passes the file's ``opts.encoder_type`` / ``start_from_latent_avg`` on as
hints (`containers.file_hints`), because the keys of pSp's GradualStyleEncoder and e4e's
Encoder4Editing are the same: only the forward differs.

The decoder is a rosinality/stylegan2-pytorch generator and converts as that importer does
(the main network, arch ``stylegan2``); the encoder keeps its own names (`models/e4e.py`) and
becomes the part ``encoder``, with ``latent_avg`` as its buffer so it returns absolute ws.
A bare encoder state dict (what a native part holds, or an encoder saved alone) is read too.
Every tensor is used as it is in the file: nothing is copied beyond the float32 cast of a
half-precision file.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

import torch

from . import ImportMismatch, ImportResult, State
from . import rosinality_stylegan2 as rosinality
from .stylegan2 import check_against

SOURCE = "pSp / e4e checkpoint"
ARCH_PYRAMID = "psp_encoder"
ARCH_W = "psp_w_encoder"
ENCODER = "encoder."
DECODER = "decoder."
# opts.encoder_type -> (arch, e4e reading): pSp's and e4e's names, and HyperStyle's W encoder
ENCODER_TYPES = {
    "GradualStyleEncoder": (ARCH_PYRAMID, False),
    "Encoder4Editing": (ARCH_PYRAMID, True),
    "BackboneEncoderUsingLastLayerIntoW": (ARCH_W, False),
    "SingleStyleCodeEncoder": (ARCH_W, False),
    "WEncoder": (ARCH_W, False),
}
# without opts (a bare state dict) a pyramid encoder is read as e4e's, the most published one
DEFAULT_PYRAMID_TYPE = "Encoder4Editing"


def _is_encoder(state: Mapping[str, Any], prefix: str) -> bool:
    return f"{prefix}input_layer.0.weight" in state and f"{prefix}body.0.res_layer.1.weight" in state and (
        f"{prefix}styles.0.linear.weight" in state or f"{prefix}linear.weight" in state)


def detect(state: State, hints: Mapping[str, Any]) -> ImportResult | None:
    if _is_encoder(state, ENCODER):
        if f"{DECODER}style.1.weight" not in state:
            raise ImportMismatch("a pSp / e4e encoder without its decoder: the file holds encoder.* but no decoder.*")
        decoder = {k[len(DECODER):]: v for k, v in state.items() if k.startswith(DECODER)}
        result = rosinality.import_generator(decoder, state.get("latent_avg"), hints)
        result.meta["provenance"]["layout"] = "pSp / e4e: decoder.* with encoder.*"
        encoder = {k[len(ENCODER):]: v for k, v in state.items() if k.startswith(ENCODER)}
        w_avg = result.state["mapping.w_avg"]
        config = result.config
        num_ws = 2 * config["img_resolution"].bit_length() - 4
        latent_avg = state.get("latent_avg")
        rows = w_avg[None].expand(num_ws, -1) if latent_avg is None else _latent_rows(latent_avg, num_ws, config["w_dim"])
        result.parts["encoder"] = import_encoder(encoder, rows, hints, num_ws=num_ws, w_dim=config["w_dim"])
        result.meta["provenance"]["encoder"] = result.parts["encoder"].meta["provenance"]
        return result
    if _is_encoder(state, ""):
        latent_avg = state.get("latent_avg")
        encoder = {k: v for k, v in state.items() if k != "latent_avg"}
        return import_encoder(encoder, latent_avg, hints)
    return None


def _latent_rows(latent_avg: Any, num_ws: int, w_dim: int) -> torch.Tensor:
    """latent_avg as [num_ws, w_dim] (the files store it repeated per layer; convert_weight.py's [w_dim] is repeated)."""
    if not isinstance(latent_avg, torch.Tensor) or not latent_avg.is_floating_point():
        raise ImportMismatch("latent_avg is not a floating-point tensor")
    rows = latent_avg.float().reshape(-1, w_dim) if latent_avg.numel() % w_dim == 0 and latent_avg.numel() else None
    if rows is None or rows.shape[0] not in (1, num_ws):
        raise ImportMismatch(f"latent_avg is {tuple(latent_avg.shape)}; the generator has {num_ws} ws of {w_dim}")
    return rows.expand(num_ws, w_dim).contiguous() if rows.shape[0] == 1 else rows


def _count(state: State, pattern: str) -> int:
    regex = re.compile(pattern)
    found = sorted({int(m.group(1)) for key in state if (m := regex.match(key))})
    if found != list(range(len(found))):
        raise ImportMismatch(f"pSp / e4e encoder: {pattern.split(chr(92))[0]}<i> are numbered {found[:10]}, not 0, 1, ... without gaps")
    return len(found)


def import_encoder(state: State, latent_avg: torch.Tensor | None, hints: Mapping[str, Any], *,
                   num_ws: int | None = None, w_dim: int | None = None) -> ImportResult:
    """An IR-SE50 encoder's state dict (keys as published, without `encoder.`) as psp_encoder / psp_w_encoder."""
    what = "pSp / e4e encoder"
    pyramid = "styles.0.linear.weight" in state
    encoder_type = hints.get("encoder_type") or (DEFAULT_PYRAMID_TYPE if pyramid else "WEncoder")
    if encoder_type not in ENCODER_TYPES:
        raise ImportMismatch(f"{what}: opts.encoder_type is {str(encoder_type)[:40]!r}; known: {', '.join(ENCODER_TYPES)}")
    arch, e4e = ENCODER_TYPES[encoder_type]
    if (arch == ARCH_PYRAMID) != pyramid:
        raise ImportMismatch(f"{what}: opts.encoder_type {encoder_type} does not match its weights "
                             f"({'per-layer heads styles.<i>' if pyramid else 'one linear layer'})")
    stem = state["input_layer.0.weight"]
    if stem.ndim != 4:
        raise ImportMismatch(f"{what}: input_layer.0.weight is {tuple(stem.shape)}, not a convolution")
    base_width, input_nc = int(stem.shape[0]), int(stem.shape[1])
    se = state.get("body.0.res_layer.5.fc1.weight")
    mode = "ir_se" if se is not None else "ir"
    se_reduction = max(1, base_width // max(1, int(se.shape[0]))) if se is not None else 16
    head = state["styles.0.linear.weight" if pyramid else "linear.weight"]
    style_dim = int(head.shape[0])
    if w_dim is not None and style_dim != w_dim:
        raise ImportMismatch(f"{what}: it gives ws of {style_dim} values; its generator takes {w_dim}")
    n_styles = _count(state, r"styles\.(\d+)\.linear\.weight$") if pyramid else num_ws
    if n_styles is None:  # a bare W encoder: as many ws as its average latent has rows
        n_styles = int(latent_avg.shape[0]) if isinstance(latent_avg, torch.Tensor) and latent_avg.ndim == 2 else 18
    if num_ws is not None and n_styles != num_ws:
        raise ImportMismatch(f"{what}: {n_styles} heads styles.<i>; its generator has {num_ws} ws")
    start = hints.get("start_from_latent_avg")
    add_latent_avg = True if encoder_type == "WEncoder" or start is None else bool(start)
    config: dict[str, Any] = dict(n_styles=n_styles, style_dim=style_dim, input_nc=input_nc, mode=mode,
                                  base_width=base_width, se_reduction=se_reduction, add_latent_avg=add_latent_avg)
    if arch == ARCH_PYRAMID:
        config["e4e"] = e4e
    converted = dict(state)
    if latent_avg is None:
        converted["latent_avg"] = torch.zeros(n_styles, style_dim)
        if add_latent_avg:
            raise ImportMismatch(f"{what}: it adds the average latent (start_from_latent_avg) but the file stores none")
    else:
        converted["latent_avg"] = _latent_rows(latent_avg, n_styles, style_dim)
    converted = {k: (v.float() if v.is_floating_point() and v.dtype != torch.float32 else v) for k, v in converted.items()}
    check_against(arch, config, converted, what)
    provenance = {"source": SOURCE, "encoder_type": encoder_type,
                  "encoder_type_from": "opts" if hints.get("encoder_type") else "assumed (no opts in the file)"}
    return ImportResult(arch=arch, config=config, state=converted, meta={"provenance": provenance})
