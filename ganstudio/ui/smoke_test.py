"""`ganstudio --smoke-test [FOLDER]`: start the window, visit every workspace, exit 0 or 1.

For checking a build (a PyInstaller bundle above all) on a machine with no one
at the screen: every workspace must get its model (the status bar says
"Model: ...") within the time limit, no notice may report a failure, no
Python error may reach the event loop, and the window icon must load. With a
FOLDER, each workspace is saved there as a PNG once its first picture is in.

The run uses its own settings and recovery folder, so it starts from the
bundled default models whatever the user last opened, and changes nothing of
theirs.
"""
from __future__ import annotations

import re
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from ganstudio.document.autosave import RecoveryStore

TIMEOUT_S = 90.0


class SmokeTestFailed(Exception):
    """The one-line reason the smoke test failed."""


@contextmanager
def isolated_state() -> Iterator[dict[str, Any]]:
    """MainWindow keyword arguments for settings and a recovery store in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="ganstudio-smoke-") as folder:
        settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
        yield {"settings": settings, "recovery": RecoveryStore(Path(folder) / "recovery")}


def failure_notice(messages: list[str]) -> str | None:
    """The first notice that reports a failure ("Cannot ...", "... failed ..."), if any."""
    for message in messages:
        if message.startswith("Cannot") or "failed" in message or "Failed" in message:
            return message
    return None


def _wait(app: QApplication, ms: int = 20) -> None:
    """Let the event loop run for `ms` (model results arrive as queued signals)."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()
    app.processEvents()


def _file_name(index: int, title: str) -> str:
    return f"{index + 1}-{re.sub(r'[^a-z0-9]+', '-', title.lower()).strip('-') or 'workspace'}.png"


def run(app: QApplication, window: Any, start: Callable[[], None], screenshots: Path | None = None,
        timeout_s: float = TIMEOUT_S) -> int:
    """Run the smoke test on a shown `window` (a MainWindow); prints one line and returns the exit status."""
    errors: list[str] = []
    previous_hook = sys.excepthook

    # PySide6 hands exceptions raised in slots to sys.excepthook and carries on: count them as failures
    def record(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        errors.append(f"{kind.__name__}: {error}")
        previous_hook(kind, error, tb)

    sys.excepthook = record
    began = time.monotonic()
    try:
        visited = _visit_workspaces(app, window, start, screenshots, began, timeout_s, errors)
    except SmokeTestFailed as failed:
        print(f"Smoke test failed: {failed}", file=sys.stderr, flush=True)
        return 1
    except Exception as exc:  # noqa: BLE001 - the one-line reason, not a traceback
        where = traceback.extract_tb(exc.__traceback__)[-1]
        print(f"Smoke test failed: {type(exc).__name__}: {exc} ({Path(where.filename).name}:{where.lineno})", file=sys.stderr, flush=True)
        return 1
    finally:
        sys.excepthook = previous_hook
        # stop the worker and release the recovery lock without closeEvent's unsaved-changes question
        window.controller.shutdown()
        window.document.close()
        window.hide()
    print(f"Smoke test passed in {time.monotonic() - began:.0f} s: " + "; ".join(visited), flush=True)
    return 0


def _visit_workspaces(app: QApplication, window: Any, start: Callable[[], None], screenshots: Path | None,
                      began: float, timeout_s: float, errors: list[str]) -> list[str]:
    if app.windowIcon().pixmap(64, 64).isNull():
        raise SmokeTestFailed("the window icon did not load (resources/icons/ganstudio.svg or Qt's SVG plugin missing)")
    if screenshots is not None:
        screenshots.mkdir(parents=True, exist_ok=True)

    def check() -> None:
        if errors:
            raise SmokeTestFailed(f"a Python error reached the event loop: {errors[0]}")
        notice = failure_notice(window.messages)
        if notice:
            raise SmokeTestFailed(f"the window said: {notice.splitlines()[0]}")

    def wait_for(condition: Callable[[], bool], what: str) -> None:
        while True:
            check()
            if condition():
                return
            if time.monotonic() - began > timeout_s:
                raise SmokeTestFailed(f"{what} after {timeout_s:.0f} s (status bar: {window.model_label.text()!r})")
            _wait(app)

    start()
    tabs = window.workspaces
    visited = []
    for index in range(tabs.count()):
        title = tabs.tabText(index).replace("&", "")
        tabs.setCurrentIndex(index)
        if window.workspace_list.for_widget(tabs.widget(index)).name == "train":
            visited.append(title)  # runs the trainer, holds no model
            continue
        wait_for(lambda: window.model_label.text().startswith("Model:"), f"{title} has no model")
        # the first pictures come from the worker: wait for it to go idle before the screenshot
        wait_for(lambda: not window.controller.busy, f"{title} is still computing")
        _wait(app, 100)
        check()
        if screenshots is not None:
            path = screenshots / _file_name(index, title)
            if not window.grab().save(str(path)):
                raise SmokeTestFailed(f"cannot save the screenshot {path}")
        visited.append(f"{title} ({window.model_label.text()})")
    return visited
