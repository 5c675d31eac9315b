"""A normal (non-editable) `pip install .` works from any folder: the app, its bundled models and samples, the CLIs.

The wheel is built from a copy of the tracked files (pip and setuptools write build/ and egg-info into the
source tree) and installed into a new venv. So that the test needs no download, the venv reuses this Python's
installed dependencies (torch, PySide6...) through a .pth line, which adds their folder to sys.path without
running the .pth files in it: the checkout's editable ganstudio stays out and only the wheel's is found. What
it proves is the wheel: its modules, entry points and data files (resources/ lands in <venv>/share/ganstudio).
"""
from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def run(*args: str | Path, cwd: Path, env: dict[str, str], timeout: float = 300) -> str:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{args}: exit {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def tracked_copy(destination: Path) -> None:
    """The tracked and untracked-but-not-ignored files, as a clean clone (CI) has them."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard", "-z"],
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())


def test_pip_install_dot_gives_a_working_app_from_any_folder(tmp_path: Path) -> None:
    started = time.monotonic()
    source, wheels, venv, elsewhere = (tmp_path / name for name in ("src", "wheels", "venv", "elsewhere"))
    elsewhere.mkdir()
    tracked_copy(source)
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(QT_QPA_PLATFORM="offscreen", PIP_DISABLE_PIP_VERSION_CHECK="1", HOME=str(tmp_path / "home"))

    # setuptools and wheel are already here: no build isolation, so no download
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", wheels, source,
        cwd=elsewhere, env=env)
    [wheel] = wheels.glob("ganstudio-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    models = sorted(p.name for p in (ROOT / "resources" / "models").iterdir()
                    if p.name.endswith((".safetensors", ".directions.npz")))
    assert models and all(any(n.endswith(f".data/data/share/ganstudio/models/{m}") for n in names) for m in models)
    print(f"\nwheel {wheel.name}: {wheel.stat().st_size / 2**20:.1f} MiB")

    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=elsewhere, env=env)
    python = venv / "bin" / "python"
    purelib = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))",
                       cwd=elsewhere, env=env).strip())
    (purelib / "base-site-packages.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    # the venv has no pip of its own: this Python's pip installs into it (--python: scripts get its shebang)
    run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index", wheel,
        cwd=elsewhere, env=env)
    assert (venv / "bin" / "ganstudio-train").read_text(encoding="utf-8").startswith(f"#!{python}")

    where = run(python, "-c", "import ganstudio, ganstudio.app.resources as r; print(ganstudio.__file__); "
                "print(r.resources_dir())", cwd=elsewhere, env=env).split()
    assert Path(where[0]).is_relative_to(venv), where  # the wheel's ganstudio, not the checkout's
    resources = Path(where[1])
    assert resources == venv / "share" / "ganstudio"
    assert sorted(p.name for p in (resources / "models").iterdir()) == models
    for kind in sorted(p.name for p in (ROOT / "resources" / "samples").iterdir() if p.is_dir()):  # every kind, InstaGAN's too
        assert sorted(p.name for p in (resources / "samples" / kind).glob("*.png")) == \
            sorted(p.name for p in (ROOT / "resources" / "samples" / kind).glob("*.png"))
    assert (resources / "icons" / "ganstudio.svg").is_file()

    bin_dir = venv / "bin"
    assert "make-data" in run(bin_dir / "ganstudio-train", "--help", cwd=elsewhere, env=env)
    run(bin_dir / "ganstudio-train", "make-data", "faces", elsewhere / "faces", "--n", "2", "--size", "32", "--quiet",
        cwd=elsewhere, env=env)
    assert len(list((elsewhere / "faces" / "images").glob("*.png"))) == 2
    assert "usage" in run(bin_dir / "ganstudio-convert", "--help", cwd=elsewhere, env=env).lower()
    assert "usage" in run(bin_dir / "ganstudio-project", "--help", cwd=elsewhere, env=env).lower()
    # the window comes up, every workspace gets its bundled model and draws its first picture
    shots = tmp_path / "shots"
    run(bin_dir / "ganstudio", "--smoke-test", shots, cwd=elsewhere, env=env, timeout=240)
    assert len(list(shots.glob("*.png"))) >= 4
    print(f"pip install test: {time.monotonic() - started:.0f} s")
