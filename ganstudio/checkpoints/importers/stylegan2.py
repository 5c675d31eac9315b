"""Import StyleGAN2-ADA networks (NVlabs/stylegan2-ada-pytorch).

Two sources:
- network pickles (``network-snapshot-*.pkl``, ``ffhq.pkl``): read with the
  restricted unpickler; the generator's constructor arguments come from its
  recorded ``init_kwargs`` and are checked against the tensor shapes.
  ``G_ema`` is taken unless the hint ``network`` names ``G`` or ``D``.
- plain state dicts with the reference key names (``synthesis.b4.const``,
  ``mapping.fc0.weight`` ... or a discriminator's ``b4.out.weight``): the
  configuration is inferred from the shapes. What shapes cannot tell
  (``conv_clamp``, the mapping ``lr_multiplier``, ``mbstd_group_size``) comes
  from hints, else the values of the official training configs.
"""
from __future__ import annotations

import os
import pickle
import re
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch

from ganstudio.models import stylegan2 as sg2
from ganstudio.models.config_schema import ConfigError, show
from ganstudio.models.registry import check_config

from .. import safe_pickle
from ..errors import CheckpointError
from ..guards import ConfigProblem, meta_network, shape_mismatch
from . import ImportMismatch, ImportResult, State

ARCH_G = "stylegan2"
ARCH_D = "stylegan2_discriminator"
NETWORK_KEYS = ("G_ema", "G", "D")
GENERATOR_ARGS = ("z_dim", "c_dim", "w_dim", "img_resolution", "img_channels", "mapping_kwargs", "synthesis_kwargs")
DISCRIMINATOR_ARGS = ("c_dim", "img_resolution", "img_channels", "architecture", "channel_base", "channel_max",
                      "num_fp16_res", "conv_clamp", "cmap_dim", "block_kwargs", "mapping_kwargs", "epilogue_kwargs")
# The settings of the official training configs, for what shapes cannot tell.
DEFAULT_CONV_CLAMP = 256
DEFAULT_MAPPING_LR = 0.01
DEFAULT_MBSTD_GROUP = 4
COMMON_CHANNEL_BASES = (32768, 16384, 65536, 8192)


# ----------------------------------------------------------------------------- pickles


def from_pickle(path: str | os.PathLike[str], hints: Mapping[str, Any]) -> ImportResult:
    """Read a StyleGAN2-ADA network pickle without running any of its code."""
    path = Path(path)
    data = safe_pickle.load(path)
    if not isinstance(data, Mapping):
        raise CheckpointError(path, f"not a StyleGAN2-ADA network pickle (holds a {type(data).__name__}, not a dict of networks)")
    key = str(hints.get("network") or "G_ema")
    if key not in NETWORK_KEYS:
        raise ImportMismatch(f"hint network={key!r}: choose one of {', '.join(NETWORK_KEYS)}")
    if key == "G_ema" and not isinstance(data.get("G_ema"), safe_pickle.PersistentRecord):
        key = "G" if isinstance(data.get("G"), safe_pickle.PersistentRecord) else key
    record = data.get(key)
    if not isinstance(record, safe_pickle.PersistentRecord):
        found = ", ".join(sorted(show(k) for k in list(data)[:10])) or "nothing"
        raise ImportMismatch(f"the pickle has no {key} network (it holds {found})")
    result = import_record(record, key, hints)
    result.meta["provenance"] = _provenance(path, key, data.get("training_set_kwargs"))
    if hints.get("include_discriminator") and key != "D" and isinstance(data.get("D"), safe_pickle.PersistentRecord):
        result.parts["discriminator"] = import_record(data["D"], "D", hints)
    return result


def import_record(record: safe_pickle.PersistentRecord, key: str, hints: Mapping[str, Any]) -> ImportResult:
    """Turn one unpickled network record (Generator or Discriminator) into an ImportResult.

    Its recorded constructor arguments come from the file, so they are checked
    against the schema (naming the bad one) before any tensor is touched.
    """
    if record.class_name == "Generator":
        arch, names = ARCH_G, GENERATOR_ARGS
    elif record.class_name == "Discriminator":
        arch, names = ARCH_D, DISCRIMINATOR_ARGS
    else:
        raise ImportMismatch(f"{key} is a {show(record.class_name)}, not a StyleGAN2-ADA Generator or Discriminator")
    raw_args, raw_kwargs = record.state.get("_init_args") or (), record.state.get("_init_kwargs") or {}
    if not isinstance(raw_args, (list, tuple)) or not isinstance(raw_kwargs, Mapping):
        raise ImportMismatch(f"{key} records its constructor arguments in an unknown form")
    if len(raw_args) > len(names):
        raise ImportMismatch(f"{key} was built with {len(raw_args)} positional arguments; a {record.class_name} takes {len(names)}")
    config = _plain({**dict(zip(names, raw_args)), **raw_kwargs})
    missing = [name for name in names[:5] if name not in config] if arch == ARCH_G else [
        name for name in names[:3] if name not in config]
    if missing:
        raise ImportMismatch(f"{key} records no {', '.join(missing)} among its constructor arguments")
    unknown = sorted(set(config) - set(names))
    if unknown:
        raise ImportMismatch(f"{key} has constructor arguments this StyleGAN2-ADA importer does not know: "
                             f"{', '.join(show(name) for name in unknown[:5])}")
    what = f"{key} ({record.class_name})"
    try:
        check_config(arch, config)
    except ConfigError as exc:
        raise ImportMismatch(f"{what}: {arch} configuration: {exc}") from exc
    try:
        state = {name: _as_float32(value) for name, value in record.state_dict().items()}
    except pickle.UnpicklingError as exc:  # a record tree of the wrong shape
        raise ImportMismatch(f"{key} holds malformed module state ({exc})") from exc
    check_against(arch, config, state, what)
    meta = {"resolution": int(config["img_resolution"])}
    return ImportResult(arch=arch, config=config, state=state, meta=meta)


def _provenance(path: Path, key: str, training_set_kwargs: Any) -> dict[str, Any]:
    provenance: dict[str, Any] = {"imported_from": path.name, "source": "stylegan2-ada-pytorch network pickle", "network": key}
    if isinstance(training_set_kwargs, Mapping):
        dataset = {k: v for k, v in _plain(dict(training_set_kwargs)).items()
                   if k in ("resolution", "use_labels", "xflip", "max_size") and _is_json_scalar(v)}
        if dataset:
            provenance["training_set"] = dataset
    return provenance


def _is_json_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


# A constructor config is a few dozen values; a file's can be a shared-reference DAG
# that grows exponentially when copied, so copying stops at these bounds.
MAX_PLAIN_VALUES = 10_000
MAX_PLAIN_DEPTH = 16


def _plain(value: Any, _budget: list[int] | None = None, _depth: int = 0, _where: str = "") -> Any:
    """JSON-friendly copy: EasyDicts to dicts, tuples to lists, numpy scalars to Python numbers.

    ImportMismatch, naming the argument, when a value nests deeper or holds more than a configuration does.
    """
    budget = [MAX_PLAIN_VALUES] if _budget is None else _budget
    budget[0] -= 1
    if budget[0] < 0 or _depth > MAX_PLAIN_DEPTH:
        raise ImportMismatch(f"the recorded constructor argument {_where or 'list'} is nested deeper or holds more values "
                             "than a network's arguments do")
    if isinstance(value, Mapping):
        copy = {}
        for key, item in value.items():
            key = key if isinstance(key, str) else show(key)
            copy[key] = _plain(item, budget, _depth + 1, f"{_where}.{key}" if _where else key)
        return copy
    if isinstance(value, (list, tuple)):
        return [_plain(item, budget, _depth + 1, _where) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, torch.Tensor):
        if value.numel() > MAX_PLAIN_VALUES:
            raise ImportMismatch(f"the recorded constructor argument {_where} is a large tensor")
        return value.tolist()
    return value


def _as_float32(value: torch.Tensor) -> torch.Tensor:
    return value.float() if value.is_floating_point() and value.dtype != torch.float32 else value


# ----------------------------------------------------------------------------- checks


def check_against(arch: str, config: dict[str, Any], state: State, what: str) -> None:
    """ImportMismatch unless `config` (checked against its schema) describes exactly the keys and shapes of `state`."""
    try:
        expected = meta_network(arch, config).state_dict()  # shapes only: no memory, no random init
    except ConfigProblem as exc:
        raise ImportMismatch(f"{what}: {exc}") from exc
    problem = shape_mismatch(arch, config, expected, {key: tuple(value.shape) for key, value in state.items()})
    if problem:
        raise ImportMismatch(f"{what}: {problem}")


# ----------------------------------------------------------------------------- plain state dicts


def detect(state: State, hints: Mapping[str, Any]) -> ImportResult | None:
    if "synthesis.b4.const" in state and "mapping.fc0.weight" in state:
        return _detect_generator(state, hints)
    if "b4.out.weight" in state and "b4.conv.weight" in state and "b4.fc.weight" in state:
        return _detect_discriminator(state, hints)
    return None


def _resolutions(state: State, pattern: str) -> list[int]:
    regex = re.compile(pattern)
    return sorted({int(m.group(1)) for key in state if (m := regex.match(key))})


def _doubling_resolutions(state: State, pattern: str, first: int, blocks: str) -> list[int]:
    """The block resolutions `pattern` finds, which must run first, 2 * first, 4 * first, ..."""
    resolutions = _resolutions(state, pattern)
    if not resolutions or resolutions[0] != first or any(b != 2 * a for a, b in zip(resolutions, resolutions[1:])):
        raise ImportMismatch(f"{blocks} {resolutions} are not {first}, {2 * first}, {4 * first}, ...")
    return resolutions


def _channel_settings(channels: Mapping[int, int], what: str) -> tuple[int, int]:
    """channel_base and channel_max reproducing channels[res] = min(base // res, max) for every res."""
    channel_max = max(channels.values())
    unsaturated = {res: ch for res, ch in channels.items() if ch < channel_max}
    candidates = list(COMMON_CHANNEL_BASES)
    candidates.append(max((ch * res for res, ch in unsaturated.items()), default=channel_max * max(channels)))
    for base in candidates:
        if all(min(base // res, channel_max) == ch for res, ch in channels.items()):
            return base, channel_max
    raise ImportMismatch(f"{what}: channel counts {dict(sorted(channels.items()))} follow no channel_base / channel_max rule")


def _shape(state: State, key: str, what: str) -> tuple[int, ...]:
    if key not in state:
        raise ImportMismatch(f"{what}: missing {key}")
    return tuple(int(s) for s in state[key].shape)


def _detect_generator(state: State, hints: Mapping[str, Any]) -> ImportResult:
    what = "StyleGAN2 generator"
    resolutions = _doubling_resolutions(state, r"synthesis\.b(\d+)\.", 4, f"{what}: synthesis blocks")
    img_resolution = resolutions[-1]
    w_dim = _shape(state, "synthesis.b4.conv1.affine.weight", what)[1]
    img_channels = _shape(state, f"synthesis.b{img_resolution}.torgb.weight", what)[0]
    channels = {res: _shape(state, f"synthesis.b{res}.conv1.weight", what)[0] for res in resolutions}
    if any(f"synthesis.b{res}.skip.weight" in state for res in resolutions):
        architecture = "resnet"
    elif any(f"synthesis.b{res}.torgb.weight" in state for res in resolutions[:-1]):
        architecture = "skip"
    else:
        architecture = "orig"
    channel_base, channel_max = _channel_settings(channels, what)
    synthesis: dict[str, Any] = dict(channel_base=channel_base, channel_max=channel_max, num_fp16_res=0,
                                     conv_clamp=hints.get("conv_clamp", DEFAULT_CONV_CLAMP), architecture=architecture)
    kernel = _shape(state, "synthesis.b4.conv1.weight", what)[-1]
    if kernel != 3:
        synthesis["kernel_size"] = kernel
    if "synthesis.b4.conv1.noise_strength" not in state:
        synthesis["use_noise"] = False
    if img_resolution > 4:
        taps = state[f"synthesis.b{img_resolution}.resample_filter"]
        if taps.shape != (4, 4) or not torch.allclose(taps.float(), sg2.setup_filter(sg2.DEFAULT_RESAMPLE_FILTER)):
            synthesis["resample_filter"] = taps.float().tolist()

    num_layers = len(_resolutions(state, r"mapping\.fc(\d+)\.weight$"))
    fc0_out, fc0_in = _shape(state, "mapping.fc0.weight", what)
    mapping: dict[str, Any] = dict(num_layers=num_layers, lr_multiplier=hints.get("mapping_lr_multiplier", DEFAULT_MAPPING_LR))
    if "mapping.embed.weight" in state:
        embed_features, c_dim = _shape(state, "mapping.embed.weight", what)
        if embed_features != w_dim:
            mapping["embed_features"] = embed_features
    else:
        embed_features, c_dim = 0, 0
    z_dim = fc0_in - embed_features
    if num_layers > 1 and fc0_out != w_dim:
        mapping["layer_features"] = fc0_out
    if "mapping.w_avg" not in state:
        mapping["w_avg_beta"] = None
    config = dict(z_dim=z_dim, c_dim=c_dim, w_dim=w_dim, img_resolution=img_resolution, img_channels=img_channels,
                  mapping_kwargs=mapping, synthesis_kwargs=synthesis)
    state = {k: _as_float32(v) for k, v in state.items()}
    check_against(ARCH_G, config, state, what)
    return ImportResult(arch=ARCH_G, config=config, state=state, meta={"resolution": img_resolution})


def _detect_discriminator(state: State, hints: Mapping[str, Any]) -> ImportResult:
    what = "StyleGAN2 discriminator"
    resolutions = _doubling_resolutions(state, r"b(\d+)\.conv0\.weight$", 8, f"{what}: blocks")
    img_resolution = resolutions[-1]
    img_channels = _shape(state, f"b{img_resolution}.fromrgb.weight", what)[1]
    channels = {res: _shape(state, f"b{res}.conv0.weight", what)[0] for res in resolutions}
    conv_out, conv_in = _shape(state, "b4.conv.weight", what)[:2]
    channels[4] = conv_out
    if any(f"b{res}.skip.weight" in state for res in resolutions):
        architecture = "resnet"
    elif "b4.fromrgb.weight" in state:
        architecture = "skip"
    else:
        architecture = "orig"
    channel_base, channel_max = _channel_settings(channels, what)
    epilogue: dict[str, Any] = dict(mbstd_group_size=hints.get("mbstd_group_size", DEFAULT_MBSTD_GROUP),
                                    mbstd_num_channels=conv_in - conv_out)
    mapping: dict[str, Any] = {}
    c_dim, cmap_dim = 0, None
    if "mapping.embed.weight" in state:
        c_dim = _shape(state, "mapping.embed.weight", what)[1]
        cmap_dim = _shape(state, "b4.out.weight", what)[0]
        mapping["num_layers"] = len(_resolutions(state, r"mapping\.fc(\d+)\.weight$"))
        mapping["lr_multiplier"] = hints.get("mapping_lr_multiplier", DEFAULT_MAPPING_LR)
    config = dict(c_dim=c_dim, img_resolution=img_resolution, img_channels=img_channels, architecture=architecture,
                  channel_base=channel_base, channel_max=channel_max, num_fp16_res=0,
                  conv_clamp=hints.get("conv_clamp", DEFAULT_CONV_CLAMP), cmap_dim=cmap_dim, block_kwargs={},
                  mapping_kwargs=mapping, epilogue_kwargs=epilogue)
    state = {k: _as_float32(v) for k, v in state.items()}
    check_against(ARCH_D, config, state, what)
    return ImportResult(arch=ARCH_D, config=config, state=state, meta={"resolution": img_resolution})
