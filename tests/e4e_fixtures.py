"""The e4e / pSp / HyperStyle golden fixtures (tests/fixtures/e4e, made by tests/fixtures/tools/make_e4e_fixtures.py)."""
from __future__ import annotations

import io
import lzma
from pathlib import Path
from typing import Any

import torch

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "e4e"
ENCODER_CASES = ["e4e_64", "psp_64"]
HYPERSTYLE_CASES = ["hyperstyle_128", "hyperstyle_sep_128"]
TOLERANCE = 1e-4  # relative L2, as every family's fixtures


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a.float() - b.float()).norm() / b.float().norm())


def fixture_io(case: str) -> dict[str, Any]:
    return torch.load(FIXTURES / f"{case}_io.pt", weights_only=True)


def photo(io_data: dict[str, Any]) -> torch.Tensor:
    """The fixture's input in [-1, 1] (stored as uint8 pixels)."""
    return io_data["pixels"].float() / 127.5 - 1


def reference_bytes(name: str) -> bytes:
    return lzma.decompress((FIXTURES / f"{name}.pt.xz").read_bytes())


def reference_object(name: str) -> Any:
    """The container exactly as the reference wrote it (weights_only: it holds nothing else)."""
    return torch.load(io.BytesIO(reference_bytes(name)), weights_only=True)


def checkpoint(tmp_path: Path, name: str) -> Path:
    target = tmp_path / f"{name}.pt"
    target.write_bytes(reference_bytes(name))
    return target


def prefixed(state: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
