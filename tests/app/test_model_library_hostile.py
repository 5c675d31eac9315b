"""A damaged or hostile model header never stops the scan: every file gets an entry, bad ones say what is wrong (issue 22, item 2)."""
from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from ganstudio.app.model_library import ModelLibrary, describe_model_file


def native_file(path: Path, description: object, raw: str | None = None) -> Path:
    """A safetensors file with no tensors whose GAN Studio description is `description` (or the raw text)."""
    meta = {"format": "ganstudio/1", "ganstudio": raw if raw is not None else json.dumps(description)}
    header = json.dumps({"__metadata__": meta}).encode()
    path.write_bytes(struct.pack("<Q", len(header)) + header)
    return path


HOSTILE = {
    "array.safetensors": [1, 2, 3],
    "deep.safetensors": None,  # raw nesting below
    "config-list.safetensors": {"arch": "spade", "config": [1, 2], "labels": 5},
    "labels-int.safetensors": {"arch": "spade", "labels": 7, "resolution": "huge"},
    "provenance-odd.safetensors": {"arch": "stargan", "provenance": {"iterations": 3, "batch": 2, "world_size": "many"}},
    "arch-dict.safetensors": {"arch": {"x": 1}, "parts": 3},
}


def hostile_folder(folder: Path) -> Path:
    folder.mkdir()
    for name, description in HOSTILE.items():
        native_file(folder / name, description, raw=("[" * 100_000 + "]" * 100_000) if description is None else None)
    (folder / "metadata-list.safetensors").write_bytes(struct.pack("<Q", 22) + b'{"__metadata__": [1]}\n')
    (folder / "description-not-text.safetensors").write_bytes(struct.pack("<Q", 52) + b'{"__metadata__": {"format": "ganstudio/1", "ganstudio": 5}}'[:52])
    return folder


def test_every_file_of_a_hostile_folder_gets_an_entry(tmp_path: Path) -> None:
    folder = hostile_folder(tmp_path / "models")
    library = ModelLibrary(str(folder), str(tmp_path / "no-bundled"))
    names = sorted(entry.name for entry in library.entries)
    assert names == sorted(p.name for p in folder.iterdir())
    by_name = {entry.name: entry for entry in library.entries}
    assert "not a JSON object" in by_name["array.safetensors"].error
    assert "nested too deeply" in by_name["deep.safetensors"].error
    assert by_name["config-list.safetensors"].num_classes is None and not by_name["config-list.safetensors"].error
    assert by_name["labels-int.safetensors"].resolution is None
    assert all(isinstance(entry.summary, str) for entry in library.entries)  # the dock can show every row


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_describing_a_hostile_file_never_raises(tmp_path: Path, name: str) -> None:
    folder = hostile_folder(tmp_path / "models")
    entry = describe_model_file(folder / name, "user")
    assert entry.name == name


def test_the_window_opens_with_a_hostile_user_folder_and_open_model_says_why(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QSettings

    from ganstudio.app.inference import InferenceController
    from ganstudio.document.autosave import RecoveryStore
    from ganstudio.engine.runner import JobRunner
    from ganstudio.ui.main_window import MainWindow

    folder = hostile_folder(tmp_path / "models")
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    controller = InferenceController(lambda: JobRunner(device="cpu", threads=1))
    errors: list[tuple[str, str]] = []
    window = MainWindow(controller=controller, settings=settings, recovery=RecoveryStore(tmp_path / "rec"),
                        user_model_folder=str(folder), bundled_model_folder=str(tmp_path / "none"))
    qtbot.addWidget(window)
    window.dialogs.error = lambda title, text: errors.append((title, text))
    assert window.models_panel.tree.topLevelItemCount() == len(list(folder.iterdir()))
    with qtbot.waitSignal(window.synthesis.modelRejected, timeout=20_000):
        window.load_model(str(folder / "array.safetensors"))
    assert errors and "array.safetensors" in errors[-1][1]
    window.close()
    controller.shutdown()
