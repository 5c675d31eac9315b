"""Where and how models run: device choice, the default precision, out-of-memory fallback.

Device "auto" picks CUDA, then Apple MPS, then the CPU; the CLI and the
preferences may name one ("cuda", "cuda:1", "mps", "cpu"). Without a
measurement (`runtime_for`): on CUDA, networks that their family declares
half-safe (`ganstudio.families`: those whose layers are normalised, SPADE,
SEAN, pix2pix, CycleGAN, StarGAN) run in float16 with channels_last memory;
the others (StyleGAN2, OASIS, discriminators) stay float32; MPS and the CPU
run float32. The measured policy (`precision.py`, applied by the model cache)
replaces that default per model: a Runtime may then run under autocast
(bf16 on a CPU with bfloat16 units, fp16/bf16 on CUDA) with some blocks kept
in fp32.
"""
from __future__ import annotations

import os
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, Callable, ContextManager, Generic, TypeVar

import numpy as np
import torch
import torch.nn as nn

from ganstudio import families

T = TypeVar("T")

PRECISIONS = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}
HALF_SAFE_ARCHS = frozenset(arch for arch in families.architectures() if families.half_safe(arch))


@dataclass(frozen=True)
class DeviceChoice:
    device: torch.device
    description: str  # for the status bar: "CPU (2 threads)", "NVIDIA GeForce RTX 4090"
    note: str = ""  # why the request was not honoured, if it was not


def cuda_usable() -> bool:
    return torch.cuda.is_available() and torch.cuda.device_count() > 0


def mps_usable() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def describe_device(device: torch.device | str) -> str:
    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    if device.type == "mps":
        return "Apple GPU (MPS)"
    if device.type != "cpu":
        return device.type.upper()
    threads = torch.get_num_threads()
    return f"CPU ({threads} thread{'s' if threads != 1 else ''})"


def choose_device(preference: str = "auto") -> DeviceChoice:
    """Resolve a device preference; an unusable request falls back to auto and says so."""
    preference = (preference or "auto").strip().lower()
    note = ""
    if preference != "auto":
        try:
            wanted = torch.device(preference)
        except RuntimeError:
            wanted = None
            note = f"unknown device {preference!r}"
        if wanted is not None:
            if wanted.type == "cpu":
                return DeviceChoice(wanted, describe_device(wanted))
            if wanted.type == "cuda" and cuda_usable():
                if wanted.index is None or wanted.index < torch.cuda.device_count():
                    return DeviceChoice(wanted, describe_device(wanted))
                note = f"there is no {preference} (found {torch.cuda.device_count()} CUDA device(s))"
            elif wanted.type == "mps" and mps_usable():
                return DeviceChoice(wanted, describe_device(wanted))
            else:
                note = note or f"{preference} is not available on this machine"
    if cuda_usable():
        device = torch.device("cuda")
    elif mps_usable():
        device = torch.device("mps")
    else:
        device = torch.device("cpu")
    description = describe_device(device)
    if note:
        note = f"{note}; using {description}"
    return DeviceChoice(device, description, note)


def worker_thread_count(cpu_count: int | None = None) -> int:
    """Torch intra-op threads for the worker: all cores but one, which stays with the UI.

    Torch releases the GIL inside its kernels, so a worker using every core
    would compete with the UI thread for CPU time and make painting stutter.
    """
    cpu_count = cpu_count or os.cpu_count() or 1
    return max(1, cpu_count - 1)


@dataclass(frozen=True)
class Runtime:
    """A device plus the precision and memory format a model runs with there."""

    device: torch.device
    dtype: torch.dtype = torch.float32
    channels_last: bool = False
    # measured policy (precision.py): run under autocast to this type, these module classes in fp32
    autocast: torch.dtype | None = None
    keep_fp32: tuple[str, ...] = ()
    note: str = field(default="", compare=False)  # how it was chosen: "measured 2.9x faster, 0.4 levels"

    @property
    def precision_name(self) -> str:
        dtype = self.autocast if self.autocast is not None else self.dtype
        return {v: k for k, v in PRECISIONS.items()}.get(dtype, str(dtype))

    def describe(self) -> str:
        return f"{describe_device(self.device)}, {self.precision_name}"

    def autocast_context(self) -> ContextManager[Any]:
        """The autocast a job on this runtime runs under (nothing in full precision)."""
        if self.autocast is None:
            return nullcontext()
        return torch.autocast(self.device.type, dtype=self.autocast)

    def prepare(self, module: nn.Module) -> nn.Module:
        """Move a module here in eval mode, without gradients, in this precision."""
        from .precision import keep_in_fp32

        module.eval().requires_grad_(False)
        module.to(device=self.device, dtype=self.dtype)
        layout = torch.channels_last if self.channels_last else torch.contiguous_format
        try:
            module.to(memory_format=layout)
        except RuntimeError:
            # only 4-d tensors have a channels_last layout: module.to refuses a module that holds a 5-d one
            # (GigaGAN's bank of adaptive kernels); then its 4-d tensors are converted one by one. Not the
            # first choice: on the bundled SPADE this path ran bf16 about 20 % slower than module.to (not understood)
            module._apply(lambda t: t.contiguous(memory_format=layout) if t.dim() == 4 else t)
        keep_in_fp32(module, self.keep_fp32, self.device.type)
        return module

    def tensor(self, array: np.ndarray | torch.Tensor, dtype: torch.dtype | None = None) -> torch.Tensor:
        """A numpy input on this device: floats in the run precision, integers as they are."""
        if isinstance(array, np.ndarray):
            # job arrays are read-only; torch warns on sharing those, so copy them (once, on the CPU)
            array = np.ascontiguousarray(array) if array.flags.writeable else np.array(array, order="C")
            value = torch.from_numpy(array)
        else:
            value = array
        if dtype is None and value.is_floating_point():
            dtype = self.dtype
        value = value.to(device=self.device, dtype=dtype, non_blocking=True)
        if self.channels_last and value.dim() == 4 and value.is_floating_point():
            value = value.contiguous(memory_format=torch.channels_last)
        return value

    @staticmethod
    def numpy(value: torch.Tensor) -> np.ndarray:
        """Back to a plain numpy array (floats as float32) for the app layer."""
        value = value.detach()
        if value.is_floating_point():
            value = value.float()
        return value.cpu().contiguous().numpy()


CPU_RUNTIME = Runtime(torch.device("cpu"))


def runtime_for(device: torch.device | str, arch: str = "", precision: str = "auto") -> Runtime:
    """The precision policy: half precision + channels_last on CUDA where safe, fp32 elsewhere.

    `precision` ("auto", "fp32", "fp16", "bf16") overrides the policy on CUDA;
    MPS and the CPU always run float32.
    """
    device = torch.device(device)
    if device.type != "cuda":
        return Runtime(device)
    precision = (precision or "auto").lower()
    if precision == "auto":
        dtype = torch.float16 if families.half_safe(arch) else torch.float32
    elif precision in PRECISIONS:
        dtype = PRECISIONS[precision]
        if dtype is torch.bfloat16 and not torch.cuda.is_bf16_supported():
            dtype = torch.float16
    else:
        raise ValueError(f"unknown precision {precision!r}; choose auto, fp32, fp16 or bf16")
    return Runtime(device, dtype, channels_last=True)


# --- out of memory ------------------------------------------------------------------------


class OutOfDeviceMemory(RuntimeError):
    """Every fallback ran out of memory too; the message says what was tried."""


def is_out_of_memory(exc: BaseException) -> bool:
    if isinstance(exc, torch.cuda.OutOfMemoryError):
        return True
    if isinstance(exc, RuntimeError):
        text = str(exc).lower()
        # MPS and the CPU allocator raise plain RuntimeErrors
        return "out of memory" in text or "can't allocate memory" in text or "not enough memory" in text
    return False


def empty_device_cache(device: torch.device | str | None = None) -> None:
    kind = torch.device(device).type if device is not None else ("cuda" if cuda_usable() else "cpu")
    if kind == "cuda" and cuda_usable():
        torch.cuda.empty_cache()
    elif kind == "mps" and mps_usable():
        torch.mps.empty_cache()


@dataclass(frozen=True)
class Attempt(Generic[T]):
    """A cheaper way to do the same work, and how to tell the user about it ("tiled")."""

    run: Callable[[], T]
    label: str


@dataclass(frozen=True)
class Fallback(Generic[T]):
    result: T
    note: str = ""  # empty when the first attempt worked
    on_cpu: bool = False


def run_with_oom_fallback(
    primary: Callable[[], T],
    *,
    lower_cost: Attempt[T] | None = None,
    on_cpu: Callable[[], T] | None = None,
    device: torch.device | str | None = None,
    empty_cache: Callable[[], None] | None = None,
) -> Fallback[T]:
    """Run `primary`; on out-of-memory free the cache, retry cheaper, then on the CPU.

    Only out-of-memory errors trigger the fallbacks; anything else propagates.
    Returns the result with a user-facing note saying which path produced it.
    """
    where = "GPU" if device is None or torch.device(device).type != "cpu" else "CPU"
    free = empty_cache or (lambda: empty_device_cache(device))
    tried: list[str] = []
    try:
        return Fallback(primary())
    except Exception as exc:
        if not is_out_of_memory(exc):
            raise
        first_error = exc
        tried.append("the full job")
    free()
    if lower_cost is not None:
        try:
            return Fallback(lower_cost.run(), f"{where} out of memory: ran {lower_cost.label} instead")
        except Exception as exc:
            if not is_out_of_memory(exc):
                raise
            tried.append(lower_cost.label)
        free()
    if on_cpu is not None:
        try:
            return Fallback(on_cpu(), f"{where} out of memory: ran on the CPU instead (slower)", on_cpu=True)
        except Exception as exc:
            if not is_out_of_memory(exc):
                raise
            tried.append("on the CPU")
    raise OutOfDeviceMemory(f"out of memory ({', then '.join(tried)}): {first_line(first_error)}") from first_error


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type's name when it has none), for one-line reports."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__

