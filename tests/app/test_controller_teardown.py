"""Controllers left to Python's teardown: the process ends cleanly, whatever order Qt deletes objects in.

At interpreter exit PySide deletes every QObject that Python still owns, in no
particular order. Each scenario runs in a fresh interpreter and leaves its
controller to that teardown; stderr must stay empty of Qt aborts and of
exceptions raised in slots (those are only printed, never raised).
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import gc
    import sys

    from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QTimer

    from ganstudio.app.inference import InferenceController
    from ganstudio.engine.runner import JobRunner

    app = QCoreApplication([])


    def started(parent=None):
        controller = InferenceController(lambda: JobRunner(device="cpu", threads=1), parent=parent)
        loop = QEventLoop()
        controller.deviceReady.connect(loop.quit)
        QTimer.singleShot(20_000, loop.quit)
        loop.exec()
        return controller


    kept = []
    scenario = sys.argv[1]
    if scenario == "shut down, alive at exit":
        kept.append(started())
        kept[-1].shutdown()
    elif scenario == "shut down, collected":
        controller = started()
        controller.shutdown()
        del controller
        gc.collect()
        app.processEvents()
    elif scenario == "never shut down, alive at exit":
        kept.append(started())
    elif scenario == "never shut down, its owner alive at exit":
        owner = QObject()
        started(owner)
        kept.append(owner)
    print("scenario done", file=sys.stderr)
    """
)

SCENARIOS = ["shut down, alive at exit", "shut down, collected", "never shut down, alive at exit", "never shut down, its owner alive at exit"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_teardown_is_clean(scenario: str) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-c", SCRIPT, scenario], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "scenario done", done.stderr
