"""`make bundle`: PyInstaller builds dist/GANStudio/, which starts headless, opens every workspace and runs its model.

The build takes far longer than CI's budget allows (packaging/README.md gives the figures), so it is a job of its
own: `make bundle-test` sets GANSTUDIO_BUNDLE_TEST=1; without it this skips. BUNDLE_DIR (default
/tmp/ganstudio-bundle) keeps the build's venv between runs; BASE_SITE, TORCH_INDEX pass through to the script.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(3600),
    pytest.mark.skipif(os.environ.get("GANSTUDIO_BUNDLE_TEST") != "1",
                       reason="builds the PyInstaller bundle (tens of minutes): run `make bundle-test`"),
]


def test_the_bundle_builds_starts_headless_and_runs_every_workspace() -> None:
    out = Path(os.environ.get("BUNDLE_DIR", "/tmp/ganstudio-bundle"))
    env = {**os.environ, "BUNDLE_DIR": str(out), "QT_QPA_PLATFORM": "offscreen"}
    # the script ends with the bundle's --smoke-test: its exit status is the smoke test's
    result = subprocess.run([str(ROOT / "packaging" / "build_bundle.sh")], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    print(next(line for line in result.stdout.splitlines() if line.startswith("bundle: ")))

    bundle = out / "dist" / "GANStudio"
    internal = bundle / "_internal"
    assert (internal / "resources" / "icons" / "ganstudio.svg").is_file()
    assert sorted(p.name for p in (internal / "resources" / "models").iterdir()) == \
        sorted(p.name for p in (ROOT / "resources" / "models").iterdir()
               if p.name.endswith((".safetensors", ".directions.npz")))
    # data files the import scan cannot see: OpenCV's Haar cascades (ganstudio.engine.faces), qtawesome's fonts
    assert (internal / "cv2" / "data" / "haarcascade_frontalface_default.xml").is_file()
    assert list((internal / "qtawesome" / "fonts").glob("*.ttf"))
    plugins = {p.name for p in internal.rglob("platforms/*.so")}
    assert {"libqoffscreen.so", "libqxcb.so"} <= plugins
    assert not (internal / "torchvision").exists() and not (internal / "trainer").exists()
    shots = sorted(p.name for p in (out / "screenshots").glob("*.png"))
    assert len(shots) >= 4, shots

    # it starts without any Python on PATH and from another folder (what a user's machine may be)
    run = subprocess.run([str(bundle / "ganstudio"), "--help"], cwd="/", capture_output=True, text=True,
                         env={"PATH": "/nonexistent", "HOME": os.environ.get("HOME", "/tmp"), "QT_QPA_PLATFORM": "offscreen"})
    assert run.returncode == 0 and "--smoke-test" in run.stdout, run.stdout + run.stderr
