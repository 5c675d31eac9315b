"""boschresearch/OASIS checkpoints: ``checkpoints/<name>/models/{best,latest,<iter>}_{EMA,G,D}.pth``.

Each file is a plain ``state_dict()`` (utils.save_networks); ``*_EMA.pth`` (the
averaged generator, which the reference's test.py uses) and ``*_G.pth`` have the
same keys. Detected from keys and shapes:

- generator: ``body.0.norm_0.mlp_shared.0.weight`` (SPADE/SEAN name their first
  block ``head_0``). ``fc.weight`` is [16*channels_G, z_dim + semantic_nc, k, k];
  the SPADE norms take the same channels, so the split between noise and label
  channels comes from hints or a preset, else the reference's z_dim of 64 is
  assumed (fc inputs of 64 or fewer: a ``--no_3dnoise`` model). The SPADE
  hidden width and kernel, and the param-free norm (running statistics:
  sync/batch norm, none: instance norm) are read from ``body.0.norm_0``.
- discriminator: ``body_down.0.conv1.0.weight_orig`` and ``layer_up_last.weight``,
  [semantic_nc + 1, channels_D, 1, 1]; num_res_blocks counts ``body_down.<i>``.

Crop size and aspect ratio (the first feature map is crop/32 wide) come from
hints or the preset, else 256 and 1. Presets are the reference's datasets
(`presets.OASIS_PRESETS`): their label ids differ from SPADE's for the same data.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from ..presets import DatasetPreset, get_oasis_preset, oasis_preset_for_semantic_nc
from . import ImportMismatch, ImportResult, State
from .junyanz_common import check_against

GENERATOR_ARCH = "oasis"
DISCRIMINATOR_ARCH = "oasis_discriminator"
ARCHES = (GENERATOR_ARCH, DISCRIMINATOR_ARCH)
REFERENCE_Z_DIM = 64  # the reference's --z_dim default, used by every published model
UPSAMPLING = 32  # five 2x upsamplings after the first feature map
DEFAULT_CROP = 256
GENERATOR_KEY = "body.0.norm_0.mlp_shared.0.weight"
DISCRIMINATOR_KEYS = ("body_down.0.conv1.0.weight_orig", "layer_up_last.weight")


def detect(state: State, hints: Mapping[str, Any]) -> ImportResult | None:
    wanted = hints.get("arch")
    if wanted is not None and wanted not in ARCHES:
        return None
    if GENERATOR_KEY in state and "fc.weight" in state and wanted in (None, GENERATOR_ARCH):
        return _generator(state, hints)
    if all(key in state for key in DISCRIMINATOR_KEYS) and wanted in (None, DISCRIMINATOR_ARCH):
        return _discriminator(state, hints)
    return None


def _shape(state: State, key: str, ndim: int) -> tuple[int, ...]:
    value = state.get(key)
    if value is None:
        raise ImportMismatch(f"looks like an OASIS file but has no {key!r}")
    if value.ndim != ndim:
        raise ImportMismatch(f"{key} has shape {tuple(value.shape)}, expected {ndim} dimensions")
    return tuple(int(side) for side in value.shape)


def _preset(hints: Mapping[str, Any]) -> DatasetPreset | None:
    name = hints.get("preset")
    if not name:
        return None
    try:
        return get_oasis_preset(str(name))
    except KeyError as exc:
        raise ImportMismatch(str(exc.args[0])) from None


def _hinted_semantic_nc(hints: Mapping[str, Any], preset: DatasetPreset | None) -> int | None:
    """Label channels the hints or the preset imply, or None when they say nothing."""
    if hints.get("no_instance") is False:
        raise ImportMismatch("OASIS takes no instance-edge channel (no_instance=False was given)")
    if hints.get("label_nc") is not None:
        return int(hints["label_nc"]) + (0 if hints.get("contain_dontcare_label") is False else 1)
    if preset is not None:
        return preset.label_nc + (1 if preset.contain_dontcare_label else 0)
    return None


def _split(hints: Mapping[str, Any], semantic_nc: int, preset: DatasetPreset | None) -> dict[str, Any]:
    """label_nc / contain_dontcare_label adding up to `semantic_nc`; every reference dataset has the dontcare channel."""
    dontcare = hints.get("contain_dontcare_label")
    if dontcare is None:
        dontcare = preset.contain_dontcare_label if preset is not None else True
    label_nc = semantic_nc - (1 if dontcare else 0)
    if hints.get("label_nc") is not None and int(hints["label_nc"]) != label_nc:
        raise ImportMismatch(f"label_nc={hints['label_nc']} was given but the weights have {semantic_nc} label channels")
    if preset is not None and (preset.label_nc, preset.contain_dontcare_label) != (label_nc, bool(dontcare)):
        raise ImportMismatch(
            f"OASIS preset {preset.name!r} has {preset.label_nc} classes{' + dontcare' if preset.contain_dontcare_label else ''} "
            f"but the weights have {semantic_nc} label channels"
        )
    if label_nc < 1:
        raise ImportMismatch(f"the weights have {semantic_nc} label channels, too few for any class")
    return dict(label_nc=label_nc, contain_dontcare_label=bool(dontcare))


def _implied_preset(split: dict[str, Any]) -> DatasetPreset | None:
    """The reference dataset with exactly these label channels (for its names, colours and crop), if one."""
    preset = oasis_preset_for_semantic_nc(split["label_nc"] + (1 if split["contain_dontcare_label"] else 0))
    if preset is None or (preset.label_nc, preset.contain_dontcare_label) != (split["label_nc"], split["contain_dontcare_label"]):
        return None
    return preset


def _geometry(hints: Mapping[str, Any], preset: DatasetPreset | None) -> tuple[dict[str, Any], list[int]]:
    crop = int(hints.get("crop_size") or (preset.crop_size if preset is not None else DEFAULT_CROP))
    aspect = float(hints.get("aspect_ratio") or (preset.aspect_ratio if preset is not None else 1.0))
    sw = crop // UPSAMPLING
    sh = round(sw / aspect)
    if sw < 1 or sh < 1:
        raise ImportMismatch(f"crop_size {crop} with aspect ratio {aspect} is too small for OASIS (at least 32 pixels per side)")
    return dict(crop_size=crop, aspect_ratio=aspect), [sh * UPSAMPLING, sw * UPSAMPLING]


def _labels_meta(preset: DatasetPreset | None, semantic_nc: int) -> dict[str, Any]:
    if preset is None or len(preset.labels) != semantic_nc:
        return {}
    return {"labels": [dict(label) for label in preset.labels]}


def _generator(state: State, hints: Mapping[str, Any]) -> ImportResult:
    fc = _shape(state, "fc.weight", 4)
    mlp = _shape(state, GENERATOR_KEY, 4)
    if fc[0] % 16:
        raise ImportMismatch(f"fc makes {fc[0]} channels, not a multiple of 16 (16 * channels_G)")
    if mlp[1] != fc[1]:
        raise ImportMismatch(f"fc takes {fc[1]} channels but the SPADE norms take {mlp[1]}")
    cond_nc = fc[1]
    given = _preset(hints)
    semantic_nc = _hinted_semantic_nc(hints, given)
    if semantic_nc is None:
        # the reference's default: 64 noise channels in front of the labels, unless there is no room for them
        semantic_nc = cond_nc - REFERENCE_Z_DIM if cond_nc > REFERENCE_Z_DIM else cond_nc
    z_dim = cond_nc - semantic_nc
    if z_dim < 0:
        raise ImportMismatch(f"the hints or preset ask for {semantic_nc} label channels but fc takes only {cond_nc}")
    if given is not None and hints.get("label_nc") is None and z_dim not in (0, REFERENCE_Z_DIM):
        # noise and label channels look alike; a dataset's models have 64 noise channels or none
        raise ImportMismatch(
            f"OASIS preset {given.name!r} has {semantic_nc} label channels, which leaves {z_dim} of fc's {cond_nc} inputs "
            f"for noise (the reference uses {REFERENCE_Z_DIM} or none): a model of another dataset? (label_nc can be given instead)"
        )
    split = _split(hints, semantic_nc, given)
    preset = given or _implied_preset(split)
    config: dict[str, Any] = dict(
        **split,
        channels_G=fc[0] // 16,
        z_dim=z_dim or REFERENCE_Z_DIM,
        no_3dnoise=z_dim == 0,
    )
    geometry, resolution = _geometry(hints, preset)
    config.update(
        geometry,
        param_free_norm_type="syncbatch" if "body.0.norm_0.first_norm.running_mean" in state else "instance",
        spade_kernel_size=mlp[2],
        spade_hidden=mlp[0],
    )
    check_against(GENERATOR_ARCH, config, state, "boschresearch/OASIS generator")
    meta = {"resolution": resolution, **_labels_meta(preset, semantic_nc)}
    return ImportResult(GENERATOR_ARCH, config, dict(state), meta)


def _discriminator(state: State, hints: Mapping[str, Any]) -> ImportResult:
    last = _shape(state, "layer_up_last.weight", 4)
    semantic_nc = last[0] - 1
    given = _preset(hints)
    hinted = _hinted_semantic_nc(hints, given)
    if hinted is not None and hinted != semantic_nc:
        raise ImportMismatch(f"the hints or preset ask for {hinted} label channels but the discriminator outputs {last[0]} (classes + fake)")
    split = _split(hints, semantic_nc, given)
    preset = given or _implied_preset(split)
    blocks = 1 + max(int(m.group(1)) for key in state if (m := re.match(r"body_down\.(\d+)\.", key)))
    config = dict(**split, channels_D=last[1], num_res_blocks=blocks)
    check_against(DISCRIMINATOR_ARCH, config, state, "boschresearch/OASIS discriminator")
    return ImportResult(DISCRIMINATOR_ARCH, config, dict(state), _labels_meta(preset, semantic_nc))
