"""Architecture names used in native files, mapped to the classes that build them.

The names and classes come from the family declarations (`ganstudio.families`).

Imports are lazy so that loading one family does not import all the others.
Every configuration is checked against the architecture's schema
(`config_schema.SCHEMAS`) before a module is built; `build_on_meta` builds
one without allocating, so the shapes it implies can be compared with a
file's tensors before anything real is made.
"""
from __future__ import annotations

import importlib
import inspect
from functools import lru_cache
from typing import Any, Mapping

import torch
import torch.nn as nn
from torch.overrides import TorchFunctionMode

from ganstudio import families

from .config_schema import SCHEMAS, ConfigError

__all__ = ["ARCHITECTURES", "ConfigError", "UnknownArchitecture", "arch_of", "build", "build_on_meta", "check_config", "model_class"]

# name -> "module:Class" inside ganstudio.models: every network the family declarations name
ARCHITECTURES: dict[str, str] = families.architectures()


class UnknownArchitecture(KeyError):
    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


def model_class(arch: str) -> type[nn.Module]:
    if not isinstance(arch, str) or arch not in ARCHITECTURES:
        shown = repr(arch) if isinstance(arch, str) and len(arch) <= 40 else "given"
        raise UnknownArchitecture(f"unknown architecture {shown}; known: {', '.join(sorted(ARCHITECTURES))}")
    module_name, class_name = ARCHITECTURES[arch].split(":")
    module = importlib.import_module(f"ganstudio.models.{module_name}")
    return getattr(module, class_name)


@lru_cache(maxsize=None)
def _signature(arch: str) -> tuple[tuple[str, ...], dict[str, Any]]:
    """(required argument names, defaults) of the constructor of `arch`."""
    required, defaults = [], {}
    for name, param in inspect.signature(model_class(arch)).parameters.items():
        if param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL):
            continue
        if param.default is param.empty:
            required.append(name)
        else:
            defaults[name] = param.default
    return tuple(required), defaults


def check_config(arch: str, config: Any) -> None:
    """UnknownArchitecture, or ConfigError naming the first argument out of type or range."""
    required, defaults = _signature(arch)
    SCHEMAS[arch].validate(config, required=required, defaults=defaults)


def build(arch: str, config: Mapping[str, Any]) -> nn.Module:
    """Construct an untrained module of `arch` from its constructor config (checked first)."""
    check_config(arch, config)
    return model_class(arch)(**config)


# Factory functions that take a device: under _MetaBuild they make meta tensors.
_CONSTRUCTORS = frozenset({
    torch.empty, torch.empty_strided, torch.zeros, torch.ones, torch.full, torch.rand, torch.randn, torch.randint,
    torch.randperm, torch.arange, torch.linspace, torch.logspace, torch.eye,
})
# Not redirected: torch.tensor / as_tensor hold a few values given in the config (filter taps, bounded
# by the schema); they stay real CPU tensors, and whatever is computed from them stays cheap.
_RANDOM = frozenset({torch.randn, torch.rand})
# Shape-preserving functions whose meta kernels are written in Python: F.normalize's imports
# torch._dynamo (a second at the first load of a process); the shape is all a meta build needs.
_SAME_SHAPE = frozenset({torch.nn.functional.normalize})


_ELEMENTWISE = frozenset({
    torch.Tensor.__add__, torch.Tensor.__radd__, torch.Tensor.__sub__, torch.Tensor.__rsub__,
    torch.Tensor.__mul__, torch.Tensor.__rmul__, torch.Tensor.__truediv__, torch.Tensor.__rtruediv__,
    torch.add, torch.sub, torch.mul, torch.div, torch.Tensor.add, torch.Tensor.sub, torch.Tensor.mul, torch.Tensor.div,
})


def _broadcast(a: Any, b: Any) -> torch.Tensor:
    """The meta result of an elementwise a (op) b: broadcast shape, promoted dtype."""
    shapes = [tuple(x.shape) for x in (a, b) if isinstance(x, torch.Tensor)]
    ndim = max(len(shape) for shape in shapes)
    padded = [(1,) * (ndim - len(shape)) + shape for shape in shapes]
    out = []
    for sides in zip(*padded):
        other = {side for side in sides if side != 1}
        if len(other) > 1:
            raise RuntimeError(f"shapes {shapes} do not broadcast")
        out.append(other.pop() if other else 1)
    return torch.empty(out, dtype=torch.result_type(a, b), device="meta")


class _MetaBuild(TorchFunctionMode):
    """`with torch.device("meta")` for building modules, minus the cost of computing on meta tensors.

    Tensor factories make meta tensors; in-place initialisers (uniform_, normal_, zero_...)
    and shape-preserving functions skip their meta kernels, which only check shapes.
    """

    def __torch_function__(self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
        kwargs = kwargs or {}
        if func in _CONSTRUCTORS:
            if kwargs.get("device") is None:
                kwargs["device"] = "meta"
            if func in _RANDOM and torch.device(kwargs["device"]).type == "meta":
                # random values are not needed, and meta randn is written in Python (it imports sympy)
                kwargs.pop("generator", None)
                return torch.empty(*args, **kwargs)
        elif _meta_init_target(func, args, kwargs) is not None:
            # torch.nn.init's functions pass the tensor by keyword; run on meta they reach its Python
            # reference kernels, whose first call imports torch._dynamo (about 1.2 s of a model's load)
            return _meta_init_target(func, args, kwargs)
        elif args and isinstance(args[0], torch.Tensor) and args[0].is_meta:
            name = getattr(func, "__name__", "")
            if name.endswith("_") and not name.endswith("__") and name not in ("set_", "resize_", "as_strided_"):
                return args[0]  # an initialiser: nothing to fill on meta
            if func in _SAME_SHAPE:
                return torch.empty(args[0].shape, dtype=args[0].dtype, device="meta")
            if func in _ELEMENTWISE and len(args) == 2 and not kwargs:
                return _broadcast(*args)
        return func(*args, **kwargs)


def _meta_init_target(func: Any, args: tuple, kwargs: dict) -> torch.Tensor | None:
    """The meta tensor a torch.nn.init initialiser (normal_, kaiming_uniform_...) would fill, else None."""
    if getattr(func, "__module__", "") != "torch.nn.init" or not getattr(func, "__name__", "").endswith("_"):
        return None
    tensor = args[0] if args else kwargs.get("tensor")
    return tensor if isinstance(tensor, torch.Tensor) and tensor.is_meta else None


def build_on_meta(arch: str, config: Mapping[str, Any]) -> nn.Module:
    """The module `config` describes on the meta device: every shape, no memory, no random init.

    The config is checked first, so even an absurd one costs little time here.
    Load weights into it with ``load_state_dict(..., assign=True)``.
    """
    check_config(arch, config)
    with _MetaBuild():
        return model_class(arch)(**config)


def arch_of(module: nn.Module) -> str:
    """The registered architecture name of an instance (exact class match)."""
    cls = type(module)
    for name, target in ARCHITECTURES.items():
        module_name, class_name = target.split(":")
        if cls.__name__ == class_name and cls.__module__ == f"ganstudio.models.{module_name}":
            return name
    raise UnknownArchitecture(f"{cls.__qualname__} is not a registered architecture")
