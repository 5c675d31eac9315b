"""Where a run's model goes, in what precision, and what the file says about the images it converts.

A run exports `OUT/<run name>.safetensors`, the run name being the --out
folder's name, so exports of different runs can sit side by side in a model
folder and the Models dock tells them apart. Runs exported before that wrote
`OUT/model.safetensors`; `find_export` finds either.

Translation models (pix2pix, CycleGAN) record the names of their domains in the
provenance as {"A": what the exported model takes, "B": what it makes}, which
the Convert workspace shows instead of "A → B". The names come from
--domain-a/--domain-b, else from what the data says: the synthetic landscapes'
meta.json, or a dataset folder named like `horse2zebra`.
"""
from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:  # torch only where weights are handled: `python -m trainer.defaults --help` stays quick
    import torch
    import torch.nn as nn

LEGACY_EXPORT_NAME = "model.safetensors"
EXPORT_DTYPES = ("float16", "float32")
FLOAT16_MAX = 65504.0
SYNTHETIC_LANDSCAPES = "ganstudio.synthetic.landscapes/1"
# "horse2zebra", "summer2winter_yosemite", "edges2shoes": <A>2<B>, letters only
PAIR_NAME = re.compile(r"^([A-Za-z]+)2([A-Za-z]+)(?:$|[_\-.])")


def run_name(out: str | os.PathLike[str]) -> str:
    """The run's name: its --out folder's name ('model' for a folder without one, such as /)."""
    return Path(os.path.abspath(out)).name or "model"


def default_export_path(out: str | os.PathLike[str]) -> Path:
    return Path(out) / f"{run_name(out)}.safetensors"


def find_export(out: str | os.PathLike[str]) -> Path | None:
    """A run folder's export: `<run name>.safetensors`, or the `model.safetensors` of older runs; the newer if both."""
    found = [p for p in (default_export_path(out), Path(out) / LEGACY_EXPORT_NAME) if p.is_file()]
    return max(found, key=lambda p: p.stat().st_mtime_ns) if found else None


def add_export_arguments(group: argparse._ArgumentGroup) -> None:
    """--export and --export-dtype (every recipe)."""
    group.add_argument("--export", default=None, help="path of the exported model (default OUT/<name of OUT>.safetensors)")
    group.add_argument("--export-dtype", choices=EXPORT_DTYPES, default="float16",
                       help="storage precision of the exported weights: float16 halves the file (the bundled models are float16) "
                            "and loads back as float32 (default float16)")


def add_domain_arguments(group: argparse._ArgumentGroup) -> None:
    """--domain-a/--domain-b (translation recipes)."""
    group.add_argument("--domain-a", default=None, metavar="NAME",
                       help="what the A images are (e.g. summer, label map), shown in the app's direction menu "
                            "(default: from the data: a folder named like horse2zebra, or the synthetic data's meta.json)")
    group.add_argument("--domain-b", default=None, metavar="NAME", help="what the B images are (e.g. winter, photo); see --domain-a")


def data_domains(data: str | os.PathLike[str]) -> tuple[str | None, str | None]:
    """The names of a dataset's A and B images as far as the data tells them."""
    folder = Path(os.path.abspath(data))
    meta = _synthetic_meta(folder)
    if meta is not None:
        if folder.name == "cyclegan" and isinstance(meta.get("cyclegan"), dict):
            seasons = [(meta["cyclegan"].get(side) or {}).get("season") for side in ("trainA", "trainB")]
            return seasons[0], seasons[1]
        if folder.name == "pix2pix":
            return "label map", "photo"  # make-data writes colour label maps to A, photos to B
    named = folder.parent if folder.name == "train" else folder  # DATA, or DATA/.. when DATA is the train/ folder
    match = PAIR_NAME.match(named.name)
    return (match.group(1), match.group(2)) if match else (None, None)


def _synthetic_meta(folder: Path) -> dict | None:
    path = folder.parent / "meta.json"
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) and meta.get("generator") == SYNTHETIC_LANDSCAPES else None


def domain_names(args: argparse.Namespace, *, swap: bool = False) -> dict[str, str] | None:
    """{"A": input, "B": output} of the exported model, or None when either is unknown.

    Explicit names win over what the data says; `swap` when the model maps the
    data's B to its A (pix2pix --direction BtoA).
    """
    found_a, found_b = data_domains(args.data)
    a = _clean(getattr(args, "domain_a", None)) or _clean(found_a)
    b = _clean(getattr(args, "domain_b", None)) or _clean(found_b)
    if not a or not b:
        return None
    return {"A": b, "B": a} if swap else {"A": a, "B": b}


def _clean(name: str | None) -> str:
    return " ".join(str(name).replace("_", " ").split()) if name else ""


def storage_dtype(requested: str, modules: Iterable[nn.Module]) -> tuple[torch.dtype, str]:
    """The dtype to store the weights in and, when float16 was asked for but cannot hold them, why float32 is used."""
    import torch

    dtype = getattr(torch, requested)
    if dtype != torch.float16:
        return dtype, ""
    for module in modules:
        for name, value in module.state_dict().items():
            if value.is_floating_point() and value.numel() and float(value.detach().abs().max()) > FLOAT16_MAX:
                return torch.float32, f"{name} holds values beyond float16's range; stored in float32"
    return dtype, ""


def describe_size(path: Path, parameters: int, dtype: torch.dtype) -> str:
    size = path.stat().st_size
    shown = f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1e3:.0f} kB"
    return f"{shown}, {str(dtype).replace('torch.', '')}, {parameters / 1e6:.2f} M weights"


def device_name(device: torch.device) -> str:
    """The device a run trained on, as the Models dock shows it."""
    import torch

    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"CPU ({os.cpu_count()} cores)"
