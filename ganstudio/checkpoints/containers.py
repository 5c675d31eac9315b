"""Unwrap the containers that training scripts put around state dicts."""
from __future__ import annotations

from typing import Any, Mapping

import torch

from .safe_pickle import PickledConfig

# Keys under which trainers nest the weights we want, in order of preference
# (rosinality/stylegan2-pytorch: `g_ema`, else its training copy `g`).
# pytorch_GAN_zoo saves {config, netG, netD, avgG}: its test script runs the averaged `avgG`.
WRAPPER_KEYS = ("G_ema", "g_ema", "params_ema", "state_dict", "model", "avgG", "netG", "G", "g", "generator", "params")
# Tensors saved beside the weights that their importer needs, kept under the same key: the
# average latent for truncation (stylegan2-pytorch's convert_weight.py, pSp / e4e).
SIDE_TENSORS = ("latent_avg",)
# Networks saved beside the wrapped one that its importer can offer as parts, kept as
# `<key>.<name>`: stylegan2-pytorch's discriminator `d` beside `g_ema` / `g`.
COMPANIONS = {"g_ema": ("d",), "g": ("d",)}
PREFIXES = ("module.", "netG.", "_orig_mod.")
# Two-domain trainers (NVlabs/MUNIT, mingyuliutw/UNIT) save {'a': gen_a state, 'b': gen_b state}: kept as a.* / b.*
DOMAIN_PAIR = ("a", "b")
MAX_PREFIX_PASSES = 8  # DDP inside torch.compile inside a wrapper is three


def is_state_dict(obj: Any) -> bool:
    return isinstance(obj, Mapping) and bool(obj) and all(isinstance(k, str) for k in obj) and all(
        isinstance(v, torch.Tensor) for v in obj.values()
    )


def canonical_state_dict(obj: Any) -> dict[str, torch.Tensor] | None:
    """Find the tensor dict inside `obj` and strip wrapper prefixes; None if there is none.

    SIDE_TENSORS and COMPANIONS found beside a wrapper key are added afterwards (never
    replacing a weight of the same name).
    """
    extras: dict[str, torch.Tensor] = {}
    for _ in range(4):  # nesting depth seen in the wild is at most 2
        if is_state_dict(obj):
            break
        if not isinstance(obj, Mapping):
            return None
        if set(obj) == set(DOMAIN_PAIR) and all(is_state_dict(obj[side]) for side in DOMAIN_PAIR):
            obj = {f"{side}.{k}": v for side in DOMAIN_PAIR for k, v in _strip_prefixes(dict(obj[side])).items()}
            break
        key = next((k for k in WRAPPER_KEYS if k in obj and isinstance(obj[k], Mapping)), None)
        if key is None:
            return None
        extras.update({name: obj[name] for name in SIDE_TENSORS if isinstance(obj.get(name), torch.Tensor)})
        for name in COMPANIONS.get(key, ()):
            if is_state_dict(obj.get(name)):
                extras.update({f"{name}.{k}": v for k, v in _strip_prefixes(dict(obj[name])).items()})
        obj = obj[key]
    else:
        return None
    state = _strip_prefixes(dict(obj))
    for name, value in extras.items():
        state.setdefault(name, value)
    return state


# Options that pSp / e4e / HyperStyle files store in their plain `opts` dict and that their
# weights cannot tell (pSp and e4e encoders have the same keys), passed to importers as hints.
FILE_OPTIONS = {"encoder_type": str, "start_from_latent_avg": bool}


# pytorch_GAN_zoo's `config` (read as an inert dict, safe_pickle.PickledConfig): a file saved mid fade-in blends
# its last two scales by `alpha`, and the loss it was trained with decides whether the output ends in tanh; no
# weight records either. config attribute -> hint
CONFIG_OPTIONS = {"alpha": "alpha", "lossCriterion": "loss_criterion"}
ZOO_LOSSES = ("MSE", "WGANGP", "Logistic", "DCGAN")


def file_hints(obj: Any) -> dict[str, Any]:
    """The FILE_OPTIONS found in a checkpoint's top-level ``opts`` mapping (short strings and booleans only), and
    the CONFIG_OPTIONS of a pytorch_GAN_zoo `config` (alpha in [0, 1], a known loss name)."""
    found: dict[str, Any] = {}
    config = obj.get("config") if isinstance(obj, Mapping) else None
    if isinstance(config, PickledConfig):
        alpha, loss = config.get("alpha"), config.get("lossCriterion")
        if isinstance(alpha, (int, float)) and not isinstance(alpha, bool) and 0.0 <= float(alpha) <= 1.0:
            found[CONFIG_OPTIONS["alpha"]] = float(alpha)
        if isinstance(loss, str) and loss in ZOO_LOSSES:
            found[CONFIG_OPTIONS["lossCriterion"]] = loss
    opts = obj.get("opts") if isinstance(obj, Mapping) else None
    if not isinstance(opts, Mapping):
        return found
    for name, kind in FILE_OPTIONS.items():
        value = opts.get(name)
        if isinstance(value, kind) and (not isinstance(value, str) or len(value) <= 64):
            found[name] = value
    return found


def _strip_prefixes(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    changed = True
    passes = 0
    while changed and passes < MAX_PREFIX_PASSES:  # a crafted key of a million 'module.' would take quadratic time
        changed = False
        passes += 1
        for prefix in PREFIXES:
            if state and all(k.startswith(prefix) for k in state):
                state = {k[len(prefix):]: v for k, v in state.items()}
                changed = True
    return state
