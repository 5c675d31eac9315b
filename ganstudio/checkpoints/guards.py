"""Checks that keep a hostile or broken model file from costing memory or time before it is refused.

What a file may make the loader do is bounded here, before the expensive step:
- a torch zip is checked from its central directory before torch reads it
  (torch never writes compressed members, so a compressed one is refused: no
  zip bomb is ever inflated);
- tensors may not claim more bytes than the file holds (a stride-0 view of a
  small storage can claim terabytes);
- a configuration is checked against its schema and built on the meta device,
  and the shapes it implies must be exactly those of the file's tensors, so
  the real network is only built for weights that are really there;
- weights must be finite.
Messages are in our words: never torch's own text, which can carry terminal
colour codes and advice to load the file unsafely.
"""
from __future__ import annotations

import os
import re
import zipfile
from typing import Any, Iterable, Mapping

import torch
import torch.nn as nn

from ganstudio.models.config_schema import SCHEMAS, ConfigError
from ganstudio.models.registry import UnknownArchitecture, build_on_meta

# Members a torch zip holds per storage plus a few fixed ones; far more means a crafted archive.
MAX_ZIP_MEMBERS = 200_000
# Tensors may claim at most this many bytes beyond the file's own size: slack for tied
# weights and small buffers filled in by importers, never a multiple of a tiny file.
TENSOR_BYTES_SLACK = 16 * 2**20
# A StyleGAN2 project zip would be refused anyway; this names it.
PROJECT_MEMBER = "project.json"

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_UNSAFE_ADVICE = re.compile(r"weights_only|allow_pickle|trust|unsafe|add_safe_globals|safe_globals", re.IGNORECASE)


class ConfigProblem(ValueError):
    """A configuration that cannot describe the file's weights; the message says why, naming the argument."""


def clean_detail(text: str, limit: int = 160) -> str:
    """One line of someone else's error text fit to show: no colour codes, no advice to load unsafely.

    Returns "" when nothing safe is left.
    """
    text = _ANSI.sub("", str(text))
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if not line or _UNSAFE_ADVICE.search(line):
        return ""
    return line if len(line) <= limit else line[: limit - 3] + "..."


# ----------------------------------------------------------------------------- torch zips


def check_torch_zip(path: str | os.PathLike[str]) -> str | None:
    """Why the zip at `path` is not a torch checkpoint worth reading, from its directory alone; None if it may be one."""
    size = os.path.getsize(path)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return "the zip archive is truncated or damaged"
    names = [info.filename for info in infos]
    if PROJECT_MEMBER in names:
        return "this is a GAN Studio project (.gstudio), not a model file; open it as a project"
    if len(infos) > MAX_ZIP_MEMBERS:
        return f"the zip archive has {len(infos)} members, far more than a model file has"
    for info in infos:
        if info.compress_type != zipfile.ZIP_STORED:
            # torch writes every member stored; inflating one is how a zip bomb gets its size
            return f"the archive member {_short(info.filename)} is compressed, which torch model files never are"
        if info.file_size != info.compress_size or info.file_size > size:
            return f"the archive member {_short(info.filename)} declares {info.file_size} bytes in a {size}-byte file"
    if sum(info.file_size for info in infos) > size:
        return "the archive's members declare more bytes than the file holds"
    if not any(name.endswith("/data.pkl") and name.count("/") == 1 for name in names):
        return "a zip archive, but not a torch checkpoint (it has no data.pkl)"
    return None


def _short(name: str, limit: int = 60) -> str:
    return repr(name if len(name) <= limit else name[: limit - 3] + "...")


# ----------------------------------------------------------------------------- tensors


def tensor_bytes(tensors: Iterable[torch.Tensor]) -> int:
    return sum(t.numel() * t.element_size() for t in tensors)


def excess_tensor_bytes(tensors: Iterable[torch.Tensor], file_size: int) -> str | None:
    """Why the tensors claim more memory than a file of `file_size` bytes can hold; None if they do not."""
    claimed = tensor_bytes(tensors)
    if claimed > file_size + TENSOR_BYTES_SLACK:
        return (f"its tensors claim {_bytes(claimed)} but the file holds {_bytes(file_size)} "
                "(views that repeat the same data): not a model file")
    return None


# first_non_finite sums small tensors in batches of this many values (one kernel, bounded copy).
FINITE_BATCH = 2**22


def first_non_finite(state: Mapping[str, torch.Tensor]) -> str | None:
    """The name of the first floating tensor holding NaN or infinity, or None.

    The fast test sums many tensors at once (a NaN or inf anywhere makes the sum
    non-finite); only then, or when a legitimately huge sum overflows, is each
    tensor of that batch looked at. Small tensors are batched because a sum per
    tensor costs more in calls than in arithmetic.
    """
    batch: list[tuple[str, torch.Tensor]] = []
    size = 0

    def flush() -> str | None:
        if not batch:
            return None
        values = [value.reshape(-1).to(torch.float32) for _, value in batch]
        total = torch.cat(values).sum() if len(values) > 1 else values[0].sum()
        if not bool(torch.isfinite(total)):
            for name, value in batch:
                if not bool(torch.isfinite(value).all()):
                    return name
        batch.clear()
        return None

    for name, value in state.items():
        if not value.is_floating_point() or value.numel() == 0:
            continue
        batch.append((name, value))
        size += value.numel()
        if size >= FINITE_BATCH:
            bad = flush()
            if bad is not None:
                return bad
            size = 0
    return flush()


def _bytes(count: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"


def _count(count: int) -> str:
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return str(count)


# ----------------------------------------------------------------------------- configurations


def meta_network(arch: str, config: Any) -> nn.Module:
    """The network `config` describes, on the meta device (no memory), after the schema check.

    ConfigProblem names the argument at fault; UnknownArchitecture for an unknown arch.
    """
    try:
        return build_on_meta(arch, config)
    except UnknownArchitecture:
        raise
    except ConfigError as exc:
        raise ConfigProblem(f"{arch} configuration: {exc}") from exc
    except (TypeError, ValueError, KeyError, ZeroDivisionError, OverflowError, RuntimeError) as exc:
        # a combination the schema allows but the constructor refuses
        raise ConfigProblem(f"{arch} configuration cannot be built ({clean_detail(str(exc)) or type(exc).__name__})") from exc


def shape_mismatch(arch: str, config: Mapping[str, Any], expected: Mapping[str, torch.Tensor],
                   shapes: Mapping[str, tuple[int, ...]]) -> str | None:
    """Why tensors of `shapes` are not the weights of `expected` (a meta state dict); None if they are.

    Names the size-driving arguments when the sizes differ, so an absurd
    configuration in a tiny file reads as such.
    """
    missing = sorted(set(expected) - set(shapes))
    unexpected = sorted(set(shapes) - set(expected))
    wrong = [f"{key} is {tuple(shapes[key])}, expected {tuple(value.shape)}"
             for key, value in expected.items() if key in shapes and tuple(shapes[key]) != tuple(value.shape)]
    if not (missing or unexpected or wrong):
        return None
    problems = []
    want = sum(value.numel() for value in expected.values())
    have = sum(_numel(shape) for shape in shapes.values())
    if want != have:
        sizes = ", ".join(f"{name}={value}" for name, value in SCHEMAS[arch].size_arguments(config).items())
        problems.append(f"its configuration ({sizes}) implies {_count(want)} weights but the file holds {_count(have)}")
    if missing:
        problems.append(f"{len(missing)} missing (e.g. {', '.join(missing[:3])})")
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected (e.g. {', '.join(_short(k, 40) for k in unexpected[:3])})")
    if wrong:
        problems.append("; ".join(wrong[:4]) + (f" (+{len(wrong) - 4} more)" if len(wrong) > 4 else ""))
    return f"the weights do not fit {arch}: " + "; ".join(problems)


def _numel(shape: tuple[int, ...]) -> int:
    count = 1
    for side in shape:
        count *= int(side)
    return count


def still_on_meta(module: nn.Module) -> bool:
    """Whether anything of `module` was not replaced by loaded weights (a tensor that is not in its state dict)."""
    for sub in module.modules():
        for value in (*sub._parameters.values(), *sub._buffers.values(), *vars(sub).values()):
            if isinstance(value, torch.Tensor) and value.is_meta:
                return True
    return False
