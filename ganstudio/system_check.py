"""Before Qt starts: are the system libraries its window needs installed?

Without them Qt aborts with a core dump and a message that names one package
(xcb-cursor0) even when others are what is missing. This finds every missing
library first and says which packages bring them. The standard library only,
below every layer: it runs before PySide6 is imported (importing QtGui already
needs the first group of libraries).

`python -m ganstudio.system_check` prints the result for an X11 window.
"""
from __future__ import annotations

import ctypes
import importlib.util
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Library:
    soname: str
    debian: str  # the Debian/Ubuntu package that ships it
    fedora: str


# What PySide6's libQt6Gui, libQt6Widgets and libQt6DBus link beyond Qt's own
# libraries (readelf -d, sonames mapped with dpkg -S on Debian 12); glibc,
# libstdc++, zlib and zstd are left out: no system that runs Python lacks them.
QT_GUI_LIBRARIES = (
    Library("libGL.so.1", "libgl1", "libglvnd-glx"),
    Library("libEGL.so.1", "libegl1", "libglvnd-egl"),
    Library("libfontconfig.so.1", "libfontconfig1", "fontconfig"),
    Library("libfreetype.so.6", "libfreetype6", "freetype"),
    Library("libxkbcommon.so.0", "libxkbcommon0", "libxkbcommon"),
    Library("libX11.so.6", "libx11-6", "libX11"),
    Library("libglib-2.0.so.0", "libglib2.0-0", "glib2"),
    Library("libgthread-2.0.so.0", "libglib2.0-0", "glib2"),
    Library("libdbus-1.so.3", "libdbus-1-3", "dbus-libs"),
)

# What the X11 platform plugin (plugins/platforms/libqxcb.so and libQt6XcbQpa)
# links besides the above; a minimal desktop typically lacks the xcb-util ones.
XCB_LIBRARIES = (
    Library("libxcb.so.1", "libxcb1", "libxcb"),
    Library("libX11-xcb.so.1", "libx11-xcb1", "libX11-xcb"),
    Library("libxkbcommon-x11.so.0", "libxkbcommon-x11-0", "libxkbcommon-x11"),
    Library("libxcb-cursor.so.0", "libxcb-cursor0", "xcb-util-cursor"),
    Library("libxcb-icccm.so.4", "libxcb-icccm4", "xcb-util-wm"),
    Library("libxcb-image.so.0", "libxcb-image0", "xcb-util-image"),
    Library("libxcb-keysyms.so.1", "libxcb-keysyms1", "xcb-util-keysyms"),
    Library("libxcb-render-util.so.0", "libxcb-render-util0", "xcb-util-renderutil"),
    Library("libxcb-util.so.1", "libxcb-util1", "xcb-util"),
    Library("libxcb-randr.so.0", "libxcb-randr0", "libxcb"),
    Library("libxcb-render.so.0", "libxcb-render0", "libxcb"),
    Library("libxcb-shape.so.0", "libxcb-shape0", "libxcb"),
    Library("libxcb-shm.so.0", "libxcb-shm0", "libxcb"),
    Library("libxcb-sync.so.1", "libxcb-sync1", "libxcb"),
    Library("libxcb-xfixes.so.0", "libxcb-xfixes0", "libxcb"),
    Library("libxcb-xkb.so.1", "libxcb-xkb1", "libxcb"),
)

Lookup = Callable[[str], bool]


def uses_xcb(environ: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """Whether Qt will load its X11 (xcb) platform plugin, as Qt decides it.

    QT_QPA_PLATFORM is a list ("wayland;xcb") tried in order; unset, Qt tries
    Wayland first in a Wayland session, otherwise xcb. A Wayland session that
    works never needs the xcb libraries, so only the X11 cases are checked.
    """
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux"):
        return False
    wayland = bool(environ.get("WAYLAND_DISPLAY"))
    names = [item.split(":", 1)[0].strip() for item in environ.get("QT_QPA_PLATFORM", "").split(";") if item.strip()]
    if not names:
        if wayland or environ.get("XDG_SESSION_TYPE") == "wayland":
            return False
        return bool(environ.get("DISPLAY"))
    for name in names:
        if name == "xcb":
            return True  # asked for by name: Qt loads the plugin, display or not
        if name.startswith("wayland") and not wayland:
            continue  # no compositor: Qt moves on to the next name
        return False  # offscreen, wayland, eglfs, ...: chosen before xcb
    return False


def _qt_library_dirs() -> list[Path]:
    """Folders the loader also searches for Qt's plugins: PySide6's Qt/lib and a bundle's own folder."""
    dirs = []
    bundle = getattr(sys, "_MEIPASS", None)  # PyInstaller: libraries collected beside the program
    if bundle:
        dirs += [Path(bundle), Path(bundle) / "PySide6" / "Qt" / "lib"]
    # find_spec locates PySide6 without importing it (its import needs these libraries)
    spec = importlib.util.find_spec("PySide6")
    for location in (spec.submodule_search_locations or []) if spec else []:
        dirs.append(Path(location) / "Qt" / "lib")
    return dirs


def library_loads(soname: str) -> bool:
    """Whether the dynamic loader can load `soname` (with its own dependencies).

    dlopen asks the loader itself, so the answer holds wherever the system keeps
    its libraries (ld.so.conf, multiarch folders, LD_LIBRARY_PATH); Qt loads
    them all moments later anyway.
    """
    try:
        ctypes.CDLL(soname)
        return True
    except OSError:
        return any((folder / soname).is_file() for folder in _qt_library_dirs())


def missing_libraries(libraries: Iterable[Library], loads: Lookup = library_loads) -> list[Library]:
    return [library for library in libraries if not loads(library.soname)]


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(names))


def install_commands(missing: Iterable[Library]) -> list[str]:
    """The install lines for the missing libraries: apt (Debian, Ubuntu) and dnf (Fedora)."""
    missing = list(missing)
    return [
        "sudo apt install " + " ".join(_unique(library.debian for library in missing)),
        "sudo dnf install " + " ".join(_unique(library.fedora for library in missing)),
    ]


def describe(missing: Iterable[Library], *, xcb: bool) -> str:
    """The message for the user: what is missing and the line that installs it."""
    missing = list(missing)
    what = "open a window on X11" if xcb else "start its graphical interface"
    apt, dnf = install_commands(missing)
    lines = [f"GAN Studio cannot start: Qt needs these system libraries to {what}, and they are not installed:"]
    lines += [f"    {library.soname}  (package {library.debian})" for library in missing]
    lines += [
        "Install them, then start GAN Studio again:",
        f"    Debian, Ubuntu:  {apt}",
        f"    Fedora:          {dnf}",
    ]
    return "\n".join(lines)


def startup_problem(
    environ: Mapping[str, str] | None = None, platform: str | None = None, loads: Lookup = library_loads
) -> str | None:
    """A message if Qt would fail to start for lack of system libraries, else None.

    Linux only: Windows and macOS wheels carry everything Qt needs.
    """
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux"):
        return None
    xcb = uses_xcb(environ, platform)
    wanted = QT_GUI_LIBRARIES + (XCB_LIBRARIES if xcb else ())
    missing = missing_libraries(wanted, loads)
    return describe(missing, xcb=xcb) if missing else None


def main() -> int:
    """Report for an X11 window whatever the current session is (exit status 1 if something is missing)."""
    problem = startup_problem({"QT_QPA_PLATFORM": "xcb"})
    print(problem or "Qt finds every system library it needs to open a window on X11.")
    return 1 if problem else 0


if __name__ == "__main__":
    sys.exit(main())
