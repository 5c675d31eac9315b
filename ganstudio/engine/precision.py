"""The measured precision policy: per model and device, the fastest precision whose pictures stay within a gate.

Candidates (see `candidates`): on the CPU fp32, fp32 + channels_last and, where
the processor has bfloat16 arithmetic (AVX512-BF16 or AMX, asked of torch),
bf16 autocast with and without channels_last; on CUDA fp32, fp16 and bf16
autocast with channels_last; on MPS fp32 and fp16 autocast. Autocast keeps the
weights in fp32 and runs convolutions and matrix products in the reduced type,
so one prepared module serves every candidate and every caller.

Each candidate runs the model's probe (`precision_probes`: a few label maps for
a painting model, seeds for StyleGAN2, photos for a translator) and is compared
with fp32 in levels of 255: it passes the gate when the mean difference is at
most 1 level and the 99th percentile at most 4 (`Gate`). A reduced candidate
that fails is tried again with the model's normalisation and modulation blocks
in fp32 (`fp32_island_classes`), the rest reduced. The fastest passing
candidate wins; fp32 always passes. The choice is cached in the user cache
folder per model file (size, modification time and a hash of its first bytes),
machine (processor and its torch capability, device name, thread count) and
torch version, so a model is measured once; a changed file is measured anew.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import statistics
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, ContextManager, Iterable, Iterator, Sequence

import numpy as np
import torch
import torch.nn as nn

NORM_TYPES = (nn.modules.batchnorm._NormBase, nn.GroupNorm, nn.LayerNorm)
HEADER_BYTES = 1 << 16  # hashed with the size and mtime: safetensors keep their metadata up front
CACHE_VERSION = 2  # bump when candidates, probes, the gate or the speed of a layout change (2: channels_last instance norms)
CACHE_ENTRIES = 128


@dataclass(frozen=True)
class Gate:
    """Largest acceptable difference from fp32, in levels of 255 over every probe pixel and channel."""

    mean: float = 1.0
    p99: float = 4.0

    def passes(self, error: "Error") -> bool:
        return error.finite and error.mean <= self.mean and error.p99 <= self.p99

    def describe(self) -> str:
        return f"mean <= {self.mean:g} and p99 <= {self.p99:g} levels of 255"


@dataclass(frozen=True)
class Error:
    mean: float = 0.0
    p99: float = 0.0
    max: float = 0.0
    finite: bool = True

    @staticmethod
    def between(outputs: Sequence[np.ndarray], reference: Sequence[np.ndarray]) -> "Error":
        """Differences in levels of 255; outputs are uint8 pictures or floats in [-1, 1]."""
        diffs = []
        for out, ref in zip(outputs, reference, strict=True):
            a, b = _levels(out), _levels(ref)
            if not np.isfinite(a).all():
                return Error(float("inf"), float("inf"), float("inf"), finite=False)
            diffs.append(np.abs(a - b).ravel())
        d = np.concatenate(diffs) if diffs else np.zeros(1)
        return Error(float(d.mean()), float(np.percentile(d, 99)), float(d.max()))


def _levels(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x)
    if x.dtype == np.uint8:
        return x.astype(np.float64)
    return (x.astype(np.float64) + 1.0) * 127.5


@dataclass(frozen=True)
class Candidate:
    """One way to run a model: autocast type (None: fp32), memory format, blocks kept in fp32."""

    autocast: torch.dtype | None = None
    channels_last: bool = False
    keep_fp32: tuple[str, ...] = ()  # module class names whose forward runs in fp32

    @property
    def precision(self) -> str:
        return {None: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16"}[self.autocast]

    @property
    def name(self) -> str:
        text = self.precision + ("+cl" if self.channels_last else "")
        if self.keep_fp32:
            text += f" ({', '.join(self.keep_fp32)} fp32)"
        return text

    def to_json(self) -> dict[str, Any]:
        return {"precision": self.precision, "channels_last": self.channels_last, "keep_fp32": list(self.keep_fp32)}

    @staticmethod
    def from_json(data: dict[str, Any]) -> "Candidate":
        autocast = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}[str(data["precision"])]
        return Candidate(autocast, bool(data.get("channels_last")), tuple(str(n) for n in data.get("keep_fp32", ())))


FP32 = Candidate()


@dataclass(frozen=True)
class Measured:
    """A candidate's figures: median seconds per probe run and its error against fp32."""

    candidate: Candidate
    seconds: float
    error: Error
    passed: bool


@dataclass(frozen=True)
class Choice:
    """The outcome of a measurement (or of the cache, or of the user's override)."""

    candidate: Candidate
    speedup: float = 1.0  # fp32 time / chosen time
    error: Error = field(default_factory=Error)
    source: str = "default"  # "measured", "cached", "override", "default"
    measure_seconds: float = 0.0
    table: tuple[Measured, ...] = ()
    note: str = ""  # why a requested precision was not honoured as asked

    def describe(self) -> str:
        """For the status bar: 'bf16 (measured 2.9x faster, 0.4 levels)'."""
        name = self.candidate.name
        if self.source in ("measured", "cached"):
            return f"{name} (measured {self.speedup:.1f}x faster, {self.error.mean:.1f} levels)"
        if self.source == "override":
            return f"{name} (chosen by you{'; ' + self.note if self.note else ''})"
        return f"{name} (not measured: no probe for this kind of model)" if self.source == "unprobed" else name

    def to_json(self) -> dict[str, Any]:
        return {
            "candidate": self.candidate.to_json(), "speedup": self.speedup,
            "error": [self.error.mean, self.error.p99, self.error.max], "measure_seconds": self.measure_seconds,
            "table": [[m.candidate.name, m.seconds, m.error.mean, m.error.p99, m.passed] for m in self.table],
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> "Choice":
        mean, p99, top = (float(v) for v in data["error"])
        return Choice(Candidate.from_json(data["candidate"]), float(data["speedup"]), Error(mean, p99, top), "cached",
                      float(data.get("measure_seconds", 0.0)))


# --- what the machine can do ------------------------------------------------------------------


def cpu_has_bf16() -> bool:
    """Whether the processor computes in bfloat16 natively (AVX512-BF16 or AMX); emulated bf16 is slower than fp32."""
    cpu = getattr(torch, "cpu", None)
    for probe in ("_is_avx512_bf16_supported", "_is_amx_tile_supported"):
        check = getattr(cpu, probe, None)
        try:
            if check is not None and check():
                return True
        except Exception:  # older builds: treat as absent
            pass
    return False


def candidates(device: torch.device | str) -> list[Candidate]:
    """What may run a model on this device, fp32 first."""
    device = torch.device(device)
    if device.type == "cuda":
        found = [Candidate(None, True), Candidate(torch.float16, True)]
        if torch.cuda.is_bf16_supported():
            found.append(Candidate(torch.bfloat16, True))
        return found
    if device.type == "mps":
        return [FP32, Candidate(torch.float16)]
    found = [FP32, Candidate(None, True)]
    if cpu_has_bf16():
        found += [Candidate(torch.bfloat16), Candidate(torch.bfloat16, True)]
    return found


def fp32_island_classes(module: nn.Module) -> tuple[str, ...]:
    """Classes of the blocks that hold a normalisation or a style modulation, smallest first.

    These are the layers whose statistics or gains reduced precision hurts most;
    keeping them in fp32 is the fallback when the whole network in bf16 fails the gate.
    """
    names: dict[str, int] = {}
    for sub in module.modules():
        if sub is module or isinstance(sub, (nn.Sequential, nn.ModuleList, nn.ModuleDict) + NORM_TYPES):
            continue
        children = list(sub.children())
        holds_norm = any(isinstance(c, NORM_TYPES) for c in children) or any(
            isinstance(c, nn.Sequential) and any(isinstance(g, NORM_TYPES) for g in c.children()) for c in children)
        modulates = any(isinstance(c, nn.Linear) for c in children) and any(isinstance(c, (nn.Conv2d, nn.ConvTranspose2d)) for c in children)
        if holds_norm or modulates:
            size = sum(p.numel() for p in sub.parameters())
            names[type(sub).__name__] = max(names.get(type(sub).__name__, 0), size)
    return tuple(sorted(names, key=lambda n: names[n]))


# --- applying a candidate to a module ---------------------------------------------------------

_ORIGINAL = "_ganstudio_fp32_forward"


def keep_in_fp32(module: nn.Module, class_names: Iterable[str], device_type: str) -> int:
    """Make the forward of every submodule of these classes run without autocast, on fp32 inputs.

    Undoes earlier wrapping first, so calling it again with other names
    replaces the set; returns how many submodules it wrapped.
    """
    wanted = set(class_names)
    count = 0
    for sub in module.modules():
        if _ORIGINAL in sub.__dict__:
            own = sub.__dict__.pop(_ORIGINAL)  # the instance's own forward before wrapping, if it had one
            if own is None:
                del sub.__dict__["forward"]
            else:
                sub.__dict__["forward"] = own
        if type(sub).__name__ in wanted:
            sub.__dict__[_ORIGINAL] = sub.__dict__.get("forward")
            sub.__dict__["forward"] = _fp32_forward(sub.forward, device_type)
            count += 1
    return count


def _fp32_forward(original: Callable[..., Any], device_type: str) -> Callable[..., Any]:
    def forward(*args: Any, **kwargs: Any) -> Any:
        with torch.autocast(device_type, enabled=False):
            return original(*(_to_fp32(a) for a in args), **{k: _to_fp32(v) for k, v in kwargs.items()})

    return forward


def _to_fp32(value: Any) -> Any:
    if isinstance(value, torch.Tensor) and value.is_floating_point() and value.dtype != torch.float32:
        return value.float()
    return value


def autocast_context(device: torch.device | str, dtype: torch.dtype | None) -> ContextManager[Any]:
    """torch.autocast for a reduced type, or nothing for fp32."""
    if dtype is None:
        return nullcontext()
    return torch.autocast(torch.device(device).type, dtype=dtype)


# --- measuring --------------------------------------------------------------------------------

Probe = Callable[[], list[np.ndarray]]  # runs the model on representative inputs, in the current setting
Apply = Callable[[Candidate], None]  # puts the model into a candidate's setting


def measure(
    probe: Probe,
    apply: Apply,
    device: torch.device | str,
    choices: Sequence[Candidate],
    gate: Gate = Gate(),
    islands: Sequence[str] = (),
    rounds: int | None = None,
) -> Choice:
    """Run every candidate, keep the fastest within the gate (fp32 when none is).

    `apply(candidate)` switches the module (memory format, fp32 islands); the
    probe runs under the candidate's autocast. Each candidate's first run (its
    warm-up) gives its error against fp32; its timings alternate between the
    candidates round by round, so that load from other processes hits them
    alike; the number of rounds shrinks for slow models (3 under 0.15 s per
    probe, 2 under 0.5 s, else 1).
    """
    device = torch.device(device)
    started = time.perf_counter()
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)

    def run(candidate: Candidate) -> tuple[list[np.ndarray], float]:
        apply(candidate)
        with torch.inference_mode(), autocast_context(device, candidate.autocast):
            t0 = time.perf_counter()
            outputs = probe()
            sync()
            return outputs, time.perf_counter() - t0

    baseline = choices[0] if choices else FP32
    if baseline.autocast is not None:
        raise ValueError("the first candidate must be a full-precision one (the reference)")
    run(baseline)  # warm-up: allocator, kernels chosen
    reference, first = run(baseline)
    errors: dict[Candidate, Error] = {baseline: Error()}
    first_runs: dict[Candidate, float] = {baseline: first}
    passing: list[Candidate] = [baseline]
    for candidate in choices[1:]:
        tried = [candidate]
        if candidate.autocast is not None and islands:
            tried += [replace(candidate, keep_fp32=(name,)) for name in islands]
            if len(islands) > 1:
                tried.append(replace(candidate, keep_fp32=tuple(islands)))
        for variant in tried:
            outputs, first_runs[variant] = run(variant)  # also the warm-up of this setting: it is timed below
            errors[variant] = Error.between(outputs, reference)
            if gate.passes(errors[variant]):
                passing.append(variant)
                break  # the first passing variant keeps the most in reduced precision
    rounds = rounds if rounds is not None else (3 if first < 0.15 else 2 if first < 0.5 else 1)
    # rounds=0: errors only, timed by the first runs (tests)
    times: dict[Candidate, list[float]] = {c: [] if rounds else [first_runs[c]] for c in passing}
    for _ in range(rounds):
        for candidate in passing:
            times[candidate].append(run(candidate)[1])
    seconds = {c: statistics.median(t) for c, t in times.items()}
    best = min(passing, key=lambda c: seconds[c])
    apply(best)
    table = tuple(Measured(c, seconds.get(c, float("nan")), e, c in passing) for c, e in errors.items())
    return Choice(best, seconds[baseline] / seconds[best], errors[best], "measured", time.perf_counter() - started, table)


# --- the cache --------------------------------------------------------------------------------


def default_cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("ganstudio", appauthor=False)) / "precision"


def file_identity(path: str | os.PathLike[str]) -> str:
    """Size, modification time and a hash of the first bytes: changes when the file does."""
    stat = os.stat(path)
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        digest.update(f.read(HEADER_BYTES))
    return f"{stat.st_size}:{stat.st_mtime_ns}:{digest.hexdigest()[:32]}"


def machine_identity(device: torch.device | str) -> str:
    device = torch.device(device)
    if device.type == "cuda":
        where = torch.cuda.get_device_name(device)
    else:
        capability = getattr(getattr(torch.backends, "cpu", None), "get_cpu_capability", lambda: "")()
        where = f"{platform.processor() or platform.machine()} {capability} bf16={cpu_has_bf16()} threads={torch.get_num_threads()}"
    return f"{device.type}|{where}|torch {torch.__version__}|v{CACHE_VERSION}"


class ChoiceCache:
    """Measured choices in one JSON file, keyed by model file, part, machine and torch version."""

    def __init__(self, folder: str | os.PathLike[str] | None = None) -> None:
        self.folder = Path(folder) if folder is not None else default_cache_dir()
        self.path = self.folder / "choices.json"

    def key(self, model_path: str | os.PathLike[str], device: torch.device | str, gate: Gate, extra: str = "") -> str:
        text = f"{os.path.realpath(model_path)}|{file_identity(model_path)}|{machine_identity(device)}|{gate}|{extra}"
        return hashlib.sha256(text.encode()).hexdigest()

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text())
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def get(self, key: str) -> Choice | None:
        entry = self._read().get(key)
        if not isinstance(entry, dict):
            return None
        try:
            return Choice.from_json(entry)
        except (KeyError, TypeError, ValueError):
            return None  # an older or damaged entry: measure again

    def put(self, key: str, choice: Choice) -> None:
        data = self._read()
        data.pop(key, None)
        data[key] = choice.to_json()
        while len(data) > CACHE_ENTRIES:
            data.pop(next(iter(data)))
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(data))
            os.replace(temporary, self.path)
        except OSError:
            pass  # a read-only cache only costs a measurement next time


# --- the policy -------------------------------------------------------------------------------

PREFERENCES = ("auto", "fp32", "bf16", "fp16")


def fixed_candidate(preference: str, device: torch.device | str) -> tuple[Candidate, str]:
    """The candidate a named precision means on this device, and a note when it cannot be honoured."""
    device = torch.device(device)
    preference = preference.lower()
    if preference not in PREFERENCES or preference == "auto":
        raise ValueError(f"unknown precision {preference!r}; choose {', '.join(PREFERENCES)}")
    channels_last = device.type == "cuda"
    if preference == "fp32":
        return Candidate(None, channels_last), ""
    if device.type == "cpu":
        if preference == "fp16":
            preference, note = "bf16", "the CPU has no fast float16: running bf16"
        else:
            note = ""
        if not cpu_has_bf16():
            return FP32, note or "this processor has no bfloat16 units: running fp32"
        return Candidate(torch.bfloat16), note
    if device.type == "cuda" and preference == "bf16" and not torch.cuda.is_bf16_supported():
        return Candidate(torch.float16, True), "this GPU has no bfloat16: running fp16"
    if device.type == "mps" and preference == "bf16":
        return Candidate(torch.float16), "MPS runs fp16 rather than bf16"
    return Candidate(torch.bfloat16 if preference == "bf16" else torch.float16, channels_last), ""


class PrecisionPolicy:
    """Chooses each model's precision: from the cache, by measuring, or as the user says."""

    def __init__(self, cache_dir: str | os.PathLike[str] | None = None, gate: Gate = Gate()) -> None:
        self.cache = ChoiceCache(cache_dir)
        self.gate = gate

    def choose(self, model_path: str | os.PathLike[str], device: torch.device | str, module: nn.Module,
               probe: Probe | None, apply: Apply, preference: str = "auto", label: str = "") -> Choice:
        """Put the model into its precision with `apply` and say which and why.

        `label` tells apart several networks measured from one file.
        """
        device = torch.device(device)
        if preference != "auto":
            candidate, note = fixed_candidate(preference, device)
            apply(candidate)
            return Choice(candidate, source="override", note=note)
        if probe is None:
            return Choice(FP32, source="unprobed")  # the caller keeps its default runtime
        key = self.cache.key(model_path, device, self.gate, label) if os.path.exists(model_path) else None
        cached = self.cache.get(key) if key else None
        if cached is not None and cached.candidate in self._allowed(device, module):
            apply(cached.candidate)
            return cached
        choice = measure(probe, apply, device, candidates(device), self.gate, fp32_island_classes(module))
        if key:
            self.cache.put(key, choice)
        return choice

    @staticmethod
    def _allowed(device: torch.device, module: nn.Module) -> set[Candidate]:
        found = set()
        islands = fp32_island_classes(module)
        for candidate in candidates(device):
            found.add(candidate)
            found.update(replace(candidate, keep_fp32=(name,)) for name in islands)
            found.add(replace(candidate, keep_fp32=tuple(islands)))
        return found


# --- for the trainer (it imports the engine's policy; it never imports the app) ----------------


def choose_for_sampling(module: nn.Module, device: torch.device | str, sample: Callable[[], torch.Tensor],
                        gate: Gate = Gate()) -> Choice:
    """The precision a trainer's sample grids use: the app's measurement on its own sample call.

    `sample()` renders the grid (outputs in [-1, 1]) with fixed inputs. Measure
    once (weights change as training goes on, the conditioning of the network
    hardly does); then render each grid inside `sampling_context(choice, device, module)`.
    The module's memory format and fp32 blocks are restored on leaving.
    """
    device = torch.device(device)

    def apply(candidate: Candidate) -> None:
        keep_in_fp32(module, candidate.keep_fp32, device.type)

    def probe() -> list[np.ndarray]:
        return [sample().detach().float().clamp(-1, 1).cpu().numpy()]

    # memory format is left alone: the trainer's module keeps the layout its optimiser expects
    choices = [c for c in candidates(device) if not c.channels_last] or [FP32]
    if choices[0].autocast is not None:
        choices.insert(0, FP32)
    try:
        return measure(probe, apply, device, choices, gate, fp32_island_classes(module), rounds=1)
    finally:
        keep_in_fp32(module, (), device.type)


@contextmanager
def sampling_context(choice: Choice, device: torch.device | str, module: nn.Module) -> Iterator[None]:
    """Run a trainer's sampling in a choice from `choose_for_sampling` (inference only)."""
    device = torch.device(device)
    keep_in_fp32(module, choice.candidate.keep_fp32, device.type)
    try:
        with torch.no_grad(), autocast_context(device, choice.candidate.autocast):
            yield
    finally:
        keep_in_fp32(module, (), device.type)


def training_autocast(device: torch.device | str, enabled: bool = True) -> ContextManager[Any]:
    """Mixed precision for a training step: bf16 autocast on a CPU with bfloat16 units or a GPU that has it, else
    fp16 on CUDA (which needs a torch.amp.GradScaler), else nothing. Losses should be computed in fp32 outside it."""
    device = torch.device(device)
    if not enabled:
        return nullcontext()
    if device.type == "cpu":
        return torch.autocast("cpu", dtype=torch.bfloat16) if cpu_has_bf16() else nullcontext()
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16)
    return nullcontext()
