"""The start-up check names the missing system libraries and the line that installs them.

The library lookup is injected, so these tests say the same on any machine.
"""
from __future__ import annotations

import sys

import pytest

from ganstudio import system_check
from ganstudio.system_check import QT_GUI_LIBRARIES, XCB_LIBRARIES, startup_problem, uses_xcb

X11 = {"DISPLAY": ":0"}


def missing(*sonames: str):  # type: ignore[no-untyped-def]
    return lambda soname: soname not in sonames


def test_names_each_missing_library_and_the_apt_and_dnf_lines() -> None:
    message = startup_problem(X11, "linux", missing("libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-cursor.so.0"))
    assert message is not None
    assert message.startswith("GAN Studio cannot start: Qt needs these system libraries to open a window on X11")
    for soname in ("libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-cursor.so.0"):
        assert soname in message
    lines = message.splitlines()
    apt = [line.split(":", 1)[1].strip() for line in lines if line.strip().startswith("Debian, Ubuntu:")]
    assert apt == ["sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1"]
    dnf = [line.split(":", 1)[1].strip() for line in lines if line.strip().startswith("Fedora:")]
    assert dnf == ["sudo dnf install xcb-util-cursor xcb-util-wm xcb-util-keysyms"]
    assert "Traceback" not in message


def test_a_package_is_named_once_for_several_of_its_libraries() -> None:
    message = startup_problem(X11, "linux", missing("libxcb-shm.so.0", "libxcb-sync.so.1", "libglib-2.0.so.0", "libgthread-2.0.so.0"))
    assert message is not None
    assert "sudo apt install libglib2.0-0 libxcb-shm0 libxcb-sync1\n" in message + "\n"
    assert "sudo dnf install glib2 libxcb\n" in message + "\n"


def test_nothing_missing_is_no_problem() -> None:
    assert startup_problem(X11, "linux", lambda soname: True) is None


def test_the_xcb_libraries_matter_only_when_qt_uses_xcb() -> None:
    lookup = missing("libxcb-icccm.so.4")
    assert startup_problem({"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":0"}, "linux", lookup) is None
    assert startup_problem({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, "linux", lookup) is None
    assert startup_problem(X11, "darwin", lookup) is None
    assert startup_problem(X11, "win32", lookup) is None


def test_gui_libraries_are_needed_on_any_linux_platform() -> None:
    # importing PySide6.QtGui needs them, offscreen included
    message = startup_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux", missing("libEGL.so.1"))
    assert message is not None
    assert "to start its graphical interface" in message
    assert "sudo apt install libegl1" in message


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"DISPLAY": ":0"}, True),
        ({}, False),  # no display at all: Qt's own message says so
        ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, False),  # Wayland first
        ({"DISPLAY": ":0", "XDG_SESSION_TYPE": "wayland"}, False),
        ({"QT_QPA_PLATFORM": "xcb"}, True),
        ({"QT_QPA_PLATFORM": "xcb:dpi=96", "DISPLAY": ":0"}, True),
        ({"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":0"}, False),
        ({"QT_QPA_PLATFORM": "wayland;xcb", "DISPLAY": ":0"}, True),  # no compositor: falls back to xcb
        ({"QT_QPA_PLATFORM": "wayland;xcb", "WAYLAND_DISPLAY": "wayland-0"}, False),
    ],
)
def test_when_qt_uses_xcb(environ: dict[str, str], expected: bool) -> None:
    assert uses_xcb(environ, "linux") is expected


def test_the_tables_name_every_library_once() -> None:
    sonames = [library.soname for library in QT_GUI_LIBRARIES + XCB_LIBRARIES]
    assert len(sonames) == len(set(sonames))
    assert {"libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"} <= set(sonames)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="sonames are Linux's")
def test_the_real_lookup_finds_libc_and_not_a_made_up_library() -> None:
    assert system_check.library_loads("libc.so.6")
    assert not system_check.library_loads("libganstudio-no-such-library.so.9")


def test_main_refuses_to_start_with_the_message(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from ganstudio import __main__ as entry

    monkeypatch.setattr(system_check, "startup_problem", lambda: "GAN Studio cannot start: test")
    assert entry.main([]) == 1
    assert capsys.readouterr().err.strip() == "GAN Studio cannot start: test"
