"""`ganstudio --smoke-test` (what a bundle build runs) passes from this checkout: every workspace gets its bundled model and a picture."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_smoke_test_starts_every_workspace_with_the_bundled_models(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    done = subprocess.run([sys.executable, "-m", "ganstudio", "--smoke-test", str(tmp_path / "shots")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    shots = sorted(p.name for p in (tmp_path / "shots").glob("*.png"))
    assert len(shots) == 6, shots  # Paint, Latent, Attributes, Convert, Describe, Layout (Train holds no model)
    for shot in (tmp_path / "shots").glob("*.png"):
        assert Image.open(shot).size[0] >= 800  # a real window, not an empty grab
