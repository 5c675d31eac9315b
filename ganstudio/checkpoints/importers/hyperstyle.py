"""Import HyperStyle checkpoints: a StyleGAN2 plus the hypernetwork that refines its weights per photo.

yuval-alaluf/hyperstyle saves ``{"state_dict": {"hypernet.*", "decoder.*"}, "opts":
vars(options), "latent_avg", "global_step", "best_val_loss"}``; the W encoder that gives the
first guess is a separate file (``faces_w_encoder.pt``, read by the e4e importer). The decoder
converts as rosinality's layout does (the main network, arch ``stylegan2``), the hypernetwork
keeps its names (`models/hyperstyle.py`) and becomes the part ``hypernet``. Its configuration
comes from the decoder (which layers exist, their channels) and from the shapes: the tuned
layers are the refinement blocks present, "separable" heads have `make_kernel_in`.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

import torch

from . import ImportMismatch, ImportResult, State
from . import rosinality_stylegan2 as rosinality
from .stylegan2 import check_against

SOURCE = "HyperStyle checkpoint"
ARCH = "hyperstyle_hypernet"
PREFIX = "hypernet."
DECODER = "decoder."
SHARED_LAYERS = (0, 2, 3, 5, 6, 8, 9, 11, 12)


def _is_hypernet(state: Mapping[str, Any], prefix: str) -> bool:
    return f"{prefix}conv1.weight" in state and f"{prefix}shared_weight_hypernet.w1" in state


def detect(state: State, hints: Mapping[str, Any]) -> ImportResult | None:
    if _is_hypernet(state, PREFIX):
        if f"{DECODER}style.1.weight" not in state:
            raise ImportMismatch("a HyperStyle hypernetwork without its decoder: the file holds hypernet.* but no decoder.*")
        decoder = {k[len(DECODER):]: v for k, v in state.items() if k.startswith(DECODER)}
        result = rosinality.import_generator(decoder, state.get("latent_avg"), hints)
        result.meta["provenance"]["layout"] = "HyperStyle: decoder.* with hypernet.*"
        synthesis = result.config["synthesis_kwargs"]
        hypernet = {k[len(PREFIX):]: v for k, v in state.items() if k.startswith(PREFIX)}
        result.parts["hypernet"] = import_hypernet(hypernet, [(result.config["img_resolution"], synthesis["channel_base"],
                                                               synthesis["channel_max"])])
        return result
    if _is_hypernet(state, ""):
        return import_hypernet(state, None)
    return None


def _shape(state: State, key: str) -> tuple[int, ...]:
    if key not in state:
        raise ImportMismatch(f"HyperStyle hypernetwork: missing {key}")
    return tuple(int(s) for s in state[key].shape)


def import_hypernet(state: State, generators: list[tuple[int, int, int]] | None) -> ImportResult:
    """The hypernetwork's state dict (keys as published, without `hypernet.`). `generators`: the
    (img_resolution, channel_base, channel_max) it serves; None (a bare file): tried from its shapes."""
    what = "HyperStyle hypernetwork"
    stem = _shape(state, "conv1.weight")
    if len(stem) != 4:
        raise ImportMismatch(f"{what}: conv1.weight is {stem}, not a convolution")
    code_dim, w1_out = _shape(state, "shared_weight_hypernet.w1")
    in_size = _shape(state, "shared_weight_hypernet.w2")[1] // max(1, code_dim)
    layers = sorted({int(m.group(1)) for key in state if (m := re.match(r"refinement_blocks\.(\d+)\.", key))})
    if not layers:
        raise ImportMismatch(f"{what}: no refinement blocks")
    separable = any(".make_kernel_in." in key for key in state)
    shared = [i for i in layers if i in SHARED_LAYERS]
    own = [i for i in layers if i not in SHARED_LAYERS]
    shared_inner = _shape(state, f"refinement_blocks.{shared[0]}.convs.0.weight")[0] if shared else 128
    inner = _shape(state, f"refinement_blocks.{own[0]}.convs.0.weight")[0] if own else 256
    if generators is None:  # the smallest generator with these layers, and the channel rules its shapes allow
        resolution = 8
        while 2 + 3 * (resolution.bit_length() - 3) <= layers[-1]:
            resolution *= 2
            if resolution > 16384:
                raise ImportMismatch(f"{what}: it tunes layer {layers[-1]}, more than any generator has")
        generators = [(resolution, in_size * 2 ** k, in_size) for k in range(2, resolution.bit_length())]
    problem = None
    for resolution, channel_base, channel_max in generators:
        config = dict(img_resolution=resolution, channel_base=channel_base, channel_max=channel_max,
                      layers_to_tune=",".join(str(i) for i in layers), input_nc=stem[1], base_width=stem[0],
                      code_dim=code_dim, shared_inner=shared_inner, inner=inner, separable=separable)
        try:
            check_against(ARCH, config, state, what)
        except ImportMismatch as exc:
            problem = exc
            continue
        converted = {k: (v.float() if v.is_floating_point() and v.dtype != torch.float32 else v) for k, v in state.items()}
        if w1_out != channel_max * 9:
            raise ImportMismatch(f"{what}: the shared hypernetwork makes {w1_out // 9} channels; the generator has {channel_max}")
        provenance = {"source": SOURCE, "tuned_layers": layers}
        return ImportResult(arch=ARCH, config=config, state=converted, meta={"provenance": provenance})
    assert problem is not None
    raise problem
