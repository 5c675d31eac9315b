"""Models with styles for the Convert tests.

`styled_model()` is a tiny MUNIT trained so that its style codes carry colour
casts (tests/fixtures/convert/, made by tests/fixtures/tools/make_convert_style_munit.py):
random styles give visibly different outputs and a reference's encoded style
moves the output's colours toward it. `prepare(monkeypatch)` is kept for tests
that need a stand-in (styled_double.py); the real MUNIT needs nothing.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import styled_double
from translation_models import save_cyclegan, smooth_image


FIXTURE = Path(__file__).resolve().parent / "fixtures" / "convert" / "munit-colour-style.safetensors"


def styled_model(folder: Path | None = None) -> Path:
    """The trained test MUNIT (read only; `folder` is not needed)."""
    return FIXTURE


def prepare(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing to prepare for the real MUNIT family."""


def styled_model_without_encoder(folder: Path) -> Path:
    return save_cyclegan(folder / "no-encoder.safetensors", resolution=32)


def prepare_without_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    styled_double.install(monkeypatch, encoder=False)


def reference_pair() -> tuple[np.ndarray, np.ndarray]:
    """A content image and a reference whose colours differ clearly from it (a dark blue-green cast,
    as the colour casts the test MUNIT was trained on: per-channel gain and offset)."""
    content = smooth_image(64, 80, seed=1)
    reference = smooth_image(64, 80, seed=2).astype(np.float32)
    reference = np.clip(reference * np.array([0.25, 0.5, 0.8]) + np.array([10, 60, 40]), 0, 255).astype(np.uint8)
    return content, reference
