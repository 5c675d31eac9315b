"""The Help menu's texts: what GAN Studio is (version, licence, versions it runs on) and every shortcut."""
from __future__ import annotations

import platform
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenuBar

import ganstudio

DOCS_DIR = Path(__file__).resolve().parents[2] / "docs"  # present in a source checkout

# keys the canvas and panels handle themselves (not window actions)
CANVAS_KEYS = [
    ("[  /  ]", "smaller / larger brush"),
    ("1-9", "pick class by number"),
    ("a letter", "search the class list"),
    ("Alt+click", "pick the class under the cursor"),
    ("Shift+click (Re-roll tool)", "re-roll only that connected area (OASIS)"),
    ("Space+drag, middle drag", "pan the canvas"),
    ("Wheel", "zoom the canvas around the cursor"),
    ("Delete", "remove the selected pad anchor (Latent) or box (Layout)"),
    ("Escape", "clear the box selection (Layout)"),
]


def about_text(device: str = "") -> str:
    lines = [
        f"GAN Studio {ganstudio.__version__}",
        "Make pictures with GANs: paint label maps (SPADE, SEAN), explore StyleGAN latents,",
        "edit face attributes (StarGAN), convert images (pix2pix, CycleGAN), and train your own.",
        "",
        "Licence: MIT (see LICENSE). Icons: Font Awesome, via qtawesome.",
        f"Python {platform.python_version()}, Qt {qVersion()}, PySide6 {pyside_version}",
    ]
    if device:
        lines.append(f"Models run on: {device}")
    return "\n".join(lines)


def shortcuts_text(menu_bar: QMenuBar) -> str:
    """Every menu action that has a shortcut, by menu, then the canvas keys."""
    lines: list[str] = []
    for menu_action in menu_bar.actions():
        menu = menu_action.menu()
        if menu is None:
            continue
        rows = _rows(menu.actions())
        if rows:
            lines.append(menu_action.text().replace("&", ""))
            lines.extend(f"    {keys:<24} {text}" for keys, text in rows)
    lines.append("Canvas and panels")
    lines.extend(f"    {keys:<24} {text}" for keys, text in CANVAS_KEYS)
    return "\n".join(lines)


def _rows(actions: list[QAction]) -> list[tuple[str, str]]:
    rows = []
    for action in actions:
        if action.menu() is not None:
            rows.extend(_rows(action.menu().actions()))
            continue
        keys = ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts() if not s.isEmpty())
        if keys:
            rows.append((keys, action.text().replace("&", "").rstrip(".")))
    return rows
