"""The PyInstaller spec takes the whole ganstudio package and leaves out nothing the app imports.

Building the bundle takes minutes (packaging/build_bundle.sh, not in CI); this
reads the spec instead. PyInstaller's import scan misses the app's lazy imports
(sessions named "module:Class" by jobs, model families, importers), which is why
the spec collects every ganstudio module; its excludes (torchvision, the
trainer, triton...) must stay out of what the app imports, lazily or not.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "packaging" / "ganstudio.spec"


def analysis_keywords() -> dict[str, ast.expr]:
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Analysis"]
    assert len(calls) == 1
    return {keyword.arg: keyword.value for keyword in calls[0].keywords if keyword.arg}


def test_the_spec_collects_every_ganstudio_module() -> None:
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    collected = [node.args[0].value for node in ast.walk(tree)
                 if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "collect_submodules"
                 and node.args and isinstance(node.args[0], ast.Constant)]
    assert collected == ["ganstudio"]
    assert ast.unparse(analysis_keywords()["hiddenimports"]) == "hiddenimports"


def test_the_spec_ships_the_resources_and_the_icon() -> None:
    assert "root / 'resources'" in ast.unparse(analysis_keywords()["datas"])
    assert (ROOT / "resources" / "icons" / "ganstudio.svg").is_file()
    assert (ROOT / "packaging" / "launcher.py").is_file()


def module_references(path: Path) -> set[str]:
    """Modules a file imports (at the top or in a function) or names in a "package.module:Class" string."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            match = re.fullmatch(r"([A-Za-z_][\w.]*):[A-Za-z_]\w*", node.value)
            if match:
                names.add(match.group(1))
    return names


def test_the_app_imports_nothing_the_spec_excludes() -> None:
    excludes = ast.literal_eval(analysis_keywords()["excludes"])
    assert {"torchvision", "trainer"} <= set(excludes)
    found = sorted(
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "ganstudio").rglob("*.py")
        for name in module_references(path)
        if any(name == excluded or name.startswith(excluded + ".") for excluded in excludes)
    )
    assert found == []
