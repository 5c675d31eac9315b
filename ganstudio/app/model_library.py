"""The model library: bundled models, the user's model folder and files opened by hand.

Listing reads only the safetensors header (JSON), never the weights and never
torch, so the window can show architecture, resolution and classes at once.
Official checkpoints (.pth/.ckpt/.pkl) are listed by name; what they hold is
known once they are imported or loaded.
"""
from __future__ import annotations

import json
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from ganstudio import families
from ganstudio.app.resources import resources_dir

MODEL_SUFFIXES = (".safetensors", ".pth", ".pt", ".ckpt", ".pkl")
BUNDLED_DIR = resources_dir() / "models"
BUNDLED_ENV = "GANSTUDIO_BUNDLED_MODELS"  # overrides BUNDLED_DIR (tests, packagers)
# workspace -> the architectures it opens, the preferred default first (from the family declarations)
WORKSPACE_ARCHS: dict[str, tuple[str, ...]] = {name: families.archs_for_workspace(name) for name in families.WORKSPACES}
PAINTING_ARCHS = WORKSPACE_ARCHS["paint"]
MAX_HEADER = 100_000_000


@dataclass(frozen=True)
class ModelEntry:
    path: str
    name: str
    source: str  # "bundled", "user" or "opened"
    arch: str = ""
    resolution: Any = None
    num_classes: int | None = None
    labels: list[Any] = field(default_factory=list)
    error: str = ""
    training: str = ""  # how our trainer made it (training_summary), for tooltips
    converts: str = ""  # translation models: what they map, e.g. "summer ↔ winter" (domain_summary)

    @property
    def workspace(self) -> str | None:
        """The workspace that opens this model ("paint", "latent", "attributes", "convert"); None when only loading
        can tell (an official state dict), or when no workspace opens it (a discriminator)."""
        return families.workspace_for_file(self.arch, self.path)

    @property
    def summary(self) -> str:
        if self.error:
            return self.error
        if not self.arch:
            return "official checkpoint (imported when loaded)"
        parts = [self.arch.upper() if len(self.arch) <= 5 else self.arch]
        if self.resolution:
            parts.append(f"{self.resolution} px" if isinstance(self.resolution, int) else str(self.resolution))
        if self.num_classes:
            parts.append(f"{self.num_classes} classes")
        if self.converts:
            parts.append(self.converts)
        return ", ".join(parts)


def read_native_header(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The GAN Studio header of a native .safetensors file, or None for other safetensors files.

    Raises ValueError when the file is not a safetensors file at all (cut short, or garbage).
    """
    with open(path, "rb") as handle:
        head = handle.read(8)
        if len(head) < 8:
            raise ValueError("too short for a safetensors file")
        (size,) = struct.unpack("<Q", head)
        if size <= 0 or size > MAX_HEADER:
            raise ValueError("not a safetensors file (impossible header size)")
        header = json.loads(handle.read(size).decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError("not a safetensors file (the header is not a JSON object)")
    meta = header.get("__metadata__") or {}
    if not isinstance(meta, dict) or meta.get("format") != "ganstudio/1" or "ganstudio" not in meta:
        return None
    if not isinstance(meta["ganstudio"], str):
        raise ValueError("its GAN Studio description is not text")
    description = json.loads(meta["ganstudio"])
    if not isinstance(description, dict):
        raise ValueError("its GAN Studio description is not a JSON object")
    return description


def describe_model_file(path: str | os.PathLike[str], source: str) -> ModelEntry:
    path = Path(path)
    if path.suffix.lower() != ".safetensors":
        return ModelEntry(str(path), path.name, source)
    try:
        header = read_native_header(path)
    except RecursionError:
        return ModelEntry(str(path), path.name, source, error="unreadable (its description is nested too deeply)")
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        return ModelEntry(str(path), path.name, source, error=f"unreadable ({exc})")
    if header is None:
        return ModelEntry(str(path), path.name, source)
    try:
        return _entry_from_header(path, source, header)
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError, RecursionError) as exc:
        # a scan lists every file: a damaged one gets an entry saying so, and the rest keep working
        return ModelEntry(str(path), path.name, source, error=f"damaged description ({type(exc).__name__}: {str(exc)[:80]})")


def _of_type(value: Any, kind: type | tuple[type, ...], default: Any) -> Any:
    return value if isinstance(value, kind) and not isinstance(value, bool) else default


def _entry_from_header(path: Path, source: str, header: dict[str, Any]) -> ModelEntry:
    """The entry of a native file, taking from its description only fields of the expected types."""
    config = _of_type(header.get("config"), dict, {})
    labels = list(_of_type(header.get("labels"), list, []))
    label_nc = _of_type(config.get("label_nc"), int, None)
    resolution = _of_type(header.get("resolution"), int, None) or _of_type(config.get("crop_size"), int, None)
    provenance = _of_type(header.get("provenance"), dict, None)
    parts = _of_type(header.get("parts"), (dict, list), {})
    return ModelEntry(str(path), path.name, source, str(_of_type(header.get("arch"), str, "")), resolution,
                      len(labels) or label_nc, labels, training=training_summary(provenance),
                      converts=domain_summary(provenance, "reverse" in parts))


def domain_summary(provenance: Any, both_ways: bool) -> str:
    """What a translation model maps, from the domain names ganstudio-train records ('' without them)."""
    domains = provenance.get("domains") if isinstance(provenance, dict) else None
    if not isinstance(domains, dict) or not all(isinstance(domains.get(k), str) and domains[k].strip() for k in ("A", "B")):
        return ""
    return f"{domains['A'].strip()} {'↔' if both_ways else '→'} {domains['B'].strip()}"


def training_summary(provenance: Any) -> str:
    """How a model was trained, in a sentence or two, from the provenance ganstudio-train writes ('' without one)."""
    if not isinstance(provenance, dict) or "iterations" not in provenance:
        return ""
    done, planned = provenance.get("iterations"), provenance.get("target_iterations")
    steps = f"{done} of {planned} planned iterations" if planned and planned != done else f"{done} iterations"
    if provenance.get("batch"):
        steps += f", batch {provenance['batch']}"
        if int(provenance.get("world_size") or 1) > 1:
            steps += f" x {provenance['world_size']} processes"
    parts = [f"Trained with ganstudio-train ({provenance.get('recipe', '?')}): {steps}"]
    wall, device = provenance.get("wall_time_s"), provenance.get("device")
    if isinstance(wall, (int, float)) or device:
        took = _duration(float(wall)) if isinstance(wall, (int, float)) else ""
        parts.append(" ".join(t for t in (took, f"on {device}" if device else "") if t))
    if provenance.get("trained_at"):
        parts.append(str(provenance["trained_at"])[:10])
    text = "; ".join(parts) + "."
    command = str(provenance.get("data_command") or "")
    if "make-data" in command:
        words = command.split()
        kind = words[words.index("make-data") + 1] if words.index("make-data") + 1 < len(words) else "images"
        flags = {w: words[i + 1] for i, w in enumerate(words[:-1]) if w.startswith("--")}
        look = [flags[f] for f in ("--season", "--time-of-day") if f in flags]
        text += f" Data: synthetic {kind}" + (f" ({', '.join(look)})" if look else "") + (f", seed {flags['--seed']}." if "--seed" in flags else ".")
    elif provenance.get("data"):
        text += f" Data: {Path(str(provenance['data'])).name}."
    return text


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{round(seconds)} s"
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def scan_folder(folder: str | os.PathLike[str] | None, source: str) -> list[ModelEntry]:
    if not folder or not Path(folder).is_dir():
        return []
    try:
        files = sorted(p for p in Path(folder).iterdir() if p.is_file() and p.suffix.lower() in MODEL_SUFFIXES and not _training_state(p))
    except OSError:
        return []  # an unreadable folder lists nothing; it must not stop the window from opening
    return [entry for entry in (describe_model_file(p, source) for p in files) if not _companion(entry)]


def _companion(entry: ModelEntry) -> bool:
    """A network that works for another (a StyleGAN2 encoder, a discriminator): no workspace opens it on its own,
    and the workspace that uses it finds it beside its model."""
    return bool(entry.arch) and families.family_of(entry.arch) is not None and families.workspace_for(entry.arch) is None


def _training_state(path: Path) -> bool:
    """A ganstudio-train run folder's checkpoint.pt: optimiser and RNG state, not a model (its export is beside it)."""
    return path.name == "checkpoint.pt" and (path.parent / "losses.csv").is_file()


class ModelLibrary(QObject):
    changed = Signal()

    def __init__(self, user_folder: str | os.PathLike[str] | None = None, bundled_folder: str | os.PathLike[str] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.user_folder = Path(user_folder) if user_folder else None
        self.bundled_folder = Path(bundled_folder or os.environ.get(BUNDLED_ENV) or BUNDLED_DIR)
        self._opened: dict[str, ModelEntry] = {}
        self.entries: list[ModelEntry] = []
        self.refresh()

    def refresh(self) -> None:
        found = scan_folder(self.bundled_folder, "bundled") + scan_folder(self.user_folder, "user")
        known = {os.path.realpath(e.path) for e in found}
        found += [e for p, e in self._opened.items() if os.path.realpath(p) not in known]
        self.entries = found
        self.changed.emit()

    def add_opened(self, path: str | os.PathLike[str]) -> ModelEntry:
        entry = describe_model_file(path, "opened")
        self._opened[str(path)] = entry
        self.refresh()
        return entry

    def defaults_for(self, workspace: str) -> list[ModelEntry]:
        """The bundled models `workspace` can open, the one to start with first (architecture preference, then name)."""
        archs = WORKSPACE_ARCHS[workspace]
        bundled = [e for e in self.entries if e.source == "bundled" and e.arch in archs]
        return sorted(bundled, key=lambda e: (archs.index(e.arch), e.name))

    def entry_for(self, path: str) -> ModelEntry | None:
        real = os.path.realpath(path)
        return next((e for e in self.entries if os.path.realpath(e.path) == real), None)
