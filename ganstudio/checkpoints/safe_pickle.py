"""A restricted unpickler for StyleGAN2-ADA network pickles.

NVIDIA's pickles store each network as `torch_utils.persistence.
_reconstruct_persistent_obj(meta)`, whose original implementation execs the
module source carried in `meta`. Here that global resolves to a function that
only records the class name and state (`PersistentRecord`); the source is
dropped unread. Every other global must be on an exact allow-list of
(module, name) pairs, each mapped to a local, side-effect-free stand-in, so
no module named by the file is ever imported. Tensors inside are small
legacy `torch.save` streams, read with `torch.load(weights_only=True)`.
"""
from __future__ import annotations

import codecs
import collections
import io
import os
import pickle
import pickletools
import re
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch

from .errors import CheckpointError
from .guards import clean_detail


class AttrDict(dict):
    """Stand-in for dnnlib.util.EasyDict: a dict whose keys read as attributes."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass
class PersistentRecord:
    """An inert copy of a persistent network object: what it was, never code."""

    class_name: str
    state: dict[str, Any]
    version: Any = None
    kind: str = "class"
    had_source: bool = False  # the file carried module source (always ignored)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def init_args(self) -> tuple:
        return tuple(self.state.get("_init_args") or ())

    @property
    def init_kwargs(self) -> dict[str, Any]:
        return dict(self.state.get("_init_kwargs") or {})

    @property
    def modules(self) -> dict[str, Any]:
        return dict(self.state.get("_modules") or {})

    def state_dict(self, prefix: str = "") -> dict[str, torch.Tensor]:
        """Parameters and persistent buffers of this record and its children, named like nn.Module.state_dict().

        The record tree comes from the file: a child shared by many parents (or by
        itself) would be walked once per path, which grows exponentially with depth,
        so depth and the number of records visited are bounded.
        """
        result: dict[str, torch.Tensor] = {}
        self._collect(prefix, result, [0], depth=0)
        return result

    def _collect(self, prefix: str, result: dict[str, torch.Tensor], visited: list[int], depth: int) -> None:
        visited[0] += 1
        if depth > MAX_RECORD_DEPTH or visited[0] > MAX_RECORDS:
            raise pickle.UnpicklingError(f"the network records nest deeper or more often than a network does (at {prefix[:80]!r})")
        parameters, buffers = self.state.get("_parameters") or {}, self.state.get("_buffers") or {}
        non_persistent = self.state.get("_non_persistent_buffers_set") or ()
        if not all(isinstance(x, dict) for x in (parameters, buffers, self.state.get("_modules") or {})):
            raise pickle.UnpicklingError(f"the record {prefix[:80] or 'at the top'} holds malformed module state")
        non_persistent = set(non_persistent) if isinstance(non_persistent, (set, frozenset, list, tuple)) else set()
        for name, value in parameters.items():
            if value is not None:
                result[prefix + str(name)] = _as_tensor(value, prefix + str(name))
        for name, value in buffers.items():
            if value is not None and name not in non_persistent:
                result[prefix + str(name)] = _as_tensor(value, prefix + str(name))
        for name, child in self.modules.items():
            if isinstance(child, PersistentRecord):
                child._collect(f"{prefix}{name}.", result, visited, depth + 1)
            elif child is not None:
                raise pickle.UnpicklingError(f"submodule {prefix}{name} is a {type(child).__name__}, not a network record")


# Bounds on a record tree: real networks nest a few levels and hold a few hundred modules.
MAX_RECORD_DEPTH = 32
MAX_RECORDS = 100_000


def _as_tensor(value: Any, name: str) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise pickle.UnpicklingError(f"{name[:80]} is a {type(value).__name__}, not a tensor")
    return value


def _reconstruct_persistent_obj(meta: Any) -> PersistentRecord:
    if not isinstance(meta, dict) or not isinstance(meta.get("class_name"), str) or not isinstance(meta.get("state"), dict):
        raise pickle.UnpicklingError("malformed persistent object record")
    extra = {k: v for k, v in meta.items() if k not in ("type", "version", "module_src", "class_name", "state")}
    return PersistentRecord(
        class_name=meta["class_name"],
        state=dict(meta["state"]),
        version=meta.get("version"),
        kind=str(meta.get("type", "class")),
        had_source=bool(meta.get("module_src")),
        extra=extra,
    )


def _load_storage_from_bytes(data: bytes) -> Any:
    if not isinstance(data, (bytes, bytearray)):
        raise pickle.UnpicklingError("tensor storage is not a byte string")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # TypedStorage deprecation: legacy streams hold typed storages
            storage = torch.load(io.BytesIO(bytes(data)), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        # torch's own text advises loading unsafely: name the refused global in our words instead
        raise pickle.UnpicklingError(f"an embedded tensor stream holds objects other than weights{refused_name(exc)}") from None
    except Exception as exc:  # a damaged stream surfaces as assorted torch errors
        raise pickle.UnpicklingError(f"an embedded tensor stream is damaged ({type(exc).__name__})") from None
    if not isinstance(storage, (torch.TypedStorage, torch.UntypedStorage)):
        raise pickle.UnpicklingError(f"embedded tensor stream holds a {type(storage).__name__}, not a storage")
    return storage


# torch names a refused global as "GLOBAL module.name" (or "global: module.name" in some versions)
_GLOBAL_NAME = re.compile(r"GLOBAL ([A-Za-z_][\w.]*)|[Gg]lobal:? ([A-Za-z_][\w]*\.[\w.]+)")


def refused_name(exc: BaseException) -> str:
    """' (it names os.system)' from torch's weights_only refusal, or '' when it names none."""
    match = _GLOBAL_NAME.search(str(exc))
    if not match:
        return ""
    name = (match.group(1) or match.group(2)).replace(" ", ".")
    return f" (it names {name[:80]}, which is not allowed)"


def _rebuild_tensor(storage: Any, storage_offset: int, size: tuple, stride: tuple, requires_grad: bool = False,
                    backward_hooks: Any = None, metadata: Any = None) -> torch.Tensor:
    if not isinstance(storage, (torch.TypedStorage, torch.UntypedStorage)):
        raise pickle.UnpicklingError("tensor rebuilt from something that is not a storage")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dtype = storage.dtype if isinstance(storage, torch.TypedStorage) else torch.uint8
        untyped = storage.untyped() if isinstance(storage, torch.TypedStorage) else storage
    tensor = torch.empty((0,), dtype=dtype)
    tensor.set_(untyped, int(storage_offset), tuple(int(s) for s in size), tuple(int(s) for s in stride))
    return tensor  # hooks and requires_grad are training-time state: dropped


def _rebuild_parameter(data: Any, requires_grad: bool = False, backward_hooks: Any = None, state: Any = None) -> torch.Tensor:
    if not isinstance(data, torch.Tensor):
        raise pickle.UnpicklingError("parameter rebuilt from something that is not a tensor")
    return data


_NUMERIC_KINDS = "biufc"


def _numpy_dtype(name: Any, align: bool = False, copy: bool = False) -> np.dtype:
    if not isinstance(name, str):
        raise pickle.UnpicklingError("numpy dtype given by something other than its name")
    dtype = np.dtype(name)
    if dtype.kind not in _NUMERIC_KINDS:
        raise pickle.UnpicklingError(f"numpy dtype {name!r} is not numeric")
    return dtype


def _numpy_scalar(dtype: Any, data: Any = None) -> Any:
    if not isinstance(dtype, np.dtype) or dtype.kind not in _NUMERIC_KINDS or not isinstance(data, bytes):
        raise pickle.UnpicklingError("numpy scalar of an unsupported kind")
    if len(data) != dtype.itemsize:
        raise pickle.UnpicklingError("numpy scalar with the wrong number of bytes")
    return np.frombuffer(data, dtype=dtype, count=1)[0]


def _latin1_encode(text: Any, encoding: str = "latin1") -> bytes:
    # protocol-2 pickles spell bytes objects as _codecs.encode(str, 'latin1')
    if not isinstance(text, str) or codecs.lookup(encoding).name != "iso8859-1":
        raise pickle.UnpicklingError("only latin-1 byte strings are allowed")
    return text.encode("latin1")


def _make_set(items: Any = ()) -> set:
    return set(items)


def _make_frozenset(items: Any = ()) -> frozenset:
    return frozenset(items)


# The exact allow-list: (module, name) -> local stand-in. Nothing else resolves.
ALLOWED_GLOBALS: dict[tuple[str, str], Callable[..., Any] | type] = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("builtins", "set"): _make_set,
    ("builtins", "frozenset"): _make_frozenset,
    ("_codecs", "encode"): _latin1_encode,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch.storage", "_load_from_bytes"): _load_storage_from_bytes,
    ("torch_utils.persistence", "_reconstruct_persistent_obj"): _reconstruct_persistent_obj,
    ("dnnlib.util", "EasyDict"): AttrDict,
    ("numpy", "dtype"): _numpy_dtype,
    ("numpy.core.multiarray", "scalar"): _numpy_scalar,
    ("numpy._core.multiarray", "scalar"): _numpy_scalar,
}


class PickledNamespace(dict):
    """Stand-in for argparse.Namespace (the options stylegan2-pytorch's train.py saves as `args`).

    Built by the unpicklers as a plain dict of the attributes the file recorded; nothing of
    argparse is imported or called. Pickle builds it empty (NEWOBJ with no arguments) and then
    hands over the attribute dict (BUILD); any other use is refused.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> "PickledNamespace":
        if args or kwargs:
            raise pickle.UnpicklingError("argparse.Namespace rebuilt with arguments: not how a Namespace is pickled")
        return super().__new__(cls)

    def __init__(self) -> None:
        super().__init__()

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, dict) or not all(isinstance(key, str) for key in state):
            raise pickle.UnpicklingError("argparse.Namespace with a state that is not a dict of attribute names")
        self.update(state)


class PickledConfig(PickledNamespace):
    """Stand-in for pytorch_GAN_zoo's `models.utils.config.BaseConfig` (the `config` of its checkpoints): a plain
    dict of the attributes the file recorded (noiseVectorDim, depthScale0, alpha, ...). That project's module is
    never imported; the class is empty there too, so the attributes are all it ever had."""


# Classes that torch.load(weights_only=True) may rebuild beyond tensors and plain containers:
# "module.name" -> our side-effect-free stand-in (registered with torch below).
TORCH_LOAD_ALLOWED: dict[str, type] = {"argparse.Namespace": PickledNamespace, "models.utils.config.BaseConfig": PickledConfig}
# torch resolves each entry by its exact dotted name to our class; registered once, at import
# (the loaders import this module), rather than per load: torch's `safe_globals` context manager
# swaps a process-wide set, which would race between threads.
torch.serialization.add_safe_globals([(cls, name) for name, cls in TORCH_LOAD_ALLOWED.items()])


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that resolves only ALLOWED_GLOBALS and refuses persistent ids.

    Tensors it rebuilds may claim at most `tensor_budget` bytes in all: a view
    with zero strides over a few bytes of storage could otherwise claim
    terabytes, which the first copy of it would then allocate.
    """

    def __init__(self, file: Any, *, tensor_budget: int | None = None) -> None:
        super().__init__(file)
        self.tensor_budget = tensor_budget
        self.tensor_bytes = 0

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return self._counted_rebuild
        try:
            return ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            pass
        if module.startswith("dnnlib.tflib"):
            raise pickle.UnpicklingError(
                f"this is a TensorFlow-era StyleGAN pickle ({module}.{name}); convert it to a PyTorch "
                "network pickle with stylegan2-ada-pytorch's legacy.py first")
        raise pickle.UnpicklingError(f"refused global {module}.{name} (not on the allow-list)")

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError("refused persistent id (not a network pickle)")

    def _counted_rebuild(self, storage: Any, storage_offset: int, size: tuple, *args: Any) -> torch.Tensor:
        if not isinstance(size, (tuple, list)) or len(size) > 8 or not all(isinstance(s, int) and s >= 0 for s in size):
            raise pickle.UnpicklingError("a tensor with a malformed shape")
        numel = 1
        for side in size:
            numel *= side
        itemsize = storage.dtype.itemsize if isinstance(storage, torch.TypedStorage) else 1
        self.tensor_bytes += numel * itemsize
        if self.tensor_budget is not None and self.tensor_bytes > self.tensor_budget:
            raise pickle.UnpicklingError(
                f"its tensors claim more than {self.tensor_budget} bytes, more than the file holds (views that repeat data)")
        return _rebuild_tensor(storage, storage_offset, size, *args)


# Protocol-5 out-of-band buffers never occur in network pickles; refusing them
# also avoids huge bytearray allocations from damaged length fields.
REFUSED_OPCODES = {"BYTEARRAY8", "NEXT_BUFFER", "READONLY_BUFFER"}


def prescan(data: bytes) -> None:
    """Walk the opcode stream without executing it: catches truncation, junk and refused opcodes up front.

    The opcode reader checks every declared length against the bytes that are
    really there, so a damaged length cannot make the unpickler allocate wildly.
    """
    try:
        for opcode, _arg, position in pickletools.genops(data):
            if opcode.name in REFUSED_OPCODES:
                raise pickle.UnpicklingError(f"refused opcode {opcode.name} at byte {position}")
    except pickle.UnpicklingError:
        raise
    except ValueError as exc:
        text = str(exc)
        if any(hint in text for hint in ("remain", "exhausted", "but only", "not enough data", "no newline")):
            raise pickle.UnpicklingError(f"pickle data was truncated ({text})") from exc
        raise pickle.UnpicklingError(f"not a valid pickle ({text})") from exc
    except UnicodeDecodeError as exc:
        raise pickle.UnpicklingError(f"not a valid pickle (bad text: {exc.reason})") from exc


# Tensors may claim this much beyond the pickle's own size (see RestrictedUnpickler).
TENSOR_BYTES_SLACK = 16 * 2**20


def loads(data: bytes) -> Any:
    """Unpickle bytes with the restricted unpickler (pickle.UnpicklingError on anything refused)."""
    prescan(data)
    return RestrictedUnpickler(io.BytesIO(data), tensor_budget=len(data) + TENSOR_BYTES_SLACK).load()


def load(path: str | os.PathLike[str]) -> Any:
    """Unpickle a file; every failure becomes CheckpointError naming the file and the reason."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise CheckpointError(path, f"cannot read the file ({exc.strerror or type(exc).__name__})") from exc
    try:
        return loads(data)
    except pickle.UnpicklingError as exc:
        text = str(exc)
        if "truncated" in text:
            raise CheckpointError(path, f"the pickle is truncated or damaged ({text})") from exc
        raise CheckpointError(path, f"refused to unpickle: {text}") from exc
    except EOFError as exc:
        raise CheckpointError(path, "the pickle is truncated (ended early)") from exc
    except (RuntimeError, ValueError, TypeError, KeyError, IndexError, AttributeError, MemoryError,
            OverflowError, UnicodeDecodeError, ImportError, OSError) as exc:
        # malformed opcode streams surface as assorted errors from the pickle machine
        detail = clean_detail(str(exc))
        raise CheckpointError(path, f"not a readable pickle ({type(exc).__name__}{': ' + detail if detail else ''})") from exc
