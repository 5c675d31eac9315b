"""`load_model`: open a native file or an official checkpoint, never running code from it.

Every failure, whatever the file holds, is a CheckpointError naming the file
once and saying in our words what is wrong; what a file can make the loader
allocate or compute is bounded before the expensive step (see `guards`).
"""
from __future__ import annotations

import json
import os
import pickle
import zipfile
from pathlib import Path
from typing import Any, Mapping

import torch

from ganstudio import families

from . import importers
from .containers import canonical_state_dict, file_hints
from .errors import CheckpointError
from .guards import check_torch_zip, excess_tensor_bytes
from .hints import HintError, check_hints
from .importers import ImportMismatch, ImportResult
from .loaded import LoadedModel
from .native import instantiate, is_native, load_native, read_safetensors
from .safe_pickle import refused_name

PICKLE_SUFFIXES = (".pkl", ".pickle")
# A state dict with more tensors than this is no network of ours (SEAN, the largest, has ~1000).
MAX_TENSORS = 100_000


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
    try:
        check_hints(hints)
    except HintError as exc:
        raise CheckpointError(path, str(exc)) from None
    try:
        loaded = _load(path, hints)
    except CheckpointError:
        raise
    except MemoryError:
        raise CheckpointError(path, "ran out of memory while reading it") from None
    except RecursionError:
        raise CheckpointError(path, "its contents nest too deeply to be a model file") from None
    except Exception as exc:  # the contract: whatever a malformed file triggers, the caller sees a CheckpointError
        raise CheckpointError(path, f"the file is damaged or not a model this version can read ({type(exc).__name__})") from exc
    _join_encoder_file(path, loaded)
    _name_classes_from_vocab(path, loaded)
    # outside the guard: a device that cannot take the model is the caller's problem, not the file's
    if torch.device(device).type != "cpu":
        loaded.module.to(device)
        for part in loaded.parts.values():
            part.module.to(device)
    return loaded


def _join_encoder_file(path: Path, loaded: LoadedModel) -> None:
    """Official files that keep a style encoder in a file of its own (BicycleGAN's latest_net_E.pth beside
    latest_net_G.pth) get it joined as their "encoder" part when it is there; one that does not load is noted
    in the metadata and the generator still opens."""
    owner = families.family_of(loaded.arch)
    encoder_arch = owner.parts.get("encoder") if owner is not None and owner.main == loaded.arch else None
    if encoder_arch is None or "style_code" not in owner.capabilities or "encoder" in loaded.parts or "_net_G." not in path.name:
        return
    sibling = path.with_name(path.name.replace("_net_G.", "_net_E."))
    if not sibling.is_file():
        return
    try:
        loaded.parts["encoder"] = load_model(sibling, arch=encoder_arch)
    except CheckpointError as exc:
        loaded.meta.setdefault("notes", []).append(f"the encoder beside it was not joined: {exc}")


VOCAB_FILE = "vocab.json"
MAX_VOCAB_BYTES = 4 << 20  # sg2im's Visual Genome vocab.json is ~40 KB; anything far larger is not one


def _name_classes_from_vocab(path: Path, loaded: LoadedModel) -> None:
    """An official file whose classes are only numbered (LostGAN's Visual Genome model: its names come from the
    dataset's preprocessing, not the code) takes them from the `vocab.json` that preprocessing wrote, when the user
    keeps it beside the file: its "object_idx_to_name" list, one name per class. A vocab that does not fit is noted
    in the metadata and the numbered names stay."""
    names = loaded.meta.get("class_names")
    sibling = path.with_name(VOCAB_FILE)
    if not isinstance(names, list) or not names or not all(str(n).startswith("class ") for n in names[1:]) \
            or not sibling.is_file():
        return
    try:
        if sibling.stat().st_size > MAX_VOCAB_BYTES:
            raise ValueError(f"it is over {MAX_VOCAB_BYTES >> 20} MB")
        vocab = json.loads(sibling.read_text(encoding="utf-8"))
        found = vocab.get("object_idx_to_name") if isinstance(vocab, dict) else None
        if not isinstance(found, list) or len(found) != len(names):
            raise ValueError(f"it names {len(found) if isinstance(found, list) else 'no'} objects, the file has {len(names)} classes")
        if not all(isinstance(n, str) and 0 < len(n) <= 100 for n in found):
            raise ValueError("its object names are not all short texts")
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        loaded.meta.setdefault("notes", []).append(f"the {VOCAB_FILE} beside it was not used: {exc}")
        return
    loaded.meta["class_names"] = list(found)


def _load(path: Path, hints: Mapping[str, Any]) -> LoadedModel:
    try:
        if not path.exists():
            raise CheckpointError(path, "file not found")
        if not path.is_file():
            raise CheckpointError(path, "not a file")
        size = path.stat().st_size
        if size == 0:
            raise CheckpointError(path, "the file is empty")
        kind = sniff(path)
    except OSError as exc:
        raise CheckpointError(path, f"cannot read the file ({exc.strerror or type(exc).__name__})") from exc

    if kind == "safetensors":
        metadata = _safetensors_metadata(path)
        if is_native(metadata):
            return load_native(path)
        tensors, _ = read_safetensors(path)  # plain state dict: bytes as they are, no more than the file
        return _import(path, tensors, hints)

    if kind == "pickle" and path.suffix.lower() in PICKLE_SUFFIXES:
        from .importers import stylegan2

        try:
            result = stylegan2.from_pickle(path, hints)
        except ImportMismatch as exc:
            raise CheckpointError(path, str(exc)) from exc
        return _instantiate_result(path, result)

    if kind in ("zip", "pickle"):
        if kind == "zip":
            problem = check_torch_zip(path)
            if problem:
                raise CheckpointError(path, problem)
        obj = _torch_load(path)
        state = canonical_state_dict(obj)
        if state is None:
            raise CheckpointError(path, "contains no tensor state dict (is it a model checkpoint?)")
        problem = excess_tensor_bytes(state.values(), size)
        if problem:
            raise CheckpointError(path, problem)
        # what a file's plain options say and its weights cannot (pSp or e4e); the caller's hints win
        return _import(path, state, {**file_hints(obj), **hints})

    if zipfile.is_zipfile(path):  # a zip whose first member is not at the start (self-extracting, damaged)
        raise CheckpointError(path, check_torch_zip(path) or "a zip archive that does not start like a torch checkpoint")
    raise CheckpointError(path, "unrecognised file format (not safetensors, a torch checkpoint or a StyleGAN pickle)")


def _safetensors_metadata(path: Path) -> dict[str, str]:
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(os.fspath(path), framework="pt", device="cpu") as handle:
            return dict(handle.metadata() or {})
    except (SafetensorError, OSError, ValueError, RuntimeError, TypeError) as exc:
        raise CheckpointError(path, "not a readable safetensors file (truncated or damaged header)") from exc


def _torch_load(path: Path) -> Any:
    """torch.load(weights_only=True); its errors, whose text advises loading unsafely, retold in our words."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        # weights_only refuses anything but tensors and plain containers
        raise CheckpointError(path, f"refused to unpickle: the file holds code or objects other than weights{refused_name(exc)}") from None
    except (zipfile.BadZipFile, EOFError) as exc:
        raise CheckpointError(path, "the file is truncated or damaged") from exc
    except MemoryError:
        raise CheckpointError(path, "ran out of memory while reading it") from None
    except Exception as exc:  # assorted RuntimeError/ValueError/... from torch's readers
        text = str(exc)
        if any(hint in text for hint in ("failed finding central directory", "failed reading", "truncated", "wrong byte size")):
            raise CheckpointError(path, "the file is truncated or damaged") from exc
        if "allocate" in text:  # a legacy file declares each storage's size before its data
            raise CheckpointError(path, "the file declares tensors larger than the memory available: damaged or not a model file") from exc
        raise CheckpointError(path, f"cannot read it as a torch checkpoint: damaged or not a model file ({type(exc).__name__})") from exc


def _import(path: Path, state: dict[str, torch.Tensor], hints: Mapping[str, Any]) -> LoadedModel:
    if len(state) > MAX_TENSORS:
        raise CheckpointError(path, f"it holds {len(state)} tensors, far more than any supported network")
    try:
        result = importers.detect(state, hints)
    except ImportMismatch as exc:
        raise CheckpointError(path, str(exc)) from exc
    if result is None:
        sample = ", ".join(key[:40] for key in list(state)[:4])
        raise CheckpointError(path, f"unknown architecture: the weights match no supported model (keys such as {sample})")
    return _instantiate_result(path, result)


def _instantiate_result(path: Path, result: ImportResult) -> LoadedModel:
    meta = dict(result.meta)
    # an importer may describe the file's origin (rosinality: its layout); the file's name is always kept
    provenance = meta.get("provenance")
    provenance = dict(provenance) if isinstance(provenance, dict) else {}
    provenance.setdefault("imported_from", path.name)
    meta["provenance"] = provenance
    loaded = instantiate(path, result.arch, result.config, result.state, meta)
    for name, part in result.parts.items():
        loaded.parts[name] = instantiate(path, part.arch, part.config, part.state, dict(part.meta))
    return loaded
