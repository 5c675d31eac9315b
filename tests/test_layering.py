"""DESIGN.md layering: imports point down only.

models, checkpoints, engine, document and trainer never import Qt; ui never
imports torch; document imports neither Qt nor torch; ganstudio/atomic.py and the
family declarations (ganstudio/families/), which every layer may use, import the
standard library only. Checked on the source (AST), so a lazy import inside a
function is caught as well.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QT = ("PySide6", "PyQt5", "PyQt6", "qtpy", "superqt", "qtawesome", "shiboken6")
TORCH = ("torch", "torchvision")

RULES = {
    "ganstudio/models": QT + ("ganstudio.app", "ganstudio.ui", "ganstudio.engine", "ganstudio.document", "ganstudio.checkpoints", "trainer"),
    "ganstudio/checkpoints": QT + ("ganstudio.app", "ganstudio.ui", "ganstudio.engine", "ganstudio.document", "trainer"),
    "ganstudio/engine": QT + ("ganstudio.app", "ganstudio.ui", "trainer"),
    "ganstudio/document": QT + TORCH + ("ganstudio.app", "ganstudio.ui", "ganstudio.engine", "ganstudio.models", "ganstudio.checkpoints", "trainer"),
    "ganstudio/app": ("PySide6.QtWidgets", "ganstudio.ui", "trainer"),
    "ganstudio/ui": TORCH + ("ganstudio.models", "ganstudio.checkpoints", "ganstudio.engine", "trainer"),
    "trainer": QT + ("ganstudio.app", "ganstudio.ui", "ganstudio.engine"),
}

# modules and packages below every layer (each may import them): the standard library only
BOTTOM = ("ganstudio/atomic.py", "ganstudio/system_check.py", "ganstudio/families")


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def violations(package: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in imported_modules(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


@pytest.mark.parametrize("package", sorted(RULES))
def test_layers_import_downward_only(package: str) -> None:
    assert (ROOT / package).is_dir(), f"{package} is missing"
    assert violations(package, RULES[package]) == []


@pytest.mark.parametrize("module", BOTTOM)
def test_bottom_modules_use_only_the_standard_library(module: str) -> None:
    path = ROOT / module
    files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
    assert files, f"{module} is missing"
    outside = [f"{f.relative_to(ROOT)} imports {name}" for f in files for name in imported_modules(f)
               if name.split(".")[0] not in sys.stdlib_module_names]
    assert outside == []


def test_checker_catches_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from PySide6 import QtCore\n")
    assert imported_modules(bad) == ["PySide6"]
