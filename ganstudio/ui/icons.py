"""Icons from qtawesome, with a blank fallback so a missing glyph never breaks the window."""
from __future__ import annotations

from PySide6.QtGui import QIcon


def icon(name: str, color: str | None = None) -> QIcon:
    try:
        import qtawesome

        return qtawesome.icon(name, color=color) if color else qtawesome.icon(name)
    except Exception:  # unknown glyph name or no font: text-only actions still work
        return QIcon()
