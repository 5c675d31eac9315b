"""QAction construction shared by the window and the workspaces: icon, shortcuts, and how the slot is called."""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence

from .icons import icon


def make_action(parent: QObject, text: str, slot: Callable[..., object], shortcut: Any = None, icon_name: str | None = None,
                checkable: bool = False) -> QAction:
    """An action with `icon_name` (a transparent one keeps menu text aligned) and one or several shortcuts.

    Only checkable actions pass their state on; the others call slot() with no arguments.
    """
    action = QAction(icon(icon_name) if icon_name else icon("fa5s.circle", "transparent"), text, parent)
    if shortcut is not None:
        if isinstance(shortcut, (list, tuple)):
            action.setShortcuts([QKeySequence(s) for s in shortcut])
        else:
            action.setShortcut(QKeySequence(shortcut))
    action.setCheckable(checkable)
    action.triggered.connect(slot if checkable else (lambda _checked=False: slot()))
    return action
