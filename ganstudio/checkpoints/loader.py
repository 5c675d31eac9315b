"""`load_model`: open a native file or an official checkpoint, never running code from it."""
from __future__ import annotations

import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch

from . import importers
from .containers import canonical_state_dict
from .errors import CheckpointError
from .importers import ImportMismatch, ImportResult
from .loaded import LoadedModel
from .native import instantiate, is_native, load_native, read_safetensors

PICKLE_SUFFIXES = (".pkl", ".pickle")


def sniff(path: Path) -> str:
    """'safetensors', 'zip' (torch >= 1.6), 'pickle' (legacy torch or StyleGAN .pkl) or 'unknown'."""
    with open(path, "rb") as handle:
        head = handle.read(16)
    if len(head) >= 9 and head[8:9] == b"{" and int.from_bytes(head[:8], "little") < 100_000_000:
        return "safetensors"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head[:1] == b"\x80":
        return "pickle"
    return "unknown"


def load_model(path: str | os.PathLike[str], device: str | torch.device = "cpu", **hints: Any) -> LoadedModel:
    """Load a model file for inference.

    Native ``.safetensors`` files describe themselves. Official files
    (``latest_net_G.pth``, StarGAN ``*-G.ckpt``, StyleGAN2-ADA ``*.pkl``) are
    recognised from their key names and shapes; `hints` supply what weights
    cannot tell (e.g. ``preset="ade20k"``, ``crop_size=256``,
    ``aspect_ratio=1.0``, ``num_upsampling_layers="more"``, ``arch=...``).
    Every failure raises CheckpointError naming the file and the problem.
    """
    path = Path(path)
    if not path.exists():
        raise CheckpointError(path, "file not found")
    if not path.is_file():
        raise CheckpointError(path, "not a file")
    if path.stat().st_size == 0:
        raise CheckpointError(path, "the file is empty")
    kind = sniff(path)

    if kind == "safetensors":
        tensors, metadata = read_safetensors(path)
        if is_native(metadata):
            return load_native(path, tensors, metadata, device)
        return _import(path, tensors, hints, device)

    if kind == "pickle" and path.suffix.lower() in PICKLE_SUFFIXES:
        from .importers import stylegan2

        try:
            result = stylegan2.from_pickle(path, hints)
        except ImportMismatch as exc:
            raise CheckpointError(path, str(exc)) from exc
        return _instantiate_result(path, result, device)

    if kind in ("zip", "pickle"):
        obj = _torch_load(path)
        state = canonical_state_dict(obj)
        if state is None:
            raise CheckpointError(path, "contains no tensor state dict (is it a model checkpoint?)")
        return _import(path, state, hints, device)

    raise CheckpointError(path, "unrecognised file format (not safetensors, a torch checkpoint or a StyleGAN pickle)")


def _torch_load(path: Path) -> Any:
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        # weights_only refuses anything but tensors and plain containers
        raise CheckpointError(path, f"refused to unpickle: the file holds objects other than weights ({_first_line(exc)})") from exc
    except (zipfile.BadZipFile, EOFError) as exc:
        raise CheckpointError(path, f"the file is truncated or damaged ({_first_line(exc)})") from exc
    except (RuntimeError, ValueError, OSError, AttributeError, TypeError, KeyError, IndexError) as exc:
        raise CheckpointError(path, f"cannot read as a torch checkpoint ({_first_line(exc)})") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _import(path: Path, state: dict[str, torch.Tensor], hints: dict[str, Any], device: str | torch.device) -> LoadedModel:
    try:
        result = importers.detect(state, hints)
    except ImportMismatch as exc:
        raise CheckpointError(path, str(exc)) from exc
    if result is None:
        sample = ", ".join(list(state)[:4])
        raise CheckpointError(path, f"unknown architecture: the weights match no supported model (keys such as {sample})")
    return _instantiate_result(path, result, device)


def _instantiate_result(path: Path, result: ImportResult, device: str | torch.device) -> LoadedModel:
    meta = dict(result.meta)
    meta.setdefault("provenance", {"imported_from": path.name})
    loaded = instantiate(path, result.arch, result.config, result.state, meta, device)
    for name, part in result.parts.items():
        loaded.parts[name] = instantiate(path, part.arch, part.config, part.state, dict(part.meta), device)
    return loaded
