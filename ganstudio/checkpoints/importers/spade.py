"""NVlabs/SPADE checkpoints: latest_net_G.pth (generator), latest_net_E.pth (VAE encoder), latest_net_D.pth.

Detected from key names and shapes: ngf, semantic channels, SPADE kernel size,
spectral norm, the parameter-free norm, the VAE (fc is a Linear) and its z size,
and 'most' upsampling (an `up_4` block). What the weights cannot tell comes
from hints or a dataset preset: crop size, aspect ratio, 'normal' vs 'more',
and how the semantic channels split into classes / dontcare / instance edges.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from ..presets import DatasetPreset, get_preset, preset_for_semantic_nc
from . import ImportMismatch, ImportResult, State

GENERATOR_ARCH = "spade"
ENCODER_ARCH = "spade_encoder"
DISCRIMINATOR_ARCH = "spade_discriminator"
ARCHES = (GENERATOR_ARCH, ENCODER_ARCH, DISCRIMINATOR_ARCH)
UPSAMPLINGS = {"normal": 5, "more": 6, "most": 7}
DEFAULT_CROP = 256


def detect(state: State, hints: Mapping[str, Any]) -> ImportResult | None:
    wanted = hints.get("arch")
    if wanted is not None and wanted not in ARCHES:
        return None
    if "head_0.norm_0.mlp_shared.0.weight" in state and (wanted in (None, GENERATOR_ARCH)):
        return _generator(state, hints)
    if "fc_mu.weight" in state and "fc_var.weight" in state and has_prefix(state, "layer1.") and wanted in (None, ENCODER_ARCH):
        return _encoder(state, hints)
    if has_prefix(state, "discriminator_0.model0.") and wanted in (None, DISCRIMINATOR_ARCH):
        return _discriminator(state, hints)
    return None


def has_prefix(state: State, prefix: str) -> bool:
    return any(key.startswith(prefix) for key in state)


def shape_of(state: State, key: str) -> tuple[int, ...]:
    try:
        return tuple(state[key].shape)
    except KeyError:
        raise ImportMismatch(f"looks like a SPADE-family file but has no {key!r}") from None


def conv_weight_key(state: State, prefix: str) -> tuple[str, bool]:
    """The weight key of a conv that may carry legacy spectral norm, and whether it does."""
    if f"{prefix}.weight_orig" in state:
        for part in ("weight_u", "weight_v"):
            if f"{prefix}.{part}" not in state:
                raise ImportMismatch(f"{prefix} has weight_orig but no {part} (incomplete spectral norm)")
        return f"{prefix}.weight_orig", True
    if f"{prefix}.weight" in state:
        return f"{prefix}.weight", False
    raise ImportMismatch(f"no weight for {prefix!r}")


def resolve_preset(hints: Mapping[str, Any], semantic_nc: int, family: str) -> tuple[DatasetPreset | None, bool]:
    """(preset, given): the hinted preset (checked against the weights) or the one `semantic_nc` implies."""
    name = hints.get("preset")
    if name:
        try:
            preset = get_preset(str(name))
        except KeyError as exc:
            raise ImportMismatch(str(exc.args[0])) from None
        if preset.semantic_nc != semantic_nc:
            raise ImportMismatch(
                f"preset {preset.name!r} needs {preset.semantic_nc} semantic channels "
                f"({preset.label_nc} classes{' + dontcare' if preset.contain_dontcare_label else ''}"
                f"{'' if preset.no_instance else ' + instance edges'}) but this {family} model has {semantic_nc}"
            )
        return preset, True
    return preset_for_semantic_nc(semantic_nc), False


def semantic_split(hints: Mapping[str, Any], semantic_nc: int, preset: DatasetPreset | None) -> dict[str, Any]:
    """label_nc / contain_dontcare_label / no_instance adding up to `semantic_nc`."""
    if preset is not None:
        split = dict(label_nc=preset.label_nc, contain_dontcare_label=preset.contain_dontcare_label, no_instance=preset.no_instance)
    else:
        split = dict(label_nc=semantic_nc, contain_dontcare_label=False, no_instance=True)
    given = {key: hints[key] for key in ("contain_dontcare_label", "no_instance") if hints.get(key) is not None}
    if given or hints.get("label_nc") is not None:
        split.update({key: bool(value) for key, value in given.items()})
        extra = (1 if split["contain_dontcare_label"] else 0) + (0 if split["no_instance"] else 1)
        split["label_nc"] = int(hints["label_nc"]) if hints.get("label_nc") is not None else semantic_nc - extra
    total = split["label_nc"] + (1 if split["contain_dontcare_label"] else 0) + (0 if split["no_instance"] else 1)
    if total != semantic_nc or split["label_nc"] < 1:
        raise ImportMismatch(
            f"label_nc={split['label_nc']}, contain_dontcare_label={split['contain_dontcare_label']}, "
            f"no_instance={split['no_instance']} make {total} semantic channels but the weights have {semantic_nc}"
        )
    return split


def geometry(hints: Mapping[str, Any], preset: DatasetPreset | None, modes: tuple[str, ...], up_4: bool) -> dict[str, Any]:
    """crop_size, aspect_ratio and num_upsampling_layers from hints, else the preset, else defaults."""
    mode = hints.get("num_upsampling_layers")
    if up_4:
        if mode not in (None, "most"):
            raise ImportMismatch(f"the weights have an up_4 block, i.e. 'most' upsampling, but the hint says {mode!r}")
        mode = "most"
    elif mode == "most":
        raise ImportMismatch("num_upsampling_layers='most' was given but the weights have no up_4 block")
    elif mode is None:
        mode = preset.num_upsampling_layers if preset is not None and preset.num_upsampling_layers in modes else "normal"
    if mode not in modes:
        raise ImportMismatch(f"num_upsampling_layers must be one of {', '.join(modes)}, not {mode!r}")
    crop = hints.get("crop_size") or (preset.crop_size if preset is not None else DEFAULT_CROP)
    aspect = hints.get("aspect_ratio") or (preset.aspect_ratio if preset is not None else 1.0)
    return dict(crop_size=int(crop), aspect_ratio=float(aspect), num_upsampling_layers=mode)


def check_latent(geom: dict[str, Any]) -> tuple[int, int]:
    sw = geom["crop_size"] // 2 ** UPSAMPLINGS[geom["num_upsampling_layers"]]
    sh = round(sw / geom["aspect_ratio"])
    if sw < 1 or sh < 1:
        raise ImportMismatch(
            f"crop_size {geom['crop_size']} with aspect ratio {geom['aspect_ratio']} is too small for "
            f"{geom['num_upsampling_layers']!r} upsampling"
        )
    return sh, sw


def norm_settings(state: State, norm_prefix: str) -> tuple[str, int]:
    """(param-free norm type, SPADE kernel size) of one SPADE norm."""
    kernel = shape_of(state, f"{norm_prefix}.mlp_shared.0.weight")[2]
    norm_type = "syncbatch" if f"{norm_prefix}.param_free_norm.running_mean" in state else "instance"
    return norm_type, kernel


def labels_meta(preset: DatasetPreset | None) -> dict[str, Any]:
    if preset is None:
        return {}
    return {"labels": [dict(label) for label in preset.labels]}


def _generator(state: State, hints: Mapping[str, Any]) -> ImportResult:
    weight_key, spectral = conv_weight_key(state, "head_0.conv_0")
    ngf = shape_of(state, weight_key)[0] // 16
    semantic_nc = shape_of(state, "head_0.norm_0.mlp_shared.0.weight")[1]
    norm_type, kernel = norm_settings(state, "head_0.norm_0")
    fc = shape_of(state, "fc.weight")
    use_vae = len(fc) == 2
    up_4 = has_prefix(state, "up_4.")

    preset, preset_given = resolve_preset(hints, semantic_nc, "SPADE")
    split = semantic_split(hints, semantic_nc, preset)
    geom = geometry(hints, preset, tuple(UPSAMPLINGS), up_4)
    config: dict[str, Any] = dict(
        **split, ngf=ngf, **geom, use_vae=use_vae, z_dim=256, spectral_norm=spectral,
        param_free_norm_type=norm_type, spade_kernel_size=kernel,
        spade_hidden=shape_of(state, "head_0.norm_0.mlp_shared.0.weight")[0],
    )
    if use_vae:
        config["z_dim"] = fc[1]
        cells = fc[0] // (16 * ngf)
        if fc[0] % (16 * ngf):
            raise ImportMismatch(f"fc maps z to {fc[0]} values, not a multiple of 16*ngf={16 * ngf}")
        if not (hints.get("crop_size") or preset_given):
            _fit_crop_to_cells(config, cells)
        sh, sw = check_latent(config)
        if sh * sw != cells:
            raise ImportMismatch(
                f"the VAE fc layer makes a {cells}-cell latent grid but crop_size {config['crop_size']}, "
                f"aspect ratio {config['aspect_ratio']} and {config['num_upsampling_layers']!r} upsampling give {sh}x{sw}"
            )
    elif fc[1] != semantic_nc:
        raise ImportMismatch(f"fc takes {fc[1]} channels but the SPADE norms take {semantic_nc}")
    sh, sw = check_latent(config)
    scale = 2 ** UPSAMPLINGS[config["num_upsampling_layers"]]
    meta = {"resolution": [sh * scale, sw * scale], **labels_meta(preset)}
    return ImportResult(GENERATOR_ARCH, config, dict(state), meta)


def _fit_crop_to_cells(config: dict[str, Any], cells: int) -> None:
    """With no crop hint, pick the crop whose latent grid has `cells` cells at the given aspect ratio."""
    ups = UPSAMPLINGS[config["num_upsampling_layers"]]
    # cells comes from a tensor's shape (a zero-size tensor can claim any): no real grid is wider than 4096
    for sw in range(1, min(cells, 4096) + 1):
        if sw * round(sw / config["aspect_ratio"]) == cells:
            config["crop_size"] = sw * 2**ups
            return


def _conv_norm_layer(state: State, prefix: str) -> tuple[str, bool, str]:
    """(weight key, spectral, norm) of a conv that SPADE wraps with a norm layer.

    With a norm the layer is a Sequential: the conv at `prefix`.0 and the norm
    at `prefix`.1, which has affine weights for 'batch' and none for
    'instance'; with norm 'none' it is the bare conv at `prefix`.
    """
    if f"{prefix}.0.weight_orig" in state or f"{prefix}.0.weight" in state:
        weight_key, spectral = conv_weight_key(state, f"{prefix}.0")
        return weight_key, spectral, "batch" if f"{prefix}.1.weight" in state else "instance"
    weight_key, spectral = conv_weight_key(state, prefix)
    return weight_key, spectral, "none"


def _encoder(state: State, hints: Mapping[str, Any]) -> ImportResult:
    weight_key, spectral, norm = _conv_norm_layer(state, "layer1")
    ngf = shape_of(state, weight_key)[0]
    has_layer6 = has_prefix(state, "layer6.")
    crop = hints.get("crop_size")
    if crop is None:
        crop = DEFAULT_CROP if has_layer6 else DEFAULT_CROP // 2
    if (int(crop) >= 256) != has_layer6:
        raise ImportMismatch(
            f"the encoder {'has' if has_layer6 else 'lacks'} layer6, which SPADE builds only for crop_size >= 256, "
            f"but crop_size {crop} was given"
        )
    mu = shape_of(state, "fc_mu.weight")
    if mu[1] != ngf * 8 * 16:
        raise ImportMismatch(f"fc_mu takes {mu[1]} features but ngf={ngf} gives {ngf * 8 * 16}")
    config = dict(ngf=ngf, crop_size=int(crop), z_dim=mu[0], spectral_norm=spectral, norm=norm)
    return ImportResult(ENCODER_ARCH, config, dict(state), {})


def _discriminator(state: State, hints: Mapping[str, Any]) -> ImportResult:
    num_d = 1 + max(int(m.group(1)) for key in state if (m := re.match(r"discriminator_(\d+)\.", key)))
    n_models = 1 + max(int(m.group(1)) for key in state if (m := re.match(r"discriminator_0\.model(\d+)\.", key)))
    first = shape_of(state, "discriminator_0.model0.0.weight")
    ndf, input_nc = first[0], first[1]
    _, spectral, norm = _conv_norm_layer(state, "discriminator_0.model1.0")
    output_nc = int(hints.get("output_nc", 3))
    config = dict(
        semantic_nc=input_nc - output_nc, output_nc=output_nc, ndf=ndf, n_layers_D=n_models - 1, num_D=num_d,
        spectral_norm=spectral, norm=norm, intermediate_features=True,
    )
    return ImportResult(DISCRIMINATOR_ARCH, config, dict(state), {})
