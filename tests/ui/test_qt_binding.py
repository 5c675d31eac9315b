"""The installed Qt binding keeps Python's reference counts: PySide6 6.12.0 under Python 3.11 released
None on every void call (and True on every signal emit) until the interpreter aborted with none_dealloc."""
from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    changed = Signal(int)


def test_void_calls_and_emits_keep_the_refcounts_of_none_and_true(qapp) -> None:  # type: ignore[no-untyped-def]
    emitter = _Emitter()
    received: list[int] = []
    emitter.changed.connect(received.append)
    calls = 500
    qapp.processEvents()
    emitter.changed.emit(0)
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for i in range(calls):
        qapp.processEvents()  # returns None
        emitter.changed.emit(i)  # returns True
    # a healthy binding leaves both counts where they were (give or take a few temporaries)
    assert sys.getrefcount(None) - none_before > -calls // 2
    assert sys.getrefcount(True) - true_before > -calls // 2
    assert len(received) == calls + 1
