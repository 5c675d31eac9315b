"""The suite's own guards work: a test that leaves a QThread running fails."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

LEAKY_TEST = '''
from PySide6.QtCore import QThread


def test_leaks_a_thread(qapp):
    thread = QThread()
    thread.start()  # runs an event loop until quit(): nobody stops it
    global KEEP
    KEEP = thread


def test_stops_its_thread(qapp):
    thread = QThread()
    thread.start()
    thread.quit()
    assert thread.wait(5000)
'''


def test_a_leaked_qthread_fails_the_test(tmp_path: Path) -> None:
    shutil.copy(Path(__file__).with_name("conftest.py"), tmp_path / "conftest.py")
    (tmp_path / "test_leak.py").write_text(LEAKY_TEST)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert "left 1 QThread(s) running" in out
    # the leaky test body passes; its teardown reports the leak as an error
    assert "2 passed, 1 error" in out
