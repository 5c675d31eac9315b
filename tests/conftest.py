"""Test configuration shared by the whole suite.

Everything runs headless, torch uses few threads (CI has two cores), and a test
that leaves a QThread running fails: a leaked worker would outlive its window.
"""
from __future__ import annotations

import os
import sys
import weakref

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("GANSTUDIO_NO_AUTOSAVE_PROMPT", "1")

import pytest  # noqa: E402

try:
    import torch

    torch.set_num_threads(2)
except ImportError:  # pragma: no cover - torch is a hard dependency
    torch = None

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")

_started_threads: "weakref.WeakSet" = weakref.WeakSet()


def _track_qthreads() -> None:
    """Record every QThread started, so leaks can be found after each test."""
    try:
        from PySide6.QtCore import QThread
    except ImportError:  # pragma: no cover
        return
    if getattr(QThread, "_ganstudio_tracked", False):
        return
    original_start = QThread.start

    def start(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        _started_threads.add(self)
        return original_start(self, *args, **kwargs)

    QThread.start = start  # type: ignore[method-assign]
    QThread._ganstudio_tracked = True  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _no_leaked_qthreads(request):
    if "PySide6.QtCore" in sys.modules:
        _track_qthreads()
    yield
    if "PySide6.QtCore" not in sys.modules:
        return
    _track_qthreads()
    leaked = []
    for thread in list(_started_threads):
        try:
            running = thread.isRunning()
        except RuntimeError:  # the C++ object is already gone: not running
            continue
        if running:
            leaked.append(thread)
    if leaked:
        for thread in leaked:  # stop them so one leak does not cascade into later tests
            thread.quit()
            thread.wait(5000)
        pytest.fail(f"test left {len(leaked)} QThread(s) running: {leaked}")


@pytest.fixture
def fixtures_dir() -> str:
    return FIXTURES
