"""The launcher, AppStream metadata and MIME type: valid, consistent, and installed by `make install-desktop`.

The validators come from Debian's desktop-file-utils, appstream and shared-mime-info (.ci/run installs them
where apt can); without them the checks that need them skip and say which package is missing.
"""
from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ganstudio.document.project import SUFFIX

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
APP_ID = "io.github.ganstudio.GANStudio"
DESKTOP = PACKAGING / f"{APP_ID}.desktop"
METAINFO = PACKAGING / f"{APP_ID}.metainfo.xml"
MIME = PACKAGING / f"{APP_ID}.mime.xml"
MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"


def tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian package {package})")
    return path


def desktop_entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def test_the_desktop_file_validates() -> None:
    result = subprocess.run([tool("desktop-file-validate", "desktop-file-utils"), str(DESKTOP)],
                            capture_output=True, text=True)
    # hints are advice; errors and warnings fail
    problems = [line for line in (result.stdout + result.stderr).splitlines() if ": hint:" not in line]
    assert result.returncode == 0 and problems == [], problems


def test_the_metainfo_validates_offline() -> None:
    result = subprocess.run([tool("appstreamcli", "appstream"), "validate", "--no-net", str(METAINFO)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_ids_agree_and_the_desktop_file_claims_the_project_type() -> None:
    component = ET.parse(METAINFO).getroot()
    assert component.findtext("id") == APP_ID
    assert component.find("launchable").text == DESKTOP.name
    entry = desktop_entry(DESKTOP)
    assert entry["Icon"] == APP_ID
    mime_type = ET.parse(MIME).getroot().find(f"{MIME_NS}mime-type")
    assert mime_type.get("type") in entry["MimeType"].split(";")
    assert [glob.get("pattern") for glob in mime_type.findall(f"{MIME_NS}glob")] == [f"*{SUFFIX}"]
    # a project is a zip (ganstudio.document.project): file managers fall back to an archive tool, not "unknown"
    assert mime_type.find(f"{MIME_NS}sub-class-of").get("type") == "application/zip"
    # Wayland matches the window to the launcher by this name
    assert f'setDesktopFileName("{APP_ID}")' in (ROOT / "ganstudio" / "__main__.py").read_text(encoding="utf-8")


def test_install_desktop_puts_everything_under_xdg_data_home(tmp_path: Path) -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    data = tmp_path / "data"
    bundle = tmp_path / "my apps" / "GANStudio" / "ganstudio"  # a path with a space must be quoted in Exec
    env = {**os.environ, "XDG_DATA_HOME": str(data), "HOME": str(tmp_path / "home")}
    subprocess.run(["make", "-s", "-C", str(ROOT), "install-desktop", f"EXEC={bundle}"], env=env, check=True,
                   capture_output=True, text=True)
    desktop = data / "applications" / f"{APP_ID}.desktop"
    assert desktop_entry(desktop)["Exec"] == f'"{bundle}" %F'
    assert (data / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").read_bytes() == \
        (ROOT / "resources" / "icons" / "ganstudio.svg").read_bytes()
    assert (data / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()
    assert (data / "mime" / "packages" / f"{APP_ID}.xml").is_file()
    assert not (tmp_path / "home").exists()  # XDG_DATA_HOME is respected: nothing under ~/.local/share
    if shutil.which("desktop-file-validate"):
        subprocess.run(["desktop-file-validate", str(desktop)], check=True, capture_output=True)
    if shutil.which("update-mime-database"):
        # the MIME database was rebuilt: *.gstudio now maps to our type
        globs = (data / "mime" / "globs2").read_text(encoding="utf-8")
        assert f"application/x-ganstudio-project:*{SUFFIX}" in globs
    if shutil.which("update-desktop-database"):
        cache = (data / "applications" / "mimeinfo.cache").read_text(encoding="utf-8")
        assert f"application/x-ganstudio-project={APP_ID}.desktop" in cache
